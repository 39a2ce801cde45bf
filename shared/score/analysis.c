/* analysis: the scoring result both the local and the LLM scorer produce, its category rules and its JSON. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "score/analysis.h"
#include "score/evidence.h"
#include "score/job.h"
#include "score/knockout.h"
#include "score/rubric.h"
#include "text/experience.h"
#include "text/textnorm.h"

#define KNOCKOUT_PREFIX "Rejected by knock-out: "

static const char *const category_names[] = { "shortlist", "consider", "reject", "needs_review" };
static const char *const result_names[] = { "pass", "fail", "unknown" };

const char *analysis_category_name(enum analysis_category c)
{
	return category_names[c];
}

const char *analysis_result_name(enum analysis_result r)
{
	return result_names[r];
}

static double round1(double x)
{
	return round(x * 10.0) / 10.0;
}

struct analysis *analysis_new(void)
{
	struct analysis *a = xcalloc(1, sizeof(*a));

	a->category = ANALYSIS_NEEDS_REVIEW;
	a->summary = xstrdup("");
	return a;
}

static void list_release(struct analysis_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void analysis_list_add(struct analysis_list *l, const char *s)
{
	if (l->n >= ANALYSIS_LIST_MAX)
		return;
	/* Grow in steps of 8; n is small and bounded. */
	if (l->n % 8 == 0)
		l->v = xrealloc(l->v, (l->n + 8) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

bool analysis_list_has(const struct analysis_list *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

static void criterion_release(struct analysis_criterion *c)
{
	size_t i;

	free(c->name);
	for (i = 0; i < c->nevidence; i++)
		free(c->evidence[i].quote);
	free(c->evidence);
	list_release(&c->strengths);
	list_release(&c->gaps);
}

static void knockouts_release(struct analysis *a)
{
	size_t i;

	for (i = 0; i < a->nknockouts; i++) {
		free(a->knockouts[i].rule);
		free(a->knockouts[i].detail);
	}
	free(a->knockouts);
	a->knockouts = NULL;
	a->nknockouts = 0;
}

void analysis_free(struct analysis *a)
{
	size_t i;

	if (!a)
		return;
	free(a->summary);
	for (i = 0; i < a->ncriteria; i++)
		criterion_release(&a->criteria[i]);
	free(a->criteria);
	knockouts_release(a);
	list_release(&a->matched_skills);
	list_release(&a->missing_skills);
	list_release(&a->flags);
	free(a);
}

struct analysis_criterion *analysis_add_criterion(struct analysis *a, const char *name, double weight, double score)
{
	struct analysis_criterion *c;

	if (a->ncriteria % 8 == 0)
		a->criteria = xrealloc(a->criteria, (a->ncriteria + 8) * sizeof(*a->criteria));
	c = &a->criteria[a->ncriteria++];
	memset(c, 0, sizeof(*c));
	c->name = xstrdup(name);
	c->weight = weight;
	c->score = score;
	return c;
}

void analysis_add_evidence(struct analysis_criterion *c, const char *quote)
{
	if (c->nevidence >= ANALYSIS_EVIDENCE_MAX)
		return;
	if (c->nevidence % 4 == 0)
		c->evidence = xrealloc(c->evidence, (c->nevidence + 4) * sizeof(*c->evidence));
	memset(&c->evidence[c->nevidence], 0, sizeof(c->evidence[0]));
	c->evidence[c->nevidence++].quote = xstrdup(quote);
}

void analysis_add_knockout(struct analysis *a, const char *rule, enum analysis_result result, const char *detail)
{
	if (a->nknockouts >= ANALYSIS_KNOCKOUTS_MAX)
		return;
	if (a->nknockouts % 4 == 0)
		a->knockouts = xrealloc(a->knockouts, (a->nknockouts + 4) * sizeof(*a->knockouts));
	a->knockouts[a->nknockouts].rule = xstrdup(rule);
	a->knockouts[a->nknockouts].result = result;
	a->knockouts[a->nknockouts].detail = xstrdup(detail);
	a->nknockouts++;
}

void analysis_set_summary(struct analysis *a, const char *s)
{
	char *copy = xstrdup(s);

	free(a->summary);
	a->summary = copy;
}

static enum analysis_category by_threshold(double score, double shortlist, double consider)
{
	if (score >= shortlist)
		return ANALYSIS_SHORTLIST;
	if (score >= consider)
		return ANALYSIS_CONSIDER;
	return ANALYSIS_REJECT;
}

void analysis_finalize(struct analysis *a, const struct job *job)
{
	double shortlist = job ? job->shortlist_threshold : 75, consider = job ? job->consider_threshold : 50;
	double sumw = 0, sum = 0, claimed = 0;
	const struct analysis_knockout *failed = NULL;
	bool unknown = false;
	size_t i;

	for (i = 0; i < a->ncriteria; i++) {
		const struct analysis_criterion *c = &a->criteria[i];
		if (!(c->weight > 0))
			continue;
		sumw += c->weight;
		sum += c->weight * (c->supported ? c->score : 0);
		claimed += c->weight * c->score;
	}
	a->score = sumw > 0 ? round1(sum / sumw * 10.0) : 0;
	claimed = sumw > 0 ? round1(claimed / sumw * 10.0) : 0;
	a->category = by_threshold(a->score, shortlist, consider);
	if (a->category == ANALYSIS_REJECT && by_threshold(claimed, shortlist, consider) != ANALYSIS_REJECT) {
		a->category = ANALYSIS_NEEDS_REVIEW;
		if (!analysis_list_has(&a->flags, "unverified_evidence"))
			analysis_list_add(&a->flags, "unverified_evidence");
	}
	if (sumw <= 0 || analysis_list_has(&a->flags, "missing_criterion") ||
	    analysis_list_has(&a->flags, "little_text"))
		a->category = ANALYSIS_NEEDS_REVIEW;
	for (i = 0; i < a->nknockouts; i++) {
		if (a->knockouts[i].result == ANALYSIS_FAIL && !failed)
			failed = &a->knockouts[i];
		else if (a->knockouts[i].result == ANALYSIS_UNKNOWN)
			unknown = true;
	}
	if (failed) {
		a->category = ANALYSIS_REJECT;
		if (strncmp(a->summary, KNOCKOUT_PREFIX, strlen(KNOCKOUT_PREFIX)) != 0) {
			struct buf b = BUF_INIT(ANALYSIS_STRING_MAX * 2);
			buf_printf(&b, KNOCKOUT_PREFIX "%s (%s).%s%s", failed->rule, failed->detail,
				   *a->summary ? " " : "", a->summary);
			free(a->summary);
			a->summary = buf_detach(&b, NULL);
		}
	} else if (unknown) {
		a->category = ANALYSIS_NEEDS_REVIEW;
	}
}

int analysis_complete(struct analysis *a, struct job *job, const char *text, size_t len, int ref_year, int ref_month)
{
	const struct rubric *r = job_rubric(job);
	struct textnorm_doc doc;
	struct experience exp;
	size_t i;

	evidence_verify_analysis(a, text, len);
	for (i = 0; i < a->ncriteria; i++) {
		long k = rubric_find(r, a->criteria[i].name);
		a->criteria[i].weight = k >= 0 ? r->criteria[k].weight : 0;
		if (k < 0 && !analysis_list_has(&a->flags, "unknown_criterion"))
			analysis_list_add(&a->flags, "unknown_criterion");
	}
	for (i = 0; i < r->ncriteria; i++) {
		size_t j;
		for (j = 0; j < a->ncriteria; j++)
			if (str_equal_nocase(a->criteria[j].name, r->criteria[i].name))
				break;
		if (j == a->ncriteria) {
			struct analysis_criterion *c =
				analysis_add_criterion(a, r->criteria[i].name, r->criteria[i].weight, 0);
			analysis_list_add(&c->gaps, "not assessed");
			if (!analysis_list_has(&a->flags, "missing_criterion"))
				analysis_list_add(&a->flags, "missing_criterion");
		}
	}
	experience_estimate(text, len, ref_year, ref_month, &exp);
	a->years_known = exp.known;
	a->years_experience = exp.years;
	knockouts_release(a);
	textnorm_doc_init(&doc, text, len);
	knockout_apply(job, &doc, &exp, a);
	textnorm_doc_release(&doc);
	analysis_finalize(a, job);
	return 0;
}

static cJSON *list_to_json(const struct analysis_list *l)
{
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < l->n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(l->v[i]));
	return arr;
}

cJSON *analysis_to_json(const struct analysis *a)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	size_t i, j;

	cJSON_AddNumberToObject(o, "score", round1(a->score));
	cJSON_AddStringToObject(o, "category", category_names[a->category]);
	cJSON_AddStringToObject(o, "summary", a->summary ? a->summary : "");
	arr = cJSON_AddArrayToObject(o, "criteria");
	for (i = 0; i < a->ncriteria; i++) {
		const struct analysis_criterion *c = &a->criteria[i];
		cJSON *co = cJSON_CreateObject(), *ev;

		cJSON_AddStringToObject(co, "name", c->name);
		cJSON_AddNumberToObject(co, "weight", c->weight);
		cJSON_AddNumberToObject(co, "score", round1(c->score));
		cJSON_AddBoolToObject(co, "supported", c->supported);
		ev = cJSON_AddArrayToObject(co, "evidence");
		for (j = 0; j < c->nevidence; j++) {
			cJSON *e = cJSON_CreateObject();
			cJSON_AddStringToObject(e, "quote", c->evidence[j].quote);
			cJSON_AddNumberToObject(e, "start", (double)c->evidence[j].start);
			cJSON_AddNumberToObject(e, "end", (double)c->evidence[j].end);
			cJSON_AddBoolToObject(e, "verified", c->evidence[j].verified);
			cJSON_AddItemToArray(ev, e);
		}
		cJSON_AddItemToObject(co, "strengths", list_to_json(&c->strengths));
		cJSON_AddItemToObject(co, "gaps", list_to_json(&c->gaps));
		cJSON_AddItemToArray(arr, co);
	}
	arr = cJSON_AddArrayToObject(o, "knockouts");
	for (i = 0; i < a->nknockouts; i++) {
		cJSON *k = cJSON_CreateObject();
		cJSON_AddStringToObject(k, "rule", a->knockouts[i].rule);
		cJSON_AddStringToObject(k, "result", result_names[a->knockouts[i].result]);
		cJSON_AddStringToObject(k, "detail", a->knockouts[i].detail);
		cJSON_AddItemToArray(arr, k);
	}
	cJSON_AddItemToObject(o, "matched_skills", list_to_json(&a->matched_skills));
	cJSON_AddItemToObject(o, "missing_skills", list_to_json(&a->missing_skills));
	if (a->years_known)
		cJSON_AddNumberToObject(o, "years_experience", round1(a->years_experience));
	else
		cJSON_AddNullToObject(o, "years_experience");
	cJSON_AddItemToObject(o, "flags", list_to_json(&a->flags));
	return o;
}

