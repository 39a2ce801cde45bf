/* llmspend: what a job's preparation calls (company details, email templates, criteria) were billed, recorded beside the analyses' cost. */
#ifndef SHORTLIST_LLMSPEND_H
#define SHORTLIST_LLMSPEND_H

#include <stdint.h>

#include "llm/llm.h"
#include "llm/llm_json.h"

/* The purpose of a scoring answer that was paid for but not stored (its claim was lost first). */
#define LLMSPEND_SCORING_UNSTORED "scoring_unstored"

/*
 * Records what spend says the provider billed for one preparation call of
 * job_id (purpose: the call's schema name, e.g. "company_details") as one
 * row of llm_spend (migration 0225), whose triggers keep the organisation's
 * preparation and unpriced-call counters. Nothing is written when no answer
 * was billed (spend->answers == 0). Returns 0, or a db status code; a
 * failure is logged and is not the preparation's failure (the call's answer
 * is still used), since the money was spent either way.
 */
int llmspend_record(int64_t org_id, int64_t job_id, const char *purpose, const struct llm_json_spend *spend);

/*
 * Records a scoring answer the drainer cannot store (its task was rescued
 * or its claim lost before the analysis was written) as an llm_spend row of
 * purpose LLMSPEND_SCORING_UNSTORED, so that the call is paid for once in
 * the books: the next attempt finds the answer in the LLM cache and its
 * analysis costs nothing. Answers from the cache or the local scorer, and
 * answers without usage, cost nothing and are not recorded. Returns as
 * llmspend_record().
 */
int llmspend_record_unstored(int64_t org_id, int64_t job_id, const struct llm_result *res);

#endif
