/* llm_json: one synchronous structured-output call to the OpenAI-compatible provider (small, non-resume tasks). */
#include "llm/llm_json.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/util.h"
#include "core/config.h"
#include "core/procmetrics.h"
#include "llm/llm.h"
#include "llm/llm_models.h"
#include "llm/llm_price.h"
#include "llm/llm_prompt.h"

#define ATTEMPTS 3
#define BODY_MAX (1024 * 1024)
#define WAIT_MAX_MS 5000

bool llm_json_enabled(void)
{
	enum llm_provider p;

	return llm_provider_select(config()->llm_provider, config()->openai_api_key, &p) == 0 &&
	       p == LLM_PROVIDER_OPENAI;
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	return buf_append(userdata, data, size * n) < 0 ? 0 : size * n;
}

/* Reads retry-after-ms or retry-after (seconds) into *ms. */
static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	int64_t *ms = userdata, v;
	size_t len = size * n;
	char line[128];

	if (len >= sizeof(line))
		return len;
	memcpy(line, data, len);
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (str_has_prefix(line, "retry-after-ms:") &&
	    parse_int64(line + 15 + strspn(line + 15, " "), 0, INT64_MAX, &v) == 0)
		*ms = v;
	else if (str_has_prefix(line, "retry-after:") && *ms < 0 &&
		 parse_int64(line + 12 + strspn(line + 12, " "), 0, INT64_MAX / 1000, &v) == 0)
		*ms = v * 1000;
	return len;
}

static char *request_body(const char *system, const char *user, const cJSON *schema, const char *schema_name)
{
	cJSON *req = cJSON_CreateObject(), *msgs, *m, *fmt, *js, *sent;
	struct llm_model_caps caps;
	char *text;

	cJSON_AddStringToObject(req, "model", config()->openai_model);
	msgs = cJSON_AddArrayToObject(req, "messages");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "system");
	cJSON_AddStringToObject(m, "content", system);
	cJSON_AddItemToArray(msgs, m);
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user);
	cJSON_AddItemToArray(msgs, m);
	fmt = cJSON_AddObjectToObject(req, "response_format");
	cJSON_AddStringToObject(fmt, "type", "json_schema");
	js = cJSON_AddObjectToObject(fmt, "json_schema");
	cJSON_AddStringToObject(js, "name", schema_name);
	cJSON_AddTrueToObject(js, "strict");
	sent = cJSON_Duplicate(schema, true);
	llm_model_caps_of(config()->openai_model, &caps);
	if (!caps.schema_bounds)
		llm_prompt_strip_bounds(sent);
	cJSON_AddItemToObject(js, "schema", sent);
	llm_model_add_sampling(req, config()->openai_model, LLM_PROMPT_SEED);
	cJSON_AddNumberToObject(req, "max_completion_tokens",
				(double)llm_model_output_budget(config()->openai_model, 0));
	text = json_print(req);
	cJSON_Delete(req);
	return text;
}

/* One more attempt of a call follows: counted like the engine's retries, by model. */
static void count_retry(const char *model)
{
	procmetrics_count(PM_LLM_RETRIES, procmetrics_name(llm_openai_price_model(model)), 0, 0, 1);
}

/* Adds what one answer (status 200, usage read) was billed. */
static void add_spend(struct llm_json_spend *spend, const struct llm_reply *reply, const char *configured)
{
	const char *model = reply->model && *reply->model ? reply->model : configured;

	if (!spend)
		return;
	snprintf(spend->model, sizeof(spend->model), "%s", model);
	spend->answers++;
	spend->prompt_tokens += reply->usage.prompt_tokens;
	spend->completion_tokens += reply->usage.completion_tokens;
	spend->cached_tokens += reply->usage.cached_tokens;
	spend->cost_microusd += reply->usage.cost_microusd;
	if (!llm_price_of(model, NULL, 0))
		spend->cost_known = false;
}

