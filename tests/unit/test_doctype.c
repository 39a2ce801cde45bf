/* Unit tests for doctype: cover letters, job descriptions and blank templates told from resumes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "suite.h"
#include "text/doctype.h"

static const struct {
	const char *text;
	enum doctype want;
} cases[] = {
	{ "Jane Doe\njane@example.com\n\nExperience\nNurse, City Hospital (2019 - 2024)\n\nEducation\nBSc Nursing\n",
	  DOCTYPE_RESUME },
	/* A resume that ends with regards and mentions requirements stays a resume. */
	{ "Jane Doe\nExperience\nMet every requirement of the audit.\nSkills\nTriage\nKind regards\n", DOCTYPE_RESUME },
	{ "Jane Doe\n12 March 2026\n\nDear Hiring Manager,\nI am writing to apply for the nurse "
	  "position.\n\nSincerely,\nJane "
	  "Doe\n",
	  DOCTYPE_COVER_LETTER },
	{ "To whom it may concern\nI would like to apply.\nYours faithfully\nJ. Doe\n", DOCTYPE_COVER_LETTER },
	/* A letter with a resume's sections is a resume that starts with a note. */
	{ "Dear reader,\nExperience\nCook (2020 - 2024)\nEducation\nCatering school\nSkills\nGrill\nSincerely\n",
	  DOCTYPE_RESUME },
	{ "Line Cook\nAbout the role\nWe are looking for a cook.\nResponsibilities\n- cook\nRequirements\n- 2 "
	  "years\nNice to "
	  "have\n- seafood\n",
	  DOCTYPE_JOB_DESCRIPTION },
	{ "## Qualifications\n**Skill set:**\n### Essential\nYou will be working with us.\n", DOCTYPE_JOB_DESCRIPTION },
	{ "[Your Name]\n[Street Address] | [Phone]\n[E-mail]\nObjective\n[A position as a courier.]\nExperience\n[Job "
	  "Title]\n[Dates]\n",
	  DOCTYPE_TEMPLATE },
	/* One bracketed note in a real resume is not a template. */
	{ "Jane Doe\n[references on request]\nExperience\nCook\nEducation\nSchool\n", DOCTYPE_RESUME },
	{ "", DOCTYPE_RESUME },
};

START_TEST(test_classify)
{
	const char *text = cases[_i].text;

	ck_assert_msg(doctype_classify(text, strlen(text)) == cases[_i].want, "case %d: got %d, want %d", _i,
		      (int)doctype_classify(text, strlen(text)), (int)cases[_i].want);
}
END_TEST

START_TEST(test_reasons)
{
	ck_assert_ptr_null(doctype_reason(DOCTYPE_RESUME));
	ck_assert(strstr(doctype_reason(DOCTYPE_COVER_LETTER), "cover letter") != NULL);
	ck_assert(strstr(doctype_reason(DOCTYPE_JOB_DESCRIPTION), "job description") != NULL);
	ck_assert(strstr(doctype_reason(DOCTYPE_TEMPLATE), "blank template") != NULL);
	ck_assert(strncmp(doctype_reason(DOCTYPE_TEMPLATE), "not a resume: ", 14) == 0);
}
END_TEST

/* The text need not be NUL-terminated: only len bytes are read. */
START_TEST(test_bounded)
{
	static const char text[] = "Dear Sir,\nSincerely\nExperience\nEducation\nSkills\n";

	ck_assert(doctype_classify(text, 20) == DOCTYPE_COVER_LETTER);
	ck_assert(doctype_classify(text, strlen(text)) == DOCTYPE_RESUME);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("doctype");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_classify, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(tc, test_reasons);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
