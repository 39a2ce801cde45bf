/* jdheader: the title, team, company, location and kind of employment in a job description's first lines (pure functions). */
#ifndef SHORTLIST_JDHEADER_H
#define SHORTLIST_JDHEADER_H

/*
 * What the head of a description says, each NULL when it does not say it.
 * The strings are owned by the struct; jd_header_release() frees them.
 */
struct jd_header {
	char *title;	  /* "Senior Backend Engineer" */
	char *team;	  /* "Platform Team" */
	char *company;	  /* "Nordlicht Labs" */
	char *location;	  /* "Berlin, Germany" */
	char *employment; /* "Full time", "Remote", "Part time · Hybrid" */
};

/*
 * Reads the first lines of a description (NUL-terminated UTF-8) for the
 * shapes job ads are written in:
 * - "Title — Team" or "Title | Team" on the first line;
 * - "Company · City · Full time" (separators ·, •, |, —, –, " - ", and
 *   commas inside the place): a line with a kind of employment (full time,
 *   part time, contract, permanent, remote, hybrid, ...) names the company
 *   first and the place after it;
 * - "Title at Company", "Title (m/f/d) at Company", "Title at Company in City";
 * - "Company is hiring a Title in City" (and "is looking for", "is seeking").
 * Labelled lines ("Location: ...", "Company: ...") are the caller's to read.
 * Fills out, which must be zeroed or released.
 */
void jd_header_parse(const char *desc, struct jd_header *out);

/* Frees what h owns and zeroes it; accepts a zeroed struct. */
void jd_header_release(struct jd_header *h);

#endif
