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

/* A client for servers (a list cache_servers_check() accepts), keys placed by ketama. */
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
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1);
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	/*
	 * Keys are placed on a ketama continuum (libketama-compatible: MD5,
	 * 160 points per server at equal weights). A server's points then
	 * depend on its name alone, so a client built without one server
	 * places every other server's keys exactly where the full list does;
	 * modulo hashing would move most of them. (With unequal weights each
	 * server's share of the points is recomputed from the servers present,
	 * so a few other keys move too.)
	 */
	memcached_behavior_set(mc, MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1);
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

/*
 * The pool. libmemcached's own ejection (REMOVE_FAILED_SERVERS) reacts to
 * refused connections only: a server that hangs would cost every operation
 * on its keys a timeout, for ever. So the pool keeps its own list of failed
 * servers instead: a server whose operation failed (refused, timed out, cut
 * off) is left out of the client for POOL_DOWN_MS, which moves its keys to
 * the next servers on the continuum and leaves all others in place; then
 * the client is built with it again and the next operation tries it.
 */
#define POOL_DOWN_MS 2000
#define OP_TIMEOUT_MS 250

static struct {
	bool loaded;
	int n;
	char *names[SERVERS_MAX];	    /* items of the list, as given */
	int64_t down_until_ms[SERVERS_MAX]; /* monotonic; 0: up */
	int64_t logged_ms[SERVERS_MAX];	    /* when its failure was last logged */
	uint64_t in_client;		    /* bit i: names[i] is in client */
	int position[SERVERS_MAX];	    /* client's server j is names[position[j]] */
} pool;

static void pool_load(void)
{
	const char *p = config()->memcached_servers;

	while (*p && pool.n < SERVERS_MAX) {
		const char *end = strchr(p, ',');
		size_t len;

		if (!end)
			end = p + strlen(p);
		while (p < end && *p == ' ')
			p++;
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len > 0)
			pool.names[pool.n++] = xstrndup(p, len);
		p = *end ? end + 1 : end;
	}
	pool.loaded = true;
}

/* The client for the servers not in their time off; NULL when every server is in it (or the client cannot be made). */
static memcached_st *get_client(void)
{
	int64_t now = now_ms();
	uint64_t want = 0;
	char list[SERVERS_MAX * 64];
	size_t used = 0;
	int i, j = 0;

	if (!pool.loaded)
		pool_load();
	for (i = 0; i < pool.n; i++)
		if (pool.down_until_ms[i] <= now)
			want |= (uint64_t)1 << i;
	if (client && want == pool.in_client)
		return client;
	if (client)
		memcached_free(client);
	client = NULL;
	pool.in_client = 0;
	if (!want)
		return NULL;
	for (i = 0; i < pool.n; i++) {
		int w;

		if (!(want & ((uint64_t)1 << i)))
			continue;
		w = snprintf(list + used, sizeof(list) - used, "%s%s", used ? "," : "", pool.names[i]);
		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
		pool.position[j++] = i;
	}
	client = make_client(list, OP_TIMEOUT_MS, 2);
	if (!client) {
		log_error("cache: cannot create a client for '%s'", list);
		return NULL;
	}
	pool.in_client = want;
	return client;
}

