/* experience: years of professional experience from the date ranges and statements in resume text. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/util.h"
#include "text/experience.h"

#define YEAR_MIN 1950
#define HEADING_MAX 60

static const char *const months[] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
};
static const char *const month_long[] = { "january", "february", "march",     "april",	 "may",	     "june",
					  "july",    "august",	 "september", "october", "november", "december" };
static const char *const present_words[] = { "present", "now",	   "current",	"currently", "today",
					     "date",	"ongoing", "till date", "to date" };

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_alpha(c);
}

/* Case-insensitive match of word w at s[i], ending at a non-letter. Returns its length or 0. */
static size_t match_word(const char *s, size_t len, size_t i, const char *w)
{
	size_t n = strlen(w);

	if (i + n > len || strncasecmp(s + i, w, n) != 0)
		return 0;
	if (i + n < len && is_alpha(s[i + n]))
		return 0;
	return n;
}

/* Parses n digits at s[i] with no digit right after; returns the value or -1. */
static int digits(const char *s, size_t len, size_t i, size_t n)
{
	int v = 0;
	size_t k;

	if (i + n > len)
		return -1;
	for (k = 0; k < n; k++) {
		if (!is_digit(s[i + k]))
			return -1;
		v = v * 10 + (s[i + k] - '0');
	}
	if (i + n < len && is_digit(s[i + n]))
		return -1;
	return v;
}

struct date {
	int year;
	int month; /* 1-12, 0 when only the year is known */
};

static bool year_ok(int y, int ref_year)
{
	return y >= YEAR_MIN && y <= ref_year + 1;
}

/* Parses a date at s[i] (i at a word start). Returns bytes consumed or 0. */
static size_t parse_date(const char *s, size_t len, size_t i, int ref_year, struct date *d)
{
	size_t k, n, j;
	int y, m;

	if (is_alpha(s[i])) {
		for (k = 0; k < 12; k++) {
			n = match_word(s, len, i, month_long[k]);
			if (!n)
				n = match_word(s, len, i, months[k]);
			if (!n && k == 8)
				n = match_word(s, len, i, "sept");
			if (n)
				break;
		}
		if (k == 12)
			return 0;
		j = i + n;
		if (j < len && s[j] == '.')
			j++;
		while (j < len && (s[j] == ' ' || s[j] == ',' || s[j] == '\t'))
			j++;
		y = digits(s, len, j, 4);
		if (y < 0 || !year_ok(y, ref_year))
			return 0;
		d->year = y;
		d->month = (int)k + 1;
		return j + 4 - i;
	}
	if (!is_digit(s[i]))
		return 0;
	/* MM/YYYY, M/YYYY, MM-YYYY, MM.YYYY */
	for (n = 1; n <= 2; n++) {
		m = digits(s, len, i, n);
		if (m >= 1 && m <= 12 && i + n < len && (s[i + n] == '/' || s[i + n] == '.' || s[i + n] == '-')) {
			y = digits(s, len, i + n + 1, 4);
			if (y >= 0 && year_ok(y, ref_year)) {
				d->year = y;
				d->month = m;
				return n + 5;
			}
		}
	}
	y = digits(s, len, i, 4);
	if (y < 0 || !year_ok(y, ref_year))
		return 0;
	d->year = y;
	d->month = 0;
	/* YYYY-MM, YYYY/MM, YYYY.MM: one or two digits only, so "2015-2019" stays two years. */
	if (i + 5 < len && (s[i + 4] == '/' || s[i + 4] == '.' || s[i + 4] == '-')) {
		for (n = 2; n >= 1; n--) {
			m = digits(s, len, i + 5, n);
			if (m >= 1 && m <= 12) {
				d->month = m;
				return 5 + n;
			}
		}
	}
	return 4;
}

