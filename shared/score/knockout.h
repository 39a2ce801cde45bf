/* knockout: the job's hard requirements (minimum years, certifications, skills) checked against a resume. */
#ifndef SHORTLIST_KNOCKOUT_H
#define SHORTLIST_KNOCKOUT_H

#include <stddef.h>

#include "score/analysis.h"
#include "score/job.h"
#include "text/experience.h"
#include "text/textnorm.h"

/*
 * Resumes with fewer letters than this are treated as unreadable: their
 * knock-outs come out unknown rather than fail.
 */
#define KNOCKOUT_MIN_TEXT 200

/*
 * Evaluates one rule against the tokenised resume doc and the experience
 * estimate. min_years: pass when the years found reach it, fail when they
 * do not, unknown when no dates or statements were found. certification:
 * whole-word, case-insensitive, also under its common long form or
 * abbreviation ("PMP" / "Project Management Professional"). skill: whole
 * words with light stemming. certification and skill are unknown when the
 * text is too short to judge. Writes the rule ("min_years 5") and a detail
 * sentence into the buffers (truncated to their sizes) and returns the result.
 */
enum analysis_result knockout_check(const struct job_knockout *k, const struct textnorm_doc *doc,
				    const struct experience *exp, char *rule, size_t rulelen, char *detail,
				    size_t detaillen);

/* Checks every rule of the job and appends the results to a->knockouts. Returns the number that failed. */
size_t knockout_apply(const struct job *job, const struct textnorm_doc *doc, const struct experience *exp,
		      struct analysis *a);

#endif