char *analysis_to_string(const struct analysis *a)
{
	cJSON *o = analysis_to_json(a);
	char *s = cJSON_PrintUnformatted(o);
	char *copy;

	cJSON_Delete(o);
	if (!s)
		abort(); /* cJSON only fails on allocation */
	copy = xstrdup(s);
	cJSON_free(s);
	return copy;
}

/* ---- reading ---- */

static int read_list(const cJSON *obj, const char *name, const char *path, struct analysis_list *l, char *err,
		     size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, name), *v;
	size_t i = 0;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > ANALYSIS_LIST_MAX)
		return fail(err, errlen, "%s%s: must be an array of at most %d strings", path, name, ANALYSIS_LIST_MAX);
	cJSON_ArrayForEach(v, arr)
	{
		if (!cJSON_IsString(v) || !v->valuestring || strlen(v->valuestring) > ANALYSIS_STRING_MAX)
			return fail(err, errlen, "%s%s[%zu]: must be a string of at most %d bytes", path, name, i,
				    ANALYSIS_STRING_MAX);
		analysis_list_add(l, v->valuestring);
		i++;
	}
	return 0;
}

static bool read_offset(const cJSON *v, size_t *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 1e12 ||
	    v->valuedouble != floor(v->valuedouble))
		return false;
	*out = (size_t)v->valuedouble;
	return true;
}