/* Skips a range separator (dashes, "to", "until") with the spaces around it; returns bytes or 0. */
static size_t parse_separator(const char *s, size_t len, size_t i)
{
	size_t j = i, n;
	bool seen = false;

	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j < len && (s[j] == '-' || s[j] == '~')) {
		j++;
		if (j < len && s[j] == '-')
			j++;
		seen = true;
	} else if (j + 3 <= len && (unsigned char)s[j] == 0xE2 && (unsigned char)s[j + 1] == 0x80 &&
		   (unsigned char)s[j + 2] >= 0x90 && (unsigned char)s[j + 2] <= 0x95) {
		j += 3; /* U+2010..U+2015 hyphens and dashes */
		seen = true;
	} else if (j + 3 <= len && (unsigned char)s[j] == 0xE2 && (unsigned char)s[j + 1] == 0x88 &&
		   (unsigned char)s[j + 2] == 0x92) {
		j += 3; /* U+2212 minus */
		seen = true;
	} else if ((n = match_word(s, len, j, "to")) || (n = match_word(s, len, j, "until")) ||
		   (n = match_word(s, len, j, "till")) || (n = match_word(s, len, j, "through")) ||
		   (n = match_word(s, len, j, "thru"))) {
		j += n;
		seen = true;
	}
	if (!seen)
		return 0;
	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	return j - i;
}

static size_t parse_present(const char *s, size_t len, size_t i)
{
	size_t k, n;

	for (k = 0; k < ARRAY_SIZE(present_words); k++)
		if ((n = match_word(s, len, i, present_words[k])) != 0)
			return n;
	return 0;
}

static int month_index(const struct date *d, bool end)
{
	if (d->month == 0)
		return d->year * 12 + 6; /* the middle of the year, whether it starts or ends a range */
	return d->year * 12 + d->month - 1 + (end ? 1 : 0);
}

static void add_range(struct experience *out, int start, int end, int ref, size_t offset)
{
	if (end > ref)
		end = ref;
	if (start >= end || end - start > 60 * 12 || out->nranges >= EXPERIENCE_RANGES_MAX)
		return;
	out->ranges[out->nranges].start = start;
	out->ranges[out->nranges].end = end;
	out->ranges[out->nranges].offset = offset;
	out->nranges++;
}

enum section { SECTION_NEUTRAL, SECTION_WORK, SECTION_OTHER };

/* Section headings, as their letters only ("Work Experience:" is "workexperience"). */
static const char *const other_headings[] = {
	"education",
	"educationandtraining",
	"educationtraining",
	"academic",
	"academics",
	"academicbackground",
	"academicexperience",
	"qualifications",
	"academicqualifications",
	"educationalqualifications",
	"certifications",
	"certificationsandtraining",
	"certificationstraining",
	"licensesandcertifications",
	"training",
	"courses",
	"coursework",
	"relevantcoursework",
	"projects",
	"personalprojects",
	"sideprojects",
	"academicprojects",
	"selectedprojects",
	"keyprojects",
	"publications",
	"awards",
	"honors",
	"honours",
	"awardsandhonors",
	"honorsandawards",
	"volunteer",
	"volunteering",
	"volunteerexperience",
	"volunteerwork",
	"references",
	"interests",
	"hobbies",
	"activities",
	"extracurricularactivities",
	"languages",
};
static const char *const work_headings[] = {
	"experience",	       "workexperience", "professionalexperience",
	"relevantexperience",  "employment",	 "employmenthistory",
	"workhistory",	       "career",	 "careerhistory",
	"professionalhistory", "experiences",	 "industryexperience",
	"positions",	       "positionsheld",	 "jobs",
};
static const char *const degree_line_words[] = {
	"university", "college", "school", "bachelor", "bachelors", "master",	  "masters", "b.s",	   "m.s",
	"b.a",	      "m.a",	 "bsc",	   "msc",      "ba",	    "bs",	  "ms",	     "ma",	   "phd",
	"ph.d",	      "mba",	 "degree", "gpa",      "graduated", "graduation", "diploma", "coursework", "thesis"
};

/* The letters of a short line without digits, lowercased, when it looks like a heading; else false. */
static bool heading_letters(const char *line, size_t len, char *out)
{
	size_t i, n = 0, words = 0;
	bool in_word = false;

	if (len > HEADING_MAX)
		return false;
	for (i = 0; i < len; i++) {
		char c = line[i];
		if (is_digit(c))
			return false;
		if (is_alpha(c)) {
			out[n++] = (char)(c | 0x20);
			if (!in_word)
				words++;
			in_word = true;
		} else if (c != '_' && c != '-') {
			in_word = false;
		}
	}
	out[n] = '\0';
	return n > 0 && words <= 4;
}

