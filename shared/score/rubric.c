/* rubric: the criteria candidates are judged on, given with a job or derived from it, and their JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "base/buf.h"
#include "base/util.h"
#include "score/job.h"
#include "score/rubric.h"
#include "text/experience.h"

static const char *const kind_names[] = { "terms", "skills", "experience", "education" };

const char *rubric_kind_name(enum rubric_kind kind)
{
	return kind_names[kind];
}

static void criterion_release(struct rubric_criterion *c)
{
	size_t i;

	free(c->name);
	free(c->description);
	for (i = 0; i < c->nkeywords; i++)
		free(c->keywords[i]);
	free(c->keywords);
}

void rubric_free(struct rubric *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->ncriteria; i++)
		criterion_release(&r->criteria[i]);
	free(r->criteria);
	free(r);
}

long rubric_find(const struct rubric *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncriteria; i++)
		if (str_equal_nocase(r->criteria[i].name, name))
			return (long)i;
	return -1;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static int parse_criterion(const cJSON *v, struct rubric_criterion *c, const char *p, size_t i, char *err,
			   size_t errlen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
	const cJSON *desc = cJSON_GetObjectItemCaseSensitive(v, "description");
	const cJSON *weight = cJSON_GetObjectItemCaseSensitive(v, "weight");
	const cJSON *kw = cJSON_GetObjectItemCaseSensitive(v, "keywords");
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(v, "kind");
	const cJSON *years = cJSON_GetObjectItemCaseSensitive(v, "min_years");
	const cJSON *must = cJSON_GetObjectItemCaseSensitive(v, "must_have");
	const cJSON *k;
	size_t j = 0, n;

	if (!cJSON_IsObject(v))
		return fail(err, errlen, "%s.criteria[%zu]: must be an object", p, i);
	if (!cJSON_IsString(name) || !name->valuestring || blank(name->valuestring) ||
	    strlen(name->valuestring) > RUBRIC_NAME_MAX)
		return fail(err, errlen, "%s.criteria[%zu].name: must be a non-empty string of at most %d bytes", p, i,
			    RUBRIC_NAME_MAX),
		       -1;
	c->name = xstrdup(name->valuestring);
	if (desc && !cJSON_IsNull(desc)) {
		if (!cJSON_IsString(desc) || !desc->valuestring || strlen(desc->valuestring) > RUBRIC_DESCRIPTION_MAX)
			return fail(err, errlen, "%s.criteria[%zu].description: must be a string of at most %d bytes",
				    p, i, RUBRIC_DESCRIPTION_MAX),
			       -1;
		c->description = xstrdup(desc->valuestring);
	} else {
		c->description = xstrdup("");
	}
	if (!cJSON_IsNumber(weight) || !isfinite(weight->valuedouble) || weight->valuedouble <= 0 ||
	    weight->valuedouble > RUBRIC_WEIGHT_MAX)
		return fail(err, errlen, "%s.criteria[%zu].weight: must be a positive number of at most %g", p, i,
			    RUBRIC_WEIGHT_MAX),
		       -1;
	c->weight = weight->valuedouble;
	c->kind = RUBRIC_TERMS;
	if (kind && !cJSON_IsNull(kind)) {
		size_t q;
		if (!cJSON_IsString(kind) || !kind->valuestring)
			return fail(err, errlen, "%s.criteria[%zu].kind: must be a string", p, i);
		for (q = 0; q < ARRAY_SIZE(kind_names); q++)
			if (strcmp(kind->valuestring, kind_names[q]) == 0)
				break;
		if (q == ARRAY_SIZE(kind_names))
			return fail(err, errlen,
				    "%s.criteria[%zu].kind: must be \"terms\", \"skills\", \"experience\" or "
				    "\"education\"",
				    p, i),
			       -1;
		c->kind = (enum rubric_kind)q;
	}
	if (years && !cJSON_IsNull(years)) {
		if (!cJSON_IsNumber(years) || years->valuedouble != floor(years->valuedouble) ||
		    years->valuedouble < 0 || years->valuedouble > 60)
			return fail(err, errlen, "%s.criteria[%zu].min_years: must be a whole number from 0 to 60", p,
				    i),
			       -1;
		c->min_years = (int)years->valuedouble;
	}
	if (must && !cJSON_IsNull(must)) {
		if (!cJSON_IsBool(must))
			return fail(err, errlen, "%s.criteria[%zu].must_have: must be true or false", p, i);
		c->must_have = cJSON_IsTrue(must);
	}
	if (!kw || cJSON_IsNull(kw))
		return 0;
	if (!cJSON_IsArray(kw))
		return fail(err, errlen, "%s.criteria[%zu].keywords: must be an array of strings", p, i);
	n = (size_t)cJSON_GetArraySize(kw);
	if (n > RUBRIC_KEYWORDS_MAX)
		return fail(err, errlen, "%s.criteria[%zu].keywords: at most %d keywords", p, i, RUBRIC_KEYWORDS_MAX),
		       -1;
	c->keywords = xcalloc(n ? n : 1, sizeof(char *));
	cJSON_ArrayForEach(k, kw)
	{
		if (!cJSON_IsString(k) || !k->valuestring || blank(k->valuestring) ||
		    strlen(k->valuestring) > RUBRIC_KEYWORD_LEN_MAX)
			return fail(err, errlen,
				    "%s.criteria[%zu].keywords[%zu]: must be a non-empty string of at most %d bytes", p,
				    i, j, RUBRIC_KEYWORD_LEN_MAX),
			       -1;
		c->keywords[c->nkeywords++] = xstrdup(k->valuestring);
		j++;
	}
	return 0;
}

struct rubric *rubric_from_json(const cJSON *obj, const char *prefix, char *err, size_t errlen)
{
	struct rubric *r = xcalloc(1, sizeof(*r));
	const cJSON *crit, *v;
	size_t n, i = 0, k;
	const char *p = prefix ? prefix : "rubric";

	if (!cJSON_IsObject(obj)) {
		fail(err, errlen, "%s: must be an object", p);
		goto fail;
	}
	crit = cJSON_GetObjectItemCaseSensitive(obj, "criteria");
	if (!cJSON_IsArray(crit)) {
		fail(err, errlen, "%s.criteria: must be an array", p);
		goto fail;
	}
	n = (size_t)cJSON_GetArraySize(crit);
	if (n == 0 || n > RUBRIC_CRITERIA_MAX) {
		fail(err, errlen, "%s.criteria: must hold 1 to %d criteria", p, RUBRIC_CRITERIA_MAX);
		goto fail;
	}
	r->criteria = xcalloc(n, sizeof(*r->criteria));
	cJSON_ArrayForEach(v, crit)
	{
		r->ncriteria = i + 1;
		if (parse_criterion(v, &r->criteria[i], p, i, err, errlen) < 0)
			goto fail;
		for (k = 0; k < i; k++) {
			if (str_equal_nocase(r->criteria[k].name, r->criteria[i].name)) {
				fail(err, errlen, "%s.criteria[%zu].name: duplicate of criteria[%zu]", p, i, k);
				goto fail;
			}
		}
		i++;
	}
	rubric_update_version(r);
	return r;
fail:
	rubric_free(r);
	return NULL;
}

static cJSON *criteria_to_json(const struct rubric *r)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i, j;

	for (i = 0; i < r->ncriteria; i++) {
		const struct rubric_criterion *c = &r->criteria[i];
		cJSON *o = cJSON_CreateObject(), *kw;

		cJSON_AddStringToObject(o, "name", c->name);
		cJSON_AddStringToObject(o, "description", c->description ? c->description : "");
		cJSON_AddNumberToObject(o, "weight", c->weight);
		cJSON_AddStringToObject(o, "kind", kind_names[c->kind]);
		if (c->kind == RUBRIC_EXPERIENCE)
			cJSON_AddNumberToObject(o, "min_years", c->min_years);
		if (c->must_have)
			cJSON_AddTrueToObject(o, "must_have");
		kw = cJSON_AddArrayToObject(o, "keywords");
		for (j = 0; j < c->nkeywords; j++)
			cJSON_AddItemToArray(kw, cJSON_CreateString(c->keywords[j]));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

void rubric_update_version(struct rubric *r)
{
	cJSON *o = cJSON_CreateObject();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	char *text;

	cJSON_AddItemToObject(o, "criteria", criteria_to_json(r));
	text = cJSON_PrintUnformatted(o);
	if (!text)
		abort(); /* cJSON only fails on allocation */
	if (EVP_Digest(text, strlen(text), md, &mdlen, EVP_sha256(), NULL) != 1)
		abort();
	hex_encode(md, mdlen, hex);
	memcpy(r->version, hex, RUBRIC_VERSION_LEN);
	r->version[RUBRIC_VERSION_LEN] = '\0';
	cJSON_free(text);
	cJSON_Delete(o);
}

cJSON *rubric_to_json(const struct rubric *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", r->version);
	cJSON_AddItemToObject(o, "criteria", criteria_to_json(r));
	return o;
}
