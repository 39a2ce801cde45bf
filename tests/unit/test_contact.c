/* Unit tests for contact: names, emails, phones and links found (and not found) in resume text. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "suite.h"
#include "text/contact.h"

static const struct {
	const char *line;
	bool name;
} name_cases[] = {
	{ "Jane Doe", true },
	{ "Jane Q. Example", true },
	{ "JOHN DOE", true },
	{ "Zoë Łukasiewicz-Núñez", true },
	{ "Ludwig van Beethoven", true },
	{ "Mary O'Brien", true },
	{ "Jane Doe | Software Engineer", true },
	{ "Jane Doe, PhD", true },
	{ "张伟", true },
	{ "山田 太郎", true },
	{ "Resume", false },
	{ "RÉSUMÉ", false },
	{ "Curriculum Vitae", false },
	{ "CURRICULUM VITAE", false },
	{ "履歴書", false },
	{ "jane@example.com", false },
	{ "+1 555 123 4567", false },
	{ "Software Engineer", false },
	{ "Senior Product Manager", false },
	{ "Work Experience", false },
	{ "Education", false },
	{ "john doe", false },
	{ "https://example.com", false },
	{ "Jane", false },
	{ "A Very Long Line With Far Too Many Capitalised Words To Be Anyone's Name", false },
	{ "2019 - 2024", false },
	{ "りれきしょ かくたろう", false },
	{ "个人履历", false },
	{ "教学经验", false },
	{ "", false },
	{ "   ", false },
};

START_TEST(test_looks_like_name)
{
	const char *line = name_cases[_i].line;

	ck_assert_msg(contact_looks_like_name(line, strlen(line)) == name_cases[_i].name, "case '%s': expected %s",
		      line, name_cases[_i].name ? "a name" : "not a name");
}
END_TEST

struct list_case {
	const char *text;
	const char *want[4]; /* NULL-terminated */
};

static void check_list(const char *text, char *const *got, size_t n, const char *const *want, const char *what)
{
	size_t i, w = 0;

	while (w < 4 && want[w])
		w++;
	for (i = 0; i < n && i < w; i++)
		ck_assert_msg(strcmp(got[i], want[i]) == 0, "%s of '%s': item %zu is '%s', want '%s'", what, text, i,
			      got[i], want[i]);
	ck_assert_msg(n == w, "%s of '%s': got %zu items (first '%s'), want %zu", what, text, n, n ? got[0] : "", w);
}

static const struct list_case email_cases[] = {
	{ "Email: Jane.Doe+cv@Example.COM", { "jane.doe+cv@example.com" } },
	{ "mailto:a_b@sub.example.co.uk.", { "a_b@sub.example.co.uk" } },
	{ "a@b.c and x@y", { NULL } },
	{ "first@example.com second@example.org FIRST@example.com", { "first@example.com", "second@example.org" } },
	{ "no email here @ all", { NULL } },
	{ "(jane@example.com)", { "jane@example.com" } },
};

START_TEST(test_emails)
{
	struct contact c;

	contact_init(&c);
	contact_extract(email_cases[_i].text, strlen(email_cases[_i].text), &c);
	check_list(email_cases[_i].text, c.emails, c.n_emails, email_cases[_i].want, "emails");
	contact_release(&c);
}
END_TEST

static const struct list_case phone_cases[] = {
	{ "Phone: (555) 123-4567", { "(555) 123-4567" } },
	{ "555-123-4567", { "555-123-4567" } },
	{ "555.123.4567", { "555.123.4567" } },
	{ "+1 555 123 4567", { "+1 555 123 4567" } },
	{ "1-555-123-4567", { "1-555-123-4567" } },
	{ "+44 20 7946 0958", { "+44 20 7946 0958" } },
	{ "+49 (0)30 1234567", { "+49 (0)30 1234567" } },
	{ "+33 1 23 45 67 89", { "+33 1 23 45 67 89" } },
	{ "Tel +1 (555) 010-4477, again +1 555 010 4477", { "+1 (555) 010-4477" } },
	{ "Acme 2019 - 2024", { NULL } },
	{ "2015-2019", { NULL } },
	{ "2010 2012 2014", { NULL } },
	{ "2019-05-12", { NULL } },
	{ "12.05.2019", { NULL } },
	{ "Revenue grew 1,234,567 dollars", { NULL } },
	{ "order id 123456789012345678", { NULL } },
	{ "https://example.com/5551234567", { NULL } },
	{ "version 1.2.3.4", { NULL } },
};

