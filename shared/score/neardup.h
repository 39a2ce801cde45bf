/* neardup: links between near-duplicate resumes of one organisation, found by their SimHash, and the word difference shown with each. */
#ifndef SHORTLIST_NEARDUP_H
#define SHORTLIST_NEARDUP_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "text/simhash.h"

/*
 * Two resumes are linked when their fingerprints (text/simhash.h) are at
 * most NEARDUP_MAX_DISTANCE bits apart and their contact names agree
 * (equal once case and spacing are folded, or one has none). Measured on
 * the labelled evaluation set (tests/eval/neardup.py, README "Evaluation"):
 * one-word edits sit 2-4 bits apart, and no pair of different people is
 * linked at any distance up to 12 with the name rule, while text alone
 * links 74 pairs at 7 (name-swapped copies sit 1-3 bits apart). The bands
 * find every pair within SIMHASH_BANDS - 1 bits, so the distance may not
 * exceed that.
 */
#define NEARDUP_MAX_DISTANCE 7
/* Texts with fewer words (simhash_word_count) get no fingerprint: a handful of words hashes too coarsely to compare. */
#define NEARDUP_MIN_WORDS 30
/* Words listed on each side of a link's difference; the counts cover all of them. */
#define NEARDUP_DIFF_WORDS 20

#if NEARDUP_MAX_DISTANCE >= SIMHASH_BANDS
#error "the band look-up finds only pairs fewer than SIMHASH_BANDS bits apart"
#endif

/*
 * Records resume_id's fingerprint and links it to every near-duplicate
 * resume of org_id already fingerprinted, in the caller's transaction.
 * text is the extracted text, name the contact name (NULL or "" when none).
 * Nothing is stored for a text under NEARDUP_MIN_WORDS words. The link's
 * difference is computed on both texts with contact details masked
 * (text/mask.h), so it names nobody; when masking fails, on the raw words
 * of neither: the link is stored with an empty difference. Each resume
 * keeps its own analyses: a link never copies a score. Returns 0 or a db
 * code; *linked (may be NULL) gets the number of links made.
 */
int neardup_record(int64_t org_id, int64_t resume_id, const char *text, size_t len, const char *name, int *linked);

/*
 * The word difference between texts a and b: the words left once their
 * common beginning and end are taken off and the remaining words are
 * matched one for one. Returns a new object {only_a: [words], only_b:
 * [words], only_a_count, only_b_count}, at most NEARDUP_DIFF_WORDS words
 * listed on each side, words lower-cased (caller frees). Pure.
 */
cJSON *neardup_diff(const char *a, size_t alen, const char *b, size_t blen);

/*
 * Folds a contact name for the comparison: lower-cased ASCII, runs of
 * spaces made one, trimmed. Writes at most outlen - 1 bytes and a NUL.
 */
void neardup_name_key(const char *name, char *out, size_t outlen);

/*
 * The links of resume_id in org_id, newest first, as a new array (caller
 * frees) of {resume_id, job_id, distance, linked_at, only_here: [words],
 * only_there: [words], only_here_count, only_there_count}: "here" is
 * resume_id's side of the difference. Returns 0 or a db code.
 */
int neardup_links(int64_t org_id, int64_t resume_id, cJSON **out);

/*
 * Adds "near_duplicates" (as neardup_links) to each object of items that
 * has a numeric "resume_id", with one query for all of them. Returns 0 or
 * a db code.
 */
int neardup_attach(int64_t org_id, cJSON *items);

/* The statements of the look-up, for plan checks (borrowed, static): NAME|PARAMETERS|SQL as counters_statements. */
struct counters_statement;
const struct counters_statement *neardup_statements(size_t *n);

#endif
