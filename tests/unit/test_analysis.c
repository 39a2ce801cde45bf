/* Unit tests for analysis: categories from thresholds, knock-outs, unsupported criteria, JSON in and out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score/analysis.h"
#include "score/job.h"
#include "suite.h"

static struct job *make_job(double shortlist, double consider)
{
	char json[256], err[128];
	struct job *job;

	snprintf(json, sizeof(json),
		 "{\"title\":\"T\",\"description\":\"d\",\"thresholds\":{\"shortlist\":%g,\"consider\":%g}}", shortlist,
		 consider);
	ck_assert_int_eq(job_parse(json, strlen(json), &job, err, sizeof(err)), 0);
	return job;
}

struct cat_case {
	double s1, s2; /* two criteria, weights 3 and 1, both supported */
	double shortlist, consider;
	double score;
	enum analysis_category want;
};

static const struct cat_case cat_cases[] = {
	{ 10, 10, 75, 50, 100, ANALYSIS_SHORTLIST },
	{ 8, 6, 75, 50, 75, ANALYSIS_SHORTLIST }, /* exactly the threshold */
	{ 8, 5, 75, 50, 72.5, ANALYSIS_CONSIDER },
	{ 5, 5, 75, 50, 50, ANALYSIS_CONSIDER },
	{ 5, 4, 75, 50, 47.5, ANALYSIS_REJECT },
	{ 0, 0, 75, 50, 0, ANALYSIS_REJECT },
	{ 8, 5, 70, 40, 72.5, ANALYSIS_SHORTLIST },
	{ 5, 4, 90, 40, 47.5, ANALYSIS_CONSIDER },
	{ 3.3, 3.4, 75, 50, 33.3, ANALYSIS_REJECT }, /* rounded to one decimal */
};

START_TEST(test_categories)
{
	const struct cat_case *c = &cat_cases[_i];
	struct job *job = make_job(c->shortlist, c->consider);
	struct analysis *a = analysis_new();

	analysis_add_criterion(a, "A", 3, c->s1)->supported = true;
	analysis_add_criterion(a, "B", 1, c->s2)->supported = true;
	analysis_finalize(a, job);
	ck_assert_msg(a->score == c->score, "case %d: score %.2f", _i, a->score);
	ck_assert_msg(a->category == c->want, "case %d: %s", _i, analysis_category_name(a->category));
	analysis_free(a);
	job_free(job);
}
END_TEST

START_TEST(test_failed_knockout_rejects_and_is_named)
{
	struct analysis *a = analysis_new();

	analysis_add_criterion(a, "A", 1, 10)->supported = true;
	analysis_set_summary(a, "Strong.");
	analysis_add_knockout(a, "min_years 5", ANALYSIS_PASS, "7 years");
	analysis_add_knockout(a, "certification PMP", ANALYSIS_FAIL, "no mention of PMP");
	analysis_add_knockout(a, "skill Go", ANALYSIS_UNKNOWN, "too little text");
	analysis_finalize(a, NULL);
	ck_assert_int_eq(a->category, ANALYSIS_REJECT);
	ck_assert_str_eq(a->summary, "Rejected by knock-out: certification PMP (no mention of PMP). Strong.");
	/* Finalizing again does not repeat the prefix. */
	analysis_finalize(a, NULL);
	ck_assert_str_eq(a->summary, "Rejected by knock-out: certification PMP (no mention of PMP). Strong.");
	analysis_free(a);
}
END_TEST

START_TEST(test_unknown_knockout_needs_review)
{
	struct analysis *a = analysis_new();

	analysis_add_criterion(a, "A", 1, 2)->supported = true;
	analysis_add_knockout(a, "min_years 5", ANALYSIS_UNKNOWN, "no dates");
	analysis_finalize(a, NULL);
	/* A low score is not a reason to reject when a rule could not be checked. */
	ck_assert_int_eq(a->category, ANALYSIS_NEEDS_REVIEW);
	ck_assert_double_eq(a->score, 20);
	analysis_free(a);
}
END_TEST

