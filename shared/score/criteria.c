/* criteria: what a job's criteria from the LLM are made of — the request, the prompt, the schema and the answer's validation (no LLM client: criteria_llm.c asks). */
#include "score/criteria.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/util.h"
#include "core/config.h"
#include "llm/llm.h"
#include "queue/jobprep.h"

bool criteria_enabled(void)
{
	enum llm_provider p;

	return llm_provider_select(config()->llm_provider, config()->openai_api_key, &p) == 0 &&
	       p == LLM_PROVIDER_OPENAI;
}

char *criteria_user_prompt(const struct job *job)
{
	struct buf b = BUF_INIT(256 * 1024);
	size_t i;

	buf_printf(&b, "Title: %s\n", job->title);
	if (job->nrequired_skills) {
		buf_append_str(&b, "Required skills: ");
		for (i = 0; i < job->nrequired_skills; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", job->required_skills[i]);
		buf_append_char(&b, '\n');
	}
	buf_printf(&b, "Description:\n%s\n", job->description ? job->description : "");
	return buf_detach(&b, NULL);
}

int criteria_request(int64_t org_id, int64_t job_id)
{
	return jobprep_request_kind(org_id, job_id, JOBPREP_CRITERIA);
}

static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

cJSON *criteria_schema(void)
{
	static const char *const fields[] = { "title", "evidence", "weight", "must_have", "keywords" };
	cJSON *schema = typed("object"), *props, *req, *list, *item, *iprops, *ireq, *w, *kw;
	size_t i;

	props = cJSON_AddObjectToObject(schema, "properties");
	list = typed("array");
	item = typed("object");
	iprops = cJSON_AddObjectToObject(item, "properties");
	cJSON_AddItemToObject(iprops, "title", typed("string"));
	cJSON_AddItemToObject(iprops, "evidence", typed("string"));
	w = typed("integer");
	cJSON_AddNumberToObject(w, "minimum", 1);
	cJSON_AddNumberToObject(w, "maximum", 10);
	cJSON_AddItemToObject(iprops, "weight", w);
	cJSON_AddItemToObject(iprops, "must_have", typed("boolean"));
	kw = typed("array");
	cJSON_AddItemToObject(kw, "items", typed("string"));
	cJSON_AddItemToObject(iprops, "keywords", kw);
	ireq = cJSON_AddArrayToObject(item, "required");
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		cJSON_AddItemToArray(ireq, cJSON_CreateString(fields[i]));
	cJSON_AddFalseToObject(item, "additionalProperties");
	cJSON_AddItemToObject(list, "items", item);
	cJSON_AddItemToObject(props, "criteria", list);
	req = cJSON_AddArrayToObject(schema, "required");
	cJSON_AddItemToArray(req, cJSON_CreateString("criteria"));
	cJSON_AddFalseToObject(schema, "additionalProperties");
	return schema;
}

/* A copy of s cut to at most max bytes at a UTF-8 boundary, spaces trimmed. */
static char *cut_copy(const char *s, size_t max)
{
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	len = strlen(s);
	if (len > max) {
		len = max;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n'))
		len--;
	return xstrndup(s, len);
}

/* One criterion of the answer as a rubric criterion object, or NULL when unusable. */
static cJSON *criterion_of(const cJSON *c, const cJSON *kept)
{
	const char *title = json_str(c, "title", ""), *evidence = json_str(c, "evidence", "");
	int64_t weight = json_int(c, "weight", 5);
	const cJSON *kw = cJSON_GetObjectItemCaseSensitive(c, "keywords"), *k, *o2;
	char *name = cut_copy(title, RUBRIC_NAME_MAX), *desc;
	cJSON *o, *keywords;

	if (!*name) {
		free(name);
		return NULL;
	}
	cJSON_ArrayForEach(o2, kept) if (str_equal_nocase(json_str(o2, "name", ""), name))
	{
		free(name);
		return NULL;
	}
	desc = cut_copy(evidence, RUBRIC_DESCRIPTION_MAX);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "description", desc);
	cJSON_AddNumberToObject(o, "weight", (double)(weight < 1 ? 1 : weight > 10 ? 10 : weight));
	cJSON_AddStringToObject(o, "kind", "terms");
	if (json_bool(c, "must_have", false))
		cJSON_AddTrueToObject(o, "must_have");
	keywords = cJSON_AddArrayToObject(o, "keywords");
	cJSON_ArrayForEach(k, kw)
	{
		char *t;

		if (!cJSON_IsString(k) || cJSON_GetArraySize(keywords) >= RUBRIC_KEYWORDS_MAX)
			continue;
		t = cut_copy(k->valuestring, RUBRIC_KEYWORD_LEN_MAX);
		if (*t)
			cJSON_AddItemToArray(keywords, cJSON_CreateString(t));
		free(t);
	}
	free(name);
	free(desc);
	return o;
}

struct rubric *criteria_from_answer(const cJSON *answer, char *err, size_t errlen)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(answer, "criteria"), *c;
	cJSON *obj = cJSON_CreateObject(), *kept = cJSON_AddArrayToObject(obj, "criteria");
	struct rubric *r = NULL;

	cJSON_ArrayForEach(c, list)
	{
		cJSON *o;

		if (cJSON_GetArraySize(kept) >= CRITERIA_MAX)
			break;
		o = cJSON_IsObject(c) ? criterion_of(c, kept) : NULL;
		if (o)
			cJSON_AddItemToArray(kept, o);
	}
	if (cJSON_GetArraySize(kept) == 0)
		snprintf(err, errlen, "the answer holds no usable criterion");
	else
		r = rubric_from_json(obj, "answer", err, errlen);
	cJSON_Delete(obj);
	return r;
}
