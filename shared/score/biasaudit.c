/* biasaudit: selection rates, scoring rates and impact ratios by sex, race/ethnicity and both (NYC Local Law 144). */
#include "score/biasaudit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "score/demographics.h"

#define GROUPS_MAX (DEMOGRAPHICS_SEXES * DEMOGRAPHICS_RACES)

struct tally {
	int n, selected, above;
};

/* Four decimals are enough for an auditor and print the same everywhere. */
static double rounded(double x)
{
	return (double)(long long)(x * 10000.0 + 0.5) / 10000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of the rows' scores into *median; false when none has one. */
static bool median_score(const struct biasaudit_row *rows, size_t n, double *median)
{
	double *v = xmalloc(n ? n * sizeof(*v) : 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (rows[i].has_score)
			v[k++] = rows[i].score;
	if (k)
		qsort(v, k, sizeof(*v), cmp_double);
	if (k)
		*median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2.0;
	free(v);
	return k > 0;
}

static void add_rate(cJSON *o, const char *name, int part, int whole)
{
	if (whole > 0)
		cJSON_AddNumberToObject(o, name, rounded((double)part / whole));
	else
		cJSON_AddNullToObject(o, name);
}

/*
 * The groups of one dimension (g tallies; names[i] labels group i in the
 * object made by label()) appended to arr; returns how many were flagged.
 */
static int dimension(cJSON *arr, const struct tally *t, int g, int min_group, void (*label)(cJSON *o, int i))
{
	bool judged[GROUPS_MAX];
	double best_sel = 0, best_score = 0;
	int i, known = 0, flagged = 0;

	for (i = 0; i < g; i++)
		known += t[i].n;
	for (i = 0; i < g; i++) {
		/* Under 2% of the known answers, or fewer than min_group: too small to judge. */
		judged[i] = t[i].n > 0 && t[i].n >= min_group && (long)t[i].n * 50 >= known;
		if (judged[i] && (double)t[i].selected / t[i].n > best_sel)
			best_sel = (double)t[i].selected / t[i].n;
		if (judged[i] && (double)t[i].above / t[i].n > best_score)
			best_score = (double)t[i].above / t[i].n;
	}
	for (i = 0; i < g; i++) {
		cJSON *o = cJSON_CreateObject(), *flags = cJSON_CreateArray();
		double sel = t[i].n ? (double)t[i].selected / t[i].n : 0;
		double sco = t[i].n ? (double)t[i].above / t[i].n : 0;

		label(o, i);
		cJSON_AddNumberToObject(o, "candidates", t[i].n);
		cJSON_AddNumberToObject(o, "selected", t[i].selected);
		add_rate(o, "selection_rate", t[i].selected, t[i].n);
		if (judged[i] && best_sel > 0)
			cJSON_AddNumberToObject(o, "selection_impact_ratio", rounded(sel / best_sel));
		else
			cJSON_AddNullToObject(o, "selection_impact_ratio");
		cJSON_AddNumberToObject(o, "above_median", t[i].above);
		add_rate(o, "scoring_rate", t[i].above, t[i].n);
		if (judged[i] && best_score > 0)
			cJSON_AddNumberToObject(o, "scoring_impact_ratio", rounded(sco / best_score));
		else
			cJSON_AddNullToObject(o, "scoring_impact_ratio");
		cJSON_AddBoolToObject(o, "too_small", !judged[i]);
		/* Compared unrounded: a ratio of 0.79996 is below the floor even if it prints as 0.8. */
		if (judged[i] && best_sel > 0 && sel / best_sel < BIASAUDIT_FLOOR)
			cJSON_AddItemToArray(flags, cJSON_CreateString("selection_impact_ratio"));
		if (judged[i] && best_score > 0 && sco / best_score < BIASAUDIT_FLOOR)
			cJSON_AddItemToArray(flags, cJSON_CreateString("scoring_impact_ratio"));
		flagged += cJSON_GetArraySize(flags) > 0;
		cJSON_AddItemToObject(o, "flagged", flags);
		cJSON_AddItemToArray(arr, o);
	}
	return flagged;
}

static void label_sex(cJSON *o, int i)
{
	cJSON_AddStringToObject(o, "category", demographics_sexes[i]);
}

static void label_race(cJSON *o, int i)
{
	cJSON_AddStringToObject(o, "category", demographics_races[i]);
}

static void label_both(cJSON *o, int i)
{
	cJSON_AddStringToObject(o, "sex", demographics_sexes[i / DEMOGRAPHICS_RACES]);
	cJSON_AddStringToObject(o, "race_ethnicity", demographics_races[i % DEMOGRAPHICS_RACES]);
}

static void count(struct tally *t, const struct biasaudit_row *r, bool have_median, double median)
{
	t->n++;
	t->selected += r->selected;
	t->above += have_median && r->has_score && r->score > median;
}

cJSON *biasaudit_report(const struct biasaudit_row *rows, size_t n, int min_group)
{
	struct tally sex[DEMOGRAPHICS_SEXES] = { { 0 } }, race[DEMOGRAPHICS_RACES] = { { 0 } },
		     both[GROUPS_MAX] = { { 0 } };
	int unknown_sex = 0, unknown_race = 0, unknown_both = 0, scored = 0, flagged = 0;
	double median = 0;
	bool have_median = median_score(rows, n, &median);
	cJSON *o = cJSON_CreateObject(), *u, *arr;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct biasaudit_row *r = &rows[i];
		bool s = r->sex >= 0 && r->sex < DEMOGRAPHICS_SEXES, k = r->race >= 0 && r->race < DEMOGRAPHICS_RACES;

		scored += r->has_score;
		if (s)
			count(&sex[r->sex], r, have_median, median);
		else
			unknown_sex++;
		if (k)
			count(&race[r->race], r, have_median, median);
		else
			unknown_race++;
		if (s && k)
			count(&both[r->sex * DEMOGRAPHICS_RACES + r->race], r, have_median, median);
		else
			unknown_both++;
	}
	cJSON_AddNumberToObject(o, "candidates", (double)n);
	cJSON_AddNumberToObject(o, "scored", scored);
	if (have_median)
		cJSON_AddNumberToObject(o, "median_score", rounded(median));
	else
		cJSON_AddNullToObject(o, "median_score");
	cJSON_AddNumberToObject(o, "min_group", min_group);
	cJSON_AddNumberToObject(o, "impact_ratio_floor", BIASAUDIT_FLOOR);
	u = cJSON_AddObjectToObject(o, "unknown");
	cJSON_AddNumberToObject(u, "sex", unknown_sex);
	cJSON_AddNumberToObject(u, "race_ethnicity", unknown_race);
	cJSON_AddNumberToObject(u, "intersection", unknown_both);
	arr = cJSON_AddArrayToObject(o, "sex");
	flagged += dimension(arr, sex, DEMOGRAPHICS_SEXES, min_group, label_sex);
	arr = cJSON_AddArrayToObject(o, "race_ethnicity");
	flagged += dimension(arr, race, DEMOGRAPHICS_RACES, min_group, label_race);
	arr = cJSON_AddArrayToObject(o, "intersection");
	flagged += dimension(arr, both, GROUPS_MAX, min_group, label_both);
	cJSON_AddNumberToObject(o, "flagged", flagged);
	return o;
}

/* A number member as CSV: empty when null. */
static int csv_number(struct buf *out, const cJSON *o, const char *name, bool ratio)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v))
		return buf_append_str(out, ",");
	return ratio ? buf_printf(out, ",%.4f", v->valuedouble) : buf_printf(out, ",%d", v->valueint);
}