START_TEST(test_unsupported_criterion_counts_zero)
{
	struct analysis *a = analysis_new();
	struct analysis_criterion *c;

	analysis_add_criterion(a, "A", 1, 10)->supported = true;
	c = analysis_add_criterion(a, "B", 1, 10);
	c->supported = false;
	analysis_finalize(a, NULL);
	ck_assert_double_eq(a->score, 50);
	ck_assert_double_eq(c->score, 10); /* the claim stays visible */
	ck_assert_int_eq(a->category, ANALYSIS_CONSIDER);
	ck_assert(!analysis_list_has(&a->flags, "unverified_evidence"));
	analysis_free(a);
}
END_TEST

START_TEST(test_all_unsupported_is_review_not_reject)
{
	struct analysis *a = analysis_new();

	analysis_add_criterion(a, "A", 1, 9);
	analysis_add_criterion(a, "B", 1, 8);
	analysis_finalize(a, NULL);
	ck_assert_double_eq(a->score, 0);
	ck_assert_int_eq(a->category, ANALYSIS_NEEDS_REVIEW);
	ck_assert(analysis_list_has(&a->flags, "unverified_evidence"));
	analysis_free(a);
	/* But honest low scores without evidence are a plain reject. */
	a = analysis_new();
	analysis_add_criterion(a, "A", 1, 1);
	analysis_finalize(a, NULL);
	ck_assert_int_eq(a->category, ANALYSIS_REJECT);
	analysis_free(a);
	/* And nothing to weigh is no verdict. */
	a = analysis_new();
	analysis_finalize(a, NULL);
	ck_assert_int_eq(a->category, ANALYSIS_NEEDS_REVIEW);
	analysis_free(a);
}
END_TEST

START_TEST(test_complete_applies_rubric_and_evidence)
{
	const char *json =
		"{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"min_years\",\"years\":2}],"
		"\"rubric\":{\"criteria\":[{\"name\":\"Go\",\"weight\":3},{\"name\":\"Ops\",\"weight\":1}]}}";
	const char *text = "Go developer at Acme, Jan 2015 - Dec 2020. Runs Kubernetes.";
	const char *llm =
		"{\"criteria\":[{\"name\":\"go\",\"score\":9,\"evidence\":[{\"quote\":\"GO DEVELOPER at acme\"}]},"
		"{\"name\":\"Charm\",\"score\":10,\"evidence\":[\"Runs Kubernetes\"]}],\"summary\":\"ok\"}";
	struct analysis *a;
	struct job *job;
	char err[128];
	cJSON *o = cJSON_Parse(llm);

	ck_assert_int_eq(job_parse(json, strlen(json), &job, err, sizeof(err)), 0);
	a = analysis_from_json(o, err, sizeof(err));
	cJSON_Delete(o);
	ck_assert_ptr_nonnull(a);
	analysis_complete(a, job, text, strlen(text), 2025, 6);
	ck_assert_uint_eq(a->ncriteria, 3);
	ck_assert_double_eq(a->criteria[0].weight, 3);
	ck_assert(a->criteria[0].supported);
	ck_assert_uint_eq(a->criteria[0].evidence[0].start, 0);
	ck_assert_double_eq(a->criteria[1].weight, 0); /* not in the rubric */
	ck_assert_str_eq(a->criteria[2].name, "Ops");
	ck_assert(analysis_list_has(&a->flags, "unknown_criterion"));
	ck_assert(analysis_list_has(&a->flags, "missing_criterion"));
	ck_assert_uint_eq(a->nknockouts, 1);
	ck_assert_int_eq(a->knockouts[0].result, ANALYSIS_PASS);
	ck_assert(a->years_known);
	ck_assert_double_eq(a->score, 67.5);
	ck_assert_int_eq(a->category, ANALYSIS_NEEDS_REVIEW); /* a criterion was not assessed */
	analysis_free(a);
	job_free(job);
}
END_TEST