static enum section classify_heading(const char *letters, enum section current)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(other_headings); k++)
		if (strcmp(letters, other_headings[k]) == 0)
			return SECTION_OTHER;
	for (k = 0; k < ARRAY_SIZE(work_headings); k++)
		if (strcmp(letters, work_headings[k]) == 0)
			return SECTION_WORK;
	return current;
}

static bool line_names_degree(const char *line, size_t len)
{
	size_t i, k;

	for (i = 0; i < len; i++) {
		if (!is_alpha(line[i]) || (i > 0 && (is_alnum(line[i - 1]) || line[i - 1] == '.')))
			continue;
		for (k = 0; k < ARRAY_SIZE(degree_line_words); k++) {
			size_t n = strlen(degree_line_words[k]);
			if (i + n <= len && strncasecmp(line + i, degree_line_words[k], n) == 0 &&
			    (i + n == len || !is_alpha(line[i + n])))
				return true;
		}
	}
	return false;
}

/*
 * True when the line after the one ending at le opens with "present" (sets
 * *present) or a date (fills *d, *present 0).
 */
static bool next_line_end(const char *text, size_t len, size_t le, int ref_year, struct date *d, size_t *present)
{
	size_t j = le, e;

	while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '\r'))
		j++;
	if (j >= len || text[j] != '\n')
		return false;
	j++;
	while (j < len && (text[j] == ' ' || text[j] == '\t'))
		j++;
	for (e = j; e < len && text[e] != '\n'; e++)
		;
	if (j >= e)
		return false;
	*present = parse_present(text, e, j);
	if (*present)
		return true;
	return parse_date(text, e, j, ref_year, d) != 0;
}

/* Scans one line for ranges; counted ones go to out, others only increment nexcluded. */
static void scan_line(const char *text, size_t len, size_t ls, size_t le, bool exclude, int ref_year, int ref,
		      struct experience *out)
{
	size_t i = ls, n, sep, m;
	struct date a, b;

	while (i < le) {
		if (!is_alnum(text[i]) || (i > ls && is_alnum(text[i - 1]))) {
			i++;
			continue;
		}
		if ((n = match_word(text, le, i, "since")) != 0) {
			size_t j = i + n;
			while (j < le && (text[j] == ' ' || text[j] == '\t'))
				j++;
			if ((m = parse_date(text, le, j, ref_year, &a)) != 0) {
				if (exclude)
					out->nexcluded++;
				else
					add_range(out, month_index(&a, false), ref, ref, i);
				i = j + m;
				continue;
			}
		}
		n = parse_date(text, le, i, ref_year, &a);
		if (!n) {
			i++;
			continue;
		}
		sep = parse_separator(text, le, i + n);
		if (sep) {
			size_t j = i + n + sep;
			if ((m = parse_present(text, le, j)) != 0) {
				if (exclude)
					out->nexcluded++;
				else
					add_range(out, month_index(&a, false), ref, ref, i);
				i = j + m;
				continue;
			}
			if ((m = parse_date(text, le, j, ref_year, &b)) != 0) {
				/* "Jan - Mar 2019" is not handled; "Jan 2018 - Mar 2019" is. */
				if (exclude)
					out->nexcluded++;
				else
					add_range(out, month_index(&a, false), month_index(&b, true), ref, i);
				i = j + m;
				continue;
			}
			/*
			 * Two-column layouts put the end under the start: "June 2022 –
			 * Engineer, Acme" with "Present" or "May 2024" opening the next line.
			 */
			if (next_line_end(text, len, le, ref_year, &b, &m)) {
				if (exclude)
					out->nexcluded++;
				else
					add_range(out, month_index(&a, false), m ? ref : month_index(&b, true), ref, i);
				i = j;
				continue;
			}
		}
		i += n;
	}
}

static int range_cmp(const void *x, const void *y)
{
	const struct experience_range *a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->end > b->end) - (a->end < b->end);
}

static const char *const number_words[] = { "zero",	"one",	    "two",	"three",   "four",    "five",
					    "six",	"seven",    "eight",	"nine",	   "ten",     "eleven",
					    "twelve",	"thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
					    "eighteen", "nineteen", "twenty" };

