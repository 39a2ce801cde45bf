/* termweights: how much a word says about a job, from built-in tables of common English and job-ad words. */
#ifndef SHORTLIST_TERMWEIGHTS_H
#define SHORTLIST_TERMWEIGHTS_H

#include <stddef.h>

/* Weights a word can have, from the most telling to the least. */
#define TERMWEIGHTS_SPECIFIC 1.0 /* not in the tables: technologies, jargon, names */
#define TERMWEIGHTS_COMMON 0.6	 /* common English words ("database", "mission") */
#define TERMWEIGHTS_TOP 0.35	 /* the most common English words ("end", "improve") */
#define TERMWEIGHTS_JOB_AD 0.2	 /* words every job ad and resume uses ("team", "experience") */

/*
 * The background weight of one word, any case: TERMWEIGHTS_SPECIFIC,
 * _COMMON, _TOP or _JOB_AD as above, looked up by its textnorm_stem() stem;
 * 0 for a stop word or an empty word. Pure and thread-safe.
 */
double termweights_word(const char *w, size_t len);

/*
 * The weight of a phrase: 1 - prod(1 - w) over its words' termweights_word(),
 * so that a phrase of common words ("project management") says more than
 * each of its words and never more than a specific word; 0 when the phrase
 * has no word that is not a stop word.
 */
double termweights_phrase(const char *phrase, size_t len);

#endif
