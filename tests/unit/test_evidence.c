/* Unit tests for evidence: tolerant quote matching, refusal of altered quotes, offsets and supported flags. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "score/analysis.h"
#include "score/evidence.h"
#include "suite.h"

static const char resume[] = "Jane Doe\n"
			     "Senior  Backend\tEngineer at \xE2\x80\x9C"
			     "Acme\xE2\x80\x9D Corp\n"
			     "Built REST APIs in Python \xE2\x80\x93 served 50K requests/day.\n"
			     "It\xE2\x80\x99s where I led the on\xC2\xAD"
			     "call rotation.\n"
			     "Skills:\xC2\xA0Kubernetes, Docker\n";

struct locate_case {
	const char *quote;
	const char *expect; /* the original bytes the match must span, NULL when the quote must be refused */
};

static const struct locate_case locate_cases[] = {
	{ "Senior Backend Engineer", "Senior  Backend\tEngineer" },
	{ "senior backend engineer", "Senior  Backend\tEngineer" },
	{ "  Senior Backend Engineer  ", "Senior  Backend\tEngineer" },
	{ "Engineer at \"Acme\" Corp", "Engineer at \xE2\x80\x9C"
				       "Acme\xE2\x80\x9D Corp" },
	{ "Python - served 50K", "Python \xE2\x80\x93 served 50K" },
	{ "It's where I led", "It\xE2\x80\x99s where I led" },
	{ "the oncall rotation", "the on\xC2\xAD"
				 "call rotation" },
	{ "Skills: Kubernetes", "Skills:\xC2\xA0Kubernetes" },
	{ "\"Built REST APIs in Python\"", "Built REST APIs in Python" },
	{ "...served 50K requests/day...", "served 50K requests/day" },
	{ "Engineer\nat", "Engineer at" },
	{ "Junior Backend Engineer", NULL },
	{ "Built REST APIs in Java", NULL },
	{ "Built APIs in Python", NULL },
	{ "Senior Backend Engineers at", NULL },
	{ "Kubernetes, Docker, Terraform", NULL },
	{ "Do", NULL },
	{ "   ", NULL },
	{ "", NULL },
	{ "Backend ... Engineer", NULL },
};

START_TEST(test_locate_table)
{
	const struct locate_case *c = &locate_cases[_i];
	size_t start = 99, end = 99;
	int r = evidence_locate(resume, strlen(resume), c->quote, &start, &end);

	if (!c->expect) {
		ck_assert_msg(r == -1, "quote '%s' should be refused", c->quote);
		return;
	}
	ck_assert_msg(r == 0, "quote '%s' should be found", c->quote);
	ck_assert_uint_lt(start, end);
	ck_assert_uint_le(end, strlen(resume));
	ck_assert_uint_eq(end - start, strlen(c->expect));
	ck_assert_int_eq(memcmp(resume + start, c->expect, end - start), 0);
}
END_TEST

START_TEST(test_long_quote_refused)
{
	char *q = malloc(ANALYSIS_QUOTE_MAX + 2);
	size_t s, e;

	memset(q, 'a', ANALYSIS_QUOTE_MAX + 1);
	q[ANALYSIS_QUOTE_MAX + 1] = '\0';
	ck_assert_int_eq(evidence_locate(q, strlen(q), q, &s, &e), -1);
	q[ANALYSIS_QUOTE_MAX] = '\0';
	ck_assert_int_eq(evidence_locate(q, strlen(q), q, &s, &e), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_uint_eq(e, ANALYSIS_QUOTE_MAX);
	free(q);
}
END_TEST

START_TEST(test_first_occurrence_and_utf8)
{
	const char text[] = "caf\xC3\xA9 work; CAF\xC3\xA9 WORK";
	size_t s, e;

	ck_assert_int_eq(evidence_locate(text, strlen(text), "Caf\xC3\xA9 Work", &s, &e), 0);
	ck_assert_uint_eq(s, 0);
	ck_assert_uint_eq(e, 10);
	/* Non-ASCII letters are compared exactly: a different accent is a different word. */
	ck_assert_int_eq(evidence_locate(text, strlen(text), "Caf\xC3\xA8 work", &s, &e), -1);
}
END_TEST

START_TEST(test_verify_analysis_marks_supported)
{
	struct analysis *a = analysis_new();
	struct analysis_criterion *good = analysis_add_criterion(a, "Skills", 40, 8);
	struct analysis_criterion *bad = analysis_add_criterion(a, "Leadership", 20, 9);
	struct analysis_criterion *none = analysis_add_criterion(a, "Domain", 20, 5);
	size_t n;

	analysis_add_evidence(good, "Kubernetes, Docker");
	analysis_add_evidence(good, "Rust and Go");
	analysis_add_evidence(bad, "Managed a team of 40 engineers");
	n = evidence_verify_analysis(a, resume, strlen(resume));
	ck_assert_uint_eq(n, 1);
	ck_assert(good->supported);
	ck_assert(good->evidence[0].verified);
	ck_assert(!good->evidence[1].verified);
	ck_assert_uint_eq(good->evidence[1].start, 0);
	ck_assert_int_eq(memcmp(resume + good->evidence[0].start, "Kubernetes, Docker", 18), 0);
	ck_assert(!bad->supported);
	ck_assert(analysis_list_has(&bad->gaps, "no verifiable evidence"));
	ck_assert(!none->supported);
	/* Verifying twice changes nothing and adds no duplicate gap. */
	evidence_verify_analysis(a, resume, strlen(resume));
	ck_assert_uint_eq(bad->gaps.n, 1);
	analysis_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evidence");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_locate_table, 0, sizeof(locate_cases) / sizeof(locate_cases[0]));
	tcase_add_test(tc, test_long_quote_refused);
	tcase_add_test(tc, test_first_occurrence_and_utf8);
	tcase_add_test(tc, test_verify_analysis_marks_supported);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
