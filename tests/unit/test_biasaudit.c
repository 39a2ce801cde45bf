/* Unit tests for biasaudit_report and biasaudit_csv: rates, impact ratios, the 0.8 flag and groups too small to judge. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "score/biasaudit.h"
#include "score/demographics.h"
#include "suite.h"

enum { M = 0, F = 1 };
enum { HISP = 0, WHITE = 1, BLACK = 2, ASIAN = 4 };

static struct biasaudit_row row(int sex, int race, bool selected, double score)
{
	struct biasaudit_row r = { sex, race, selected, true, score };

	return r;
}

static const cJSON *group(const cJSON *report, const char *dim, const char *category)
{
	const cJSON *g;

	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(report, dim))
	{
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(g, "category")), category) == 0)
			return g;
	}
	ck_abort_msg("no group %s of %s", category, dim);
	return NULL;
}

static double num(const cJSON *g, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(g, name);

	ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", name);
	return v->valuedouble;
}

static bool is_null(const cJSON *g, const char *name)
{
	return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(g, name));
}

static bool flagged(const cJSON *g, const char *which)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(g, "flagged"))
	{
		if (strcmp(f->valuestring, which) == 0)
			return true;
	}
	return false;
}

/* Men 8 of 10 selected, women 3 of 10: ratio 0.375, flagged; the men's is 1. */
START_TEST(test_selection_ratio_and_flag)
{
	struct biasaudit_row rows[20];
	cJSON *rep;
	int i;

	for (i = 0; i < 10; i++)
		rows[i] = row(M, WHITE, i < 8, 50);
	for (i = 0; i < 10; i++)
		rows[10 + i] = row(F, WHITE, i < 3, 50);
	rep = biasaudit_report(rows, 20, 5);
	ck_assert_double_eq_tol(num(group(rep, "sex", "male"), "selection_rate"), 0.8, 1e-9);
	ck_assert_double_eq_tol(num(group(rep, "sex", "female"), "selection_rate"), 0.3, 1e-9);
	ck_assert_double_eq_tol(num(group(rep, "sex", "male"), "selection_impact_ratio"), 1.0, 1e-9);
	ck_assert_double_eq_tol(num(group(rep, "sex", "female"), "selection_impact_ratio"), 0.375, 1e-9);
	ck_assert(flagged(group(rep, "sex", "female"), "selection_impact_ratio"));
	ck_assert(!flagged(group(rep, "sex", "male"), "selection_impact_ratio"));
	/* All scores equal the median: nobody is above it, so no scoring ratio and no scoring flag. */
	ck_assert(is_null(group(rep, "sex", "female"), "scoring_impact_ratio"));
	ck_assert(!flagged(group(rep, "sex", "female"), "scoring_impact_ratio"));
	ck_assert_int_eq((int)num(rep, "flagged"), 2); /* female, and female/white */
	cJSON_Delete(rep);
}
END_TEST

/* A ratio of exactly 0.8 is not below the floor; one just under it is. */
START_TEST(test_floor_is_strict)
{
	struct biasaudit_row rows[40];
	cJSON *rep;
	int i;

	for (i = 0; i < 10; i++)
		rows[i] = row(M, -1, i < 5, 10);
	for (i = 0; i < 10; i++)
		rows[10 + i] = row(F, -1, i < 4, 10);
	rep = biasaudit_report(rows, 20, 5);
	ck_assert_double_eq_tol(num(group(rep, "sex", "female"), "selection_impact_ratio"), 0.8, 1e-9);
	ck_assert(!flagged(group(rep, "sex", "female"), "selection_impact_ratio"));
	cJSON_Delete(rep);
	/* 4 of 10 against 10 of 20 plus one: 0.4 / (11/20) = 0.727. */
	for (i = 0; i < 20; i++)
		rows[i] = row(M, -1, i < 11, 10);
	for (i = 0; i < 10; i++)
		rows[20 + i] = row(F, -1, i < 4, 10);
	rep = biasaudit_report(rows, 30, 5);
	ck_assert(flagged(group(rep, "sex", "female"), "selection_impact_ratio"));
	cJSON_Delete(rep);
}
END_TEST

/*
 * Too small: fewer than min_group, or under 2% of the known answers. One
 * Black candidate among 60 known (1.7%) is too small even at min_group 1;
 * two (3.3%) are judged. Unknown answers count only as unknown.
 */
