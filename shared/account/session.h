/* session: web sign-in — sessions opened with a user's email and password, carried in an HttpOnly cookie. */
#ifndef SHORTLIST_SESSION_H
#define SHORTLIST_SESSION_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/req.h"

#define SESSION_COOKIE "sl_session"
/* "sls_" + 64 hex digits (256 random bits); only its SHA-256 is stored. */
#define SESSION_TOKEN_LEN 68

struct session_who {
	int64_t session_id, org_id, user_id;
};

/*
 * Checks email (any case) and password against every user with that email
 * and a password (an email may belong to users of several organisations;
 * the first whose password matches wins) and opens a session lasting
 * config()->session_ttl seconds. Unknown emails take as long as wrong
 * passwords. Fills token and who. Returns 0, ST_UNAUTHORIZED (wrong email or
 * password: the caller must not say which) or ST_UNAVAILABLE.
 */
int session_open(const char *email, const char *password, const char *user_agent, char token[SESSION_TOKEN_LEN + 1],
		 struct session_who *who);

/* Resolves a token to its unexpired, unrevoked session. Returns 0, ST_UNAUTHORIZED or ST_UNAVAILABLE. */
int session_resolve(const char *token, struct session_who *who);

/* Revokes the session of a token (nothing when unknown). Returns 0 or ST_UNAVAILABLE. */
int session_revoke(const char *token);

/*
 * The user's sessions still open (unrevoked, unexpired), newest first:
 * [{id, created_at, expires_at, user_agent, current}] where current marks
 * current_id. Returns 0 with *out set (caller frees), or a status code.
 */
int session_list_json(int64_t org_id, int64_t user_id, int64_t current_id, cJSON **out);

/* Revokes one of the user's sessions. Returns 0, ST_NOT_FOUND (not the user's, or not open) or a status code. */
int session_revoke_id(int64_t org_id, int64_t user_id, int64_t id);

/* Revokes every session of a user (after a password change). Returns 0 or ST_UNAVAILABLE. */
int session_revoke_user(int64_t user_id);

/*
 * The session token in the request's Cookie header, copied to out; false
 * when there is none or it is not shaped like a token.
 */
bool session_cookie(const struct req *r, char out[SESSION_TOKEN_LEN + 1]);

/*
 * Describes the caller for GET /api/v1/session: {"auth": "session" or
 * "api_key", "user": {id, email, name, role} or null (an organisation key),
 * "organisation": {id, name}, "expires_at" (sessions only)}. Returns 0 with
 * *out set (caller frees), or a status code.
 */
int session_describe(int64_t org_id, int64_t user_id, int64_t session_id, cJSON **out);

/*
 * Sets the cookie carrying token (HttpOnly, SameSite=Strict, Path=/; Secure
 * when the request came over TLS, r->tls, or the public URL is https).
 */
void session_set_cookie(struct req *r, const char *token);
/* Tells the browser to drop the cookie. */
void session_clear_cookie(struct req *r);

#endif