START_TEST(test_phones)
{
	struct contact c;

	contact_init(&c);
	contact_extract(phone_cases[_i].text, strlen(phone_cases[_i].text), &c);
	check_list(phone_cases[_i].text, c.phones, c.n_phones, phone_cases[_i].want, "phones");
	contact_release(&c);
}
END_TEST

static const struct list_case link_cases[] = {
	{ "see https://www.linkedin.com/in/jane-doe/.", { "https://www.linkedin.com/in/jane-doe/" } },
	{ "linkedin.com/in/jane-doe | github.com/janedoe",
	  { "https://linkedin.com/in/jane-doe", "https://github.com/janedoe" } },
	{ "(http://example.com/portfolio), https://example.com/portfolio", { "http://example.com/portfolio" } },
	{ "www.linkedin.com/in/x-y", { "https://www.linkedin.com/in/x-y" } },
	{ "jane@github.com is an email", { NULL } },
	{ "github.com alone", { NULL } },
	{ "notgithub.com/x", { NULL } },
	{ "https://", { NULL } },
};

START_TEST(test_links)
{
	struct contact c;

	contact_init(&c);
	contact_extract(link_cases[_i].text, strlen(link_cases[_i].text), &c);
	check_list(link_cases[_i].text, c.links, c.n_links, link_cases[_i].want, "links");
	contact_release(&c);
}
END_TEST

START_TEST(test_whole_resume)
{
	static const char text[] = "RESUME\n\nMaría José García López\nSenior Data Engineer\n"
				   "maria.garcia@example.es · +34 612 345 678 · linkedin.com/in/mjgarcia\n"
				   "Experience\nData Engineer, Ejemplo SA 2016 - 2022\n";
	struct contact c;

	contact_init(&c);
	contact_extract(text, strlen(text), &c);
	ck_assert_ptr_nonnull(c.name);
	ck_assert_str_eq(c.name, "María José García López");
	ck_assert_uint_eq(c.n_emails, 1);
	ck_assert_str_eq(c.emails[0], "maria.garcia@example.es");
	ck_assert_uint_eq(c.n_phones, 1);
	ck_assert_str_eq(c.phones[0], "+34 612 345 678");
	ck_assert_uint_eq(c.n_links, 1);
	ck_assert_str_eq(c.links[0], "https://linkedin.com/in/mjgarcia");
	contact_release(&c);
	ck_assert_ptr_null(c.name);
	ck_assert_uint_eq(c.n_emails, 0);
}
END_TEST

START_TEST(test_name_after_a_label)
{
	static const char *const texts[] = { "Resume: Alex Wilber\nAnimation Designer\n", "Name: Jane Doe\nEngineer\n",
					     "CV: Zoë Ångström\n", "Curriculum Vitae: Ana María Pérez\n" };
	static const char *const names[] = { "Alex Wilber", "Jane Doe", "Zoë Ångström", "Ana María Pérez" };
	struct contact c;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(texts); i++) {
		contact_init(&c);
		contact_extract(texts[i], strlen(texts[i]), &c);
		ck_assert_msg(c.name && strcmp(c.name, names[i]) == 0, "'%s': got %s", texts[i],
			      c.name ? c.name : "none");
		contact_release(&c);
	}
	/* A label with nothing name-like after it is no name. */
	contact_init(&c);
	contact_extract("Resume: Senior Engineer\n", 24, &c);
	ck_assert_ptr_null(c.name);
	contact_release(&c);
}
END_TEST

START_TEST(test_no_name_when_only_headings)
{
	static const char text[] = "Curriculum Vitae\nSoftware Engineer\njane@example.com\n";
	struct contact c;

	contact_init(&c);
	contact_extract(text, strlen(text), &c);
	ck_assert_ptr_null(c.name);
	contact_release(&c);
}
END_TEST

