/* mask: a resume's contact details and other identifying facts replaced by placeholders, before the text leaves for an LLM provider. */
#ifndef SHORTLIST_MASK_H
#define SHORTLIST_MASK_H

#include <stddef.h>

/* What stands in for each kind of detail. */
#define MASK_NAME "[NAME]"
#define MASK_EMAIL "[EMAIL]"
#define MASK_PHONE "[PHONE]"
#define MASK_LINK "[LINK]"
#define MASK_ADDRESS "[ADDRESS]"
#define MASK_DOB "[DOB]"

/* How many of each were replaced. */
struct mask_counts {
	int names, emails, phones, links, addresses, dobs, honorifics;
};

/*
 * Masks text (len bytes of UTF-8, need not be NUL-terminated):
 * - the candidate's name as contact_extract() finds it, each of its words
 *   wherever it stands as a whole word;
 * - email addresses, phone numbers (7 to 15 digits with the usual
 *   separators; year ranges and dates are left alone), URLs and profile
 *   links (linkedin.com/..., github.com/... without a scheme too);
 * - street addresses (a number and a street word, in English, German,
 *   French, Spanish, Italian and Portuguese forms) and postcodes with a
 *   city, and dates of birth (the rest of a line that says "born",
 *   "date of birth", "DOB", "geboren", ...);
 * - gendered honorifics (Mr, Mrs, Ms, Miss, Herr, Frau, Sr., Sra., Mme,
 *   Mlle, ...), removed.
 * Photos are not text: extraction never puts them in.
 *
 * Then checks the result: no email or phone may be found in it any more,
 * nor any word of the name (3 letters or more). Returns a newly allocated
 * NUL-terminated string (*out_len its length; caller frees) and fills
 * counts when non-NULL; or NULL with why (at least 128 bytes) when the
 * check still finds a detail, in which case nothing may be sent.
 */
char *mask_contacts(const char *text, size_t len, size_t *out_len, struct mask_counts *counts, char *why,
		    size_t whylen);

#endif
