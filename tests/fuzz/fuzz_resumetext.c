/*
 * libFuzzer harness: what is read from a document's text over arbitrary bytes (invalid UTF-8 and NULs included):
 * contact details stay within their bounds, the document kind is one of its values with a reason exactly when it is
 * not a resume, and a description's sections give items whose spans lie inside the text, with non-empty bounded
 * keywords, nice-to-have spans in order, and the span helpers agreeing with them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "score/rubric_sections.h"
#include "text/contact.h"
#include "text/doctype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longest keyword an item may have: a list of alternatives of bounded items, joined by " or ". */
#define KEYWORD_MAX 400

static void check_list(char *const *items, size_t n, size_t max)
{
	size_t i;

	if (n > max)
		abort();
	for (i = 0; i < n; i++)
		if (!items[i] || items[i][0] == '\0' || strlen(items[i]) > CONTACT_MAX_ITEM_BYTES + 8)
			abort();
}

static void check_contact(const char *text, size_t size)
{
	struct contact c;

	contact_init(&c);
	contact_extract(text, size, &c);
	if (c.name && (c.name[0] == '\0' || strlen(c.name) > 64))
		abort();
	check_list(c.emails, c.n_emails, CONTACT_MAX_EMAILS);
	check_list(c.phones, c.n_phones, CONTACT_MAX_PHONES);
	check_list(c.links, c.n_links, CONTACT_MAX_LINKS);
	contact_release(&c);
	if (c.name || c.n_emails || c.n_phones || c.n_links)
		abort();
}

static void check_doctype(const char *text, size_t size)
{
	enum doctype t = doctype_classify(text, size);
	const char *why = doctype_reason(t);

	if (t != DOCTYPE_RESUME && t != DOCTYPE_COVER_LETTER && t != DOCTYPE_JOB_DESCRIPTION && t != DOCTYPE_TEMPLATE)
		abort();
	if ((t == DOCTYPE_RESUME) != (why == NULL))
		abort();
	if (why && strncmp(why, "not a resume: ", 14) != 0)
		abort();
}

static void check_sections(const char *text, size_t size)
{
	struct rubric_sections s = { 0 };
	size_t i, len;

	rubric_sections_parse(text, size, &s);
	for (i = 0; i < s.nitems; i++) {
		const struct rubric_item *it = &s.items[i];
		len = it->text ? strlen(it->text) : 0;
		if (len == 0 || len > KEYWORD_MAX || it->start > it->end || it->end > size)
			abort();
		if (!it->nice && it->end > it->start && !rubric_sections_in_item(&s, it->start))
			abort();
	}
	for (i = 0; i < s.nnice; i++) {
		if (s.nice[i][0] > s.nice[i][1] || s.nice[i][1] > size || (i && s.nice[i][0] < s.nice[i - 1][1]))
			abort();
		if (s.nice[i][0] < s.nice[i][1] && !rubric_sections_in_nice(&s, s.nice[i][0]))
			abort();
	}
	if (rubric_sections_in_nice(&s, size + 1) || rubric_sections_in_item(&s, size + 1))
		abort();
	rubric_sections_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes, so that a read past the end is caught. */
	char *text = xmalloc(size ? size : 1);

	memcpy(text, data, size);
	check_contact(text, size);
	check_doctype(text, size);
	check_sections(text, size);
	free(text);
	return 0;
}