static int csv_group(struct buf *out, const char *dim, const cJSON *g)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(g, "category"), *f;
	int rc;

	if (cJSON_IsString(c))
		rc = buf_printf(out, "%s,%s", dim, c->valuestring);
	else
		rc = buf_printf(out, "%s,%s/%s", dim, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "sex")),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "race_ethnicity")));
	rc |= csv_number(out, g, "candidates", false);
	rc |= csv_number(out, g, "selected", false);
	rc |= csv_number(out, g, "selection_rate", true);
	rc |= csv_number(out, g, "selection_impact_ratio", true);
	rc |= csv_number(out, g, "above_median", false);
	rc |= csv_number(out, g, "scoring_rate", true);
	rc |= csv_number(out, g, "scoring_impact_ratio", true);
	rc |= buf_printf(out, ",%s,", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "too_small")) ? "yes" : "no");
	/* The flagged ratios joined by spaces: no comma, so no quoting. */
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(g, "flagged"))
	{
		rc |= buf_printf(out, "%s%s", f == cJSON_GetObjectItemCaseSensitive(g, "flagged")->child ? "" : " ",
				 f->valuestring);
	}
	rc |= buf_append_str(out, "\r\n");
	return rc < 0 ? -1 : 0;
}

int biasaudit_csv(const cJSON *report, struct buf *out)
{
	static const char *const dims[] = { "sex", "race_ethnicity", "intersection" };
	const cJSON *unknown = cJSON_GetObjectItemCaseSensitive(report, "unknown"), *g;
	size_t i;

	if (buf_append_str(out, "dimension,category,candidates,selected,selection_rate,selection_impact_ratio,"
				"above_median,scoring_rate,scoring_impact_ratio,too_small,flagged\r\n") < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(dims); i++) {
		cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(report, dims[i]))
		{
			if (csv_group(out, dims[i], g) < 0)
				return -1;
		}
		if (buf_printf(out, "%s,unknown,%d,,,,,,,yes,\r\n", dims[i],
			       cJSON_GetObjectItemCaseSensitive(unknown, dims[i])->valueint) < 0)
			return -1;
	}
	return 0;
}

