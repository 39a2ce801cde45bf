/* rubricdiff: what changed between two versions of a rubric, criterion by criterion. */
#include "score/rubricdiff.h"

#include <string.h>

#include "base/util.h"

static cJSON *keywords_json(const struct rubric_criterion *c)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < c->nkeywords; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->keywords[i]));
	return a;
}

static bool same_keywords(const struct rubric_criterion *a, const struct rubric_criterion *b)
{
	size_t i;

	if (a->nkeywords != b->nkeywords)
		return false;
	for (i = 0; i < a->nkeywords; i++)
		if (strcmp(a->keywords[i], b->keywords[i]) != 0)
			return false;
	return true;
}

static const char *desc_of(const struct rubric_criterion *c)
{
	return c->description ? c->description : "";
}

bool rubric_criterion_same(const struct rubric_criterion *a, const struct rubric_criterion *b)
{
	return str_equal_nocase(a->name, b->name) && strcmp(desc_of(a), desc_of(b)) == 0 && a->weight == b->weight &&
	       a->must_have == b->must_have && a->kind == b->kind && a->min_years == b->min_years &&
	       same_keywords(a, b);
}

static void add_change(cJSON *fields, const char *name, cJSON *from, cJSON *to)
{
	cJSON *o = cJSON_AddObjectToObject(fields, name);

	cJSON_AddItemToObject(o, "from", from);
	cJSON_AddItemToObject(o, "to", to);
}

/* The fields that differ between a and b (same name), or NULL when none. */
static cJSON *field_changes(const struct rubric_criterion *a, const struct rubric_criterion *b)
{
	cJSON *f = cJSON_CreateObject();

	if (strcmp(desc_of(a), desc_of(b)) != 0)
		add_change(f, "description", cJSON_CreateString(desc_of(a)), cJSON_CreateString(desc_of(b)));
	if (a->weight != b->weight)
		add_change(f, "weight", cJSON_CreateNumber(a->weight), cJSON_CreateNumber(b->weight));
	if (a->must_have != b->must_have)
		add_change(f, "must_have", cJSON_CreateBool(a->must_have), cJSON_CreateBool(b->must_have));
	if (a->kind != b->kind)
		add_change(f, "kind", cJSON_CreateString(rubric_kind_name(a->kind)),
			   cJSON_CreateString(rubric_kind_name(b->kind)));
	if (a->min_years != b->min_years)
		add_change(f, "min_years", cJSON_CreateNumber(a->min_years), cJSON_CreateNumber(b->min_years));
	if (!same_keywords(a, b))
		add_change(f, "keywords", keywords_json(a), keywords_json(b));
	if (!f->child) {
		cJSON_Delete(f);
		return NULL;
	}
	return f;
}

cJSON *rubric_diff(const struct rubric *a, const struct rubric *b)
{
	cJSON *out = cJSON_CreateObject();
	cJSON *added = cJSON_AddArrayToObject(out, "added");
	cJSON *removed = cJSON_AddArrayToObject(out, "removed");
	cJSON *changed = cJSON_AddArrayToObject(out, "changed");
	size_t i, unchanged = 0;

	for (i = 0; i < b->ncriteria; i++) {
		long k = rubric_find(a, b->criteria[i].name);
		cJSON *f;

		if (k < 0) {
			cJSON_AddItemToArray(added, cJSON_CreateString(b->criteria[i].name));
			continue;
		}
		f = field_changes(&a->criteria[k], &b->criteria[i]);
		if (!f) {
			unchanged++;
			continue;
		}
		{
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "name", b->criteria[i].name);
			cJSON_AddItemToObject(o, "fields", f);
			cJSON_AddItemToArray(changed, o);
		}
	}
	for (i = 0; i < a->ncriteria; i++)
		if (rubric_find(b, a->criteria[i].name) < 0)
			cJSON_AddItemToArray(removed, cJSON_CreateString(a->criteria[i].name));
	cJSON_AddNumberToObject(out, "unchanged", (double)unchanged);
	return out;
}
