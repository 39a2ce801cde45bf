/* mask: a resume's contact details and other identifying facts replaced by placeholders, before the text leaves for an LLM provider. */
#include "text/mask.h"

#include <ctype.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/util.h"
#include "text/contact.h"

/* Longest text masked (resumes are cut well below this before scoring). */
#define MASK_TEXT_MAX (8 * 1024 * 1024)
/* Name words shorter than this are not searched for in the rest of the text. */
#define NAME_WORD_MIN 2
/* Name words this long must not survive the check. */
#define NAME_CHECK_MIN 3

enum pattern_kind { P_EMAIL, P_LINK, P_HANDLE, P_DOB, P_ADDRESS, P_POSTCODE, P_HONORIFIC, P_PHONE };

/* One pattern (POSIX extended, GNU word boundaries) and what replaces its matches. */
static const struct pattern {
	enum pattern_kind kind;
	const char *re;
	int flags;
	const char *placeholder;
} patterns[] = {
	/* Any bytes but spaces and punctuation around the @: addresses in any script ("jöhn@exämple.com"). */
	{ P_EMAIL, "[^][[:space:]<>()\",;:@/|]+@[^][[:space:]<>()\",;:@/|.]+(\\.[^][[:space:]<>()\",;:@/|.]+)+", 0,
	  MASK_EMAIL },
	{ P_LINK, "(https?://|www\\.)[^][ \t\n<>\"'(),;]+", REG_ICASE, MASK_LINK },
	{ P_LINK,
	  "\\<(linkedin\\.com|github\\.com|gitlab\\.com|bitbucket\\.org|twitter\\.com|x\\.com|xing\\.com|"
	  "facebook\\.com|instagram\\.com|behance\\.net|dribbble\\.com|medium\\.com|stackoverflow\\.com)"
	  "(/[^][ \t\n<>\"'(),;]*)?",
	  REG_ICASE, MASK_LINK },
	/* A social handle standing alone: "@janedoe". */
	{ P_HANDLE, "(^|[[:space:](])@[A-Za-z0-9_]{2,30}\\>", REG_NEWLINE, MASK_LINK },
	/* A date of birth: the rest of the line after what announces it. */
	{ P_DOB,
	  "\\<(date of birth|birth ?date|born( on| in)?|d\\.?o\\.?b\\.?|geburtsdatum|geboren( am)?|"
	  "fecha de nacimiento|date de naissance|n[ée]e? le|data di nascita|data de nascimento)\\>[^\n]*",
	  REG_ICASE | REG_NEWLINE, MASK_DOB },
	/* A house number and a street word: "221B Baker Street", "12 rue ...". */
	{ P_ADDRESS,
	  "\\<[0-9]{1,5}[A-Za-z]?,? +([A-Z][A-Za-z'.-]* +){0,4}(Street|St\\.|Road|Rd\\.?|Avenue|Ave\\.?|Lane|Ln\\.?|"
	  "Drive|Boulevard|Blvd\\.?|Way|Court|Ct\\.|Place|Pl\\.|Terrace|Close|Square|Crescent|Parkway|Highway)\\>\\.?",
	  0, MASK_ADDRESS },
	{ P_ADDRESS, "\\<[0-9]{1,5}[a-z]?,? +(rue|avenue|boulevard|chemin|all[ée]e|place) [^,\n]{2,60}", REG_ICASE,
	  MASK_ADDRESS },
	{ P_ADDRESS, "\\<[A-Z][^ \t\n,]*(stra(ss|ß)e|str\\.|weg|gasse|platz|allee|ring|damm) +[0-9]{1,5}[a-z]?\\>", 0,
	  MASK_ADDRESS },
	{ P_ADDRESS, "\\<(Calle|Avenida|Via|Viale|Piazza|Rua|Travessa|Paseo|Plaza) [^,\n0-9]{2,60},? *[0-9]{1,5}\\>", 0,
	  MASK_ADDRESS },
	/* Postcodes with their place: "NY 10001", "SW1A 1AA", "10115 Berlin" at a line's start or after a comma. */
	{ P_POSTCODE, "\\<[A-Z]{2} [0-9]{5}(-[0-9]{4})?\\>", 0, MASK_ADDRESS },
	{ P_POSTCODE, "\\<[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}\\>", 0, MASK_ADDRESS },
	{ P_POSTCODE, "(^|, *)[0-9]{4,5} [A-Z][^ \t\n,0-9]+", REG_NEWLINE, MASK_ADDRESS },
	{ P_HONORIFIC, "\\<(Mr|Mrs|Ms|Miss|Mx|Herr|Frau|Sr|Sra|Srta|Sig|Sig\\.ra|Mme|Mlle|Madame|Monsieur)\\>\\.? *", 0,
	  "" },
	/* Last, so that the numbers of addresses and links are gone: validated in code. */
	{ P_PHONE, "\\+?\\(?[0-9][0-9 ().-]{5,22}[0-9]", 0, MASK_PHONE },
};