/* Lists stay bounded however many items the text holds, and text need not be NUL-terminated. */
START_TEST(test_bounded_and_unterminated)
{
	char text[8192];
	size_t len = 0, i;
	struct contact c;
	int n;

	for (i = 0; i < 40; i++) {
		n = snprintf(text + len, sizeof(text) - len,
			     "user%zu@example.com +1 555 %03zu 0000 https://e.com/%zu\n", i, i, i);
		ck_assert(n > 0 && (size_t)n < sizeof(text) - len);
		len += (size_t)n;
	}
	contact_init(&c);
	contact_extract(text, len - 1, &c); /* cut off the final newline; no NUL right after */
	ck_assert_uint_eq(c.n_emails, CONTACT_MAX_EMAILS);
	ck_assert_uint_eq(c.n_phones, CONTACT_MAX_PHONES);
	ck_assert_uint_eq(c.n_links, CONTACT_MAX_LINKS);
	contact_release(&c);
}
END_TEST

START_TEST(test_overlong_items_ignored)
{
	char text[1200];
	struct contact c;

	memset(text, 'a', sizeof(text));
	memcpy(text, "https://", 8);
	memcpy(text + 600, "@example.com", 12);
	contact_init(&c);
	contact_extract(text, sizeof(text), &c);
	ck_assert_uint_eq(c.n_links, 0);
	ck_assert_uint_eq(c.n_emails, 0);
	contact_release(&c);
}
END_TEST

/* One case of the whole extraction: text in, the name, first email and first phone out (NULL: none). */
static const struct {
	const char *text;
	const char *name, *email, *phone;
} whole_cases[] = {
	{ "JOHN DOE\n123 Main St\n", "John Doe", NULL, NULL },
	{ "MARY-JANE O'NEIL\n", "Mary-Jane O'Neil", NULL, NULL },
	{ "John McDonald\n", "John McDonald", NULL, NULL },
	{ "Jane Doe\ntel:(+82) 10-9030-1843\n", "Jane Doe", NULL, "(+82) 10-9030-1843" },
	{ "Jane Doe\nPleasantville, CA 94588 (555) 123-4567 jane@example.com\n", "Jane Doe", "jane@example.com",
	  "(555) 123-4567" },
	{ "Leo Leopard\n(909) 555--5555\n", "Leo Leopard", NULL, "(909) 555--5555" },
	{ "履\n歴\n書\nふりがな\nりれきしょ かくたろう\n氏\n履歴書 書太郎\n名\n", "履歴書 書太郎", NULL, NULL },
	{ "[Your Name]\n[Street Address] | [Phone]\nJane Doe\n", NULL, NULL, NULL },
	{ "[您的姓名] | 个人履历\n教学经验\n", NULL, NULL, NULL },
	{ "[A position as a courier.]\nJane Doe\n", "Jane Doe", NULL, NULL },
};

START_TEST(test_whole_cases)
{
	const char *text = whole_cases[_i].text;
	struct contact c;

	contact_init(&c);
	contact_extract(text, strlen(text), &c);
	if (whole_cases[_i].name)
		ck_assert_msg(c.name && strcmp(c.name, whole_cases[_i].name) == 0, "case %d: name '%s'", _i,
			      c.name ? c.name : "(none)");
	else
		ck_assert_msg(c.name == NULL, "case %d: name '%s', expected none", _i, c.name);
	if (whole_cases[_i].email)
		ck_assert_msg(c.n_emails > 0 && strcmp(c.emails[0], whole_cases[_i].email) == 0, "case %d: email", _i);
	else
		ck_assert_uint_eq(c.n_emails, 0);
	if (whole_cases[_i].phone)
		ck_assert_msg(c.n_phones > 0 && strcmp(c.phones[0], whole_cases[_i].phone) == 0, "case %d: phone '%s'",
			      _i, c.n_phones ? c.phones[0] : "(none)");
	else
		ck_assert_uint_eq(c.n_phones, 0);
	contact_release(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("contact");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_looks_like_name, 0, (int)ARRAY_SIZE(name_cases));
	tcase_add_loop_test(tc, test_emails, 0, (int)ARRAY_SIZE(email_cases));
	tcase_add_loop_test(tc, test_phones, 0, (int)ARRAY_SIZE(phone_cases));
	tcase_add_loop_test(tc, test_links, 0, (int)ARRAY_SIZE(link_cases));
	tcase_add_test(tc, test_whole_resume);
	tcase_add_test(tc, test_no_name_when_only_headings);
	tcase_add_test(tc, test_name_after_a_label);
	tcase_add_test(tc, test_bounded_and_unterminated);
	tcase_add_test(tc, test_overlong_items_ignored);
	tcase_add_loop_test(tc, test_whole_cases, 0, (int)ARRAY_SIZE(whole_cases));
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
