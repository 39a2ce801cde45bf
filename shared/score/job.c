/* job: a job's scoring definition (skills, knock-outs, thresholds, rubric) parsed and validated from its JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "score/job.h"

/* A copy of s without leading and trailing white space. */
static char *trimmed_copy(const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	return xstrndup(s, len);
}

/*
 * Reads an optional (required=false) or required string member into *out.
 * Missing optional members become "". Returns 0 or -1 with err set.
 */
static int get_string(const cJSON *obj, const char *name, bool required, size_t max, char **out, char *err,
		      size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	char *s;

	if (!v || cJSON_IsNull(v)) {
		if (required)
			return fail(err, errlen, "%s: is required", name);
		*out = xstrdup("");
		return 0;
	}
	if (!cJSON_IsString(v) || !v->valuestring)
		return fail(err, errlen, "%s: must be a string", name);
	if (strlen(v->valuestring) > max)
		return fail(err, errlen, "%s: must be at most %zu bytes", name, max);
	s = trimmed_copy(v->valuestring);
	if (required && !*s) {
		free(s);
		return fail(err, errlen, "%s: must not be empty", name);
	}
	*out = s;
	return 0;
}

static int parse_skills(const cJSON *obj, struct job *job, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "required_skills"), *v;
	size_t n, i = 0, k;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return fail(err, errlen, "required_skills: must be an array of strings");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > JOB_SKILLS_MAX)
		return fail(err, errlen, "required_skills: at most %d skills", JOB_SKILLS_MAX);
	job->required_skills = xcalloc(n ? n : 1, sizeof(char *));
	cJSON_ArrayForEach(v, arr)
	{
		char *s;

		if (!cJSON_IsString(v) || !v->valuestring)
			return fail(err, errlen, "required_skills[%zu]: must be a string", i);
		if (strlen(v->valuestring) > JOB_SKILL_LEN_MAX)
			return fail(err, errlen, "required_skills[%zu]: must be at most %d bytes", i,
				    JOB_SKILL_LEN_MAX);
		s = trimmed_copy(v->valuestring);
		if (!*s) {
			free(s);
			return fail(err, errlen, "required_skills[%zu]: must not be empty", i);
		}
		for (k = 0; k < job->nrequired_skills; k++) {
			if (str_equal_nocase(job->required_skills[k], s)) {
				free(s);
				return fail(err, errlen, "required_skills[%zu]: duplicate of required_skills[%zu]", i,
					    k);
			}
		}
		job->required_skills[job->nrequired_skills++] = s;
		i++;
	}
	return 0;
}

static int parse_knockouts(const cJSON *obj, struct job *job, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "knockouts"), *v;
	size_t n, i = 0;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return fail(err, errlen, "knockouts: must be an array of objects");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > JOB_KNOCKOUTS_MAX)
		return fail(err, errlen, "knockouts: at most %d rules", JOB_KNOCKOUTS_MAX);
	job->knockouts = xcalloc(n ? n : 1, sizeof(*job->knockouts));
	cJSON_ArrayForEach(v, arr)
	{
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(v, "type");
		struct job_knockout *k = &job->knockouts[i];

		if (!cJSON_IsObject(v))
			return fail(err, errlen, "knockouts[%zu]: must be an object", i);
		if (!cJSON_IsString(type) || !type->valuestring)
			return fail(err, errlen,
				    "knockouts[%zu].type: must be \"min_years\", \"certification\" or \"skill\"", i);
		if (strcmp(type->valuestring, "min_years") == 0) {
			const cJSON *y = cJSON_GetObjectItemCaseSensitive(v, "years");
			if (!cJSON_IsNumber(y) || y->valuedouble != floor(y->valuedouble) || y->valuedouble < 1 ||
			    y->valuedouble > JOB_MIN_YEARS_MAX)
				return fail(err, errlen, "knockouts[%zu].years: must be a whole number from 1 to %d", i,
					    JOB_MIN_YEARS_MAX);
			k->type = JOB_KNOCKOUT_MIN_YEARS;
			k->years = (int)y->valuedouble;
		} else if (strcmp(type->valuestring, "certification") == 0 || strcmp(type->valuestring, "skill") == 0) {
			const cJSON *nm = cJSON_GetObjectItemCaseSensitive(v, "name");
			k->type = type->valuestring[0] == 'c' ? JOB_KNOCKOUT_CERTIFICATION : JOB_KNOCKOUT_SKILL;
			if (!cJSON_IsString(nm) || !nm->valuestring || strlen(nm->valuestring) > JOB_SKILL_LEN_MAX)
				return fail(err, errlen, "knockouts[%zu].name: must be a string of at most %d bytes", i,
					    JOB_SKILL_LEN_MAX);
			k->name = trimmed_copy(nm->valuestring);
			if (!*k->name) {
				job->nknockouts = i + 1;
				return fail(err, errlen, "knockouts[%zu].name: must not be empty", i);
			}
		} else {
			return fail(err, errlen,
				    "knockouts[%zu].type: must be \"min_years\", \"certification\" or \"skill\"", i);
		}
		job->nknockouts = ++i;
	}
	return 0;
}

