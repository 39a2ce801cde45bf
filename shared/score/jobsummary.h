/* jobsummary: one job in numbers for its charts — score distribution, categories, states, LLM spend. */
#ifndef SHORTLIST_JOBSUMMARY_H
#define SHORTLIST_JOBSUMMARY_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* The score histogram's bins: [0, 10), [10, 20) ... [90, 100], a score of 100 in the last. */
#define JOBSUMMARY_BINS 10

/*
 * Builds the summary of job_id of organisation org_id in one statement (a
 * consistent snapshot):
 *   {"job_id", "candidates" (current analyses), "score_bins" [{from, to,
 *    count}] (JOBSUMMARY_BINS of them, in order, zero when empty; current
 *    analyses with a score), "unscored" (current analyses without one),
 *    "categories" {shortlist, consider, reject, needs_review, failed},
 *    "states" {queued, processing, scored, needs_review, failed} (the job's
 *    resumes), "llm" {analyses, cache_hits, prompt_tokens,
 *    completion_tokens, cost_usd} (every analysis the job had, rescores
 *    included), "as_of"}.
 * Every category and state is present, zero when none. The counts are read
 * from indexes alone (the ranked list's analyses_rank_category, and those of
 * migration 0160): a job with 100,000 candidates costs its index entries,
 * never a scan of a table. Returns 0 with *out set (caller frees),
 * ST_NOT_FOUND when the organisation has no such job, or a db status code.
 */
int jobsummary_json(int64_t org_id, int64_t job_id, cJSON **out);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *jobsummary_statements(size_t *n);

#endif
