/* session: web sign-in — sessions opened with a user's email and password, carried in an HttpOnly cookie. */
#include "account/session.h"

#include <stdio.h>
#include <string.h>

#include "account/apikey.h"
#include "account/password.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "http/resp.h"

/* Users sharing one email across organisations that are tried, at most. */
#define MAX_CANDIDATES 5

#define TOKEN_PREFIX "sls_"

/* The user agent, kept only as a label for the person: printable ASCII, at most outlen - 1 bytes. */
static void agent_label(const char *ua, char *out, size_t outlen)
{
	size_t n = 0;

	for (; ua && *ua && n + 1 < outlen; ua++)
		if (*ua >= 0x20 && *ua < 0x7F)
			out[n++] = *ua;
	out[n] = '\0';
}

static int insert_session(int64_t org_id, int64_t user_id, const char *user_agent, char token[SESSION_TOKEN_LEN + 1],
			  struct session_who *who)
{
	char org[24], user[24], ttl[24], hash[65], agent[301];
	const char *p[5] = { org, user, hash, ttl, agent };
	struct db_result *res = NULL;
	int rc;

	if (token_generate(TOKEN_PREFIX, token) < 0)
		return ST_INTERNAL;
	apikey_hash_hex(token, hash);
	db_int_param(org_id, org);
	db_int_param(user_id, user);
	db_int_param(config()->session_ttl, ttl);
	agent_label(user_agent, agent, sizeof(agent));
	rc = db_query("session_insert",
		      "INSERT INTO sessions (org_id, user_id, token_hash, expires_at, user_agent)"
		      " VALUES ($1, $2, decode($3, 'hex'), now() + make_interval(secs => $4::int), $5) RETURNING id",
		      5, p, &res);
	if (rc == 0) {
		who->session_id = db_int(res, 0, 0, 0);
		who->org_id = org_id;
		who->user_id = user_id;
	}
	db_result_free(res);
	return rc < 0 ? ST_UNAVAILABLE : 0;
}

int session_open(const char *email, const char *password, const char *user_agent, char token[SESSION_TOKEN_LEN + 1],
		 struct session_who *who)
{
	const char *p[1] = { email };
	struct db_result *res = NULL;
	int rc, i, n;

	memset(who, 0, sizeof(*who));
	rc = db_query("session_users",
		      "SELECT id, org_id, password_hash FROM users"
		      " WHERE lower(email) = lower($1) AND password_hash IS NOT NULL ORDER BY id LIMIT 5",
		      1, p, &res);
	if (rc < 0)
		return ST_UNAVAILABLE;
	n = db_rows(res);
	if (n == 0) {
		db_result_free(res);
		password_verify(NULL, password); /* as slow as a wrong password */
		return ST_UNAUTHORIZED;
	}
	for (i = 0; i < n && i < MAX_CANDIDATES; i++) {
		if (password_verify(db_value(res, i, 2), password)) {
			int64_t user_id = db_int(res, i, 0, 0), org_id = db_int(res, i, 1, 0);

			db_result_free(res);
			return insert_session(org_id, user_id, user_agent, token, who);
		}
	}
	db_result_free(res);
	return ST_UNAUTHORIZED;
}

int session_resolve(const char *token, struct session_who *who)
{
	char hash[65];
	const char *p[1] = { hash };
	struct db_result *res = NULL;
	int rc;

	memset(who, 0, sizeof(*who));
	if (!token_shaped(token, TOKEN_PREFIX))
		return ST_UNAUTHORIZED;
	apikey_hash_hex(token, hash);
	rc = db_query("session_resolve",
		      "SELECT id, org_id, user_id FROM sessions"
		      " WHERE token_hash = decode($1, 'hex') AND revoked_at IS NULL AND expires_at > now()",
		      1, p, &res);
	if (rc < 0)
		return ST_UNAVAILABLE;
	if (db_rows(res) != 1) {
		db_result_free(res);
		return ST_UNAUTHORIZED;
	}
	who->session_id = db_int(res, 0, 0, 0);
	who->org_id = db_int(res, 0, 1, 0);
	who->user_id = db_int(res, 0, 2, 0);
	db_result_free(res);
	return 0;
}