static regex_t compiled[ARRAY_SIZE(patterns)];
static bool compiled_ok;

static bool compile_all(void)
{
	size_t i;

	if (compiled_ok)
		return true;
	for (i = 0; i < ARRAY_SIZE(patterns); i++) {
		if (regcomp(&compiled[i], patterns[i].re, REG_EXTENDED | patterns[i].flags) != 0) {
			while (i-- > 0)
				regfree(&compiled[i]);
			return false;
		}
	}
	compiled_ok = true;
	return true;
}

/* Digits in s[0..n). */
static int digit_count(const char *s, size_t n)
{
	int d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d += isdigit((unsigned char)s[i]) != 0;
	return d;
}

/* Whether the 4 digits at s read as a year of a working life (1950-2099). */
static bool year_at(const char *s)
{
	return (s[0] == '1' && s[1] == '9' && s[2] >= '5') || (s[0] == '2' && s[1] == '0');
}

/*
 * Whether a number-like match is a phone number: 7 to 15 digits, and not
 * a year range ("2015 - 2020", "(2017-2024)") or a date ("12.03.2019",
 * "2019-03-12").
 */
static bool looks_like_phone(const char *s, size_t n)
{
	int digits = digit_count(s, n), groups = 0, years = 0, run = 0;
	size_t i;

	if (digits < 7 || digits > 15)
		return false;
	for (i = 0; i <= n; i++) {
		if (i < n && isdigit((unsigned char)s[i])) {
			run++;
			continue;
		}
		if (run > 0) {
			groups++;
			years += run == 4 && year_at(s + i - 4);
		}
		run = 0;
	}
	if (groups == 2 && years == 2)
		return false;
	if (groups == 3 && digits == 8 && years == 1)
		return false;
	return true;
}

static void count(struct mask_counts *c, enum pattern_kind k)
{
	switch (k) {
	case P_EMAIL:
		c->emails++;
		break;
	case P_LINK:
	case P_HANDLE:
		c->links++;
		break;
	case P_DOB:
		c->dobs++;
		break;
	case P_ADDRESS:
	case P_POSTCODE:
		c->addresses++;
		break;
	case P_HONORIFIC:
		c->honorifics++;
		break;
	case P_PHONE:
		c->phones++;
		break;
	}
}

/* Replaces every match of pattern i in *text (NUL-terminated, owned) by its placeholder. */
static void apply_pattern(size_t i, char **text, struct mask_counts *c)
{
	const struct pattern *p = &patterns[i];
	struct buf out = BUF_INIT(0);
	const char *s = *text;
	regmatch_t m[1];
	int eflags = 0;

	while (*s && regexec(&compiled[i], s, 1, m, eflags) == 0) {
		const char *start = s + m[0].rm_so, *end = s + m[0].rm_eo;

		if (end == start) {
			buf_append(&out, s, (size_t)(start - s) + 1);
			s = start + 1;
			eflags = REG_NOTBOL;
			continue;
		}
		/* The postcode and handle patterns may start at the separator before them: keep it. */
		if (p->kind == P_POSTCODE || p->kind == P_HANDLE) {
			while (start < end && (*start == ',' || *start == '(' || isspace((unsigned char)*start)))
				start++;
		}
		if (p->kind == P_PHONE && !looks_like_phone(start, (size_t)(end - start))) {
			buf_append(&out, s, (size_t)(end - s));
			s = end;
			eflags = REG_NOTBOL;
			continue;
		}
		buf_append(&out, s, (size_t)(start - s));
		buf_append_str(&out, p->placeholder);
		count(c, p->kind);
		s = end;
		eflags = (s > *text && s[-1] == '\n') ? 0 : REG_NOTBOL;
	}
	buf_append_str(&out, s);
	free(*text);
	*text = buf_detach(&out, NULL);
}

/* Whether byte c may belong to a word (letters, digits, any byte of a multi-byte UTF-8 character). */
static bool word_byte(unsigned char c)
{
	return isalnum(c) || c >= 0x80 || c == '_';
}

/* Finds word (n bytes) in s as a whole word, ASCII letters compared without case; NULL when absent. */
static const char *find_word(const char *s, const char *word, size_t n)
{
	const char *p;

	for (p = s; *p; p++) {
		if (strncasecmp(p, word, n) != 0)
			continue;
		if ((p > s && word_byte((unsigned char)p[-1])) || word_byte((unsigned char)p[n]))
			continue;
		return p;
	}
	return NULL;
}

