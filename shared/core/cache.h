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
 *
 * A list of several servers is one pool: each key lives on one server,
 * chosen by consistent hashing (libmemcached's weighted ketama, compatible
 * with libketama clients). A server that fails an operation (refuses the
 * connection, does not answer within 250 ms, or cuts the connection twice)
 * is left out of this process's client for 2 seconds: its keys then map to
 * the other servers (each to the next on the ring; no other key moves), so
 * they start empty there, and the operation that found it dead is made
 * again there. After the 2 seconds the next operation on one of its keys
 * tries it again; once it answers, its keys map back to it (with what it
 * held, or empty after a restart). Each process finds this out for itself.
 * When every server is down, reads miss and writes fail without waiting.
 * A list of one server is never left out (libmemcached pauses it for 2 s
 * after a refused connection, and a timeout costs only that operation).
 * Not thread safe (one client per process).
 */

/*
 * Checks a server list for SHORTLIST_MEMCACHED_SERVERS: comma-separated
 * host:port[:weight] items (or a unix socket path), at most 64. Returns 0, or
 * -1 with the reason in err.
 */
int cache_servers_check(const char *list, char *err, size_t errlen);

/* Gets a value into out (appended; bounded by out's max). Returns 1 hit, or 0 miss (memcached down included). */
int cache_get(const char *key, struct buf *out);
/*
 * Gets the values of up to CACHE_GET_MANY_MAX distinct keys in one
 * exchange per server (a multi-get), each appended to outs[i] (bounded by
 * its max); hits[i] says whether keys[i] was found. A server that fails on the way is handled as
 * cache_get() handles it, key by key. Returns the number of hits, or -1
 * when memcached cannot answer (every hits[i] false).
 */
#define CACHE_GET_MANY_MAX 8
int cache_get_many(size_t n, const char *const *keys, struct buf *const *outs, bool *hits);
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

/*
 * Asks every server of the pool for its version with fresh connections,
 * within timeout_ms (at most 500 ms when the pool has several servers, so
 * one that hangs does not hold the answer up; for /readyz and the cache
 * statistics). Returns 0
 * when at least one answers: the pool works, with the missing servers' keys
 * on the others. Returns -1 when none does. Either way err gets the servers
 * that did not answer and why ("" when all did).
 */
int cache_probe(int timeout_ms, char *err, size_t errlen);

/*
 * Which server key maps to now in this process's client ("host:port", or the
 * socket path), taking servers taken out or put back into account. For tests
 * and diagnosis. Returns 0, or -1 when there is no client.
 */
int cache_server_of(const char *key, char *out, size_t outlen);

/* Frees the client (at exit). */
void cache_close(void);

#endif
