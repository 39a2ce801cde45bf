/* iplimit: limits per client address (sign-ins, unauthenticated requests, /readyz, /metrics), counted in memcached across hosts. */
#ifndef SHORTLIST_IPLIMIT_H
#define SHORTLIST_IPLIMIT_H

#include <stdint.h>

#include "base/netaddr.h"
#include "http/req.h"

/*
 * Which per-address limit a route's requests count against (chosen by its
 * ROUTE_IP_* flags, app.h). A public route's requests each cost one unit of
 * its limit before the route's function runs, so a refused sign-in is never
 * hashed; on an authenticated route only a request that fails to
 * authenticate costs a unit, of IPLIMIT_UNAUTH, and once the address is
 * over it the answer is 429 instead of 401.
 */
enum iplimit_kind {
	IPLIMIT_UNAUTH = 0, /* "unauth-per-ip": unauthenticated requests in general (the default) */
	IPLIMIT_SIGNIN,	    /* "signin-per-ip": sign-in attempts, each a password hash */
	IPLIMIT_READYZ,	    /* "readyz-per-ip": readiness checks, each probing the dependencies */
	IPLIMIT_METRICS,    /* "metrics-per-ip": Prometheus scrapes, each a few queries */
	IPLIMIT_NONE,	    /* not limited per address: liveness, callbacks proven by a shared secret */
};

/* The limit's name ("signin-per-ip"), a static string; NULL for IPLIMIT_NONE. */
const char *iplimit_name(enum iplimit_kind kind);
/* Its budget in requests per minute per address, from the configuration (0: no limit). */
int64_t iplimit_budget(enum iplimit_kind kind);

/*
 * The key a client address is counted under: an IPv4 address as it is, an
 * IPv6 address by its /64 ("2001:db8:1:2::/64"), the block one subscriber
 * is usually given, so that a host cannot step around its limit by
 * changing addresses. "" for something that is no address.
 */
#define IPLIMIT_BUCKET_MAX (NETADDR_TEXT_MAX + 4)
void iplimit_bucket(const char *addr, char out[IPLIMIT_BUCKET_MAX]);

/*
 * Counts r (one unit) against kind's limit for r->client_addr, and sets the
 * RateLimit-* headers. Returns 0 to go on; ST_TOO_MANY_REQUESTS naming the
 * limit, with an exact Retry-After; or, when memcached cannot count and
 * SHORTLIST_API_RATE_WHEN_CACHE_DOWN is "refuse", ST_UNAVAILABLE (never for
 * /readyz and /metrics, which report the outage themselves). A request
 * without a client address, IPLIMIT_NONE or a budget of 0 is not limited.
 */
int iplimit_check(struct req *r, enum iplimit_kind kind);

/*
 * Counts a request that failed to authenticate against "unauth-per-ip".
 * Returns 0 (the 401 stands; no headers are added) or, when the address is
 * over the limit, ST_TOO_MANY_REQUESTS as iplimit_check() does. When
 * memcached cannot count, returns 0.
 */
int iplimit_auth_failed(struct req *r);

#endif