/* The time now, UTC, as an ISO 8601 string item. */
static cJSON *now_json(void)
{
	char text[32];
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return cJSON_CreateNull();
	return cJSON_CreateString(text);
}

int biasaudit_scope(int64_t org_id, int64_t job_id, int min_group, cJSON **out)
{
	struct db_result *res = NULL;
	struct biasaudit_row *rows = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	cJSON *scope;
	int rc, i, n;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	if (job_id > 0) {
		rc = db_query("biasaudit_job", "SELECT 1 FROM jobs WHERE org_id = $1 AND id = $2", 2, p, &res);
		if (rc == 0 && db_rows(res) == 0)
			rc = ST_NOT_FOUND;
		db_result_free(res);
		res = NULL;
		if (rc < 0)
			return rc;
	}
	rc = db_query("biasaudit_rows",
		      "SELECT COALESCE(g.sex, ''), COALESCE(g.race_ethnicity, ''), a.shown_category = 'shortlist',"
		      " a.score IS NOT NULL, COALESCE(a.score, 0)::float8 FROM analyses a"
		      " LEFT JOIN candidate_demographics g ON g.resume_id = a.resume_id"
		      " WHERE a.org_id = $1 AND a.is_current AND a.category <> 'failed'"
		      " AND ($2::bigint = 0 OR a.job_id = $2::bigint)",
		      2, p, &res);
	if (rc < 0)
		return rc;
	n = db_rows(res);
	rows = xmalloc(n ? (size_t)n * sizeof(*rows) : 1);
	for (i = 0; i < n; i++) {
		rows[i].sex = demographics_index(demographics_sexes, DEMOGRAPHICS_SEXES, db_value(res, i, 0));
		rows[i].race = demographics_index(demographics_races, DEMOGRAPHICS_RACES, db_value(res, i, 1));
		rows[i].selected = db_bool(res, i, 2);
		rows[i].has_score = db_bool(res, i, 3);
		rows[i].score = strtod(db_value(res, i, 4), NULL);
	}
	*out = biasaudit_report(rows, (size_t)n, min_group);
	scope = cJSON_CreateObject();
	cJSON_AddNumberToObject(scope, "org_id", (double)org_id);
	if (job_id > 0)
		cJSON_AddNumberToObject(scope, "job_id", (double)job_id);
	else
		cJSON_AddNullToObject(scope, "job_id");
	cJSON_AddItemToObject(*out, "scope", scope);
	cJSON_AddItemToObject(*out, "generated_at", now_json());
	free(rows);
	db_result_free(res);
	return 0;
}
