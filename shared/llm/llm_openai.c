/* llm_openai: classifying OpenAI-compatible chat-completions answers, their cost, and turning output into analyses. */
#include "llm/llm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "llm/llm_price.h"
#include "score/analysis.h"
#include "score/job.h"
#include "score/rubric.h"
#include "text/experience.h"

#define REPLY_JSON_DEPTH 64
#define REASON_MESSAGE_MAX 200
/* Longest model name or fingerprint kept. */
#define NAME_MAX_BYTES 200

const char *llm_openai_price_model(const char *model)
{
	const struct llm_price *p = llm_price_of(model, NULL, 0);

	return p ? p->prefix : NULL;
}

int64_t llm_openai_cost_microusd(const char *model, int64_t prompt_tokens, int64_t cached_tokens,
				 int64_t completion_tokens)
{
	return llm_price_microusd(llm_price_of(model, NULL, 0), prompt_tokens, cached_tokens, completion_tokens);
}

const char *llm_outcome_name(enum llm_outcome o)
{
	static const char *const names[] = {
		"ok", "rate_limited", "retry", "malformed", "refused", "truncated", "error"
	};

	return (unsigned)o < ARRAY_SIZE(names) ? names[o] : "unknown";
}

void llm_reply_release(struct llm_reply *r)
{
	free(r->content);
	free(r->model);
	free(r->fingerprint);
	r->content = r->model = r->fingerprint = NULL;
}

static int64_t token_count(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1e12))
		return 0;
	return (int64_t)v->valuedouble;
}

static void read_usage(const cJSON *root, struct llm_reply *out)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(root, "usage");
	const char *s;

	if (cJSON_IsObject(u)) {
		out->usage.prompt_tokens = token_count(u, "prompt_tokens");
		out->usage.completion_tokens = token_count(u, "completion_tokens");
		out->usage.cached_tokens =
			token_count(cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details"), "cached_tokens");
	}
	s = json_str(root, "model", NULL);
	if (s)
		out->model = xstrndup(s, strnlen(s, NAME_MAX_BYTES));
	s = json_str(root, "system_fingerprint", NULL);
	if (s)
		out->fingerprint = xstrndup(s, strnlen(s, NAME_MAX_BYTES));
	out->usage.cost_microusd = llm_openai_cost_microusd(out->model, out->usage.prompt_tokens,
							    out->usage.cached_tokens, out->usage.completion_tokens);
}

/* The provider's error.message, shortened and on one line, or def. */
static void error_message(const cJSON *root, char *out, size_t outlen, const char *def)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *m = cJSON_IsObject(err) ? json_str(err, "message", NULL) : NULL;
	size_t i;

	if (!m && cJSON_IsString(err))
		m = err->valuestring;
	snprintf(out, outlen, "%.*s", REASON_MESSAGE_MAX, m && *m ? m : def);
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20)
			out[i] = ' ';
}

static void parse_error_status(long status, const cJSON *root, struct llm_reply *out)
{
	char msg[REASON_MESSAGE_MAX + 1], def[48];
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(root, "error");
	const char *code = cJSON_IsObject(err) ? json_str(err, "code", NULL) : NULL;
	const char *type = cJSON_IsObject(err) ? json_str(err, "type", NULL) : NULL;

	snprintf(def, sizeof(def), "HTTP %ld", status);
	error_message(root, msg, sizeof(msg), def);
	if (status == 429 &&
	    ((code && strcmp(code, "insufficient_quota") == 0) || (type && strcmp(type, "insufficient_quota") == 0))) {
		out->outcome = LLM_OUTCOME_ERROR;
		snprintf(out->reason, sizeof(out->reason), "provider quota exhausted: %s", msg);
		out->retry_later = true;
	} else if (status == 429 && str_has_prefix(msg, "Request too large")) {
		/* Larger than the whole per-minute budget: waiting cannot make it fit. */
		out->outcome = LLM_OUTCOME_ERROR;
		snprintf(out->reason, sizeof(out->reason), "request too large for the provider's rate limit: %s", msg);
	} else if (status == 429) {
		out->outcome = LLM_OUTCOME_RATE_LIMITED;
		snprintf(out->reason, sizeof(out->reason), "rate limited: %s", msg);
	} else if (status == 408 || status == 409 || status >= 500) {
		out->outcome = LLM_OUTCOME_RETRY;
		snprintf(out->reason, sizeof(out->reason), "provider error: HTTP %d: %.*s", (int)(status % 1000), 180,
			 msg);
	} else {
		out->outcome = LLM_OUTCOME_ERROR;
		snprintf(out->reason, sizeof(out->reason), "provider rejected the request: HTTP %d: %.*s",
			 (int)(status % 1000), 180, msg);
	}
}

