/* cache: memcached access for the LLM-response cache, derived data and counters; losing it loses no data. */
#include "core/cache.h"

#include <libmemcached/memcached.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"

#define KEY_MAX 250

#define SERVERS_MAX 64

static memcached_st *client;

int cache_servers_check(const char *list, char *err, size_t errlen)
{
	const char *p = list;
	int n = 0;

	if (!list || !*list) {
		fail(err, errlen, "the list is empty");
		return -1;
	}
	while (*p) {
		const char *end = strchr(p, ','), *colon;
		size_t len;
		int64_t v;
		char item[256], *field;

		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof(item)) {
			fail(err, errlen, "server %d is %s", n + 1, len ? "too long" : "empty");
			return -1;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		if (++n > SERVERS_MAX) {
			fail(err, errlen, "more than %d servers", SERVERS_MAX);
			return -1;
		}
		colon = strchr(item, ':');
		if (item[0] != '/' && colon) {
			if (colon == item) {
				fail(err, errlen, "server '%s' has no host", item);
				return -1;
			}
			field = item + (colon - item) + 1;
			colon = strchr(field, ':');
			if (colon)
				item[colon - item] = '\0';
			if (parse_int64(field, 1, 65535, &v) < 0) {
				fail(err, errlen, "server %d: port '%s' is not in [1, 65535]", n, field);
				return -1;
			}
			if (colon && parse_int64(colon + 1, 1, 1000, &v) < 0) {
				fail(err, errlen, "server %d: weight '%s' is not in [1, 1000]", n, colon + 1);
				return -1;
			}
		}
		p = *end ? end + 1 : end;
		if (*end && !*p) {
			fail(err, errlen, "the list ends with a comma");
			return -1;
		}
	}
	return 0;
}

/*
 * A client for servers (a list cache_servers_check() accepts). retry_seconds
 * is how long a failed server stays off the continuum before it is tried again.
 */
static memcached_st *make_client(const char *servers, int timeout_ms, int retry_seconds)
{
	memcached_st *mc = memcached_create(NULL);
	memcached_server_st *list;
	memcached_return_t rc;

	if (!mc)
		return NULL;
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, (uint64_t)timeout_ms);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, (uint64_t)timeout_ms);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)timeout_ms * 1000);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)timeout_ms * 1000);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, (uint64_t)retry_seconds);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	/*
	 * Keys are placed on a ketama continuum (libketama-compatible: MD5,
	 * weighted points per server), so a server that leaves or joins moves
	 * only the keys on its own arcs; modulo hashing would move most of them.
	 */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
	/*
	 * A server that fails is taken off the continuum at the next operation
	 * that would use it (its keys go to the next servers on the ring, the
	 * other keys stay where they are) and is tried again DEAD_TIMEOUT
	 * seconds later; when it answers, its keys come back to it. The failure
	 * limit must be set as well (Debian's 1.1.4 leaves it at 5 failed
	 * operations). DEAD_TIMEOUT must not be 0: libmemcached 1.1 then never
	 * tries an ejected server again and its keys keep failing.
	 */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, (uint64_t)(retry_seconds > 0 ? retry_seconds : 1));
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

/*
 * Whether an operation that got rc should be made again: only in a pool of
 * several servers, only when the server failed (not when it answered, with
 * whatever result), at most three times. A connection open when the server
 * went away fails first; then the new connection fails, which puts the
 * server in time-out; the next try takes it off the continuum; and the last
 * goes to the server that now holds the key. So losing one server
 * costs the caller nothing but that server's data. An increment whose
 * connection broke after it was sent may be counted twice (rate limits then
 * err on the strict side).
 */
