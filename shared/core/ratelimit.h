/* ratelimit: budgets over a sliding minute counted in memcached, shared by every process and host; a limit has a name, a key and a budget. */
#ifndef SHORTLIST_RATELIMIT_H
#define SHORTLIST_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* The length of a counting window. */
#define RATELIMIT_WINDOW_SECONDS 60
/* Longest limit name and key, in bytes (memcached keys stay far below 250). */
#define RATELIMIT_NAME_MAX 32
#define RATELIMIT_KEY_MAX 64

/*
 * A limit of L units per minute for one key (an API key, a client address)
 * is estimated from two fixed one-minute windows aligned to the wall clock
 * (the same on every host): the previous window's count weighted by the
 * part of it still inside the last 60 seconds, plus the current window's
 * count. A request costs one unit or more; a refused one is not counted.
 */
struct ratelimit_state {
	int64_t limit;	       /* units per minute; 0: no limit */
	int64_t used;	       /* the sliding-minute estimate, this request included */
	int64_t remaining;     /* units left now (0 when refused) */
	int64_t reset_s;       /* seconds until the current window ends */
	int64_t retry_after_s; /* when refused: seconds until the request fits again */
	bool allowed;
	bool counted; /* false when memcached could not count (the caller's fallback policy then decides) */
};

/*
 * The arithmetic, without memcached: previous and current are the two
 * windows' counts (current including the cost units of the request being
 * decided), elapsed_ms how far the current window is. Fills st; the
 * Retry-After is exact: the first whole second at which the same request
 * would fit. A cost above the limit never fits: it is refused with a
 * Retry-After of the two windows' remainder. Exposed for tests.
 */
void ratelimit_decide(int64_t limit, uint64_t previous, uint64_t current, int64_t cost, int64_t elapsed_ms,
		      struct ratelimit_state *st);

/*
 * Counts cost units (at least 1) against limit units per minute of the
 * budget (name, key) and decides (st); a refused request is taken back.
 * Returns 0, or -1 when memcached cannot count (st->counted false,
 * st->allowed true: the caller applies its policy). A limit of 0 counts
 * nothing and allows. Blocking: one or two memcached round trips.
 */
int ratelimit_take(const char *name, const char *key, int64_t limit, int64_t cost, struct ratelimit_state *st);

/*
 * Adds units of work already done (the files of an upload beyond its first)
 * to (name, key) without refusing anything; the next requests wait when it
 * went over. st gets the state after. Returns 0 or -1 (memcached).
 */
int ratelimit_charge(const char *name, const char *key, int64_t limit, int64_t units, struct ratelimit_state *st);

/* Reads (name, key)'s usage now without counting. Returns 0, or -1 when memcached cannot be read. */
int ratelimit_peek(const char *name, const char *key, int64_t limit, struct ratelimit_state *st);

/*
 * Logs, at most once a minute per process, that memcached cannot count
 * requests against limits, and the policy applied (the value of
 * SHORTLIST_API_RATE_WHEN_CACHE_DOWN).
 */
void ratelimit_warn_uncounted(const char *policy);

#endif