START_TEST(test_too_small)
{
	struct biasaudit_row rows[70];
	cJSON *rep;
	int i, n = 0;

	for (i = 0; i < 59; i++)
		rows[n++] = row(i % 2, WHITE, i % 3 == 0, i);
	rows[n++] = row(F, BLACK, false, 5);
	for (i = 0; i < 5; i++)
		rows[n++] = row(-1, -1, true, 99);
	rep = biasaudit_report(rows, (size_t)n, 1);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		group(rep, "race_ethnicity", "black_or_african_american"), "too_small")));
	ck_assert(is_null(group(rep, "race_ethnicity", "black_or_african_american"), "selection_impact_ratio"));
	ck_assert(!flagged(group(rep, "race_ethnicity", "black_or_african_american"), "selection_impact_ratio"));
	ck_assert_int_eq((int)num(cJSON_GetObjectItemCaseSensitive(rep, "unknown"), "sex"), 5);
	ck_assert_int_eq((int)num(cJSON_GetObjectItemCaseSensitive(rep, "unknown"), "race_ethnicity"), 5);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(group(rep, "race_ethnicity", "asian"), "too_small")));
	cJSON_Delete(rep);
	rows[0] = row(M, BLACK, false, 5);
	rep = biasaudit_report(rows, (size_t)n, 1);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
		group(rep, "race_ethnicity", "black_or_african_american"), "too_small")));
	ck_assert(flagged(group(rep, "race_ethnicity", "black_or_african_american"), "selection_impact_ratio"));
	cJSON_Delete(rep);
	/* min_group: 5 white women are judged at 5 and too small at 6. */
	for (i = 0; i < 5; i++)
		rows[i] = row(F, WHITE, true, 1);
	for (i = 5; i < 15; i++)
		rows[i] = row(M, WHITE, true, 1);
	rep = biasaudit_report(rows, 15, 5);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(group(rep, "sex", "female"), "too_small")));
	cJSON_Delete(rep);
	rep = biasaudit_report(rows, 15, 6);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(group(rep, "sex", "female"), "too_small")));
	cJSON_Delete(rep);
}
END_TEST

/* The median over every scored candidate (odd and even counts); the scoring rate is the share strictly above it. */
START_TEST(test_median_and_scoring_rate)
{
	struct biasaudit_row rows[6] = {
		row(M, HISP, false, 10), row(M, HISP, false, 20), row(M, HISP, false, 30),
		row(F, HISP, false, 40), row(F, HISP, false, 50), row(-1, -1, false, 60),
	};
	cJSON *rep = biasaudit_report(rows, 5, 1);

	ck_assert_double_eq_tol(num(rep, "median_score"), 30, 1e-9);
	ck_assert_int_eq((int)num(group(rep, "sex", "male"), "above_median"), 0);
	ck_assert_int_eq((int)num(group(rep, "sex", "female"), "above_median"), 2);
	ck_assert_double_eq_tol(num(group(rep, "sex", "male"), "scoring_impact_ratio"), 0, 1e-9);
	ck_assert(flagged(group(rep, "sex", "male"), "scoring_impact_ratio"));
	cJSON_Delete(rep);
	rep = biasaudit_report(rows, 6, 1);
	ck_assert_double_eq_tol(num(rep, "median_score"), 35, 1e-9);
	ck_assert_int_eq((int)num(group(rep, "sex", "female"), "above_median"), 2);
	cJSON_Delete(rep);
	rows[0].has_score = false;
	rep = biasaudit_report(rows, 5, 1);
	ck_assert_int_eq((int)num(rep, "scored"), 4);
	ck_assert_double_eq_tol(num(rep, "median_score"), 35, 1e-9);
	cJSON_Delete(rep);
}
END_TEST

START_TEST(test_empty)
{
	cJSON *rep = biasaudit_report(NULL, 0, 5);

	ck_assert_int_eq((int)num(rep, "candidates"), 0);
	ck_assert(is_null(rep, "median_score"));
	ck_assert(is_null(group(rep, "sex", "male"), "selection_rate"));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rep, "intersection")),
			 DEMOGRAPHICS_SEXES * DEMOGRAPHICS_RACES);
	cJSON_Delete(rep);
}
END_TEST

START_TEST(test_csv)
{
	struct biasaudit_row rows[20];
	struct buf out = BUF_INIT(0), tiny = BUF_INIT(64);
	cJSON *rep;
	int i, lines = 0;

	for (i = 0; i < 10; i++)
		rows[i] = row(M, ASIAN, i < 8, i);
	for (i = 0; i < 10; i++)
		rows[10 + i] = row(F, ASIAN, i < 3, i);
	rep = biasaudit_report(rows, 20, 5);
	ck_assert_int_eq(biasaudit_csv(rep, &out), 0);
	ck_assert_int_eq(buf_append_char(&out, '\0'), 0);
	for (i = 0; out.ptr[i]; i++)
		lines += out.ptr[i] == '\n';
	ck_assert_int_eq(lines, 1 + 3 + DEMOGRAPHICS_RACES + 1 + DEMOGRAPHICS_SEXES * DEMOGRAPHICS_RACES + 1);
	ck_assert_msg(strstr(out.ptr, "\r\nsex,female,10,3,0.3000,0.3750,") != NULL, "%s", out.ptr);
	ck_assert_msg(strstr(out.ptr, ",no,selection_impact_ratio\r\n") != NULL, "%s", out.ptr);
	ck_assert_msg(strstr(out.ptr, "\r\nintersection,female/asian,10,3,") != NULL, "%s", out.ptr);
	ck_assert_msg(strstr(out.ptr, "\r\nrace_ethnicity,white,0,0,,,0,,,yes,\r\n") != NULL, "%s", out.ptr);
	ck_assert_msg(strstr(out.ptr, "\r\nsex,unknown,0,,,,,,,yes,\r\n") != NULL, "%s", out.ptr);
	ck_assert_int_eq(biasaudit_csv(rep, &tiny), -1);
	buf_release(&out);
	buf_release(&tiny);
	cJSON_Delete(rep);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("biasaudit");
	TCase *tc = tcase_create("biasaudit");

	tcase_add_test(tc, test_selection_ratio_and_flag);
	tcase_add_test(tc, test_floor_is_strict);
	tcase_add_test(tc, test_too_small);
	tcase_add_test(tc, test_median_and_scoring_rate);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_csv);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