/* Steps *w to the next word of a name and returns its length (0 at the end); an apostrophe ends a word. */
static size_t next_name_word(const char **w)
{
	size_t n = 0;

	while (**w && !word_byte((unsigned char)**w))
		(*w)++;
	while ((*w)[n] && word_byte((unsigned char)(*w)[n]) && (*w)[n] != '\'')
		n++;
	return n;
}

/* Replaces each word of name (NAME_WORD_MIN bytes or more) wherever it stands alone. */
static void mask_name(const char *name, char **text, struct mask_counts *c)
{
	const char *w = name;

	while (*w) {
		size_t n = next_name_word(&w);

		if (n >= NAME_WORD_MIN) {
			struct buf out = BUF_INIT(0);
			const char *s = *text, *hit;

			while ((hit = find_word(s, w, n)) != NULL) {
				buf_append(&out, s, (size_t)(hit - s));
				/* Adjacent name words become one placeholder. */
				if (!(out.len >= strlen(MASK_NAME) + 1 &&
				      memcmp(out.ptr + out.len - strlen(MASK_NAME) - 1, MASK_NAME " ",
					     strlen(MASK_NAME) + 1) == 0))
					buf_append_str(&out, MASK_NAME);
				else
					out.len--;
				c->names++;
				s = hit + n;
			}
			buf_append_str(&out, s);
			free(*text);
			*text = buf_detach(&out, NULL);
		}
		w += n;
	}
}

/* Whether an "@" is left between two non-space characters: some address the patterns did not take. */
static bool stray_at(const char *text)
{
	const char *at;

	for (at = strchr(text, '@'); at; at = strchr(at + 1, '@'))
		if (at > text && !isspace((unsigned char)at[-1]) && at[1] && !isspace((unsigned char)at[1]))
			return true;
	return false;
}

/* The check after masking: what may not be left. Returns false with why. */
static bool nothing_left(const char *text, const struct contact *before, char *why, size_t whylen)
{
	struct contact after;
	const char *w;
	bool ok = true;
	size_t i;

	contact_init(&after);
	contact_extract(text, strlen(text), &after);
	if (after.n_emails > 0 || stray_at(text)) {
		snprintf(why, whylen, "an email address was left after masking");
		ok = false;
	} else if (after.n_phones > 0) {
		snprintf(why, whylen, "a phone number was left after masking");
		ok = false;
	}
	for (i = 0; ok && i < before->n_emails; i++)
		if (strstr(text, before->emails[i])) {
			snprintf(why, whylen, "an email address was left after masking");
			ok = false;
		}
	for (w = before->name; ok && w && *w;) {
		size_t n = next_name_word(&w);

		if (n >= NAME_CHECK_MIN && find_word(text, w, n)) {
			snprintf(why, whylen, "the candidate's name was left after masking");
			ok = false;
		}
		w += n;
	}
	contact_release(&after);
	return ok;
}

char *mask_contacts(const char *text, size_t len, size_t *out_len, struct mask_counts *counts, char *why, size_t whylen)
{
	struct mask_counts local;
	struct contact before;
	char *work;
	size_t i;

	if (!counts)
		counts = &local;
	memset(counts, 0, sizeof(*counts));
	if (!text || len > MASK_TEXT_MAX || memchr(text, '\0', len)) {
		snprintf(why, whylen, "the text could not be masked (too large or not text)");
		return NULL;
	}
	if (!compile_all()) {
		snprintf(why, whylen, "the masking patterns could not be prepared");
		return NULL;
	}
	contact_init(&before);
	contact_extract(text, len, &before);
	work = xstrndup(text, len);
	/* Emails and links first: they may hold the name, and go whole. */
	for (i = 0; i < ARRAY_SIZE(patterns); i++)
		if (patterns[i].kind == P_EMAIL || patterns[i].kind == P_LINK || patterns[i].kind == P_HANDLE)
			apply_pattern(i, &work, counts);
	if (before.name)
		mask_name(before.name, &work, counts);
	for (i = 0; i < ARRAY_SIZE(patterns); i++)
		if (patterns[i].kind != P_EMAIL && patterns[i].kind != P_LINK && patterns[i].kind != P_HANDLE)
			apply_pattern(i, &work, counts);
	if (!nothing_left(work, &before, why, whylen)) {
		free(work);
		work = NULL;
	} else if (out_len) {
		*out_len = strlen(work);
	}
	contact_release(&before);
	return work;
}
