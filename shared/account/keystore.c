/* keystore: an organisation's API keys in PostgreSQL — made, listed and revoked; only their hashes are kept. */
#include "account/keystore.h"

#include <stdio.h>

#include "account/keycache.h"
#include "base/status.h"
#include "core/db.h"
#include "core/counters.h"
#include "base/util.h"

#define KEY_JSON \
	"jsonb_build_object('id', k.id, 'prefix', k.prefix, 'name', k.name," \
	" 'user', (SELECT jsonb_build_object('id', u.id, 'email', u.email) FROM users u WHERE u.id = k.user_id)," \
	" 'created_at', k.created_at, 'last_used_at', k.last_used_at, 'revoked_at', k.revoked_at)"

int keystore_create(int64_t org_id, int64_t user_id, const char *name, char key[APIKEY_LEN + 1], int64_t *id)
{
	struct db_result *res = NULL;
	char org[24], user[24], hash[65], prefix[APIKEY_PREFIX_LEN + 1];
	const char *p[5] = { org, user_id > 0 ? user : NULL, prefix, hash, name ? name : "" };
	int rc;

	*id = 0;
	if (apikey_generate(key) < 0)
		return ST_INTERNAL;
	apikey_hash_hex(key, hash);
	snprintf(prefix, sizeof(prefix), "%.*s", APIKEY_PREFIX_LEN, key);
	db_int_param(org_id, org);
	db_int_param(user_id, user);
	rc = db_query("keystore_create",
		      "INSERT INTO api_keys (org_id, user_id, prefix, key_hash, name)"
		      " VALUES ($1, $2, $3, decode($4, 'hex'), $5) RETURNING id",
		      5, p, &res);
	if (rc == 0)
		*id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

/* A page of an organisation's API keys, newest first: one range of api_keys_org_id. */
static const char keystore_list_sql[] = "SELECT k.id, " KEY_JSON "::text FROM api_keys k WHERE k.org_id = $1"
					" AND k.id < $2::bigint ORDER BY k.id DESC LIMIT $3::int";

int keystore_list_json(int64_t org_id, int64_t before, int limit, cJSON **items, int64_t *next)
{
	char org[24], bef[24], lim[24];
	const char *p[3] = { org, bef, lim };

	db_int_param(org_id, org);
	/* One range of api_keys_org_id under any plan: no "no cursor" branch in the statement. */
	db_int_param(before > 0 ? before : INT64_MAX, bef);
	db_int_param(limit + 1, lim);
	return db_query_page("keystore_list", keystore_list_sql, 3, p, limit, items, next);
}

int keystore_get_json(int64_t org_id, int64_t id, cJSON **out)
{
	char org[24], kid[24];
	const char *p[2] = { org, kid };

	db_int_param(org_id, org);
	db_int_param(id, kid);
	return db_query_json("keystore_get",
			     "SELECT " KEY_JSON "::text FROM api_keys k WHERE k.org_id = $1 AND k.id = $2", 2, p, out);
}

int keystore_revoke(int64_t org_id, int64_t id)
{
	struct db_result *res = NULL;
	char org[24], kid[24];
	const char *p[2] = { org, kid };
	int rc;

	db_int_param(org_id, org);
	db_int_param(id, kid);
	rc = db_query("keystore_revoke",
		      "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE org_id = $1 AND id = $2"
		      " RETURNING encode(key_hash, 'hex')",
		      2, p, &res);
	if (rc < 0)
		return rc;
	rc = db_rows(res) == 1 ? 0 : ST_NOT_FOUND;
	/* Committed: from here on no process may use a kept check of the key (account/keycache.h). */
	if (rc == 0)
		(void)keycache_forget(db_value(res, 0, 0));
	db_result_free(res);
	return rc;
}

int keystore_find_user(int64_t org_id, const char *email, int64_t *user_id)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[2] = { org, email };
	int rc;

	*user_id = 0;
	db_int_param(org_id, org);
	rc = db_query("keystore_find_user", "SELECT id FROM users WHERE org_id = $1 AND lower(email) = lower($2)", 2, p,
		      &res);
	if (rc == 0 && db_rows(res) != 1)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*user_id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int keystore_may_manage(int64_t org_id, int64_t user_id, int64_t key_id)
{
	struct db_result *res = NULL;
	char org[24], user[24];
	const char *p[2] = { org, user };
	int rc;

	if (user_id <= 0)
		return key_id > 0 ? 1 : 0;
	db_int_param(org_id, org);
	db_int_param(user_id, user);
	rc = db_query("keystore_may_manage", "SELECT role = 'admin' FROM users WHERE org_id = $1 AND id = $2", 2, p,
		      &res);
	if (rc == 0)
		rc = db_rows(res) == 1 && db_bool(res, 0, 0) ? 1 : 0;
	db_result_free(res);
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "keystore_list", keystore_list_sql, "ORG_ID, 9223372036854775807, 51" },
};

const struct counters_statement *keystore_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