static bool again(memcached_st *mc, memcached_return_t rc, int attempt)
{
	if (attempt >= 3 || memcached_server_count(mc) < 2)
		return false;
	switch (rc) {
	case MEMCACHED_CONNECTION_FAILURE:
	case MEMCACHED_CONNECTION_SOCKET_CREATE_FAILURE:
	case MEMCACHED_SERVER_MARKED_DEAD:
	case MEMCACHED_SERVER_TEMPORARILY_DISABLED:
	case MEMCACHED_TIMEOUT:
	case MEMCACHED_ERRNO:
	case MEMCACHED_WRITE_FAILURE:
	case MEMCACHED_READ_FAILURE:
	case MEMCACHED_UNKNOWN_READ_FAILURE:
	case MEMCACHED_HOST_LOOKUP_FAILURE:
		return true;
	default:
		return false;
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
	for (int attempt = 0;; attempt++) {
		v = memcached_get(mc, k, strlen(k), &len, &flags, &rc);
		if (v || !again(mc, rc, attempt))
			break;
	}
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
	return get_value(key, out) == 1 ? 1 : 0;
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
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	for (int attempt = 0;; attempt++) {
		rc = memcached_set(mc, k, strlen(k), value, len, clamp_ttl(ttl), 0);
		if (!again(mc, rc, attempt))
			break;
	}
	return rc == MEMCACHED_SUCCESS ? 0 : -1;
}

int cache_add(const char *key, const void *value, size_t len, uint32_t ttl)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	for (int attempt = 0;; attempt++) {
		rc = memcached_add(mc, k, strlen(k), value, len, clamp_ttl(ttl), 0);
		if (!again(mc, rc, attempt))
			break;
	}
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
	for (int attempt = 0;; attempt++) {
		rc = memcached_delete(mc, k, strlen(k), 0);
		if (!again(mc, rc, attempt))
			break;
	}
	return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND ? 0 : -1;
}

int cache_incr(const char *key, uint64_t delta, uint32_t ttl, uint64_t *value)
{
	memcached_st *mc = get_client();
	char k[KEY_MAX + 1], text[24];
	int attempt, failed = 0;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	for (attempt = 0; attempt < 3; attempt++) {
		uint64_t v = 0;
		memcached_return_t rc = memcached_increment(mc, k, strlen(k), (uint32_t)delta, &v);

		if (again(mc, rc, failed)) {
			failed++;
			attempt--;
			continue;
		}
		if (rc == MEMCACHED_SUCCESS) {
			if (value)
				*value = v;
			return 0;
		}
		if (rc != MEMCACHED_NOTFOUND)
			return -1;
		snprintf(text, sizeof(text), "%llu", (unsigned long long)delta);
		rc = memcached_add(mc, k, strlen(k), text, strlen(text), clamp_ttl(ttl), 0);
		if (again(mc, rc, failed)) {
			failed++;
			attempt--;
			continue;
		}
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
	for (int attempt = 0;; attempt++) {
		rc = memcached_decrement(mc, k, strlen(k), (uint32_t)delta, &v);
		if (!again(mc, rc, attempt))
			break;
	}
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
	uint32_t i, n, answering = 0;
	size_t used = 0;

	if (!mc) {
		snprintf(err, errlen, "bad server list '%s'", config()->memcached_servers);
		return -1;
	}
	/*
	 * A version round trip to every server; a server that answered knows
	 * its version afterwards (the answer itself is not used).
	 */
	(void)memcached_version(mc);
	n = memcached_server_count(mc);
	if (errlen)
		err[0] = '\0';
	for (i = 0; i < n; i++) {
		const memcached_instance_st *s = memcached_server_instance_by_position(mc, i);
		int w;

		if (memcached_server_major_version(s) != UINT8_MAX) {
			answering++;
			continue;
		}
		if (used >= errlen)
			continue;
		w = snprintf(err + used, errlen - used, "%s%s%s%.0u: %s", used ? "; " : "", memcached_server_name(s),
			     memcached_server_port(s) ? ":" : "", (unsigned)memcached_server_port(s),
			     memcached_server_error(s) ? memcached_server_error(s) : "no answer");
		if (w > 0)
			used += (size_t)w < errlen - used ? (size_t)w : errlen - used - 1;
	}
	memcached_free(mc);
	return answering > 0 ? 0 : -1;
}

int cache_server_of(const char *key, char *out, size_t outlen)
{
	memcached_st *mc = get_client();
	const memcached_instance_st *s;
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
	/* The continuum the next operation would use: put back servers whose time off it is over. */
	memcached_autoeject(mc);
	s = memcached_server_by_key(mc, k, strlen(k), &rc);
	if (!s)
		return -1;
	if (memcached_server_port(s))
		snprintf(out, outlen, "%s:%u", memcached_server_name(s), (unsigned)memcached_server_port(s));
	else
		snprintf(out, outlen, "%s", memcached_server_name(s));
	return 0;
}

void cache_close(void)
{
	if (client)
		memcached_free(client);
	client = NULL;
}