/* The call of llm_json_call() with at most attempts requests. */
static int call(const char *system, const char *user, const cJSON *schema, const char *schema_name, int attempts,
		cJSON **out, struct llm_json_spend *spend, char *err, size_t errlen)
{
	const struct config *c = config();
	struct buf url = BUF_INIT(4096), auth = BUF_INIT(4096), body = BUF_INIT(BODY_MAX);
	struct curl_slist *headers = NULL;
	char *req = request_body(system, user, schema, schema_name);
	size_t n = strlen(c->openai_base_url);
	CURL *easy = curl_easy_init();
	int attempt, rc = -1;

	*out = NULL;
	if (spend) {
		memset(spend, 0, sizeof(*spend));
		snprintf(spend->model, sizeof(spend->model), "%s", c->openai_model);
		spend->cost_known = true;
	}
	snprintf(err, errlen, "no answer from the provider");
	while (n > 0 && c->openai_base_url[n - 1] == '/')
		n--;
	buf_printf(&url, "%.*s/chat/completions", (int)n, c->openai_base_url);
	buf_printf(&auth, "Authorization: Bearer %s", c->openai_api_key);
	headers = curl_slist_append(headers, auth.ptr);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	if (!easy || !headers)
		goto out;
	for (attempt = 1; attempt <= attempts; attempt++) {
		struct llm_reply reply;
		int64_t wait_ms = -1, sent_at;
		long status = 0;
		CURLcode cc;

		buf_reset(&body);
		curl_easy_reset(easy);
		curl_easy_setopt(easy, CURLOPT_URL, url.ptr);
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req);
		curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(easy, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(easy, CURLOPT_HEADERDATA, &wait_ms);
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
				 c->llm_timeout_ms < 30000 ? (long)c->llm_timeout_ms : 30000L);
		curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
		curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
		sent_at = now_ms();
		cc = curl_easy_perform(easy);
		if (cc != CURLE_OK) {
			procmetrics_llm_call(llm_openai_price_model(c->openai_model),
					     cc == CURLE_OPERATION_TIMEDOUT ? PM_LLM_TIMEOUT : PM_LLM_ERROR,
					     (now_ms() - sent_at) * 1000, 0, 0, 0);
			snprintf(err, errlen, "provider unreachable: %s", curl_easy_strerror(cc));
			if (attempt < attempts) {
				count_retry(c->openai_model);
				usleep(200000 * (useconds_t)attempt);
			}
			continue;
		}
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		llm_openai_parse_reply(status, body.ptr ? body.ptr : "", body.len, &reply);
		procmetrics_llm_call(llm_openai_price_model(reply.model ? reply.model : c->openai_model),
				     status == 429		       ? PM_LLM_RATE_LIMITED
				     : reply.outcome == LLM_OUTCOME_OK ? PM_LLM_OK
								       : PM_LLM_ERROR,
				     (now_ms() - sent_at) * 1000, reply.usage.prompt_tokens,
				     reply.usage.completion_tokens, reply.usage.cost_microusd);
		if (status == 200)
			add_spend(spend, &reply, c->openai_model);
		if (reply.outcome == LLM_OUTCOME_OK) {
			char why[200];

			*out = json_parse(reply.content, strlen(reply.content), 16, why, sizeof(why));
			if (*out)
				rc = 0;
			else
				snprintf(err, errlen, "malformed output: %s", why);
			llm_reply_release(&reply);
			break;
		}
		snprintf(err, errlen, "%s", reply.reason);
		llm_reply_release(&reply);
		if (reply.outcome != LLM_OUTCOME_RATE_LIMITED && reply.outcome != LLM_OUTCOME_RETRY)
			break;
		if (wait_ms > WAIT_MAX_MS)
			break;
		if (attempt >= attempts)
			break;
		count_retry(c->openai_model);
		usleep((useconds_t)(wait_ms > 0 ? wait_ms : 250 * attempt) * 1000);
	}
out:
	curl_slist_free_all(headers);
	if (easy)
		curl_easy_cleanup(easy);
	free(req);
	buf_release(&url);
	buf_release(&auth);
	buf_release(&body);
	return rc;
}

int llm_json_call(const char *system, const char *user, const cJSON *schema, const char *schema_name, cJSON **out,
		  struct llm_json_spend *spend, char *err, size_t errlen)
{
	return call(system, user, schema, schema_name, ATTEMPTS, out, spend, err, errlen);
}

int llm_json_call_once(const char *system, const char *user, const cJSON *schema, const char *schema_name, cJSON **out,
		       struct llm_json_spend *spend, char *err, size_t errlen)
{
	return call(system, user, schema, schema_name, 1, out, spend, err, errlen);
}
