/* Unit tests for mask: contact details and identifying facts replaced, the rest kept, and the check that fails closed. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "text/mask.h"
#include "suite.h"

/* Masks text, which must succeed; caller frees. */
static char *masked(const char *text, struct mask_counts *c)
{
	char why[160] = "";
	size_t n = 0;
	char *m = mask_contacts(text, strlen(text), &n, c, why, sizeof(why));

	ck_assert_msg(m != NULL, "masking failed: %s", why);
	ck_assert_uint_eq(n, strlen(m));
	return m;
}

static const struct {
	const char *text;
	const char *gone[4]; /* must not be in the result */
	const char *kept[4]; /* must still be there */
	const char *placed;  /* a placeholder that must be there */
} cases[] = {
	{ "Jane Doe\njane.doe@example.com\n\nSkills: Python, SQL",
	  { "Jane", "Doe", "jane.doe", "example.com" },
	  { "Python, SQL" },
	  MASK_NAME },
	{ "Jane Doe\nContact: +49 30 1234 5678\nBerlin", { "1234", "5678", "+49" }, { "Berlin" }, MASK_PHONE },
	{ "Jane Doe\nPhone (555) 123-4567\nExperience 2015 - 2020 at Acme",
	  { "123-4567", "(555)" },
	  { "2015 - 2020", "Acme" },
	  MASK_PHONE },
	{ "Jane Doe\n+1-202-555-0143 | linkedin.com/in/janedoe | github.com/jdoe",
	  { "555-0143", "janedoe", "jdoe" },
	  { "|" },
	  MASK_LINK },
	{ "Jane Doe\nPortfolio: https://janedoe.dev/work?x=1\nwww.jane-doe.net",
	  { "janedoe.dev", "jane-doe.net" },
	  { "Portfolio:" },
	  MASK_LINK },
	{ "Jane Doe\n221B Baker Street, London NW1 6XE\nEngineer",
	  { "Baker Street", "NW1 6XE", "221B" },
	  { "Engineer" },
	  MASK_ADDRESS },
	{ "Max Mustermann\nHauptstraße 12, 10115 Berlin\nIngenieur",
	  { "Hauptstraße 12", "10115" },
	  { "Ingenieur" },
	  MASK_ADDRESS },
	{ "Jane Doe\n1600 Pennsylvania Avenue, Washington, DC 20500",
	  { "Pennsylvania Avenue", "20500" },
	  { "Washington" },
	  MASK_ADDRESS },
	{ "Jane Doe\nDate of birth: 12 March 1990\nSkills: Go", { "1990", "March" }, { "Skills: Go" }, MASK_DOB },
	{ "Jane Doe\nBorn 1985 in Lyon\nSkills: Go", { "1985", "Lyon" }, { "Skills: Go" }, MASK_DOB },
	{ "Mr. John Smith\nSenior engineer", { "Mr.", "John", "Smith" }, { "Senior engineer" }, MASK_NAME },
	{ "Frau Erika Musterfrau\nProjektleiterin",
	  { "Frau", "Erika", "Musterfrau" },
	  { "Projektleiterin" },
	  MASK_NAME },
	{ "José Müller\njose.mueller@example.org\nLed the team. Müller's design won.",
	  { "José", "Müller", "mueller" },
	  { "Led the team." },
	  MASK_NAME },
	{ "Zoë Ångström\nReferences: Zoë built the pipeline",
	  { "Zoë", "Ångström" },
	  { "built the pipeline" },
	  MASK_NAME },
	{ "Jane Doe\nServed 10,000,000 users; latency 12.5 ms; 2019-2021",
	  { "Jane" },
	  { "10,000,000", "2019-2021" },
	  MASK_NAME },
	{ "Jane Doe\nWorked 2012–2015 and 2016 - 2023 on v1.2.3", { "Doe" }, { "2016 - 2023", "v1.2.3" }, MASK_NAME },
	{ "Jane Doe\njöhn.dœ@exämple.com, Berlin", { "jöhn", "exämple" }, { ", Berlin" }, MASK_EMAIL },
	{ "Jane Doe\nTwitter: @janedoe_dev (also @jd2)", { "janedoe_dev", "@jd2" }, { "Twitter:" }, MASK_LINK },
};