/* Whether rc says the server failed (it did not answer), as opposed to an answer of any kind. */
static bool server_failed(memcached_return_t rc)
{
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

/*
 * After an operation on key k (safe form) got rc at attempt (0, 1, ...):
 * whether to make it again. A connection that broke (the server restarted,
 * say) is retried once as it is, since libmemcached reconnects; a second
 * failure, or a refusal or a timeout at once, gives the key's server its
 * time off, and the operation goes again to the server that now holds the
 * key, when there is one. So losing one server costs the caller nothing but
 * that server's data. An increment whose connection broke after it was
 * sent may be counted twice (rate limits then err on the strict side).
 */
static bool again(memcached_st *mc, const char *k, memcached_return_t rc, int attempt)
{
	const memcached_instance_st *s;
	int64_t now;
	uint32_t j, n;
	int i = -1;

	if (!server_failed(rc) || attempt >= 2)
		return false;
	if (attempt == 0 && (rc == MEMCACHED_ERRNO || rc == MEMCACHED_WRITE_FAILURE || rc == MEMCACHED_READ_FAILURE ||
			     rc == MEMCACHED_UNKNOWN_READ_FAILURE))
		return true;
	/*
	 * A single server is not left out: there is nowhere else to go, and one
	 * slow answer must not turn the cache off for everyone in this process
	 * (libmemcached itself still pauses a server that refuses, for 2 s).
	 */
	if (pool.n < 2)
		return false;
	s = memcached_server_by_key(mc, k, strlen(k), NULL);
	n = memcached_server_count(mc);
	for (j = 0; s && j < n; j++)
		if (memcached_server_instance_by_position(mc, j) == s)
			i = pool.position[j];
	if (i < 0)
		return false;
	now = now_ms();
	pool.down_until_ms[i] = now + POOL_DOWN_MS;
	if (!pool.logged_ms[i] || now - pool.logged_ms[i] >= 60000) {
		pool.logged_ms[i] = now;
		log_warn("cache: memcached server '%s' failed (%s); its keys go to the other servers, retried every %d "
			 "s",
			 pool.names[i], memcached_strerror(mc, rc), POOL_DOWN_MS / 1000);
	}
	return true;
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
	memcached_st *mc;
	char k[KEY_MAX + 1];
	memcached_return_t rc;
	size_t len = 0;
	uint32_t flags = 0;
	char *v;

	safe_key(key, k, sizeof(k));
	for (int attempt = 0;; attempt++) {
		if (!(mc = get_client()))
			return -1;
		v = memcached_get(mc, k, strlen(k), &len, &flags, &rc);
		if (v || !again(mc, k, rc, attempt))
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
	int rc = get_value(key, out);

	procmetrics_cache_lookup(key, rc);
	return rc == 1 ? 1 : 0;
}

/* The multi-get of cache_get_many() over keys k (safe forms): 0 when memcached answered throughout, -1 otherwise. */
static int multi_get(size_t n, char (*k)[KEY_MAX + 1], struct buf *const *outs, bool *hits)
{
	const char *keys[CACHE_GET_MANY_MAX];
	size_t lens[CACHE_GET_MANY_MAX], i;
	memcached_result_st *res;
	memcached_return_t rc;
	memcached_st *mc = get_client();

	if (!mc)
		return -1;
	for (i = 0; i < n; i++) {
		keys[i] = k[i];
		lens[i] = strlen(k[i]);
	}
	if (memcached_mget(mc, keys, lens, n) != MEMCACHED_SUCCESS)
		return -1;
	while ((res = memcached_fetch_result(mc, NULL, &rc))) {
		const char *key = memcached_result_key_value(res);
		size_t key_len = memcached_result_key_length(res);

		for (i = 0; i < n; i++)
			if (!hits[i] && key_len == lens[i] && memcmp(key, keys[i], key_len) == 0) {
				hits[i] = buf_append(outs[i], memcached_result_value(res),
						     memcached_result_length(res)) == 0;
				break;
			}
		memcached_result_free(res);
	}
	return rc == MEMCACHED_END || rc == MEMCACHED_NOTFOUND || rc == MEMCACHED_SUCCESS ? 0 : -1;
}

int cache_get_many(size_t n, const char *const *keys, struct buf *const *outs, bool *hits)
{
	char k[CACHE_GET_MANY_MAX][KEY_MAX + 1];
	bool answered = true;
	int found = 0;
	size_t i;

	if (n > CACHE_GET_MANY_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		safe_key(keys[i], k[i], sizeof(k[i]));
		hits[i] = false;
	}
	if (multi_get(n, k, outs, hits) < 0) {
		/* A server failed on the way: what was not found is asked again one by one, with the fail-over. */
		answered = false;
		for (i = 0; i < n; i++) {
			int rc = hits[i] ? 1 : get_value(k[i], outs[i]);

			hits[i] = rc == 1;
			answered |= rc >= 0;
		}
	}
	for (i = 0; i < n; i++) {
		procmetrics_cache_lookup(keys[i], answered ? hits[i] : -1);
		found += hits[i];
	}
	return answered ? found : -1;
}

static uint32_t clamp_ttl(uint32_t ttl)
{
	/* Memcached reads a TTL over 30 days as an absolute time. */
	return ttl > 2592000 ? 2592000 : ttl;
}

enum store_op { STORE_SET, STORE_ADD };

/* set or add with fail-over; returns libmemcached's result, or MEMCACHED_FAILURE when there is no server. */
static memcached_return_t store(enum store_op op, const char *k, const void *value, size_t len, uint32_t ttl)
{
	memcached_st *mc;
	memcached_return_t rc;

	for (int attempt = 0;; attempt++) {
		if (!(mc = get_client()))
			return MEMCACHED_FAILURE;
		rc = op == STORE_SET ? memcached_set(mc, k, strlen(k), value, len, clamp_ttl(ttl), 0)
				     : memcached_add(mc, k, strlen(k), value, len, clamp_ttl(ttl), 0);
		if (!again(mc, k, rc, attempt))
			return rc;
	}
}

int cache_set(const char *key, const void *value, size_t len, uint32_t ttl)
{
	char k[KEY_MAX + 1];

	safe_key(key, k, sizeof(k));
	return store(STORE_SET, k, value, len, ttl) == MEMCACHED_SUCCESS ? 0 : -1;
}

int cache_add(const char *key, const void *value, size_t len, uint32_t ttl)
{
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	safe_key(key, k, sizeof(k));
	rc = store(STORE_ADD, k, value, len, ttl);
	if (rc == MEMCACHED_SUCCESS)
		return 0;
	if (rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS)
		return 1;
	return -1;
}

int cache_delete(const char *key)
{
	memcached_st *mc;
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	safe_key(key, k, sizeof(k));
	for (int attempt = 0;; attempt++) {
		if (!(mc = get_client()))
			return -1;
		rc = memcached_delete(mc, k, strlen(k), 0);
		if (!again(mc, k, rc, attempt))
			break;
	}
	return rc == MEMCACHED_SUCCESS || rc == MEMCACHED_NOTFOUND ? 0 : -1;
}

/* increment or decrement by delta with fail-over; v gets the new value. */
static memcached_return_t step(bool up, const char *k, uint64_t delta, uint64_t *v)
{
	memcached_st *mc;
	memcached_return_t rc;

	for (int attempt = 0;; attempt++) {
		if (!(mc = get_client()))
			return MEMCACHED_FAILURE;
		rc = up ? memcached_increment(mc, k, strlen(k), (uint32_t)delta, v)
			: memcached_decrement(mc, k, strlen(k), (uint32_t)delta, v);
		if (!again(mc, k, rc, attempt))
			return rc;
	}
}

int cache_incr(const char *key, uint64_t delta, uint32_t ttl, uint64_t *value)
{
	char k[KEY_MAX + 1], text[24];
	int attempt;

	safe_key(key, k, sizeof(k));
	snprintf(text, sizeof(text), "%llu", (unsigned long long)delta);
	for (attempt = 0; attempt < 3; attempt++) {
		uint64_t v = 0;
		memcached_return_t rc = step(true, k, delta, &v);

		if (rc == MEMCACHED_SUCCESS) {
			if (value)
				*value = v;
			return 0;
		}
		if (rc != MEMCACHED_NOTFOUND)
			return -1;
		rc = store(STORE_ADD, k, text, strlen(text), ttl);
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
	char k[KEY_MAX + 1];
	uint64_t v = 0;
	memcached_return_t rc;

	safe_key(key, k, sizeof(k));
	rc = step(false, k, delta, &v);
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

/* In a pool, a server that hangs must not make the probe wait the whole timeout: the others answer at once. */
#define POOL_PROBE_TIMEOUT_MS 500

int cache_probe(int timeout_ms, char *err, size_t errlen)
{
	bool several = strchr(config()->memcached_servers, ',') != NULL;
	memcached_st *mc =
		make_client(config()->memcached_servers,
			    several && timeout_ms > POOL_PROBE_TIMEOUT_MS ? POOL_PROBE_TIMEOUT_MS : timeout_ms, 0);
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
		/* "host:port", or a socket path alone (port 0: "%.0u" prints nothing). */
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
	memcached_st *mc = get_client(); /* the client the next operation would use */
	const memcached_instance_st *s;
	char k[KEY_MAX + 1];
	memcached_return_t rc;

	if (!mc)
		return -1;
	safe_key(key, k, sizeof(k));
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
	int i;

	if (client)
		memcached_free(client);
	client = NULL;
	for (i = 0; i < pool.n; i++)
		free(pool.names[i]);
	memset(&pool, 0, sizeof(pool));
}
