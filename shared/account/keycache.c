/* keycache: API key checks kept in memcached (keycache.h). */
#include "account/keycache.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"

/*
 * An entry: "KEY_ID ORG_ID USER_ID BLIND STORED_MS"; a tombstone: "- STORED_MS".
 * memcached drops an entry within its age (whole seconds, rounded down) and
 * a tombstone a second after the longest an entry could live.
 */
static void cache_key(const char *hash_hex, char *out, size_t outlen)
{
	snprintf(out, outlen, "ak:%.*s", KEYCACHE_HASH_HEX_LEN, hash_hex);
}

static bool well_formed_hash(const char *hash_hex)
{
	size_t i;

	for (i = 0; i < KEYCACHE_HASH_HEX_LEN; i++)
		if (!((hash_hex[i] >= '0' && hash_hex[i] <= '9') || (hash_hex[i] >= 'a' && hash_hex[i] <= 'f')))
			return false;
	return hash_hex[i] == '\0';
}

static uint32_t entry_ttl_s(int64_t max_age_ms)
{
	return max_age_ms >= 2000 ? (uint32_t)(max_age_ms / 1000) : 1;
}

int keycache_get(const char *hash_hex, struct key_who *who)
{
	int64_t max_age = (int64_t)config()->key_cache_ms, key_id, org_id, user_id, stored_ms;
	struct buf got = BUF_INIT(128);
	char key[KEYCACHE_HASH_HEX_LEN + 8];
	int blind, n = 0, rc = 0;

	if (max_age <= 0 || !well_formed_hash(hash_hex))
		return 0;
	cache_key(hash_hex, key, sizeof(key));
	if (cache_get(key, &got) != 1 || got.len == 0 || memchr(got.ptr, '\0', got.len))
		goto out;
	if (sscanf(got.ptr, "%" SCNd64 " %" SCNd64 " %" SCNd64 " %d %" SCNd64 "%n", &key_id, &org_id, &user_id, &blind,
		   &stored_ms, &n) != 5 ||
	    (size_t)n != got.len || key_id <= 0 || org_id <= 0 || user_id < 0 || (blind != 0 && blind != 1))
		goto out; /* a tombstone, or nothing of ours */
	if (!wall_age_within(stored_ms, max_age))
		goto out;
	who->key_id = key_id;
	who->org_id = org_id;
	who->user_id = user_id;
	who->blind_view = blind == 1;
	rc = 1;
out:
	buf_release(&got);
	return rc;
}

void keycache_put(const char *hash_hex, const struct key_who *who)
{
	int64_t max_age = (int64_t)config()->key_cache_ms;
	char key[KEYCACHE_HASH_HEX_LEN + 8], value[128];

	if (max_age <= 0 || !well_formed_hash(hash_hex))
		return;
	cache_key(hash_hex, key, sizeof(key));
	snprintf(value, sizeof(value), "%" PRId64 " %" PRId64 " %" PRId64 " %d %" PRId64, who->key_id, who->org_id,
		 who->user_id, who->blind_view ? 1 : 0, wall_ms());
	/* Only added: an entry another process made, or a revocation's tombstone, stays. */
	(void)cache_add(key, value, strlen(value), entry_ttl_s(max_age));
}

int keycache_forget(const char *hash_hex)
{
	int64_t max_age = (int64_t)config()->key_cache_ms;
	char key[KEYCACHE_HASH_HEX_LEN + 8], value[32];

	if (max_age <= 0 || !well_formed_hash(hash_hex))
		return 0;
	cache_key(hash_hex, key, sizeof(key));
	snprintf(value, sizeof(value), "- %" PRId64, wall_ms());
	if (cache_set(key, value, strlen(value), (uint32_t)((max_age + 999) / 1000 + 1)) < 0) {
		log_warn("keycache: memcached took no tombstone for a key; its kept check lasts at most %" PRId64 " ms",
			 max_age);
		return -1;
	}
	return 0;
}

int keycache_forget_org(int64_t org_id)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[1] = { org };
	int i, rows, rc = 0;

	if (config()->key_cache_ms <= 0)
		return 0;
	db_int_param(org_id, org);
	if (db_query("keycache_org_keys",
		     "SELECT encode(key_hash, 'hex') FROM api_keys WHERE org_id = $1 AND revoked_at IS NULL", 1, p,
		     &res) < 0) {
		log_warn("keycache: cannot list organisation %" PRId64
			 "'s keys; their kept checks last at most %" PRId64 " ms",
			 org_id, config()->key_cache_ms);
		return -1;
	}
	rows = db_rows(res);
	for (i = 0; i < rows; i++)
		if (keycache_forget(db_value(res, i, 0)) < 0)
			rc = -1;
	db_result_free(res);
	return rc;
}