void llm_openai_parse_reply(long http_status, const char *body, size_t len, struct llm_reply *out)
{
	cJSON *root = NULL;
	const cJSON *choices, *choice, *msg, *content, *refusal;
	const char *finish;
	char err[160];

	memset(out, 0, sizeof(*out));
	out->http_status = http_status;
	root = json_parse(body ? body : "", body ? len : 0, REPLY_JSON_DEPTH, err, sizeof(err));
	if (http_status != 200) {
		parse_error_status(http_status, root, out);
		if (root)
			read_usage(root, out);
		goto out;
	}
	if (!root) {
		out->outcome = LLM_OUTCOME_MALFORMED;
		snprintf(out->reason, sizeof(out->reason), "malformed answer: %s", err);
		goto out;
	}
	read_usage(root, out);
	choices = cJSON_GetObjectItemCaseSensitive(root, "choices");
	choice = cJSON_IsArray(choices) ? cJSON_GetArrayItem(choices, 0) : NULL;
	msg = cJSON_IsObject(choice) ? cJSON_GetObjectItemCaseSensitive(choice, "message") : NULL;
	if (!cJSON_IsObject(msg)) {
		out->outcome = LLM_OUTCOME_MALFORMED;
		snprintf(out->reason, sizeof(out->reason), "malformed answer: no choices[0].message");
		goto out;
	}
	finish = json_str(choice, "finish_reason", "");
	refusal = cJSON_GetObjectItemCaseSensitive(msg, "refusal");
	content = cJSON_GetObjectItemCaseSensitive(msg, "content");
	if (refusal && !cJSON_IsNull(refusal)) {
		out->outcome = LLM_OUTCOME_REFUSED;
		snprintf(out->reason, sizeof(out->reason), "provider refused");
		goto out;
	}
	if (strcmp(finish, "content_filter") == 0) {
		out->outcome = LLM_OUTCOME_REFUSED;
		snprintf(out->reason, sizeof(out->reason), "provider refused: stopped by its content filter");
		goto out;
	}
	if (strcmp(finish, "length") == 0) {
		out->outcome = LLM_OUTCOME_TRUNCATED;
		snprintf(out->reason, sizeof(out->reason), "output truncated");
		goto out;
	}
	if (!cJSON_IsString(content) || !content->valuestring || !*content->valuestring) {
		out->outcome = LLM_OUTCOME_MALFORMED;
		snprintf(out->reason, sizeof(out->reason), "malformed answer: no message content");
		goto out;
	}
	out->outcome = LLM_OUTCOME_OK;
	out->content = xstrdup(content->valuestring);
out:
	cJSON_Delete(root);
}

/* Cuts a string member in place to at most max bytes, at a character boundary. */
static void clamp_string(cJSON *s, size_t max)
{
	size_t n;

	if (!cJSON_IsString(s) || !s->valuestring || strlen(s->valuestring) <= max)
		return;
	n = max;
	while (n > 0 && ((unsigned char)s->valuestring[n] & 0xc0) == 0x80)
		n--;
	s->valuestring[n] = '\0';
}

static void clamp_list(cJSON *arr)
{
	cJSON *v;

	if (!cJSON_IsArray(arr))
		return;
	while (cJSON_GetArraySize(arr) > ANALYSIS_LIST_MAX)
		cJSON_DeleteItemFromArray(arr, ANALYSIS_LIST_MAX);
	cJSON_ArrayForEach(v, arr)
	{
		clamp_string(v, ANALYSIS_STRING_MAX);
	}
}

