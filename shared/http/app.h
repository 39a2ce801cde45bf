/* app: the FastCGI request loop every handler binary runs, with route matching and error mapping. */
#ifndef SHORTLIST_APP_H
#define SHORTLIST_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "account/iplimit.h"
#include "http/req.h"

enum route_flags {
	ROUTE_PUBLIC = 0,
	ROUTE_AUTH = 1 << 0,	    /* caller must authenticate (app.authenticate) */
	ROUTE_STREAM_BODY = 1 << 1, /* the handler reads the body itself; no JSON body limit applies */
	ROUTE_UNMETERED = 1 << 2,   /* an authenticated request not counted against the key's rate limit (apilimit) */
	ROUTE_JSON_BODY =
		1 << 3,	      /* the body is JSON read with req_json_body(), which refuses (500) a route without it */
	ROUTE_STORE = 1 << 4, /* a public route that needs PostgreSQL or S3 (an authenticated one always does) */
	/*
	 * The per-address limit a public route's requests count against
	 * (iplimit.h); none of these: the general "unauth-per-ip". At most one.
	 */
	ROUTE_IP_SIGNIN = 1 << 5,  /* "signin-per-ip" */
	ROUTE_IP_READYZ = 1 << 6,  /* "readyz-per-ip" */
	ROUTE_IP_METRICS = 1 << 7, /* "metrics-per-ip" */
	ROUTE_IP_NONE = 1 << 8,	   /* not limited per address (liveness; callbacks proven by a shared secret) */
	/*
	 * A request of this route (not GET or HEAD) leaves the organisation's
	 * kept answers (answercache.h) in place: it changes nothing they show
	 * (an estimate, a preview), or what it changes shows within their age
	 * limit as the drainer's work does (an upload's new resumes).
	 */
	ROUTE_KEEPS_ANSWERS = 1 << 9,
};

/*
 * A route: method, a path pattern whose {name} segments become parameters
 * ("/api/v1/jobs/{id}"), the function and flags. The function returns 0 after
 * setting a response, or a negative status code (status.h), usually through
 * resp_fail(); the runner then writes the problem+json response.
 */
struct route {
	const char *method;
	const char *pattern;
	int (*fn)(struct req *r);
	unsigned flags;
};

/* The per-address limit (iplimit.h) a public route with these flags counts its requests against. */
enum iplimit_kind app_route_ip_limit(unsigned flags);

struct app {
	const char *name;
	const struct route *routes;
	size_t nroutes;
	/* Fills r->org_id/user_id or returns ST_UNAUTHORIZED (with detail); NULL: ROUTE_AUTH routes are refused. */
	int (*authenticate)(struct req *r);
	/* Called after each request (e.g. to release per-request state); may be NULL. */
	void (*after_request)(void);
	/* Called once at exit, before the shared connections close (e.g. to free an S3 client); may be NULL. */
	void (*release)(void);
};

/*
 * Runs the FastCGI accept loop on the socket lighttpd passes (fd 0) until
 * SIGTERM or SIGINT, finishing the request in flight first. Ignores SIGPIPE.
 * Returns the process exit code.
 */
int app_run(const struct app *app);

/*
 * The whole main() of a handler program. With the single argument --routes
 * it prints the route table (route_print(), route.h) to stdout and returns
 * 0 without loading anything. Otherwise it loads the configuration (exiting
 * 78 when it is bad), opens the log, runs the request loop, then releases
 * the handler's own resources, the database and memcached connections and
 * the configuration. Returns the exit code.
 */
int app_main(const struct app *app, char **argv);

/*
 * Handles one request already described by r (method, path, query set):
 * matches the route, checks method and auth, calls the function, and turns
 * a failure into a problem response. Exposed for tests; app_run uses it.
 */
void app_dispatch(const struct app *app, struct req *r);

/*
 * Matches path (as sent: percent-encoded, no query) against a pattern
 * segment by segment. A literal segment matches its percent-decoded
 * equal ("/api/v1/%6Beys" is "/api/v1/keys"); a {name} segment matches
 * any non-empty segment, which is percent-decoded ('+' stays '+', "%2F"
 * becomes '/') into a parameter. No match for a trailing or doubled '/',
 * malformed percent-encoding or "%00", a segment that decodes to "." or
 * "..", or more than REQ_MAX_PARAMS parameters in all. On success appends
 * the parameters to r->params (owned by r, freed by req_reset()) and
 * returns true; on failure leaves r->params as it was and returns false.
 * Exposed for tests.
 */
bool app_route_match(const char *pattern, const char *path, struct req *r);

/* Whether a SIGTERM/SIGINT asked the process to stop. */
bool app_stopping(void);

#endif
