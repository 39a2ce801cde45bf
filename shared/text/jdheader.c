/* jdheader: the title, team, company, location and kind of employment in a job description's first lines (pure functions). */
#include "text/jdheader.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/util.h"

/* Lines of the head that are read. */
#define HEAD_LINES 6
/* A head line longer than this is prose, not a header. */
#define HEAD_LINE_MAX 200
#define PARTS_MAX 8
#define FIELD_MAX 200

/* Separators between the parts of a header line, longest first. */
static const char *const separators[] = { " — ", " – ", " | ", " · ", " • ", " - ", "—", "–", "|", "·", "•" };

/* Kinds of employment and of place of work, compared without case. */
static const char *const employment_words[] = {
	"full time",	 "full-time",	    "fulltime",	     "part time",  "part-time",	   "contract",
	"contractor",	 "permanent",	    "temporary",     "fixed term", "fixed-term",   "freelance",
	"internship",	 "apprenticeship",  "seasonal",	     "remote",	   "fully remote", "remote-first",
	"hybrid",	 "on-site",	    "onsite",	     "on site",	   "in office",	   "vollzeit",
	"teilzeit",	 "festanstellung",  "befristet",     "cdi",	   "cdd",	   "temps plein",
	"temps partiel", "tiempo completo", "media jornada", "zero hours", "shifts",	   "nights",
	"weekends",
};

struct part {
	const char *s;
	size_t n;
};

/* Trims white space from both ends and a trailing ',' or '.'. */
static void trim(const char **s, size_t *n)
{
	str_trim_set(s, n, " \t\r\n\f\v", " \t\r\n\f\v,.");
}

static char *dup_part(const char *s, size_t n)
{
	trim(&s, &n);
	if (n == 0 || n > FIELD_MAX)
		return NULL;
	return xstrndup(s, n);
}

/* Whether a part (after trimming) is a kind of employment, or several joined by "/" or " and ". */
static bool employment_part(const char *s, size_t n)
{
	size_t i, k;

	trim(&s, &n);
	for (i = 0; i < ARRAY_SIZE(employment_words); i++) {
		k = strlen(employment_words[i]);
		if (n >= k && strncasecmp(s, employment_words[i], k) == 0 &&
		    (n == k || s[k] == '/' || s[k] == ' ' || s[k] == '(' || s[k] == ','))
			return true;
	}
	return false;
}

/* Splits a line into parts at the first kind of separator it holds; returns the count (1: none). */
static size_t split(const char *s, size_t n, struct part *parts)
{
	size_t i, count = 0;

	for (i = 0; i < ARRAY_SIZE(separators); i++) {
		size_t k = strlen(separators[i]);
		const char *p = s, *end = s + n, *hit;

		if (!memmem(s, n, separators[i], k))
			continue;
		while (p < end && count < PARTS_MAX && (hit = memmem(p, (size_t)(end - p), separators[i], k)) != NULL) {
			parts[count].s = p;
			parts[count++].n = (size_t)(hit - p);
			p = hit + k;
		}
		if (count < PARTS_MAX) {
			parts[count].s = p;
			parts[count++].n = (size_t)(end - p);
		}
		return count;
	}
	parts[0].s = s;
	parts[0].n = n;
	return 1;
}

/* Appends part to b, ", " between. */
static void join(struct buf *b, const char *s, size_t n)
{
	trim(&s, &n);
	if (n == 0)
		return;
	if (b->len)
		buf_append_str(b, ", ");
	buf_append(b, s, n);
}

/* Drops a gender tag such as "(m/f/d)" or "(all genders)" from the end of a title part. */
static size_t without_gender_tag(const char *s, size_t n)
{
	const char *open;

	while (n && s[n - 1] == ' ')
		n--;
	if (n && s[n - 1] == ')' && (open = memrchr(s, '(', n)) != NULL && (size_t)(s + n - open) <= 14 &&
	    (memchr(open, '/', (size_t)(s + n - open)) || str_find_nocase(open, (size_t)(s + n - open), "gender") >= 0))
		n = (size_t)(open - s);
	return n;
}

/* A line of kinds of employment and a place, with the company first: "Nordlicht Labs · Berlin · Full time". */
static bool meta_line(const char *s, size_t n, struct jd_header *out)
{
	struct part parts[PARTS_MAX];
	struct buf place = BUF_INIT(0), kinds = BUF_INIT(0);
	size_t count = split(s, n, parts), i, kinds_n = 0;
	bool company_first;

	if (count < 2)
		return false;
	for (i = 0; i < count; i++)
		kinds_n += employment_part(parts[i].s, parts[i].n);
	if (kinds_n == 0)
		return false;
	/* The company comes first (ads name it before the place) unless the first part is a kind of employment. */
	company_first = !employment_part(parts[0].s, parts[0].n);
	for (i = 0; i < count; i++) {
		if (employment_part(parts[i].s, parts[i].n)) {
			join(&kinds, parts[i].s, parts[i].n);
		} else if (i == 0 && company_first) {
			if (!out->company)
				out->company = dup_part(parts[i].s, parts[i].n);
		} else {
			join(&place, parts[i].s, parts[i].n);
		}
	}
	if (!out->location && place.len)
		out->location = dup_part(place.ptr, place.len);
	if (!out->employment && kinds.len)
		out->employment = dup_part(kinds.ptr, kinds.len);
	buf_release(&place);
	buf_release(&kinds);
	return true;
}

