/* limitreply: how an answer shows the limit a request was counted against — RateLimit-* headers, a 429 naming the limit, the memcached-down policy. */
#ifndef SHORTLIST_LIMITREPLY_H
#define SHORTLIST_LIMITREPLY_H

#include "core/ratelimit.h"
#include "http/req.h"

/*
 * Sets RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset and
 * RateLimit-Policy ("LIMIT;w=60") from st, replacing any set before (a
 * charge after the work updates them). Nothing when st was not counted or
 * has no limit.
 */
void limitreply_headers(struct req *r, const struct ratelimit_state *st);

/*
 * The refusal of a request st did not allow: Retry-After (st's exact
 * seconds), the limit's name for the problem's "limit" member, and
 * ST_TOO_MANY_REQUESTS with the detail "WHAT (limit NAME); retry after N
 * seconds". name must be a static string. Returns ST_TOO_MANY_REQUESTS.
 */
int limitreply_refuse(struct req *r, const char *name, const struct ratelimit_state *st, const char *what);

/*
 * What to do when memcached could not count r against a limit: logs it (at
 * most once a minute per process) and returns 0 to serve the request
 * uncounted, or, when SHORTLIST_API_RATE_WHEN_CACHE_DOWN is "refuse",
 * ST_UNAVAILABLE (503) with the detail set.
 */
int limitreply_uncounted(struct req *r);

#endif
