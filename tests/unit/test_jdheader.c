/* Unit tests for jdheader: title, team, company, location and employment read from the head of job descriptions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "text/jdheader.h"
#include "suite.h"

/* Expected values; NULL: must not be found. */
static const struct {
	const char *desc;
	const char *title, *team, *company, *location, *employment;
} cases[] = {
	{ "Senior Backend Engineer — Platform Team\nNordlicht Labs · Berlin · Full time\n\nWe build...",
	  "Senior Backend Engineer", "Platform Team", "Nordlicht Labs", "Berlin", "Full time" },
	{ "Line Cook – Kitchen\nHarbour House Hotel | Brighton, UK | Part time\n", "Line Cook", "Kitchen",
	  "Harbour House Hotel", "Brighton, UK", "Part time" },
	{ "Registered Nurse (m/f/d) at St. Mary's Hospital\nFull time, shifts\n", "Registered Nurse", NULL,
	  "St. Mary's Hospital", NULL, NULL },
	{ "Financial Analyst at Brightwater Capital in New York\n\nAbout the role", "Financial Analyst", NULL,
	  "Brightwater Capital", "New York", NULL },
	{ "Acme Logistics is hiring a Warehouse Supervisor in Rotterdam.\nYou will lead a team of 12.",
	  "Warehouse Supervisor", NULL, "Acme Logistics", "Rotterdam", NULL },
	{ "Electrician\nSparkline Services • Leeds • Permanent • On-site\n", "Electrician", NULL, "Sparkline Services",
	  "Leeds", "Permanent, On-site" },
	{ "Primary School Teacher - Year 4\nGreenfield Academy - Manchester - Full-time\n", "Primary School Teacher",
	  "Year 4", "Greenfield Academy", "Manchester", "Full-time" },
	{ "# Sales Development Representative\nOrbit CRM · Remote (EU) · Full time\n",
	  "Sales Development Representative", NULL, "Orbit CRM", NULL, "Remote (EU), Full time" },
	{ "Data Engineer | Analytics\nBlue Fjord AS | Oslo, Norway | Hybrid\n", "Data Engineer", "Analytics",
	  "Blue Fjord AS", "Oslo, Norway", "Hybrid" },
	{ "Software Engineer (all genders) at Kraftwerk GmbH\n", "Software Engineer", NULL, "Kraftwerk GmbH", NULL,
	  NULL },
	{ "Barista\nBean There Café · Lisbon · Part-time · Weekends\n", "Barista", NULL, "Bean There Café", "Lisbon",
	  "Part-time, Weekends" },
	{ "Pflegefachkraft (w/m/d)\nKlinikum Nord · Hamburg · Vollzeit\n", "Pflegefachkraft", NULL, "Klinikum Nord",
	  "Hamburg", "Vollzeit" },
	{ "Truck Driver CE\nNordic Haulage — Gothenburg — Contract\n", "Truck Driver CE", NULL, "Nordic Haulage",
	  "Gothenburg", "Contract" },
	{ "Account Executive\nRemote · Full time\n", "Account Executive", NULL, NULL, NULL, "Remote, Full time" },
	{ "Accountant\n\nWe are a small firm. You will keep our books in order and bring six years of experience.\n",
	  "Accountant", NULL, NULL, NULL, NULL },
	{ "Mathematics Tutor at Brightpath Learning in Austin, Texas\n", "Mathematics Tutor", NULL,
	  "Brightpath Learning", "Austin, Texas", NULL },
	{ "Job Title: Registered Nurse (RN) – Medical/Surgical Unit\n\nDescription: We are seeking a nurse.",
	  "Registered Nurse (RN)", "Medical/Surgical Unit", NULL, NULL, NULL },
	{ "", NULL, NULL, NULL, NULL, NULL },
};

static void expect(const char *what, const char *got, const char *want, int i)
{
	if (!want)
		ck_assert_msg(got == NULL, "case %d: %s should be absent, got '%s'", i, what, got);
	else
		ck_assert_msg(got && strcmp(got, want) == 0, "case %d: %s '%s', expected '%s'", i, what,
			      got ? got : "(none)", want);
}

START_TEST(test_headers)
{
	struct jd_header h;

	memset(&h, 0, sizeof(h));
	jd_header_parse(cases[_i].desc, &h);
	expect("title", h.title, cases[_i].title, _i);
	expect("team", h.team, cases[_i].team, _i);
	expect("company", h.company, cases[_i].company, _i);
	expect("location", h.location, cases[_i].location, _i);
	expect("employment", h.employment, cases[_i].employment, _i);
	jd_header_release(&h);
	ck_assert_ptr_null(h.title);
}
END_TEST

START_TEST(test_null_description)
{
	struct jd_header h;

	memset(&h, 0, sizeof(h));
	jd_header_parse(NULL, &h);
	ck_assert_ptr_null(h.title);
	jd_header_release(&h);
}
END_TEST

/* The corpus's descriptions, where they are beside the checkout: labelled by hand. */
START_TEST(test_corpus_descriptions)
{
	static const struct {
		const char *file, *title, *team;
	} labelled[] = {
		{ "jobfit_registered_nurse.txt", "Registered Nurse (RN)", "Medical/Surgical Unit" },
		{ "dfe_senior_devops_engineer.md", "Senior DevOps Engineer", NULL },
		{ "dfe_service_designer.md", "Service Designer (SEO)", NULL },
	};
	char dir[PATH_MAX];
	size_t i;

	if (!corpus_path("job_descriptions", dir, sizeof(dir))) {
		printf("skip: the corpus is not beside the checkout\n");
		return;
	}
	for (i = 0; i < sizeof(labelled) / sizeof(labelled[0]); i++) {
		char path[PATH_MAX + 64], *text;
		struct jd_header h;
		FILE *f;
		long n;

		snprintf(path, sizeof(path), "%s/%s", dir, labelled[i].file);
		f = fopen(path, "rb");
		ck_assert_msg(f != NULL, "cannot open %s", path);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = calloc(1, (size_t)n + 1);
		ck_assert_uint_eq(fread(text, 1, (size_t)n, f), (size_t)n);
		fclose(f);
		memset(&h, 0, sizeof(h));
		jd_header_parse(text, &h);
		expect("title", h.title, labelled[i].title, (int)i);
		expect("team", h.team, labelled[i].team, (int)i);
		ck_assert_msg(h.company == NULL, "%s: no company line, got '%s'", labelled[i].file, h.company);
		jd_header_release(&h);
		free(text);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jdheader");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_headers, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_null_description);
	tcase_add_test(tc, test_corpus_descriptions);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
