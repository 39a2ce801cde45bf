/* account: web sign-in and a user's sessions, API keys, the organisation's totals and operations, and the caller's rate-limit budget. */
#include <cJSON.h>
#include <string.h>

#include "account/apilimit.h"
#include "account/auth.h"
#include "account/keystore.h"
#include "account/loginlimit.h"
#include "account/opsreport.h"
#include "account/orgstats.h"
#include "account/password.h"
#include "account/session.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "http/page.h"
#include "http/resp.h"
#include "llm/llm_cache.h"
#include "score/cachesavings.h"

/* An email address is at most this long (users.email's own limit). */
#define EMAIL_MAX 320

static int describe(struct req *r, int http)
{
	cJSON *out = NULL;
	int rc = session_describe(r->org_id, r->user_id, r->session_id, &out);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return resp_json_take(r, http, out);
}

static int handle_sign_in(struct req *r)
{
	cJSON *body = NULL;
	const cJSON *email, *password;
	char token[SESSION_TOKEN_LEN + 1];
	struct session_who who;
	int64_t retry_after = 0;
	int rc;

	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	email = cJSON_GetObjectItemCaseSensitive(body, "email");
	password = cJSON_GetObjectItemCaseSensitive(body, "password");
	if (!cJSON_IsString(email) || !cJSON_IsString(password) || !*email->valuestring) {
		rc = resp_fail(r, ST_BAD_REQUEST, "send {\"email\": \"...\", \"password\": \"...\"}");
		goto out;
	}
	if (strlen(email->valuestring) > EMAIL_MAX || strlen(password->valuestring) > PASSWORD_MAX_BYTES) {
		rc = resp_fail(r, ST_UNAUTHORIZED, "wrong email or password");
		goto out;
	}
	if (loginlimit_blocked(email->valuestring, &retry_after)) {
		resp_headerf(r, "Retry-After", "%lld", (long long)retry_after);
		r->problem_limit = LOGINLIMIT_NAME;
		rc = resp_fail(r, ST_TOO_MANY_REQUESTS,
			       "too many failed sign-ins for this email; try again in %lld seconds",
			       (long long)retry_after);
		goto out;
	}
	rc = session_open(email->valuestring, password->valuestring, req_header(r, "HTTP_USER_AGENT"), token, &who);
	if (rc == ST_UNAUTHORIZED) {
		loginlimit_failed(email->valuestring);
		log_info("account: failed sign-in");
		rc = resp_fail(r, ST_UNAUTHORIZED, "wrong email or password");
		goto out;
	}
	if (rc < 0) {
		rc = resp_fail(r, rc, "cannot sign in now; try again");
		goto out;
	}
	log_info("account: user %lld signed in (session %lld)", (long long)who.user_id, (long long)who.session_id);
	r->org_id = who.org_id;
	r->user_id = who.user_id;
	r->session_id = who.session_id;
	session_set_cookie(r, token);
	rc = describe(r, 201);
out:
	explicit_bzero(token, sizeof(token));
	cJSON_Delete(body);
	return rc;
}

static int handle_who_am_i(struct req *r)
{
	return describe(r, 200);
}

/*
 * Signing out: revokes the cookie's session and drops the cookie. Public, so
 * that a stale cookie can always be cleared; a live one needs the same
 * header as any cookie-authenticated change.
 */
static int handle_sign_out(struct req *r)
{
	char token[SESSION_TOKEN_LEN + 1];

	if (session_cookie(r, token)) {
		if (!auth_csrf_header(r))
			return resp_fail(r, ST_FORBIDDEN,
					 "signing out with the session cookie needs the header " AUTH_CSRF_HEADER
					 ": " AUTH_CSRF_VALUE);
		if (session_revoke(token) < 0)
			return resp_fail(r, ST_UNAVAILABLE, "cannot sign out now; try again");
		log_info("account: a session was signed out");
	}
	session_clear_cookie(r);
	r->status = 204;
	return 0;
}

