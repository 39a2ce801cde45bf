/* req: one HTTP request as a handler sees it — method, path parameters, query, headers, body, identity. */
#ifndef SHORTLIST_REQ_H
#define SHORTLIST_REQ_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/netaddr.h"

#define REQ_MAX_PARAMS 8
#define REQ_MAX_QUERY 32
#define REQ_ID_MAX 64

struct req_pair {
	char *name;
	char *value;
};

/*
 * Everything a handler may read about the request. Strings are borrowed
 * until req_reset() (the end of the request). The response being built is
 * in resp (see resp.h).
 */
struct req {
	void *fcgi;	       /* FCGX_Request *, only app.c and req.c look inside */
	const char *method;    /* "GET", ... ("HEAD" is served by GET routes) */
	const char *path;      /* the path as sent (percent-encoded), no query */
	const char *raw_query; /* after '?', "" when none */
	const char *route;     /* the matched route pattern, for logs */
	unsigned route_flags;  /* the matched route's flags (enum route_flags, app.h) */
	char request_id[REQ_ID_MAX + 1];
	int64_t started_us;
	int64_t content_length; /* -1 when absent */
	bool head;		/* a HEAD request: send headers only */
	bool read_idle_set;	/* the body's idle timeout is set on the FastCGI connection */
	bool read_timed_out;	/* a body read waited longer than SHORTLIST_BODY_IDLE_TIMEOUT_MS */
	/* Who sent it (clientaddr.h): set once by the runner, used by logs and limits. */
	char client_addr[NETADDR_TEXT_MAX]; /* canonical address; "" when unknown (not limited per address) */
	bool tls;			    /* the client used TLS (directly or through a trusted proxy) */

	struct req_pair params[REQ_MAX_PARAMS]; /* path parameters from {name} segments */
	int nparams;
	struct req_pair query[REQ_MAX_QUERY]; /* decoded query pairs */
	int nquery;

	/* Identity of an authenticated caller (ROUTE_AUTH routes). */
	int64_t org_id;
	int64_t user_id;
	int64_t key_id;	    /* the API key used, or 0 */
	int64_t session_id; /* the web session used (its cookie), or 0 */
	/* The organisation's blind-view setting when authentication read it with the key (blindview_applies_to). */
	bool org_blind_view_known;
	bool org_blind_view;

	/* The response under construction. */
	int status;
	struct buf headers; /* extra header lines, each ending in CRLF */
	struct buf body;
	bool sent;
	char *problem_detail;
	const char *problem_limit; /* a 429's limit name ("signin-per-ip"), a static string; NULL otherwise */
};

/* The value of a path parameter ({id}); NULL when the route has none by that name. */
const char *req_param(const struct req *r, const char *name);
/*
 * A path parameter as a positive 64-bit id. Returns 0 and sets *out, or
 * ST_NOT_FOUND (a malformed id names nothing) after setting the problem.
 */
int req_param_id(struct req *r, const char *name, int64_t *out);
/* The decoded value of a query parameter, NULL when absent. */
const char *req_query(const struct req *r, const char *name);
/* A request header by its CGI name, e.g. "HTTP_AUTHORIZATION", "CONTENT_TYPE"; NULL when absent. */
const char *req_header(const struct req *r, const char *cgi_name);

/*
 * Reads the whole body (at most max bytes) into out. Returns 0, ST_TOO_LARGE
 * when the body is (or announces itself as) larger than max, ST_TIMEOUT (408)
 * when the client sent nothing more for SHORTLIST_BODY_IDLE_TIMEOUT_MS before
 * the body was complete, or ST_BAD_REQUEST when it ends early. Sets the
 * problem detail on failure.
 */
int req_read_body(struct req *r, struct buf *out, size_t max);
/*
 * Reads up to n bytes of the body into dst; returns the count (0 at the end),
 * or -1 on a read error. A read that waits longer than
 * SHORTLIST_BODY_IDLE_TIMEOUT_MS for the client fails too, and sets
 * r->read_timed_out (the stream is then unusable). For streaming handlers.
 */
ssize_t req_read(struct req *r, void *dst, size_t n);
/*
 * Reads and parses a JSON body with the configured size and depth limits.
 * Requires Content-Type application/json (415 otherwise). The bytes are
 * checked by jsoncheck_validate() before cJSON sees them (invalid UTF-8,
 * \u0000, lone surrogates, duplicate keys: 400 naming the field and the
 * byte). On success *out is a tree the caller frees with cJSON_Delete(); on
 * failure returns a status code with the problem detail set (400 saying
 * where, 408, 413, 415). A matched route without ROUTE_JSON_BODY (app.h)
 * gets ST_INTERNAL, logged: the flag is what the API reference's 413 and 415
 * follow from, so it cannot be left out.
 */
int req_json_body(struct req *r, cJSON **out);

/*
 * Parses "a=1&b=x%20y" into r->query (used by the runner): '+' is a space,
 * empty pairs ("a=1&&b") are skipped, a name without '=' has the value "",
 * names may repeat (req_query() finds the first). Returns 0, or
 * ST_BAD_REQUEST with the problem detail set for more than REQ_MAX_QUERY
 * pairs or malformed percent-encoding; the pairs parsed before stay in
 * r->query until req_reset().
 */
int req_parse_query(struct req *r, const char *raw);
/*
 * Percent-decodes len bytes of s (and '+' as space when plus_is_space).
 * Returns a newly allocated string (caller frees), or NULL when a '%' is
 * not followed by two hex digits or decodes to a NUL byte.
 */
char *req_url_decode(const char *s, size_t len, bool plus_is_space);

/* Frees everything the request owns and zeroes it for the next one (keeps buffers' limits). */
void req_reset(struct req *r);

#endif