static int read_criterion(const cJSON *v, size_t i, struct analysis *a, char *err, size_t errlen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(v, "name");
	const cJSON *score = cJSON_GetObjectItemCaseSensitive(v, "score");
	const cJSON *weight = cJSON_GetObjectItemCaseSensitive(v, "weight");
	const cJSON *sup = cJSON_GetObjectItemCaseSensitive(v, "supported");
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(v, "evidence"), *e;
	struct analysis_criterion *c;
	char path[64];
	size_t j = 0;

	if (!cJSON_IsObject(v))
		return fail(err, errlen, "criteria[%zu]: must be an object", i);
	if (!cJSON_IsString(name) || !name->valuestring || !*name->valuestring ||
	    strlen(name->valuestring) > RUBRIC_NAME_MAX)
		return fail(err, errlen, "criteria[%zu].name: must be a non-empty string of at most %d bytes", i,
			    RUBRIC_NAME_MAX);
	if (!cJSON_IsNumber(score) || !(score->valuedouble >= 0 && score->valuedouble <= 10))
		return fail(err, errlen, "criteria[%zu].score: must be a number from 0 to 10", i);
	if (weight && !cJSON_IsNull(weight) &&
	    (!cJSON_IsNumber(weight) || !(weight->valuedouble >= 0 && weight->valuedouble <= RUBRIC_WEIGHT_MAX)))
		return fail(err, errlen, "criteria[%zu].weight: must be a number from 0 to %g", i, RUBRIC_WEIGHT_MAX);
	c = analysis_add_criterion(a, name->valuestring, cJSON_IsNumber(weight) ? weight->valuedouble : 0,
				   score->valuedouble);
	c->supported = cJSON_IsTrue(sup);
	if (ev && !cJSON_IsNull(ev)) {
		if (!cJSON_IsArray(ev) || cJSON_GetArraySize(ev) > ANALYSIS_EVIDENCE_MAX)
			return fail(err, errlen, "criteria[%zu].evidence: must be an array of at most %d items", i,
				    ANALYSIS_EVIDENCE_MAX);
		cJSON_ArrayForEach(e, ev)
		{
			const cJSON *q = cJSON_IsString(e) ? e : cJSON_GetObjectItemCaseSensitive(e, "quote");
			struct analysis_evidence *x;

			if (!cJSON_IsString(q) || !q->valuestring || strlen(q->valuestring) > ANALYSIS_QUOTE_MAX)
				return fail(err, errlen,
					    "criteria[%zu].evidence[%zu].quote: must be a string of at most %d bytes",
					    i, j, ANALYSIS_QUOTE_MAX);
			analysis_add_evidence(c, q->valuestring);
			x = &c->evidence[c->nevidence - 1];
			if (cJSON_IsObject(e)) {
				x->verified = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "verified"));
				if (!read_offset(cJSON_GetObjectItemCaseSensitive(e, "start"), &x->start) ||
				    !read_offset(cJSON_GetObjectItemCaseSensitive(e, "end"), &x->end) ||
				    x->end < x->start) {
					x->start = x->end = 0;
					x->verified = false;
				}
			}
			j++;
		}
	}
	snprintf(path, sizeof(path), "criteria[%zu].", i);
	if (read_list(v, "strengths", path, &c->strengths, err, errlen) < 0 ||
	    read_list(v, "gaps", path, &c->gaps, err, errlen) < 0)
		return -1;
	return 0;
}