/* Sessions are a person's own: an organisation key has none to see. */
static int require_user(struct req *r)
{
	if (r->user_id <= 0)
		return resp_fail(r, ST_FORBIDDEN, "an organisation key has no sessions; sessions belong to a user");
	return 0;
}

static int handle_sessions_list(struct req *r)
{
	cJSON *items = NULL, *out;
	int rc = require_user(r);

	if (rc < 0)
		return rc;
	rc = session_list_json(r->org_id, r->user_id, r->session_id, &items);
	if (rc < 0)
		return resp_fail_store(r, rc, "user", r->user_id);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "items", items);
	return resp_json_take(r, 200, out);
}

static int handle_sessions_revoke(struct req *r)
{
	int64_t id;
	int rc = require_user(r);

	if (rc < 0 || (rc = req_param_id(r, "id", &id)) < 0)
		return rc;
	rc = session_revoke_id(r->org_id, r->user_id, id);
	if (rc < 0)
		return resp_fail_store(r, rc, "session", id);
	log_info("account: session %lld signed out by its user", (long long)id);
	if (id == r->session_id)
		session_clear_cookie(r);
	r->status = 204;
	return 0;
}

static int handle_org_stats(struct req *r)
{
	cJSON *out = NULL, *savings = NULL;
	int rc = orgstats_json(r->org_id, &out);

	if (rc == 0)
		rc = cachesavings_org_json(r->org_id, &savings);
	if (rc < 0) {
		cJSON_Delete(out);
		return resp_fail_store(r, rc, "organisation", r->org_id);
	}
	cJSON_AddItemToObject(out, "llm_cache", llm_cache_org_stats_json(r->org_id));
	cJSON_AddItemToObject(out, "prompt_cache", savings);
	return resp_json_take(r, 200, out);
}

/* The organisation's operations over the last hours: its admins' page. */
static int handle_operations(struct req *r)
{
	cJSON *out = NULL;
	char err[128];
	int hours, rc = opsreport_may_view(r->org_id, r->user_id, r->key_id);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	if (rc == 0)
		return resp_fail(r, ST_FORBIDDEN,
				 "only an organisation's admins (or an organisation key) see its operations");
	if (opsreport_hours_parse(req_query(r, "hours"), &hours, err, sizeof(err)) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "%s", err);
	rc = opsreport_json(r->org_id, hours, &out);
	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return resp_json_take(r, 200, out);
}

/* The caller's own rate-limit budget; reading it is not counted against it. */
static int handle_rate_limit(struct req *r)
{
	struct ratelimit_state st;
	cJSON *out = cJSON_CreateObject();
	bool counting = apilimit_peek(r, &st) == 0;

	cJSON_AddNumberToObject(out, "limit_per_minute", (double)config()->api_rate_per_minute);
	cJSON_AddNumberToObject(out, "window_seconds", RATELIMIT_WINDOW_SECONDS);
	cJSON_AddBoolToObject(out, "counting", counting);
	cJSON_AddStringToObject(out, "when_cache_down", config()->api_rate_when_cache_down);
	if (counting && config()->api_rate_per_minute > 0) {
		cJSON_AddNumberToObject(out, "used", (double)st.used);
		cJSON_AddNumberToObject(out, "remaining", (double)st.remaining);
		cJSON_AddNumberToObject(out, "reset_seconds", (double)st.reset_s);
	}
	return resp_json_take(r, 200, out);
}

/* Keys are an organisation's admins' business: a user with the admin role, or an organisation key. */
static int require_key_admin(struct req *r)
{
	int rc = keystore_may_manage(r->org_id, r->user_id, r->key_id);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	if (rc == 0)
		return resp_fail(r, ST_FORBIDDEN,
				 "only an organisation's admins (or an organisation key) manage API keys");
	return 0;
}

static int handle_keys_list(struct req *r)
{
	cJSON *items = NULL;
	int64_t before, next;
	int limit, rc;

	if ((rc = require_key_admin(r)) < 0 || (rc = page_params(r, &before, &limit)) < 0)
		return rc;
	rc = keystore_list_json(r->org_id, before, limit, &items, &next);
	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return page_respond(r, items, next);
}

