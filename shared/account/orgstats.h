/* orgstats: an organisation's totals at a glance — jobs, resumes, candidates, queue, emails, LLM usage. */
#ifndef SHORTLIST_ORGSTATS_H
#define SHORTLIST_ORGSTATS_H

#include <cJSON.h>
#include <stdint.h>

/*
 * Builds the totals of one organisation from its counters (core/counters.h,
 * one statement, a consistent snapshot): jobs by status, resumes by status,
 * current candidates by category, tasks by state, emails by state, and the
 * LLM usage of all its analyses (calls, cache hits, tokens, cost), of its
 * jobs' preparation (preparation_*), scoring answers paid for but not
 * stored (unstored_*: their claim was lost first), the calls to models without a price
 * (unpriced_calls, in no cost) and cost_complete (false when there are
 * any), with as_of (UTC, milliseconds). Every known state is present, zero when none.
 * Returns 0 with *out set (caller frees), or a status code.
 */
int orgstats_json(int64_t org_id, cJSON **out);

#endif