int experience_stated_years(const char *text, size_t len, size_t *offset)
{
	size_t i = 0, n, j, k;
	int best = 0, v;

	while (i < len) {
		if (!is_alnum(text[i]) || (i > 0 && is_alnum(text[i - 1])) ||
		    (i > 1 && (text[i - 1] == '.' || text[i - 1] == ',') && is_digit(text[i - 2]))) {
			i++;
			continue;
		}
		v = -1;
		n = 0;
		if (is_digit(text[i])) {
			for (n = 1; n <= 2 && i + n <= len; n++) {
				v = digits(text, len, i, n);
				if (v >= 0)
					break;
			}
			if (v < 0 || (i + n < len && (text[i + n] == '.' || text[i + n] == ',') && i + n + 1 < len &&
				      is_digit(text[i + n + 1])))
				v = -1;
		} else {
			for (k = 1; k < ARRAY_SIZE(number_words); k++)
				if ((n = match_word(text, len, i, number_words[k])) != 0) {
					v = (int)k;
					break;
				}
		}
		if (v <= 0 || v > 60) {
			i++;
			continue;
		}
		j = i + n;
		while (j < len && (text[j] == '+' || text[j] == ' ' || text[j] == '-'))
			j++;
		if (match_word(text, len, j, "years") || match_word(text, len, j, "year") ||
		    match_word(text, len, j, "yrs")) {
			/* "experience" must follow within the same clause. */
			size_t e, lim = j + 80 < len ? j + 80 : len;
			for (e = j; e < lim && text[e] != '.' && text[e] != '\n' && text[e] != ';'; e++) {
				if ((e == j || !is_alpha(text[e - 1])) &&
				    (match_word(text, len, e, "experience") || match_word(text, len, e, "exp"))) {
					if (v > best) {
						best = v;
						if (offset)
							*offset = i;
					}
					break;
				}
			}
		}
		i = j;
	}
	return best;
}

int experience_estimate(const char *text, size_t len, int ref_year, int ref_month, struct experience *out)
{
	enum section section = SECTION_NEUTRAL;
	size_t ls = 0, le, i, total = 0;
	int ref = ref_year * 12 + ref_month; /* exclusive: the reference month counts */
	char letters[HEADING_MAX + 1];
	int cur_start, cur_end;

	memset(out, 0, sizeof(*out));
	while (ls < len) {
		const char *nl = memchr(text + ls, '\n', len - ls);
		size_t ts, te;

		le = nl ? (size_t)(nl - text) : len;
		ts = ls;
		te = le;
		while (ts < te && (text[ts] == ' ' || text[ts] == '\t' || text[ts] == '#' || text[ts] == '"'))
			ts++;
		while (te > ts && (text[te - 1] == ' ' || text[te - 1] == '\r' || text[te - 1] == '\t'))
			te--;
		if (te > ts && heading_letters(text + ts, te - ts, letters))
			section = classify_heading(letters, section);
		else if (te > ts)
			scan_line(text, len, ts, te, section == SECTION_OTHER || line_names_degree(text + ts, te - ts),
				  ref_year, ref, out);
		ls = le + 1;
	}
	if (out->nranges) {
		struct experience_range sorted[EXPERIENCE_RANGES_MAX];
		memcpy(sorted, out->ranges, out->nranges * sizeof(sorted[0]));
		qsort(sorted, out->nranges, sizeof(sorted[0]), range_cmp);
		cur_start = sorted[0].start;
		cur_end = sorted[0].end;
		for (i = 1; i < out->nranges; i++) {
			if (sorted[i].start <= cur_end) {
				if (sorted[i].end > cur_end)
					cur_end = sorted[i].end;
			} else {
				total += (size_t)(cur_end - cur_start);
				cur_start = sorted[i].start;
				cur_end = sorted[i].end;
			}
		}
		total += (size_t)(cur_end - cur_start);
		out->range_years = round((double)total / 12.0 * 10.0) / 10.0;
	}
	out->stated_years = experience_stated_years(text, len, &out->stated_offset);
	out->known = out->nranges > 0 || out->stated_years > 0;
	out->years = out->range_years > out->stated_years ? out->range_years : (double)out->stated_years;
	return 0;
}

void experience_today(int *year, int *month)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	*year = tm.tm_year + 1900;
	*month = tm.tm_mon + 1;
}
