/* Unit tests for experience: date range formats, overlaps, present, education excluded, stated years. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "text/experience.h"

struct exp_case {
	const char *text;
	bool known;
	double years;
	size_t nranges;
};

/* Reference date for every case: June 2025 ("present" includes June). */
static const struct exp_case cases[] = {
	/* Jan 2018 .. Jun 2025 inclusive = 90 months. */
	{ "Acme, Engineer\nJan 2018 \xE2\x80\x93 Present\n", true, 7.5, 1 },
	{ "Engineer, 2015-2019\n", true, 4.0, 1 },
	{ "Engineer 03/2016 - 06/2020\n", true, 4.3, 1 },
	{ "Engineer 2019 \xE2\x80\x94 now\n", true, 6.0, 1 },
	{ "Freelance designer since 2017\n", true, 8.0, 1 },
	{ "Engineer since March 2020\n", true, 5.3, 1 },
	{ "Analyst, September 2010 to December 2011\n", true, 1.3, 1 },
	{ "Analyst 2020.03 - 2021.02\n", true, 1.0, 1 },
	{ "Dev Sept. 2019 - Current\n", true, 5.8, 1 },
	/* Overlapping jobs count once: 2015-2020 and 2018-2022 is 2015-2022. */
	{ "A Corp 2015 - 2020\nB Corp 2018 - 2022\n", true, 7.0, 2 },
	/* Disjoint jobs add up. */
	{ "A Jan 2010 - Dec 2011\nB Jan 2014 - Dec 2014\n", true, 3.0, 2 },
	/* Education section and degree lines are not work. */
	{ "Experience\nAcme Jan 2020 - Dec 2020\nEducation\nState University 2012 - 2016\nMIT 2016 - 2018\n", true, 1.0,
	  1 },
	{ "Work: Acme 2019 - 2021\nB.S. Computer Science, 2010 - 2014\n", true, 2.0, 1 },
	{ "\"workExperience\": [\n\"years\": \"Jun 2018 - Dec 2020\"\n],\n\"education\": [\n\"years\": \"2014 - "
	  "2018\"\n]\n",
	  true, 2.6, 1 },
	/* Two-column layouts: the end of the range opens the next line. */
	{ " June 2022 \xE2\x80\x93 Engineer, Acme\n     Present Building interfaces\n", true, 3.1, 1 },
	{ "July 2015 - Developer, Initech\n   May 2020 Built services\n", true, 4.9, 1 },
	/* ... but not when that line holds no date. */
	{ "June 2022 - Engineer, Acme\nBuilding interfaces\n", false, 0, 0 },
	{ "Projects\n2019 - Planner app\nPresent Created an app\n", false, 0, 0 },
	/* Projects are not employment. */
	{ "Projects\nSide project 2010 - 2020\n", false, 0, 0 },
	/* A stated total wins when it is larger than the ranges. */
	{ "Backend engineer with 6 years of experience.\nAcme Jan 2024 - Present\n", true, 6.0, 1 },
	{ "Over ten years of experience in design.\n", true, 10.0, 0 },
	{ "12+ yrs experience\n", true, 12.0, 0 },
	/* Not experience: a count of years without the word, a phone number, a future start, a single year. */
	{ "Managed 5 years of budgets for the city.\n", false, 0, 0 },
	{ "Call 555-2019 or 2021\n", false, 0, 0 },
	{ "Starting Jan 2030 - Present\n", false, 0, 0 },
	{ "Employee of the Year 2022\n", false, 0, 0 },
	{ "", false, 0, 0 },
	/* The end before the start is ignored. */
	{ "Acme 2020 - 2015\n", false, 0, 0 },
};

START_TEST(test_table)
{
	const struct exp_case *c = &cases[_i];
	struct experience e;

	ck_assert_int_eq(experience_estimate(c->text, strlen(c->text), 2025, 6, &e), 0);
	ck_assert_msg(e.known == c->known, "case %d: known %d", _i, e.known);
	ck_assert_msg(fabs(e.years - c->years) < 0.051, "case %d: years %.2f, want %.1f", _i, e.years, c->years);
	ck_assert_msg(e.nranges == c->nranges, "case %d: %zu ranges, want %zu", _i, e.nranges, c->nranges);
}
END_TEST

START_TEST(test_present_follows_reference)
{
	const char *t = "Acme Jan 2020 - Present\n";
	struct experience a, b;

	experience_estimate(t, strlen(t), 2021, 1, &a);
	experience_estimate(t, strlen(t), 2022, 1, &b);
	ck_assert(fabs(a.years - 1.1) < 0.051);
	ck_assert(fabs(b.years - 2.1) < 0.051);
}
END_TEST

START_TEST(test_excluded_counted)
{
	const char *t = "Education\nUniversity of X 2010 - 2014\n";
	struct experience e;

	experience_estimate(t, strlen(t), 2025, 6, &e);
	ck_assert(!e.known);
	ck_assert_uint_eq(e.nexcluded, 1);
}
END_TEST

START_TEST(test_stated_years_in_job_text)
{
	const char *jd = "Requirements: 4+ years of professional Python experience; 2 years of Go.";
	size_t off = 0;

	ck_assert_int_eq(experience_stated_years(jd, strlen(jd), &off), 4);
	ck_assert_int_eq(strncmp(jd + off, "4+", 2), 0);
	ck_assert_int_eq(experience_stated_years("no numbers here", 15, NULL), 0);
	ck_assert_int_eq(experience_stated_years("2.5 years of experience", 23, NULL), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("experience");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_table, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, test_present_follows_reference);
	tcase_add_test(tc, test_excluded_counted);
	tcase_add_test(tc, test_stated_years_in_job_text);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