/* Reads {"name": "...", "user_email": "..."} (both optional) into name and the key's user. */
static int key_request(struct req *r, const cJSON *body, const char **name, int64_t *user_id)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "name");
	const cJSON *email = cJSON_GetObjectItemCaseSensitive(body, "user_email");
	int rc;

	*name = "";
	*user_id = r->user_id;
	if (!cJSON_IsObject(body))
		return resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
	if (n && !cJSON_IsNull(n)) {
		if (!cJSON_IsString(n) || strlen(n->valuestring) > KEYSTORE_NAME_MAX)
			return resp_fail(r, ST_BAD_REQUEST, "name: must be a string of at most %d bytes",
					 KEYSTORE_NAME_MAX);
		*name = n->valuestring;
	}
	if (email && !cJSON_IsNull(email)) {
		if (!cJSON_IsString(email))
			return resp_fail(r, ST_BAD_REQUEST, "user_email: must be a string");
		rc = keystore_find_user(r->org_id, email->valuestring, user_id);
		if (rc == ST_NOT_FOUND)
			return resp_fail(r, ST_BAD_REQUEST, "user_email: no user '%s' in this organisation",
					 email->valuestring);
		if (rc < 0)
			return resp_fail_store(r, rc, "organisation", r->org_id);
	}
	return 0;
}

static int handle_keys_create(struct req *r)
{
	cJSON *body = NULL, *out = NULL;
	char key[APIKEY_LEN + 1];
	const char *name;
	int64_t user_id, id = 0;
	int rc;

	if ((rc = require_key_admin(r)) < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	rc = key_request(r, body, &name, &user_id);
	if (rc == 0 && (rc = keystore_create(r->org_id, user_id, name, key, &id)) < 0)
		rc = resp_fail_store(r, rc, "organisation", r->org_id);
	if (rc == 0 && (rc = keystore_get_json(r->org_id, id, &out)) < 0)
		rc = resp_fail_store(r, rc, "key", id);
	if (rc == 0) {
		log_info("account: API key %lld made", (long long)id);
		cJSON_AddStringToObject(out, "key", key);
		resp_headerf(r, "Location", "/api/v1/keys/%lld", (long long)id);
		rc = resp_json_take(r, 201, out);
	}
	explicit_bzero(key, sizeof(key));
	cJSON_Delete(body);
	return rc;
}

static int handle_keys_revoke(struct req *r)
{
	cJSON *out = NULL;
	int64_t id;
	int rc;

	if ((rc = require_key_admin(r)) < 0 || (rc = req_param_id(r, "id", &id)) < 0)
		return rc;
	rc = keystore_revoke(r->org_id, id);
	if (rc == 0)
		rc = keystore_get_json(r->org_id, id, &out);
	if (rc < 0)
		return resp_fail_store(r, rc, "key", id);
	log_info("account: API key %lld revoked", (long long)id);
	return resp_json_take(r, 200, out);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/session", handle_sign_in, ROUTE_JSON_BODY | ROUTE_STORE | ROUTE_IP_SIGNIN },
	{ "GET", "/api/v1/session", handle_who_am_i, ROUTE_AUTH },
	{ "DELETE", "/api/v1/session", handle_sign_out, ROUTE_STORE },
	{ "GET", "/api/v1/sessions", handle_sessions_list, ROUTE_AUTH },
	{ "DELETE", "/api/v1/sessions/{id}", handle_sessions_revoke, ROUTE_AUTH },
	{ "GET", "/api/v1/keys", handle_keys_list, ROUTE_AUTH },
	{ "POST", "/api/v1/keys", handle_keys_create, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "DELETE", "/api/v1/keys/{id}", handle_keys_revoke, ROUTE_AUTH },
	{ "GET", "/api/v1/stats", handle_org_stats, ROUTE_AUTH },
	{ "GET", "/api/v1/operations", handle_operations, ROUTE_AUTH },
	{ "GET", "/api/v1/rate-limit", handle_rate_limit, ROUTE_AUTH | ROUTE_UNMETERED },
};

int main(int argc, char **argv)
{
	static const struct app app = { "account", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