/* "Title at Company" / "Title at Company in City"; returns whether the line had that shape. */
static bool title_at_company(const char *s, size_t n, struct jd_header *out)
{
	long at = str_find_nocase(s, n, " at ");
	const char *c;
	size_t cn;
	long in;

	if (at <= 0)
		return false;
	c = s + at + 4;
	cn = n - (size_t)at - 4;
	if (cn == 0 || !isupper((unsigned char)*c))
		return false;
	in = str_find_nocase(c, cn, " in ");
	if (!out->title)
		out->title = dup_part(s, without_gender_tag(s, (size_t)at));
	if (in > 0) {
		if (!out->company)
			out->company = dup_part(c, (size_t)in);
		if (!out->location)
			out->location = dup_part(c + in + 4, cn - (size_t)in - 4);
	} else if (!out->company) {
		out->company = dup_part(c, cn);
	}
	return true;
}

/* "Company is hiring a Title in City" (or "is looking for", "is seeking", "are hiring"). */
static bool hiring_sentence(const char *s, size_t n, struct jd_header *out)
{
	static const char *const phrases[] = { " is hiring ", " is looking for ", " is seeking ", " are hiring " };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(phrases); i++) {
		long at = str_find_nocase(s, n, phrases[i]), in;
		const char *rest;
		size_t rn;

		if (at <= 0 || !isupper((unsigned char)*s))
			continue;
		rest = s + at + strlen(phrases[i]);
		rn = n - (size_t)at - strlen(phrases[i]);
		if (!out->company)
			out->company = dup_part(s, (size_t)at);
		in = str_find_nocase(rest, rn, " in ");
		if (in > 0 && !out->location) {
			const char *loc = rest + in + 4;
			size_t ln = rn - (size_t)in - 4;
			const char *stop = memchr(loc, '.', ln);

			out->location = dup_part(loc, stop ? (size_t)(stop - loc) : ln);
		}
		if (!out->title) {
			const char *t = rest;
			size_t tn = in > 0 ? (size_t)in : rn;

			if (tn > 2 && strncasecmp(t, "a ", 2) == 0) {
				t += 2;
				tn -= 2;
			} else if (tn > 3 && strncasecmp(t, "an ", 3) == 0) {
				t += 3;
				tn -= 3;
			}
			out->title = dup_part(t, without_gender_tag(t, tn));
		}
		return true;
	}
	return false;
}

/* The first line: "Title — Team" or the title alone, after a label such as "Job Title:". */
static void title_line(const char *s, size_t n, struct jd_header *out)
{
	static const char *const labels[] = { "job title:", "title:", "position:", "role:", "job:" };
	struct part parts[PARTS_MAX];
	size_t count, i;

	for (i = 0; i < ARRAY_SIZE(labels); i++) {
		size_t k = strlen(labels[i]);

		if (n > k && strncasecmp(s, labels[i], k) == 0) {
			s += k;
			n -= k;
			trim(&s, &n);
			break;
		}
	}

	if (title_at_company(s, n, out) || hiring_sentence(s, n, out) || meta_line(s, n, out))
		return;
	count = split(s, n, parts);
	if (!out->title)
		out->title = dup_part(parts[0].s, without_gender_tag(parts[0].s, parts[0].n));
	if (count >= 2 && !out->team)
		out->team = dup_part(parts[1].s, parts[1].n);
}

void jd_header_parse(const char *desc, struct jd_header *out)
{
	const char *p = desc ? desc : "";
	int lines = 0;

	while (*p && lines < HEAD_LINES) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;

		trim(&s, &n);
		/* Markdown headings and bullets. */
		while (n && (*s == '#' || *s == '*' || *s == '-' || *s == ' ')) {
			s++;
			n--;
		}
		if (n > 0 && n <= HEAD_LINE_MAX) {
			if (lines == 0)
				title_line(s, n, out);
			else if (!meta_line(s, n, out))
				hiring_sentence(s, n, out);
			lines++;
		} else if (n > HEAD_LINE_MAX) {
			lines++;
		}
		if (!end)
			break;
		p = end + 1;
	}
}

void jd_header_release(struct jd_header *h)
{
	free(h->title);
	free(h->team);
	free(h->company);
	free(h->location);
	free(h->employment);
	memset(h, 0, sizeof(*h));
}