START_TEST(test_json_round_trip)
{
	struct analysis *a = analysis_new(), *b;
	struct analysis_criterion *c = analysis_add_criterion(a, "Skills", 40, 7.25);
	char *s1, *s2, err[128];
	cJSON *o;

	analysis_add_evidence(c, "has \"Go\"");
	c->evidence[0].verified = true;
	c->evidence[0].start = 3;
	c->evidence[0].end = 11;
	c->supported = true;
	analysis_list_add(&c->strengths, "has Go");
	analysis_list_add(&c->gaps, "no mention of Rust");
	analysis_add_knockout(a, "skill Go", ANALYSIS_PASS, "mentions Go");
	analysis_list_add(&a->matched_skills, "Go");
	analysis_list_add(&a->missing_skills, "Rust");
	analysis_list_add(&a->flags, "little_text");
	analysis_set_summary(a, "Fine.");
	analysis_finalize(a, NULL);
	s1 = analysis_to_string(a);
	ck_assert_ptr_nonnull(strstr(s1, "\"years_experience\":null"));
	ck_assert_ptr_nonnull(strstr(s1, "\"category\":\"needs_review\""));
	o = cJSON_Parse(s1);
	b = analysis_from_json(o, err, sizeof(err));
	cJSON_Delete(o);
	ck_assert_msg(b != NULL, "%s", err);
	s2 = analysis_to_string(b);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
	analysis_free(a);
	analysis_free(b);
}
END_TEST

struct bad_case {
	const char *json;
	const char *error;
};

static const struct bad_case bad_cases[] = {
	{ "[]", "analysis: must be a JSON object" },
	{ "{}", "criteria: must be an array" },
	{ "{\"criteria\":[{\"score\":5}]}", "criteria[0].name" },
	{ "{\"criteria\":[{\"name\":\"A\"}]}", "criteria[0].score: must be a number from 0 to 10" },
	{ "{\"criteria\":[{\"name\":\"A\",\"score\":11}]}", "criteria[0].score" },
	{ "{\"criteria\":[{\"name\":\"A\",\"score\":-1}]}", "criteria[0].score" },
	{ "{\"criteria\":[{\"name\":\"A\",\"score\":5,\"evidence\":[{\"quote\":3}]}]}",
	  "criteria[0].evidence[0].quote" },
	{ "{\"criteria\":[{\"name\":\"A\",\"score\":5,\"gaps\":[1]}]}", "criteria[0].gaps[0]" },
	{ "{\"criteria\":[],\"score\":101}", "score: must be a number from 0 to 100" },
	{ "{\"criteria\":[],\"category\":\"maybe\"}", "category" },
	{ "{\"criteria\":[],\"knockouts\":[{\"rule\":\"x\",\"result\":\"perhaps\"}]}", "knockouts[0].result" },
	{ "{\"criteria\":[],\"years_experience\":\"ten\"}", "years_experience" },
	{ "{\"criteria\":[],\"flags\":{}}", "flags: must be an array" },
};

START_TEST(test_from_json_errors)
{
	const struct bad_case *c = &bad_cases[_i];
	cJSON *o = cJSON_Parse(c->json);
	char err[256] = "";
	struct analysis *a = analysis_from_json(o, err, sizeof(err));

	cJSON_Delete(o);
	ck_assert_ptr_null(a);
	ck_assert_msg(strstr(err, c->error) != NULL, "case %d: '%s'", _i, err);
}
END_TEST

START_TEST(test_from_json_bounds)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "criteria");
	char err[256];
	int i;

	for (i = 0; i <= ANALYSIS_CRITERIA_MAX; i++) {
		cJSON *c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "name", "x");
		cJSON_AddNumberToObject(c, "score", 1);
		cJSON_AddItemToArray(arr, c);
	}
	ck_assert_ptr_null(analysis_from_json(o, err, sizeof(err)));
	cJSON_DeleteItemFromArray(arr, 0);
	{
		struct analysis *a = analysis_from_json(o, err, sizeof(err));
		ck_assert_ptr_nonnull(a);
		ck_assert_uint_eq(a->ncriteria, ANALYSIS_CRITERIA_MAX);
		analysis_free(a);
	}
	cJSON_Delete(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("analysis");
	TCase *tc = tcase_create("category");
	TCase *tj = tcase_create("json");
	int failed;

	tcase_add_loop_test(tc, test_categories, 0, sizeof(cat_cases) / sizeof(cat_cases[0]));
	tcase_add_test(tc, test_failed_knockout_rejects_and_is_named);
	tcase_add_test(tc, test_unknown_knockout_needs_review);
	tcase_add_test(tc, test_unsupported_criterion_counts_zero);
	tcase_add_test(tc, test_all_unsupported_is_review_not_reject);
	tcase_add_test(tc, test_complete_applies_rubric_and_evidence);
	tcase_add_test(tj, test_json_round_trip);
	tcase_add_loop_test(tj, test_from_json_errors, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tj, test_from_json_bounds);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tj);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
