/* evidence: checks that quoted evidence really occurs in the resume text and finds where. */
#ifndef SHORTLIST_EVIDENCE_H
#define SHORTLIST_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "score/analysis.h"

/* Quotes with fewer letters and digits than this never verify: they prove nothing. */
#define EVIDENCE_MIN_CHARS 3

/*
 * Looks for quote in text[0..len). The comparison ignores ASCII case,
 * treats any run of white space (including no-break and other Unicode
 * spaces) as one space, curly and straight quotes alike, the Unicode
 * hyphens, dashes and minus sign as "-", drops soft hyphens, and trims the
 * quote's surrounding white space and wrapping quotation marks. Words
 * must still match letter for letter. Returns 0 and sets *start and *end to
 * the byte span of the first match in the original text, or -1 when the
 * quote does not occur (or is too short, or longer than ANALYSIS_QUOTE_MAX).
 */
int evidence_locate(const char *text, size_t len, const char *quote, size_t *start, size_t *end);

/*
 * Verifies every evidence quote of every criterion against text: sets
 * verified, start and end, and the criterion's supported flag (true when at
 * least one quote verified). A criterion whose evidence all fails gets the
 * gap "no verifiable evidence". Returns the number of quotes verified.
 * The effect of an unsupported criterion on the score is applied by
 * analysis_finalize(): it counts as 0.
 */
size_t evidence_verify_analysis(struct analysis *a, const char *text, size_t len);

#endif
