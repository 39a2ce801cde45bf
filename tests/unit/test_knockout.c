/* Unit tests for knock-outs: minimum years, certifications with abbreviations, skills, unknown on missing data. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "score/knockout.h"
#include "suite.h"

#define FILLER \
	"Experienced professional who has worked across many teams and projects, shipping software to customers " \
	"and keeping systems running through many releases over the course of several demanding years. Known " \
	"for careful planning, clear writing and steady delivery.\n"

struct ko_case {
	enum job_knockout_type type;
	int years;
	const char *name;
	const char *text;
	enum analysis_result want;
	const char *detail; /* substring */
};

static const struct ko_case cases[] = {
	{ JOB_KNOCKOUT_MIN_YEARS, 5, NULL, FILLER "Acme Jan 2015 - Dec 2021\n", ANALYSIS_PASS, "7.0 years" },
	{ JOB_KNOCKOUT_MIN_YEARS, 5, NULL, FILLER "Acme Jan 2022 - Present\n", ANALYSIS_FAIL, "3.5 years" },
	{ JOB_KNOCKOUT_MIN_YEARS, 5, NULL, FILLER "With 8+ years of experience in retail.\n", ANALYSIS_PASS, "8.0" },
	{ JOB_KNOCKOUT_MIN_YEARS, 5, NULL, FILLER "No dates at all.\n", ANALYSIS_UNKNOWN, "no dates" },
	{ JOB_KNOCKOUT_MIN_YEARS, 3, NULL, "", ANALYSIS_UNKNOWN, "no dates" },
	{ JOB_KNOCKOUT_CERTIFICATION, 0, "PMP", FILLER "Certified PMP since 2019.\n", ANALYSIS_PASS, "mentions PMP" },
	{ JOB_KNOCKOUT_CERTIFICATION, 0, "pmp", FILLER "PMP.\n", ANALYSIS_PASS, "mentions pmp" },
	{ JOB_KNOCKOUT_CERTIFICATION, 0, "PMP", FILLER "Project Management Professional (2019)\n", ANALYSIS_PASS,
	  "Project Management Professional" },
	{ JOB_KNOCKOUT_CERTIFICATION, 0, "Certified Kubernetes Administrator", FILLER "Holds the CKA.\n", ANALYSIS_PASS,
	  "CKA" },
	{ JOB_KNOCKOUT_CERTIFICATION, 0, "PMP", FILLER "Studied PMPX and APMP topics.\n", ANALYSIS_FAIL,
	  "no mention of PMP" },
	{ JOB_KNOCKOUT_CERTIFICATION, 0, "CISSP", "CISSP", ANALYSIS_UNKNOWN, "too little" },
	{ JOB_KNOCKOUT_SKILL, 0, "Kubernetes", FILLER "Ran kubernetes clusters.\n", ANALYSIS_PASS, "mentions" },
	{ JOB_KNOCKOUT_SKILL, 0, "machine learning", FILLER "Machine-learning models.\n", ANALYSIS_PASS, "mentions" },
	{ JOB_KNOCKOUT_SKILL, 0, "machine learning", FILLER "Machine vision. Learning fast.\n", ANALYSIS_FAIL,
	  "no mention" },
	{ JOB_KNOCKOUT_SKILL, 0, "machine learning", FILLER "Machine Learning models.\n", ANALYSIS_PASS, "mentions" },
	{ JOB_KNOCKOUT_SKILL, 0, "C++", FILLER "Wrote C and C#.\n", ANALYSIS_FAIL, "no mention of C++" },
	{ JOB_KNOCKOUT_SKILL, 0, "C++", FILLER "Wrote C++17 and C++.\n", ANALYSIS_PASS, "mentions" },
	{ JOB_KNOCKOUT_SKILL, 0, "Go", FILLER "Good at going places.\n", ANALYSIS_FAIL, "no mention" },
	{ JOB_KNOCKOUT_SKILL, 0, "Terraform", "", ANALYSIS_UNKNOWN, "too little" },
};

START_TEST(test_table)
{
	const struct ko_case *c = &cases[_i];
	struct job_knockout k = { c->type, c->years, (char *)c->name };
	struct textnorm_doc doc;
	struct experience exp;
	char rule[128], detail[256];
	enum analysis_result r;

	textnorm_doc_init(&doc, c->text, strlen(c->text));
	experience_estimate(c->text, strlen(c->text), 2025, 6, &exp);
	r = knockout_check(&k, &doc, &exp, rule, sizeof(rule), detail, sizeof(detail));
	textnorm_doc_release(&doc);
	ck_assert_msg(r == c->want, "case %d: %s -> %s (%s)", _i, rule, analysis_result_name(r), detail);
	ck_assert_msg(strstr(detail, c->detail) != NULL, "case %d: detail '%s'", _i, detail);
}
END_TEST

START_TEST(test_apply_rules)
{
	const char *json = "{\"title\":\"T\",\"description\":\"d\",\"knockouts\":[{\"type\":\"min_years\",\"years\":2},"
			   "{\"type\":\"skill\",\"name\":\"Rust\"},{\"type\":\"certification\",\"name\":\"CFA\"}]}";
	const char *text = FILLER "Acme 2015 - 2020. Wrote Rust.\n";
	struct analysis *a = analysis_new();
	struct textnorm_doc doc;
	struct experience exp;
	struct job *job;
	char err[128];

	ck_assert_int_eq(job_parse(json, strlen(json), &job, err, sizeof(err)), 0);
	textnorm_doc_init(&doc, text, strlen(text));
	experience_estimate(text, strlen(text), 2025, 6, &exp);
	ck_assert_uint_eq(knockout_apply(job, &doc, &exp, a), 1);
	ck_assert_uint_eq(a->nknockouts, 3);
	ck_assert_str_eq(a->knockouts[0].rule, "min_years 2");
	ck_assert_int_eq(a->knockouts[0].result, ANALYSIS_PASS);
	ck_assert_str_eq(a->knockouts[1].rule, "skill Rust");
	ck_assert_int_eq(a->knockouts[1].result, ANALYSIS_PASS);
	ck_assert_str_eq(a->knockouts[2].rule, "certification CFA");
	ck_assert_int_eq(a->knockouts[2].result, ANALYSIS_FAIL);
	textnorm_doc_release(&doc);
	analysis_free(a);
	job_free(job);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("knockout");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_apply_rules);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
