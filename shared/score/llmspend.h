/* llmspend: what a job's preparation calls (company details, email templates, criteria) were billed, recorded beside the analyses' cost. */
#ifndef SHORTLIST_LLMSPEND_H
#define SHORTLIST_LLMSPEND_H

#include <stdint.h>

#include "llm/llm_json.h"

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

#endif