int session_revoke(const char *token)
{
	char hash[65];
	const char *p[1] = { hash };

	if (!token_shaped(token, TOKEN_PREFIX))
		return 0;
	apikey_hash_hex(token, hash);
	return db_exec("session_revoke",
		       "UPDATE sessions SET revoked_at = now() WHERE token_hash = decode($1, 'hex') AND revoked_at IS "
		       "NULL",
		       1, p, NULL) < 0
		       ? ST_UNAVAILABLE
		       : 0;
}

int session_list_json(int64_t org_id, int64_t user_id, int64_t current_id, cJSON **out)
{
	char org[24], user[24], cur[24];
	const char *p[3] = { org, user, cur };

	db_int_param(org_id, org);
	db_int_param(user_id, user);
	db_int_param(current_id, cur);
	return db_query_json("session_list",
			     "SELECT COALESCE(jsonb_agg(jsonb_build_object('id', id, 'created_at', created_at,"
			     " 'expires_at', expires_at, 'user_agent', user_agent, 'current', id = $3::bigint)"
			     " ORDER BY id DESC), '[]'::jsonb)::text FROM sessions"
			     " WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()",
			     3, p, out);
}

int session_revoke_id(int64_t org_id, int64_t user_id, int64_t id)
{
	char org[24], user[24], sid[24];
	const char *p[3] = { org, user, sid };
	int64_t n = 0;
	int rc;

	db_int_param(org_id, org);
	db_int_param(user_id, user);
	db_int_param(id, sid);
	rc = db_exec("session_revoke_id",
		     "UPDATE sessions SET revoked_at = now() WHERE org_id = $1 AND user_id = $2 AND id = $3"
		     " AND revoked_at IS NULL AND expires_at > now()",
		     3, p, &n);
	if (rc < 0)
		return rc;
	return n == 1 ? 0 : ST_NOT_FOUND;
}

int session_revoke_user(int64_t user_id)
{
	char user[24];
	const char *p[1] = { user };

	db_int_param(user_id, user);
	return db_exec("session_revoke_user",
		       "UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", 1, p,
		       NULL) < 0
		       ? ST_UNAVAILABLE
		       : 0;
}

bool session_cookie(const struct req *r, char out[SESSION_TOKEN_LEN + 1])
{
	const char *c = req_header(r, "HTTP_COOKIE");
	const size_t name_len = strlen(SESSION_COOKIE);

	while (c && *c) {
		while (*c == ' ' || *c == ';')
			c++;
		if (strncmp(c, SESSION_COOKIE, name_len) == 0 && c[name_len] == '=') {
			const char *v = c + name_len + 1;
			size_t n = strcspn(v, "; ");

			if (n != SESSION_TOKEN_LEN)
				return false;
			memcpy(out, v, n);
			out[n] = '\0';
			return token_shaped(out, TOKEN_PREFIX);
		}
		c = strchr(c, ';');
	}
	return false;
}

int session_describe(int64_t org_id, int64_t user_id, int64_t session_id, cJSON **out)
{
	char org[24], user[24], sess[24];
	const char *p[3] = { org, user, sess };

	db_int_param(org_id, org);
	db_int_param(user_id, user);
	db_int_param(session_id, sess);
	return db_query_json(
		"session_describe",
		"SELECT jsonb_build_object("
		" 'auth', CASE WHEN $3::bigint > 0 THEN 'session' ELSE 'api_key' END,"
		" 'user', (SELECT jsonb_build_object('id', u.id, 'email', u.email, 'name', u.name, 'role', u.role)"
		"   FROM users u WHERE u.id = $2 AND u.org_id = o.id),"
		" 'organisation', jsonb_build_object('id', o.id, 'name', o.name))"
		" || COALESCE((SELECT jsonb_build_object('expires_at',"
		"   to_char(s.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))"
		"   FROM sessions s WHERE s.id = $3), '{}'::jsonb)"
		" FROM organisations o WHERE o.id = $1",
		3, p, out);
}

/* Secure when the client used TLS (itself, or as a trusted proxy says), or when users reach the service over https. */
static const char *secure_attr(const struct req *r)
{
	return r->tls || str_has_prefix(config()->public_url, "https://") ? "; Secure" : "";
}

void session_set_cookie(struct req *r, const char *token)
{
	resp_headerf(r, "Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s", SESSION_COOKIE, token,
		     (long long)config()->session_ttl, secure_attr(r));
}

void session_clear_cookie(struct req *r)
{
	resp_headerf(r, "Set-Cookie", "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", SESSION_COOKIE,
		     secure_attr(r));
}