static int read_knockouts(const cJSON *obj, struct analysis *a, char *err, size_t errlen)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, "knockouts"), *v;
	size_t i = 0, r;

	if (!arr || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > ANALYSIS_KNOCKOUTS_MAX)
		return fail(err, errlen, "knockouts: must be an array of at most %d items", ANALYSIS_KNOCKOUTS_MAX);
	cJSON_ArrayForEach(v, arr)
	{
		const cJSON *rule = cJSON_GetObjectItemCaseSensitive(v, "rule");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(v, "result");
		const cJSON *det = cJSON_GetObjectItemCaseSensitive(v, "detail");

		if (!cJSON_IsString(rule) || !rule->valuestring || strlen(rule->valuestring) > ANALYSIS_STRING_MAX)
			return fail(err, errlen, "knockouts[%zu].rule: must be a string", i);
		if (!cJSON_IsString(res) || !res->valuestring)
			return fail(err, errlen, "knockouts[%zu].result: must be \"pass\", \"fail\" or \"unknown\"", i);
		for (r = 0; r < ARRAY_SIZE(result_names); r++)
			if (strcmp(res->valuestring, result_names[r]) == 0)
				break;
		if (r == ARRAY_SIZE(result_names))
			return fail(err, errlen, "knockouts[%zu].result: must be \"pass\", \"fail\" or \"unknown\"", i);
		if (det && !cJSON_IsNull(det) &&
		    (!cJSON_IsString(det) || !det->valuestring || strlen(det->valuestring) > ANALYSIS_STRING_MAX))
			return fail(err, errlen, "knockouts[%zu].detail: must be a string", i);
		analysis_add_knockout(a, rule->valuestring, (enum analysis_result)r,
				      cJSON_IsString(det) ? det->valuestring : "");
		i++;
	}
	return 0;
}

