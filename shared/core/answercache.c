/* answercache: whole answers of the hot reads in memcached, under each organisation's generation. */
#include "core/answercache.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/log.h"

/*
 * A generation is a number taken from the clock in microseconds when the
 * organisation's counter is (re)made, then stepped by one, so a counter
 * lost and made again never repeats one that entries were stored under.
 */
#define GENERATION_FLOOR 1000000000000LL
/* A generation counter outlives any entry by far; made again from the clock when gone. */
#define GENERATION_TTL_S 86400

static void generation_key(int64_t org_id, char *out, size_t outlen)
{
	snprintf(out, outlen, "ac:g:%" PRId64, org_id);
}

/* The generation in text (got.len bytes) into *gen. Returns true when it is a valid one. */
static bool parse_generation(const struct buf *got, uint64_t *gen)
{
	char text[24];

	if (got->len == 0 || got->len >= sizeof(text))
		return false;
	memcpy(text, got->ptr, got->len);
	text[got->len] = '\0';
	*gen = strtoull(text, NULL, 10);
	return *gen >= GENERATION_FLOOR;
}

/* The generation stored under key into *gen. Returns true when there is a valid one. */
static bool stored_generation(const char *key, uint64_t *gen)
{
	struct buf got = BUF_INIT(32);
	bool valid = cache_get(key, &got) == 1 && parse_generation(&got, gen);

	buf_release(&got);
	return valid;
}

/* A generation from the clock (GENERATION_FLOOR's comment), also written as text into text. */
static uint64_t clock_generation(char *text, size_t len)
{
	uint64_t gen = (uint64_t)wall_ms() * 1000;

	snprintf(text, len, "%" PRIu64, gen);
	return gen;
}

/* The organisation's generation made from the clock (it was missing) into *gen. Returns 0 or -1 (memcached down). */
static int new_generation(const char *key, uint64_t *gen)
{
	char text[24];

	*gen = clock_generation(text, sizeof(text));
	switch (cache_add(key, text, strlen(text), GENERATION_TTL_S)) {
	case 0:
		return 0;
	case 1: /* another process made it first: use theirs */
		return stored_generation(key, gen) ? 0 : -1;
	default:
		return -1;
	}
}

/*
 * Whether got is an entry stored under generation gen and young enough:
 * "GENERATION STORED_MS AUX\n" then the body, appended to body; *aux gets AUX.
 */
static bool entry_usable(const struct buf *got, uint64_t gen, int64_t max_age, struct buf *body, int64_t *aux)
{
	int64_t stored_ms, kept_aux;
	uint64_t kept_gen;
	const char *nl = memchr(got->ptr, '\n', got->len);
	int n = 0;

	if (!nl ||
	    sscanf(got->ptr, "%" SCNu64 " %" SCNd64 " %" SCNd64 "%n", &kept_gen, &stored_ms, &kept_aux, &n) != 3 ||
	    got->ptr + n != nl || kept_gen != gen)
		return false;
	if (!wall_age_within(stored_ms, max_age))
		return false;
	if (buf_append(body, nl + 1, got->len - (size_t)(nl + 1 - got->ptr)) < 0)
		return false;
	*aux = kept_aux;
	return true;
}

int answercache_get(struct answer_slot *slot, int64_t org_id, const char *what, struct buf *body, int64_t *aux)
{
	int64_t max_age = (int64_t)config()->answer_cache_ms;
	struct buf got_gen = BUF_INIT(32), got = BUF_INIT(ANSWERCACHE_VALUE_MAX + 64);
	struct buf *outs[2] = { &got_gen, &got };
	const char *keys[2];
	char gen_key[48];
	bool hits[2];
	int rc = 0;

	slot->usable = false;
	slot->key[0] = '\0';
	*aux = 0;
	if (max_age <= 0 || org_id <= 0 || strlen(what) > ANSWERCACHE_WHAT_MAX)
		return 0;
	generation_key(org_id, gen_key, sizeof(gen_key));
	snprintf(slot->key, sizeof(slot->key), "ac:%" PRId64 ":%s", org_id, what);
	keys[0] = gen_key;
	keys[1] = slot->key;
	/* The generation and the entry in one exchange; the entry says which generation it was stored under. */
	if (cache_get_many(2, keys, outs, hits) < 0)
		goto out;
	if (hits[0] && parse_generation(&got_gen, &slot->generation))
		rc = hits[1] && entry_usable(&got, slot->generation, max_age, body, aux) ? 1 : 0;
	else if (new_generation(gen_key, &slot->generation) < 0)
		goto out;
	slot->usable = true;
out:
	buf_release(&got_gen);
	buf_release(&got);
	return rc;
}

