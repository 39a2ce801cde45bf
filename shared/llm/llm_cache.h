/* llm_cache: the memcached-backed cache of model answers, its keys and its shared counters. */
#ifndef SHORTLIST_LLM_CACHE_H
#define SHORTLIST_LLM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#define LLM_CACHE_KEY_LEN 64

/*
 * The cache key: SHA-256 hex of provider, model, prompt version, rubric
 * version, the SHA-256 of the job message (what the model is told about
 * the job) and the resume text, each length-prefixed so no two inputs run
 * together. A new prompt version or rubric makes new keys. out gets 64 hex
 * digits and a NUL. Returns 0, or -1 when hashing fails.
 */
int llm_cache_key(const char *provider, const char *model, const char *prompt_version, const char *rubric_version,
		  const char *job_message, const char *text, size_t len, char out[LLM_CACHE_KEY_LEN + 1]);

/* A cached answer: the model's raw output and what the call that produced it cost. */
struct llm_cache_entry {
	char *content; /* the model's output JSON; owned */
	char *model;   /* owned; may be NULL */
	int64_t prompt_tokens;
	int64_t completion_tokens;
	int64_t cost_microusd;
};

/* Frees what the entry holds and zeroes it; accepts a zeroed entry. */
void llm_cache_entry_release(struct llm_cache_entry *e);

/*
 * Looks the key up. Returns 1 and fills e on a hit (release it with
 * llm_cache_entry_release()), 0 on a miss, when memcached is down or when
 * the stored value is not a valid entry.
 */
int llm_cache_lookup(const char *key, struct llm_cache_entry *e);
/* Stores the entry for ttl seconds. Returns 0, or -1 when not stored (memcached down, too large). */
int llm_cache_store(const char *key, const struct llm_cache_entry *e, uint32_t ttl);
/* Deletes the entry (erasure). Returns 0 when it is gone or was never there, -1 when memcached did not answer. */
int llm_cache_forget(const char *key);

/*
 * The shared counters, kept in memcached (lost with memcached, like the
 * cache): the whole service's under "llm:stats:<name>", for the operator's
 * metrics, and each organisation's under "llm:stats:org:<id>:<name>", for
 * its own API.
 */
enum llm_cache_counter {
	LLM_CACHE_HITS,
	LLM_CACHE_MISSES,
	LLM_CACHE_CALLS,
	LLM_CACHE_PROMPT_TOKENS,
	LLM_CACHE_COMPLETION_TOKENS,
	LLM_CACHE_TOKENS_SAVED,
	LLM_CACHE_COST_SAVED_MICROUSD,
	LLM_CACHE_COUNTER_COUNT
};

/* "hits", "misses", "calls", "prompt_tokens", "completion_tokens", "tokens_saved", "cost_saved_microusd". */
const char *llm_cache_counter_name(enum llm_cache_counter c);
/*
 * Adds delta to the service's counter and, when org_id > 0, to that
 * organisation's; silently does nothing when memcached is down or delta is 0.
 */
void llm_cache_count(int64_t org_id, enum llm_cache_counter c, uint64_t delta);

/*
 * The whole service's counters as a JSON object (for /metrics):
 * {"available": bool, "hits", "misses", "hit_rate" (0..1), "calls",
 * "prompt_tokens", "completion_tokens", "tokens_saved",
 * "cost_saved_microusd", "cost_saved_usd"}. "available" is false (and the
 * numbers 0) when memcached does not answer. Caller frees with cJSON_Delete().
 */
cJSON *llm_cache_stats_json(void);
/*
 * The same object with organisation org_id's own counters (all 0 for one
 * that has used no model yet), for GET /api/v1/cache/stats and
 * GET /api/v1/stats. Caller frees with cJSON_Delete().
 */
cJSON *llm_cache_org_stats_json(int64_t org_id);

#endif