/*
 * Makes a schema-valid answer fit the analysis bounds: a criterion named
 * twice keeps its first entry (the rest is dropped: never averaged), long
 * texts and lists are shortened. Quotes are left alone: a quote that is too
 * long is not verbatim evidence anyway, and analysis_from_json() says so.
 */
static void tidy(cJSON *root)
{
	cJSON *crit = cJSON_GetObjectItemCaseSensitive(root, "criteria"), *c;
	int i, j;

	if (!cJSON_IsObject(root))
		return;
	clamp_string(cJSON_GetObjectItemCaseSensitive(root, "summary"), ANALYSIS_STRING_MAX);
	clamp_list(cJSON_GetObjectItemCaseSensitive(root, "matched_skills"));
	clamp_list(cJSON_GetObjectItemCaseSensitive(root, "missing_skills"));
	/* Fields the model has no say in. */
	cJSON_DeleteItemFromObjectCaseSensitive(root, "score");
	cJSON_DeleteItemFromObjectCaseSensitive(root, "category");
	cJSON_DeleteItemFromObjectCaseSensitive(root, "flags");
	cJSON_DeleteItemFromObjectCaseSensitive(root, "knockouts");
	if (!cJSON_IsArray(crit))
		return;
	for (i = 0; i < cJSON_GetArraySize(crit); i++) {
		const char *name = json_str(cJSON_GetArrayItem(crit, i), "name", NULL);

		if (!name)
			continue;
		for (j = i + 1; j < cJSON_GetArraySize(crit);) {
			const char *other = json_str(cJSON_GetArrayItem(crit, j), "name", NULL);

			if (other && str_equal_nocase(name, other))
				cJSON_DeleteItemFromArray(crit, j);
			else
				j++;
		}
	}
	cJSON_ArrayForEach(c, crit)
	{
		cJSON_DeleteItemFromObjectCaseSensitive(c, "weight");
		cJSON_DeleteItemFromObjectCaseSensitive(c, "supported");
		clamp_list(cJSON_GetObjectItemCaseSensitive(c, "strengths"));
		clamp_list(cJSON_GetObjectItemCaseSensitive(c, "gaps"));
	}
}

/*
 * The schema keys criteria c1..cN (see llm_prompt_schema()); the analysis
 * reads a list of named criteria. Members that name no rubric criterion
 * are dropped.
 */
static void criteria_to_list(cJSON *root, const struct rubric *r)
{
	cJSON *obj = cJSON_GetObjectItemCaseSensitive(root, "criteria"), *list, *m;

	if (!cJSON_IsObject(obj))
		return;
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(m, obj)
	{
		cJSON *c;
		int64_t k;

		if (!cJSON_IsObject(m) || m->string[0] != 'c' ||
		    parse_int64(m->string + 1, 1, (int64_t)r->ncriteria, &k) < 0)
			continue;
		c = cJSON_Duplicate(m, true);
		cJSON_DeleteItemFromObjectCaseSensitive(c, "name");
		cJSON_AddStringToObject(c, "name", r->criteria[k - 1].name);
		cJSON_AddItemToArray(list, c);
	}
	cJSON_ReplaceItemInObjectCaseSensitive(root, "criteria", list);
}

struct analysis *llm_openai_analysis(const char *content, size_t len, struct job *job, const char *text, size_t tlen,
				     char *err, size_t errlen)
{
	struct analysis *a = NULL;
	char why[200];
	cJSON *root;
	int year, month;

	root = json_parse(content, len, REPLY_JSON_DEPTH, why, sizeof(why));
	if (!root) {
		snprintf(err, errlen, "malformed output: %s", why);
		return NULL;
	}
	if (cJSON_IsObject(root))
		criteria_to_list(root, job_rubric(job));
	tidy(root);
	a = analysis_from_json(root, why, sizeof(why));
	cJSON_Delete(root);
	if (!a) {
		snprintf(err, errlen, "malformed output: %s", why);
		return NULL;
	}
	experience_today(&year, &month);
	analysis_complete(a, job, text, tlen, year, month);
	return a;
}
