/* resp: building the response to a request — JSON, problem details, headers. */
#ifndef SHORTLIST_RESP_H
#define SHORTLIST_RESP_H

#include <cJSON.h>
#include <stdbool.h>

#include "http/req.h"

/* Adds a response header; name and value must not contain CR or LF (they are dropped if they do). */
void resp_header(struct req *r, const char *name, const char *value);
/* Whether a response header of that name (any case) has been added. */
bool resp_has_header(const struct req *r, const char *name);
/* Removes every response header of that name (any case) added so far. */
void resp_header_remove(struct req *r, const char *name);
void resp_headerf(struct req *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The cache rule every API answer follows: unless the route chose a
 * Cache-Control of its own, the response gets "Cache-Control: no-store", so
 * no browser, proxy or CDN keeps a copy. Most answers carry personal data
 * (candidates, resumes, emails, sessions, keys), and one forgotten header
 * would leak them into a shared cache; so storing is refused by default and a
 * public, cacheable answer is the explicit exception: its route sets the
 * header itself (resp_header(r, "Cache-Control", "public, max-age=60")), and
 * that value is kept. Problem answers follow the same rule. The runner calls
 * this just before sending; calling it again adds nothing.
 */
void resp_cache_default(struct req *r);

/* Sets status and an application/json body from item (not freed). Returns 0. */
int resp_json(struct req *r, int http_status, const cJSON *item);
/* Same, and frees item. */
int resp_json_take(struct req *r, int http_status, cJSON *item);
/* Sets status, content type and a raw body. Returns 0. */
int resp_raw(struct req *r, int http_status, const char *content_type, const void *body, size_t len);

/*
 * Records the detail of a failure (printf-style) and returns code, so a
 * handler can write `return resp_fail(r, ST_NOT_FOUND, "job %lld not found", id);`.
 * The runner turns the code into an application/problem+json response.
 */
int resp_fail(struct req *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * The usual mapping of a store function's failure: ST_NOT_FOUND becomes
 * "WHAT ID not found", ST_UNAVAILABLE "the database is unavailable; try
 * again" (503 with Retry-After), anything else is returned as it is.
 */
int resp_fail_store(struct req *r, int rc, const char *what, int64_t id);

/*
 * The whole of a GET of one record of the caller's organisation: reads the
 * path parameter param as an id, calls get(org_id, id, &out) and answers 200
 * with out (freed), or the failure as resp_fail_store() maps it, naming
 * what. Returns 0 or a status, as a route function does.
 */
int resp_store_get(struct req *r, const char *param, const char *what,
		   int (*get)(int64_t org_id, int64_t id, cJSON **out));

/*
 * Writes an RFC 9457 problem+json response for code now (status, type,
 * title, detail, instance = request path, request_id, and for a 429 the
 * name of the limit that was hit, r->problem_limit). Used by the runner.
 */
void resp_problem(struct req *r, int code, const char *detail);

#endif
