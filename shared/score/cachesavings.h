/* cachesavings: what the provider's prompt cache saved an organisation (cached prompt tokens and dollars). */
#ifndef SHORTLIST_CACHESAVINGS_H
#define SHORTLIST_CACHESAVINGS_H

#include <cJSON.h>
#include <stdint.h>

/*
 * {"analyses", "cached_tokens", "saved_usd"} over every analysis of the
 * organisation that had prompt tokens served from the provider's cache
 * (analyses.cached_tokens, cache_saved_usd: what those tokens cost less than
 * at full input price). *out is new (caller frees). Returns 0 or a db code.
 */
int cachesavings_org_json(int64_t org_id, cJSON **out);

#endif
