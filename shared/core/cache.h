/* cache: memcached access for the LLM-response cache, derived data and counters; losing it loses no data. */
#ifndef SHORTLIST_CACHE_H
#define SHORTLIST_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/*
 * One client per process, created on first use from
 * config()->memcached_servers with short timeouts. Every operation degrades:
 * when memcached is down, reads miss and writes are dropped, and callers go
 * on uncached. Keys longer than 250 bytes or with spaces/control characters
 * are hashed into a safe form by the functions below.
 */

/* Gets a value into out (appended; bounded by out's max). Returns 1 hit, or 0 miss (memcached down included). */
int cache_get(const char *key, struct buf *out);
/* Stores a value for ttl seconds (0: no expiry; at most 30 days). Returns 0, or -1 when not stored. */
int cache_set(const char *key, const void *value, size_t len, uint32_t ttl);
/* Stores only when absent. Returns 0 stored, 1 already present, -1 failure. */
int cache_add(const char *key, const void *value, size_t len, uint32_t ttl);
int cache_delete(const char *key);
/*
 * Adds delta to a counter, creating it at delta when missing ("increment,
 * else add", which works in both protocols). *value gets the new value.
 * Returns 0 or -1 when memcached is unavailable.
 */
int cache_incr(const char *key, uint64_t delta, uint32_t ttl, uint64_t *value);
/* Subtracts delta from an existing counter (memcached stops at 0; a missing one stays missing). Returns 0 or -1. */
int cache_decr(const char *key, uint64_t delta);
/* Reads a counter; 0 when missing. Returns 0 or -1 when unavailable. */
int cache_counter(const char *key, uint64_t *value);

/* Checks a server answers within timeout_ms (for /readyz), with a fresh connection. Returns 0 or -1. */
int cache_probe(int timeout_ms, char *err, size_t errlen);

/* Frees the client (at exit). */
void cache_close(void);

#endif