static int get_threshold(const cJSON *obj, const char *name, double def, double *out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!v || cJSON_IsNull(v)) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 100)
		return fail(err, errlen, "thresholds.%s: must be a number from 0 to 100", name);
	*out = v->valuedouble;
	return 0;
}

static int parse_thresholds(const cJSON *obj, struct job *job, char *err, size_t errlen)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "thresholds");

	job->shortlist_threshold = 75;
	job->consider_threshold = 50;
	if (!t || cJSON_IsNull(t))
		return 0;
	if (!cJSON_IsObject(t))
		return fail(err, errlen, "thresholds: must be an object");
	if (get_threshold(t, "shortlist", 75, &job->shortlist_threshold, err, errlen) < 0 ||
	    get_threshold(t, "consider", 50, &job->consider_threshold, err, errlen) < 0)
		return -1;
	if (job->shortlist_threshold <= job->consider_threshold)
		return fail(err, errlen, "thresholds.shortlist: must be greater than consider");
	return 0;
}

int job_from_json(const cJSON *obj, struct job **out, char *err, size_t errlen)
{
	struct job *job = xcalloc(1, sizeof(*job));
	const cJSON *r;
	int ret = -1;

	*out = NULL;
	if (!cJSON_IsObject(obj)) {
		fail(err, errlen, "job: must be a JSON object");
		goto out;
	}
	if (get_string(obj, "title", true, JOB_TITLE_MAX, &job->title, err, errlen) < 0 ||
	    get_string(obj, "description", true, JOB_DESCRIPTION_MAX, &job->description, err, errlen) < 0 ||
	    get_string(obj, "company", false, JOB_FIELD_MAX, &job->company, err, errlen) < 0 ||
	    get_string(obj, "location", false, JOB_FIELD_MAX, &job->location, err, errlen) < 0 ||
	    parse_skills(obj, job, err, errlen) < 0 || parse_knockouts(obj, job, err, errlen) < 0 ||
	    parse_thresholds(obj, job, err, errlen) < 0)
		goto out;
	r = cJSON_GetObjectItemCaseSensitive(obj, "rubric");
	if (r && !cJSON_IsNull(r)) {
		job->rubric = rubric_from_json(r, "rubric", err, errlen);
		if (!job->rubric)
			goto out;
	}
	*out = job;
	job = NULL;
	ret = 0;
out:
	job_free(job);
	return ret;
}

int job_parse(const char *json, size_t len, struct job **out, char *err, size_t errlen)
{
	cJSON *obj = cJSON_ParseWithLength(json, len);
	int ret;

	*out = NULL;
	if (!obj)
		return fail(err, errlen, "job: not valid JSON");
	ret = job_from_json(obj, out, err, errlen);
	cJSON_Delete(obj);
	return ret;
}

cJSON *job_to_json(const struct job *job)
{
	cJSON *o = cJSON_CreateObject(), *arr, *t;
	size_t i;

	cJSON_AddStringToObject(o, "title", job->title);
	cJSON_AddStringToObject(o, "description", job->description);
	cJSON_AddStringToObject(o, "company", job->company);
	cJSON_AddStringToObject(o, "location", job->location);
	arr = cJSON_AddArrayToObject(o, "required_skills");
	for (i = 0; i < job->nrequired_skills; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(job->required_skills[i]));
	arr = cJSON_AddArrayToObject(o, "knockouts");
	for (i = 0; i < job->nknockouts; i++) {
		const struct job_knockout *k = &job->knockouts[i];
		cJSON *ko = cJSON_CreateObject();

		if (k->type == JOB_KNOCKOUT_MIN_YEARS) {
			cJSON_AddStringToObject(ko, "type", "min_years");
			cJSON_AddNumberToObject(ko, "years", k->years);
		} else {
			cJSON_AddStringToObject(ko, "type", k->type == JOB_KNOCKOUT_SKILL ? "skill" : "certification");
			cJSON_AddStringToObject(ko, "name", k->name);
		}
		cJSON_AddItemToArray(arr, ko);
	}
	t = cJSON_AddObjectToObject(o, "thresholds");
	cJSON_AddNumberToObject(t, "shortlist", job->shortlist_threshold);
	cJSON_AddNumberToObject(t, "consider", job->consider_threshold);
	if (job->rubric)
		cJSON_AddItemToObject(o, "rubric", rubric_to_json(job->rubric));
	return o;
}

const struct rubric *job_rubric(struct job *job)
{
	if (job->rubric)
		return job->rubric;
	if (!job->derived)
		job->derived = rubric_derive(job);
	return job->derived;
}

void job_free(struct job *job)
{
	size_t i;

	if (!job)
		return;
	free(job->title);
	free(job->description);
	free(job->company);
	free(job->location);
	for (i = 0; i < job->nrequired_skills; i++)
		free(job->required_skills[i]);
	free(job->required_skills);
	for (i = 0; i < job->nknockouts; i++)
		free(job->knockouts[i].name);
	free(job->knockouts);
	rubric_free(job->rubric);
	rubric_free(job->derived);
	free(job);
}
