/* experience: years of professional experience from the date ranges and statements in resume text. */
#ifndef SHORTLIST_EXPERIENCE_H
#define SHORTLIST_EXPERIENCE_H

#include <stdbool.h>
#include <stddef.h>

/* Most date ranges kept; later ones are ignored. */
#define EXPERIENCE_RANGES_MAX 64

struct experience_range {
	int start;     /* months since year 0 (year * 12 + month - 1), inclusive */
	int end;       /* exclusive */
	size_t offset; /* byte offset of the range in the text */
};

struct experience {
	bool known;	      /* false when neither ranges nor a statement were found */
	double years;	      /* max(years_from_ranges, stated_years), one decimal */
	double range_years;   /* merged length of the work ranges */
	int stated_years;     /* largest "N+ years of experience" statement, 0 if none */
	size_t stated_offset; /* byte offset of that statement */
	struct experience_range ranges[EXPERIENCE_RANGES_MAX];
	size_t nranges;	  /* work ranges found (education and project sections excluded) */
	size_t nexcluded; /* ranges seen but not counted (education, projects, degree lines) */
};

/*
 * Reads date ranges ("Jan 2018 – Present", "2015-2019", "03/2016 - 06/2020",
 * "2019 – now", "since 2017", "2020.03 - 2021.07") and "N+ years of
 * experience" statements from text. Ranges inside education, project,
 * certification and similar sections, or on a line naming a degree or
 * school, are not counted. Overlapping ranges are merged. "Present", "now",
 * "current" and "since" end at the reference month ref_year/ref_month
 * (1-12), passed in so results are reproducible; ranges starting after it
 * are ignored. A year without a month counts from or to the middle of that
 * year. Fills *out; always returns 0 (out->known false when nothing found).
 */
int experience_estimate(const char *text, size_t len, int ref_year, int ref_month, struct experience *out);

/*
 * The largest "N years" / "N+ years of ... experience" statement in text
 * (digits or the words one to twenty), 0 when there is none; *offset (may be
 * NULL) gets its byte offset. Used on job descriptions for the years asked for.
 */
int experience_stated_years(const char *text, size_t len, size_t *offset);

/* The current UTC year and month (1-12), for callers that score live data. */
void experience_today(int *year, int *month);

#endif
