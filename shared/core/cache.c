/* cache: memcached access for the LLM-response cache, derived data and counters; losing it loses no data. */
#include "core/cache.h"

#include <libmemcached/memcached.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/config.h"
#include "core/procmetrics.h"
#include "core/log.h"

#define KEY_MAX 250

static memcached_st *client;

static memcached_st *make_client(const char *servers, int timeout_ms, int retry_seconds)
{
	memcached_st *mc = memcached_create(NULL);
	memcached_server_st *list;
	memcached_return_t rc;

	if (!mc)
		return NULL;
	list = memcached_servers_parse(servers);
	if (!list) {
		memcached_free(mc);
		return NULL;
	}
	rc = memcached_server_push(mc, list);
	memcached_server_list_free(list);
	if (rc != MEMCACHED_SUCCESS) {
		memcached_free(mc);
		return NULL;
	}
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, (uint64_t)timeout_ms);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, (uint64_t)timeout_ms);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)timeout_ms * 1000);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)timeout_ms * 1000);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, (uint64_t)retry_seconds);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	return mc;
}

static memcached_st *get_client(void)
{
	if (!client) {
		client = make_client(config()->memcached_servers, 250, 2);
		if (!client)
			log_error("cache: cannot create a client for '%s'", config()->memcached_servers);
	}
	return client;
}

/* Keys that are long or not plain printable ASCII become "h:" + SHA-256 hex. */
static void safe_key(const char *key, char *out, size_t outlen)
{
	size_t i, n = strlen(key);
	bool plain = n > 0 && n <= KEY_MAX;

	for (i = 0; plain && i < n; i++)
		if ((unsigned char)key[i] <= ' ' || (unsigned char)key[i] >= 0x7f)
			plain = false;
	if (plain) {
		snprintf(out, outlen, "%s", key);
		return;
	}
	{
		unsigned char md[SHA256_DIGEST_LENGTH];
		char hex[2 * SHA256_DIGEST_LENGTH + 1];

		SHA256((const unsigned char *)key, n, md);
		hex_encode(md, sizeof(md), hex);
		snprintf(out, outlen, "h:%s", hex);
	}
}

/* Gets a value into out: 1 hit, 0 miss, -1 when memcached cannot answer. */
static int get_value(const char *key, struct buf *out)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1];
	memcached_return_t rc;
	size_t len = 0;
	uint32_t flags = 0;
	char *v;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	v = memcached_get(mc, k, strlen(k), &len, &flags, &rc);
	if (!v)
		return rc == MEMCACHED_NOTFOUND || rc == MEMCACHED_SUCCESS ? 0 : -1;
	if (buf_append(out, v, len) < 0) {
		free(v);
		return 0;
	}
	free(v);
	return 1;
}

int cache_get(const char *key, struct buf *out)
{
	int rc = get_value(key, out);

	procmetrics_cache_lookup(key, rc);
	return rc == 1 ? 1 : 0;
}

static uint32_t clamp_ttl(uint32_t ttl)
{
	/* Memcached reads a TTL over 30 days as an absolute time. */
	return ttl > 2592000 ? 2592000 : ttl;
}

int cache_set(const char *key, const void *value, size_t len, uint32_t ttl)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1];

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	return memcached_set(mc, k, strlen(k), value, len, clamp_ttl(ttl), 0) == MEMCACHED_SUCCESS ? 0 : -1;
}

int cache_add(const char *key, const void *value, size_t len, uint32_t ttl)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	rc = memcached_add(mc, k, strlen(k), value, len, clamp_ttl(ttl), 0);
	if (rc == MEMCACHED_SUCCESS)
		return 0;
	if (rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS)
		return 1;
	return -1;
}

int cache_delete(const char *key)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	rc = memcached_delete(mc, k, strlen(k), 0);
	return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND ? 0 : -1;
}

int cache_incr(const char *key, uint64_t delta, uint32_t ttl, uint64_t *value)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1], text[24];
	int attempt;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	for (attempt = 0; attempt < 3; attempt++) {
		uint64_t v = 0;
		memcached_return_t rc = memcached_increment(mc, k, strlen(k), (uint32_t)delta, &v);

		if (rc == MEMCACHED_SUCCESS) {
			if (value)
				*value = v;
			return 0;
		}
		if (rc != MEMCACHED_NOTFOUND)
			return -1;
		snprintf(text, sizeof(text), "%llu", (unsigned long long)delta);
		rc = memcached_add(mc, k, strlen(k), text, strlen(text), clamp_ttl(ttl), 0);
		if (rc == MEMCACHED_SUCCESS) {
			if (value)
				*value = delta;
			return 0;
		}
		if (rc != MEMCACHED_NOTSTORED && rc != MEMCACHED_DATA_EXISTS)
			return -1;
		/* Someone else created it between our two calls: increment again. */
	}
	return -1;
}

int cache_decr(const char *key, uint64_t delta)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1];
	uint64_t v = 0;
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	rc = memcached_decrement(mc, k, strlen(k), (uint32_t)delta, &v);
	return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND ? 0 : -1;
}

int cache_counter(const char *key, uint64_t *value)
{
	struct buf b = BUF_INIT(32);
	int64_t n = 0;
	int rc;

	*value = 0;
	rc = get_value(key, &b);
	if (rc == 1 && b.ptr) {
		char *end = b.ptr + b.len;

		while (end > b.ptr && end[-1] == ' ')
			*--end = '\0';
		if (parse_int64(b.ptr, 0, INT64_MAX, &n) == 0)
			*value = (uint64_t)n;
	}
	buf_release(&b);
	return rc < 0 ? -1 : 0;
}

int cache_probe(int timeout_ms, char *err, size_t errlen)
{
	memcached_st *mc = make_client(config()->memcached_servers, timeout_ms, 0);
	memcached_return_t rc;
	int result = -1;

	if (!mc) {
		snprintf(err, errlen, "bad server list '%s'", config()->memcached_servers);
		return -1;
	}
	/* A version round trip needs a live server; the answer itself is not used. */
	rc = memcached_version(mc);
	if (rc == MEMCACHED_SUCCESS) {
		result = 0;
	} else {
		snprintf(err, errlen, "%s", memcached_strerror(mc, rc));
	}
	memcached_free(mc);
	return result;
}

void cache_close(void)
{
	if (client)
		memcached_free(client);
	client = NULL;
}
