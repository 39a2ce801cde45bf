/* auth: resolving "Authorization: Bearer <API key>" to an organisation and user. */
#ifndef SHORTLIST_AUTH_H
#define SHORTLIST_AUTH_H

#include "req.h"

/*
 * The app.authenticate hook: looks the key's SHA-256 up among unrevoked
 * keys and fills r->org_id, r->user_id (0 for an organisation key) and
 * r->key_id. Returns 0, ST_UNAUTHORIZED (missing, malformed, unknown or
 * revoked key; the detail never says which part was wrong beyond "missing"
 * or "invalid"), or ST_UNAVAILABLE when the database cannot be asked.
 */
int auth_bearer(struct req *r);

#endif
