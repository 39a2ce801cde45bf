/* llm_cache: the memcached-backed cache of model answers, its keys and its shared counters. */
#include "llm/llm_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/util.h"
#include "core/cache.h"

#define KEY_PREFIX "llm:v1:"
#define COUNTER_PREFIX "llm:stats:"
/* memcached refuses values over 1 MiB. */
#define VALUE_MAX (1024 * 1024)
#define ENTRY_VERSION 1
/* How long the stats wait for memcached to answer before reporting it unavailable. */
#define STATS_PROBE_MS 500

static const char *const counter_names[] = {
	"hits", "misses", "calls", "prompt_tokens", "completion_tokens", "tokens_saved", "cost_saved_microusd",
};

const char *llm_cache_counter_name(enum llm_cache_counter c)
{
	return (unsigned)c < ARRAY_SIZE(counter_names) ? counter_names[c] : "unknown";
}

static int add_field(struct sha256 *h, const void *p, size_t n)
{
	char len[24];
	int k = snprintf(len, sizeof(len), "%zu:", n);

	if (sha256_update(h, len, (size_t)k) < 0 || sha256_update(h, p, n) < 0)
		return -1;
	return 0;
}

int llm_cache_key(const char *provider, const char *model, const char *prompt_version, const char *rubric_version,
		  const char *job_message, const char *text, size_t len, char out[LLM_CACHE_KEY_LEN + 1])
{
	struct sha256 h = { 0 };
	unsigned char md[SHA256_LEN];
	char jobhash[SHA256_HEX_LEN + 1];

	if (sha256_hex(job_message, strlen(job_message), jobhash) < 0)
		return -1;
	if (sha256_init(&h) < 0)
		return -1;
	if (add_field(&h, provider, strlen(provider)) < 0 || add_field(&h, model, strlen(model)) < 0 ||
	    add_field(&h, prompt_version, strlen(prompt_version)) < 0 ||
	    add_field(&h, rubric_version, strlen(rubric_version)) < 0 || add_field(&h, jobhash, strlen(jobhash)) < 0 ||
	    add_field(&h, text, len) < 0 || sha256_final(&h, md) < 0) {
		sha256_release(&h);
		return -1;
	}
	hex_encode(md, sizeof(md), out);
	return 0;
}

void llm_cache_entry_release(struct llm_cache_entry *e)
{
	free(e->content);
	free(e->model);
	memset(e, 0, sizeof(*e));
}

int llm_cache_lookup(const char *key, struct llm_cache_entry *e)
{
	struct buf b = BUF_INIT(VALUE_MAX);
	char k[sizeof(KEY_PREFIX) + LLM_CACHE_KEY_LEN + 1], err[128];
	cJSON *root = NULL;
	const char *content;
	int ret = 0;

	memset(e, 0, sizeof(*e));
	snprintf(k, sizeof(k), KEY_PREFIX "%s", key);
	if (cache_get(k, &b) != 1)
		goto out;
	root = json_parse(b.ptr ? b.ptr : "", b.len, 16, err, sizeof(err));
	content = json_str(root, "content", NULL);
	if (!root || json_int(root, "v", 0) != ENTRY_VERSION || !content || !*content)
		goto out;
	e->content = xstrdup(content);
	content = json_str(root, "model", NULL);
	e->model = content ? xstrdup(content) : NULL;
	e->prompt_tokens = json_int(root, "prompt_tokens", 0);
	e->completion_tokens = json_int(root, "completion_tokens", 0);
	e->cost_microusd = json_int(root, "cost_microusd", 0);
	ret = 1;
out:
	cJSON_Delete(root);
	buf_release(&b);
	return ret;
}

int llm_cache_forget(const char *key)
{
	char k[sizeof(KEY_PREFIX) + LLM_CACHE_KEY_LEN + 1];

	snprintf(k, sizeof(k), KEY_PREFIX "%s", key);
	return cache_delete(k);
}

int llm_cache_store(const char *key, const struct llm_cache_entry *e, uint32_t ttl)
{
	char k[sizeof(KEY_PREFIX) + LLM_CACHE_KEY_LEN + 1], *text;
	cJSON *root = cJSON_CreateObject();
	int ret = -1;

	snprintf(k, sizeof(k), KEY_PREFIX "%s", key);
	cJSON_AddNumberToObject(root, "v", ENTRY_VERSION);
	cJSON_AddStringToObject(root, "content", e->content ? e->content : "");
	json_add_str_or_null(root, "model", e->model);
	cJSON_AddNumberToObject(root, "prompt_tokens", (double)e->prompt_tokens);
	cJSON_AddNumberToObject(root, "completion_tokens", (double)e->completion_tokens);
	cJSON_AddNumberToObject(root, "cost_microusd", (double)e->cost_microusd);
	text = json_print(root);
	if (strlen(text) < VALUE_MAX)
		ret = cache_set(k, text, strlen(text), ttl);
	free(text);
	cJSON_Delete(root);
	return ret;
}

/* The memcached key of counter i: the service's when org_id is SERVICE, else that organisation's. */
#define SERVICE INT64_MIN
static void counter_key(int64_t org_id, size_t i, char *out, size_t outlen)
{
	if (org_id != SERVICE)
		snprintf(out, outlen, COUNTER_PREFIX "org:%lld:%s", (long long)org_id, counter_names[i]);
	else
		snprintf(out, outlen, COUNTER_PREFIX "%s", counter_names[i]);
}

void llm_cache_count(int64_t org_id, enum llm_cache_counter c, uint64_t delta)
{
	char k[96];

	if (delta == 0 || (unsigned)c >= ARRAY_SIZE(counter_names))
		return;
	counter_key(SERVICE, (size_t)c, k, sizeof(k));
	cache_incr(k, delta, 0, NULL);
	if (org_id > 0) {
		counter_key(org_id, (size_t)c, k, sizeof(k));
		cache_incr(k, delta, 0, NULL);
	}
}

static cJSON *stats_json(int64_t org_id)
{
	cJSON *o = cJSON_CreateObject();
	uint64_t v[LLM_CACHE_COUNTER_COUNT] = { 0 };
	char k[96], err[128];
	bool available = cache_probe(STATS_PROBE_MS, err, sizeof(err)) == 0;
	size_t i;

	for (i = 0; available && i < ARRAY_SIZE(counter_names); i++) {
		counter_key(org_id, i, k, sizeof(k));
		if (cache_counter(k, &v[i]) < 0)
			available = false;
	}
	if (!available)
		memset(v, 0, sizeof(v));
	cJSON_AddBoolToObject(o, "available", available);
	for (i = 0; i < ARRAY_SIZE(counter_names); i++) {
		cJSON_AddNumberToObject(o, counter_names[i], (double)v[i]);
		if (i == LLM_CACHE_MISSES)
			cJSON_AddNumberToObject(o, "hit_rate",
						v[LLM_CACHE_HITS] + v[LLM_CACHE_MISSES]
							? (double)v[LLM_CACHE_HITS] /
								  (double)(v[LLM_CACHE_HITS] + v[LLM_CACHE_MISSES])
							: 0.0);
	}
	cJSON_AddNumberToObject(o, "cost_saved_usd", (double)v[LLM_CACHE_COST_SAVED_MICROUSD] / 1e6);
	return o;
}

cJSON *llm_cache_stats_json(void)
{
	return stats_json(SERVICE);
}

cJSON *llm_cache_org_stats_json(int64_t org_id)
{
	return stats_json(org_id);
}
