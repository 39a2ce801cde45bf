/* auth: who is calling — an API key ("Authorization: Bearer") or a web session cookie — resolved to an organisation and user. */
#include "account/auth.h"

#include <stdio.h>
#include <string.h>

#include "account/apikey.h"
#include "account/keycache.h"
#include "account/session.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "http/resp.h"

static bool changes_something(const struct req *r)
{
	return strcmp(r->method, "POST") == 0 || strcmp(r->method, "PUT") == 0 || strcmp(r->method, "PATCH") == 0 ||
	       strcmp(r->method, "DELETE") == 0;
}

bool auth_csrf_header(const struct req *r)
{
	const char *v = req_header(r, "HTTP_X_REQUESTED_WITH");

	return v && strcmp(v, AUTH_CSRF_VALUE) == 0;
}

static int auth_session(struct req *r, const char *token)
{
	struct session_who who;
	int rc = session_resolve(token, &who);

	if (rc == ST_UNAVAILABLE)
		return resp_fail(r, rc, "cannot check the session now; try again");
	if (rc < 0)
		return resp_fail(r, ST_UNAUTHORIZED, "invalid or expired session: sign in again");
	if (changes_something(r) && !auth_csrf_header(r))
		return resp_fail(r, ST_FORBIDDEN,
				 "a change made with the session cookie must carry the header " AUTH_CSRF_HEADER
				 ": " AUTH_CSRF_VALUE);
	r->org_id = who.org_id;
	r->user_id = who.user_id;
	r->session_id = who.session_id;
	return 0;
}

static int auth_bearer(struct req *r, const char *h)
{
	struct db_result *res = NULL;
	struct key_who who;
	char hash[65];
	const char *params[1] = { hash };
	int rc;

	if (!str_has_prefix(h, "Bearer "))
		return resp_fail(r, ST_UNAUTHORIZED, "invalid Authorization header: expected Bearer <key>");
	h += 7;
	while (*h == ' ')
		h++;
	if (!apikey_well_formed(h))
		return resp_fail(r, ST_UNAUTHORIZED, "invalid API key");
	apikey_hash_hex(h, hash);
	if (keycache_get(hash, &who) == 1)
		goto known;
	rc = db_query("auth_key",
		      "SELECT k.id, k.org_id, COALESCE(k.user_id, 0),"
		      " k.last_used_at IS NULL OR k.last_used_at < now() - interval '1 minute', o.blind_view"
		      " FROM api_keys k JOIN organisations o ON o.id = k.org_id"
		      " WHERE k.key_hash = decode($1, 'hex') AND k.revoked_at IS NULL",
		      1, params, &res);
	if (rc < 0)
		return resp_fail(r, ST_UNAVAILABLE, "cannot check the API key now; try again");
	if (db_rows(res) != 1) {
		db_result_free(res);
		return resp_fail(r, ST_UNAUTHORIZED, "invalid API key");
	}
	who.key_id = db_int(res, 0, 0, 0);
	who.org_id = db_int(res, 0, 1, 0);
	who.user_id = db_int(res, 0, 2, 0);
	/* Read here, in the same round trip, for the routes that hide identities (blindview_applies_to). */
	who.blind_view = db_bool(res, 0, 4);
	keycache_put(hash, &who);
	if (db_bool(res, 0, 3)) {
		/* Recorded at most once a minute per key, so reads stay reads. */
		char id[24];
		const char *p[1] = { id };

		snprintf(id, sizeof(id), "%lld", (long long)r->key_id);
		db_exec("auth_touch", "UPDATE api_keys SET last_used_at = now() WHERE id = $1", 1, p, NULL);
	}
	db_result_free(res);
known:
	r->key_id = who.key_id;
	r->org_id = who.org_id;
	r->user_id = who.user_id;
	r->org_blind_view_known = true;
	r->org_blind_view = who.blind_view;
	return 0;
}

int auth_request(struct req *r)
{
	const char *h = req_header(r, "HTTP_AUTHORIZATION"), *cookies = req_header(r, "HTTP_COOKIE");
	char token[SESSION_TOKEN_LEN + 1];

	if (h && *h)
		return auth_bearer(r, h);
	if (session_cookie(r, token))
		return auth_session(r, token);
	if (cookies && strstr(cookies, SESSION_COOKIE "="))
		return resp_fail(r, ST_UNAUTHORIZED, "invalid or expired session: sign in again");
	return resp_fail(r, ST_UNAUTHORIZED, "missing API key: send Authorization: Bearer <key>, or sign in");
}
