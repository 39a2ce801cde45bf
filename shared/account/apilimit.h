/* apilimit: request rate limits per API key (or per user for web sessions), counted in memcached so every process and host shares them. */
#ifndef SHORTLIST_APILIMIT_H
#define SHORTLIST_APILIMIT_H

#include <stdint.h>

#include "core/ratelimit.h"
#include "http/req.h"

/* The limits' names, as a 429 problem's "limit" member gives them. */
#define APILIMIT_KEY_NAME "api-per-key"
#define APILIMIT_USER_NAME "api-per-user"

/*
 * The budget is config()->api_rate_per_minute units per key over a sliding
 * minute (ratelimit.h). A request costs one unit when it is admitted; a
 * route whose work is counted in parts (an upload's files) charges the
 * rest afterwards with apilimit_charge().
 */

/*
 * Counts one request against the budget of r's API key (r->key_id) or,
 * for a web session, of its user, and decides. Sets RateLimit-Limit,
 * RateLimit-Remaining, RateLimit-Reset and RateLimit-Policy on the response
 * when it could count. Returns 0 to go on; ST_TOO_MANY_REQUESTS with the
 * detail, the limit's name and an exact Retry-After; or, when memcached
 * cannot count and SHORTLIST_API_RATE_WHEN_CACHE_DOWN is "refuse",
 * ST_UNAVAILABLE. An unauthenticated request or a limit of 0 is not limited.
 */
int apilimit_check(struct req *r);

/*
 * Charges units more to r's budget for work already done (an upload of n
 * files charges n - 1 after the request's own unit), and updates the
 * RateLimit-* headers. Never refuses: the caller's next requests wait when
 * the budget went over. Does nothing for an unauthenticated request, a
 * limit of 0, units <= 0, or when memcached cannot count.
 */
void apilimit_charge(struct req *r, int64_t units);

/*
 * Spends units more of r's budget for work known before it is done (the
 * presigned URLs one request asks for beyond its first), refusing when they
 * do not fit: returns 0, or ST_TOO_MANY_REQUESTS (none of units spent; the
 * request's own unit, spent when it was admitted, stays spent; the detail
 * says when the request fits, or that it never can because it costs more
 * than the whole limit). When memcached cannot count, the
 * SHORTLIST_API_RATE_WHEN_CACHE_DOWN policy decides, as for
 * apilimit_check(). Does nothing for an unauthenticated request, a limit of
 * 0 or units <= 0.
 */
int apilimit_spend(struct req *r, int64_t units);

/* Reads the caller's usage now without counting a request. Returns 0, or -1 when memcached cannot be read. */
int apilimit_peek(const struct req *r, struct ratelimit_state *st);

#endif