void answercache_put(const struct answer_slot *slot, const char *body, size_t len, int64_t aux)
{
	int64_t max_age = (int64_t)config()->answer_cache_ms;
	struct buf v = BUF_INIT(ANSWERCACHE_VALUE_MAX + 64);

	if (!slot->usable || len > ANSWERCACHE_VALUE_MAX)
		return;
	if (buf_printf(&v, "%" PRIu64 " %" PRId64 " %" PRId64 "\n", slot->generation, wall_ms(), aux) == 0 &&
	    buf_append(&v, body, len) == 0)
		(void)cache_set(slot->key, v.ptr, v.len, (uint32_t)(max_age / 1000 + 2));
	buf_release(&v);
}

int answercache_invalidate(int64_t org_id)
{
	char key[48], text[24];
	uint64_t gen = 0;

	if (org_id <= 0)
		return 0;
	generation_key(org_id, key, sizeof(key));
	if (cache_incr(key, 1, GENERATION_TTL_S, &gen) < 0) {
		log_warn("answercache: memcached cannot step organisation %" PRId64 "'s generation", org_id);
		return -1;
	}
	if (gen >= GENERATION_FLOOR)
		return 0;
	/* The counter was gone and incr made it afresh at 1: make it from the clock instead. */
	(void)clock_generation(text, sizeof(text));
	return cache_set(key, text, strlen(text), GENERATION_TTL_S);
}

/*
 * Held steps: organisations stepped lately, each with when and whether a
 * change waits for its gap. A full table steps at once what does not fit.
 */
#define HELD_MAX 128
static struct held_step {
	int64_t org_id;
	int64_t stepped_ms;
	bool waiting;
} held[HELD_MAX];
static int held_gap_ms;

void answercache_hold_steps(int gap_ms)
{
	int i;

	if (gap_ms <= 0)
		answercache_step_due(true);
	held_gap_ms = gap_ms > 0 ? gap_ms : 0;
	for (i = 0; i < HELD_MAX; i++)
		held[i] = (struct held_step){ 0 };
}

int answercache_invalidate_soon(int64_t org_id)
{
	int64_t now = now_ms();
	struct held_step *free_slot = NULL, *h;
	int i;

	if (held_gap_ms <= 0 || org_id <= 0)
		return answercache_invalidate(org_id);
	for (i = 0; i < HELD_MAX; i++) {
		h = &held[i];
		if (h->org_id == org_id) {
			if (now - h->stepped_ms < held_gap_ms) {
				h->waiting = true;
				return 0;
			}
			h->stepped_ms = now;
			h->waiting = false;
			return answercache_invalidate(org_id);
		}
		/* A slot whose gap has passed with nothing waiting is free again. */
		if (!free_slot && (h->org_id == 0 || (!h->waiting && now - h->stepped_ms >= held_gap_ms)))
			free_slot = h;
	}
	if (free_slot)
		*free_slot = (struct held_step){ org_id, now, false };
	return answercache_invalidate(org_id);
}

void answercache_step_due(bool all)
{
	int64_t now = now_ms();
	int i;

	for (i = 0; i < HELD_MAX; i++) {
		struct held_step *h = &held[i];

		if (h->org_id > 0 && h->waiting && (all || now - h->stepped_ms >= held_gap_ms)) {
			h->stepped_ms = now;
			h->waiting = false;
			(void)answercache_invalidate(h->org_id);
		}
	}
}
