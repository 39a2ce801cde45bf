/* score_local: the built-in deterministic scorer, the default provider when no LLM is configured. */
#ifndef SHORTLIST_SCORE_LOCAL_H
#define SHORTLIST_SCORE_LOCAL_H

#include <stddef.h>

#include "score/analysis.h"
#include "score/job.h"

/* Longest evidence quote the local scorer cuts from a resume line. */
#define SCORE_LOCAL_QUOTE_MAX 160
/* Most evidence quotes kept per criterion. */
#define SCORE_LOCAL_EVIDENCE_MAX 5

/*
 * Scores resume text against the job's rubric (job_rubric(): the job's own
 * or the derived one, cached in the job, hence not const). For each
 * criterion it looks up the keywords as whole, lightly stemmed words:
 * "skills" and "terms" criteria score by the share of keywords found
 * (10 x sqrt(share)); "experience" combines years found against min_years
 * with how many of the title's words occur (more in the resume's first
 * lines); "education" credits any degree plus the keywords. Every match
 * yields a short verified quote of the line it is on, a strength ("has
 * Kubernetes") and every miss a gap ("no mention of Terraform"). Then
 * analysis_complete() verifies evidence, evaluates the knock-outs and sets
 * score and category. Same input, same output, byte for byte.
 * ref_year/ref_month stand for "present" in date ranges.
 * Returns a new analysis (never NULL); caller frees with analysis_free().
 */
struct analysis *score_local(struct job *job, const char *text, size_t len, int ref_year, int ref_month);

#endif