START_TEST(test_cases)
{
	struct mask_counts c;
	char *m = masked(cases[_i].text, &c);
	int j;

	for (j = 0; j < 4 && cases[_i].gone[j]; j++)
		ck_assert_msg(!strstr(m, cases[_i].gone[j]), "case %d: '%s' left in: %s", _i, cases[_i].gone[j], m);
	for (j = 0; j < 4 && cases[_i].kept[j]; j++)
		ck_assert_msg(strstr(m, cases[_i].kept[j]), "case %d: '%s' lost from: %s", _i, cases[_i].kept[j], m);
	ck_assert_msg(strstr(m, cases[_i].placed), "case %d: no %s in: %s", _i, cases[_i].placed, m);
	free(m);
}
END_TEST

/* A name that is also a word is masked where it stands for the person, and where it does not (the safe side). */
START_TEST(test_name_that_is_a_word)
{
	char *m = masked("Will Rose\nwill.rose@example.com\nI will grow the rose garden.", NULL);

	ck_assert_ptr_null(strstr(m, "Rose"));
	ck_assert_ptr_null(strstr(m, "rose"));
	ck_assert_ptr_nonnull(strstr(m, "grow the"));
	free(m);
}
END_TEST

START_TEST(test_counts_and_adjacent_words)
{
	struct mask_counts c;
	char *m = masked("Ana María Pérez\nana@example.com, +34 612 345 678\nMs. Pérez led 4 teams.", &c);

	ck_assert_int_ge(c.names, 3);
	ck_assert_int_eq(c.emails, 1);
	ck_assert_int_eq(c.phones, 1);
	ck_assert_int_eq(c.honorifics, 1);
	/* The three words of the name on the first line are one placeholder. */
	ck_assert_msg(strncmp(m, MASK_NAME "\n", strlen(MASK_NAME) + 1) == 0, "%s", m);
	ck_assert_ptr_nonnull(strstr(m, "led 4 teams"));
	free(m);
}
END_TEST

/* Text without details comes back as it was. */
START_TEST(test_nothing_to_mask)
{
	const char *t = "Summary\nBackend engineer, 7 years of C and PostgreSQL (2017-2024).\nSkills: C, Linux";
	struct mask_counts c;
	char *m = masked(t, &c);

	ck_assert_str_eq(m, t);
	ck_assert_int_eq(c.names + c.emails + c.phones + c.links + c.addresses + c.dobs + c.honorifics, 0);
	free(m);
}
END_TEST

/* What cannot be masked is refused, never passed on. */
START_TEST(test_fails_closed)
{
	char why[160] = "";
	char text[] = "Jane Doe\nSkills: C\0 hidden";

	ck_assert_ptr_null(mask_contacts(text, sizeof(text) - 1, NULL, NULL, why, sizeof(why)));
	ck_assert_str_ne(why, "");
	ck_assert_ptr_null(mask_contacts(NULL, 0, NULL, NULL, why, sizeof(why)));
	/* An address the patterns cannot take (no dot in its domain) stops the text. */
	why[0] = '\0';
	ck_assert_ptr_null(mask_contacts("Jane Doe\nwrite to jane@localhost", 32, NULL, NULL, why, sizeof(why)));
	ck_assert_str_eq(why, "an email address was left after masking");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mask");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_cases, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_name_that_is_a_word);
	tcase_add_test(tc, test_counts_and_adjacent_words);
	tcase_add_test(tc, test_nothing_to_mask);
	tcase_add_test(tc, test_fails_closed);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
