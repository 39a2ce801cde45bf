/* apilimit: request rate limits per API key (or per user for web sessions), counted in memcached so every process and host shares them. */
#ifndef SHORTLIST_APILIMIT_H
#define SHORTLIST_APILIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "http/req.h"

/* The length of a counting window. */
#define APILIMIT_WINDOW_SECONDS 60

/*
 * The limit is config()->api_rate_per_minute requests per key over a
 * sliding minute, estimated from two fixed one-minute windows aligned to
 * the wall clock (the same on every host): the previous window's count
 * weighted by the part of it still inside the last 60 seconds, plus the
 * current window's count. A refused request is not counted.
 */
struct apilimit_state {
	int64_t limit;	       /* requests per minute; 0: no limit */
	int64_t used;	       /* the sliding-minute estimate, this request included */
	int64_t remaining;     /* requests left now (0 when refused) */
	int64_t reset_s;       /* seconds until the current window ends */
	int64_t retry_after_s; /* when refused: seconds until one request fits again */
	bool allowed;
	bool counted; /* false when memcached could not count (the fallback policy then decides) */
};

/*
 * The arithmetic, without memcached: previous and current are the two
 * windows' counts (current including the request being decided),
 * elapsed_ms how far the current window is. Fills st. Exposed for tests.
 */
void apilimit_decide(int64_t limit, uint64_t previous, uint64_t current, int64_t elapsed_ms, struct apilimit_state *st);

/*
 * Counts one request against the budget of r's API key (r->key_id) or,
 * for a web session, of its user, and decides. Sets RateLimit-Limit,
 * RateLimit-Remaining, RateLimit-Reset and RateLimit-Policy on the response
 * when it could count. Returns 0 to go on; ST_TOO_MANY_REQUESTS with the
 * detail and an exact Retry-After; or, when memcached cannot count and
 * SHORTLIST_API_RATE_WHEN_CACHE_DOWN is "refuse", ST_UNAVAILABLE. An
 * unauthenticated request or a limit of 0 is not limited.
 */
int apilimit_check(struct req *r);

/* Reads the caller's usage now without counting a request. Returns 0, or -1 when memcached cannot be read. */
int apilimit_peek(const struct req *r, struct apilimit_state *st);

#endif