struct analysis *analysis_from_json(const cJSON *obj, char *err, size_t errlen)
{
	struct analysis *a = analysis_new();
	const cJSON *crit, *v;
	size_t i = 0, c;

	if (!cJSON_IsObject(obj)) {
		fail(err, errlen, "analysis: must be a JSON object");
		goto fail;
	}
	crit = cJSON_GetObjectItemCaseSensitive(obj, "criteria");
	if (!cJSON_IsArray(crit) || cJSON_GetArraySize(crit) > ANALYSIS_CRITERIA_MAX) {
		fail(err, errlen, "criteria: must be an array of at most %d criteria", ANALYSIS_CRITERIA_MAX);
		goto fail;
	}
	cJSON_ArrayForEach(v, crit)
	{
		if (read_criterion(v, i, a, err, errlen) < 0)
			goto fail;
		i++;
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "score");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 100)) {
			fail(err, errlen, "score: must be a number from 0 to 100");
			goto fail;
		}
		a->score = v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "category");
	if (v && !cJSON_IsNull(v)) {
		for (c = 0; cJSON_IsString(v) && c < ARRAY_SIZE(category_names); c++)
			if (strcmp(v->valuestring, category_names[c]) == 0)
				break;
		if (!cJSON_IsString(v) || c == ARRAY_SIZE(category_names)) {
			fail(err, errlen,
			     "category: must be \"shortlist\", \"consider\", \"reject\" or \"needs_review\"");
			goto fail;
		}
		a->category = (enum analysis_category)c;
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "summary");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsString(v) || strlen(v->valuestring) > ANALYSIS_STRING_MAX) {
			fail(err, errlen, "summary: must be a string of at most %d bytes", ANALYSIS_STRING_MAX);
			goto fail;
		}
		analysis_set_summary(a, v->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(obj, "years_experience");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 80)) {
			fail(err, errlen, "years_experience: must be null or a number from 0 to 80");
			goto fail;
		}
		a->years_known = true;
		a->years_experience = v->valuedouble;
	}
	if (read_knockouts(obj, a, err, errlen) < 0 ||
	    read_list(obj, "matched_skills", "", &a->matched_skills, err, errlen) < 0 ||
	    read_list(obj, "missing_skills", "", &a->missing_skills, err, errlen) < 0 ||
	    read_list(obj, "flags", "", &a->flags, err, errlen) < 0)
		goto fail;
	return a;
fail:
	analysis_free(a);
	return NULL;
}
