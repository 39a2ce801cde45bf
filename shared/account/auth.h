/* auth: who is calling — an API key ("Authorization: Bearer") or a web session cookie — resolved to an organisation and user. */
#ifndef SHORTLIST_AUTH_H
#define SHORTLIST_AUTH_H

#include <stdbool.h>

#include "http/req.h"

/* The header a cookie-authenticated request that changes something must carry, and its value. */
#define AUTH_CSRF_HEADER "X-Requested-With"
#define AUTH_CSRF_VALUE "shortlist"

/*
 * The app.authenticate hook. An Authorization header wins: its key's
 * SHA-256 is looked up among unrevoked keys and fills r->org_id,
 * r->user_id (0 for an organisation key) and r->key_id. Without one, the
 * session cookie (session.h) fills r->org_id, r->user_id and
 * r->session_id; a POST, PUT, PATCH or DELETE made with the cookie must
 * also carry "X-Requested-With: shortlist", a header other sites cannot
 * make a browser send, else ST_FORBIDDEN.
 * Returns 0, ST_UNAUTHORIZED (missing, malformed, unknown, revoked or
 * expired; the detail never says which part was wrong beyond "missing" or
 * "invalid"), ST_FORBIDDEN, or ST_UNAVAILABLE when the database cannot be asked.
 */
int auth_request(struct req *r);

/* Whether the request carries "X-Requested-With: shortlist". */
bool auth_csrf_header(const struct req *r);

#endif
