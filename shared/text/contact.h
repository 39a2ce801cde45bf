/* contact: a candidate's name, emails, phones and links, guessed from resume text (pure functions). */
#ifndef SHORTLIST_CONTACT_H
#define SHORTLIST_CONTACT_H

#include <stdbool.h>
#include <stddef.h>

#define CONTACT_MAX_EMAILS 8
#define CONTACT_MAX_PHONES 8
#define CONTACT_MAX_LINKS 16
#define CONTACT_MAX_ITEM_BYTES 256

/*
 * Contact details. Each list is deduplicated and holds at most its MAX
 * items, in the order they appear in the text. Emails are lower case;
 * phones are as written (trimmed); links start with http:// or https://
 * (bare linkedin.com/github.com links get https://). Every string is owned
 * by the struct; contact_release() frees them.
 */
struct contact {
	char *name; /* NULL when no line looks like a name */
	char *emails[CONTACT_MAX_EMAILS];
	size_t n_emails;
	char *phones[CONTACT_MAX_PHONES];
	size_t n_phones;
	char *links[CONTACT_MAX_LINKS];
	size_t n_links;
};

/* Zeroes c. */
void contact_init(struct contact *c);
/* Frees what c owns and zeroes it; accepts a zeroed struct. */
void contact_release(struct contact *c);

/*
 * Scans text (len bytes of UTF-8, need not be NUL-terminated) and fills c,
 * which must be zeroed or released. Never fails: finds what it can.
 */
void contact_extract(const char *text, size_t len, struct contact *c);

/*
 * Whether one line (len bytes) looks like a person's name: 1 to 5 words of
 * letters, capitalised (or CJK), no digits, '@' or URL, not a heading such
 * as "Resume" or "Curriculum Vitae" and not a job title. Exposed for tests.
 */
bool contact_looks_like_name(const char *line, size_t len);

#endif
