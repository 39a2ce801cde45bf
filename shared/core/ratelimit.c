/* ratelimit: budgets over a sliding minute counted in memcached, shared by every process and host; a limit has a name, a key and a budget. */
#include "core/ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "core/cache.h"
#include "core/log.h"

#define WINDOW_MS (RATELIMIT_WINDOW_SECONDS * 1000LL)
/* A window's counter lives through the next window, where it is the "previous" one. */
#define COUNTER_TTL (3 * RATELIMIT_WINDOW_SECONDS)
/* How often the "cannot count" warning is logged, at most, per process. */
#define WARN_EVERY_MS 60000
/* "NAME:KEY", the budget's identity. */
#define WHO_MAX (RATELIMIT_NAME_MAX + 1 + RATELIMIT_KEY_MAX + 1)

static int64_t ceil_seconds(double ms)
{
	int64_t s = (int64_t)ceil(ms / 1000.0);

	return s < 1 ? 1 : s;
}

/*
 * Milliseconds from elapsed_ms into the current window until cost units
 * fit, given the counts without them (cost <= limit). The weighted previous
 * count falls linearly to 0 over the current window; after that, the
 * current count becomes the previous one and starts falling in turn.
 */
static double wait_ms(int64_t limit, uint64_t previous, uint64_t current_before, int64_t cost, int64_t elapsed_ms)
{
	double room = (double)limit - (double)current_before - (double)cost; /* what the weighted previous may be */
	double first;

	if (room >= 0 && previous > 0) {
		/* previous * (WINDOW - elapsed - t) / WINDOW <= room */
		first = (double)WINDOW_MS - (double)elapsed_ms - (double)WINDOW_MS * room / (double)previous;
		return first > 0 ? first : 0;
	}
	if (room >= 0)
		return 0;
	/* The current window alone is full: wait for the next, where current_before falls off. */
	first = (double)(WINDOW_MS - elapsed_ms);
	if (current_before == 0)
		return first;
	return first + (double)WINDOW_MS * (1.0 - ((double)limit - (double)cost) / (double)current_before);
}

void ratelimit_decide(int64_t limit, uint64_t previous, uint64_t current, int64_t cost, int64_t elapsed_ms,
		      struct ratelimit_state *st)
{
	double weighted = (double)previous * (double)(WINDOW_MS - elapsed_ms) / (double)WINDOW_MS + (double)current;
	uint64_t before;

	memset(st, 0, sizeof(*st));
	if (cost < 1)
		cost = 1;
	st->limit = limit;
	st->counted = true;
	st->used = (int64_t)ceil(weighted);
	st->reset_s = ceil_seconds((double)(WINDOW_MS - elapsed_ms));
	if (limit <= 0) {
		st->allowed = true;
		return;
	}
	st->allowed = weighted <= (double)limit;
	if (st->allowed) {
		st->remaining = (int64_t)floor((double)limit - weighted);
		return;
	}
	st->remaining = 0;
	if (cost > limit) {
		st->retry_after_s = ceil_seconds((double)(2 * WINDOW_MS - elapsed_ms));
		return;
	}
	before = current > (uint64_t)cost ? current - (uint64_t)cost : 0;
	st->retry_after_s = ceil_seconds(wait_ms(limit, previous, before, cost, elapsed_ms));
}

/*
 * A finished window's count no longer changes, so each process remembers it
 * for the budgets it serves (direct-mapped by a hash of "name:key"): a
 * counted request then costs one memcached round trip, not two.
 */
#define PREVIOUS_SLOTS 512

struct previous_slot {
	char who[WHO_MAX];
	int64_t window; /* the window the count belongs to; 0: empty */
	uint64_t count;
};

static struct previous_slot previous_slots[PREVIOUS_SLOTS];

/* FNV-1a, to spread budgets over the slots. */
static uint32_t slot_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int budget_of(const char *name, const char *key, char who[WHO_MAX])
{
	int n = snprintf(who, WHO_MAX, "%s:%s", name, key);

	if (n < 0 || n >= WHO_MAX || strlen(name) > RATELIMIT_NAME_MAX) {
		log_error("ratelimit: budget '%s:%s' is too long to count", name, key);
		return -1;
	}
	return 0;
}

static void counter_key(const char *who, int64_t window, char *out, size_t outlen)
{
	snprintf(out, outlen, "rl:%s:%lld", who, (long long)window);
}

/* The count of who's finished window, from this process's memory or else from memcached (key). Returns 0 or -1. */
static int previous_count(const char *who, int64_t window, const char *key, uint64_t *count)
{
	struct previous_slot *slot = &previous_slots[slot_hash(who) % PREVIOUS_SLOTS];

	if (slot->window == window && strcmp(slot->who, who) == 0) {
		*count = slot->count;
		return 0;
	}
	if (cache_counter(key, count) < 0)
		return -1;
	snprintf(slot->who, sizeof(slot->who), "%s", who);
	slot->window = window;
	slot->count = *count;
	return 0;
}

enum count_mode { COUNT_PEEK, COUNT_TAKE, COUNT_CHARGE };

/* Reads the previous window's count and, unless peeking, adds units to the current one; then decides. */
static int count(const char *name, const char *key, int64_t limit, int64_t units, enum count_mode mode,
		 struct ratelimit_state *st)
{
	int64_t now = wall_ms(), window = now / WINDOW_MS;
	char who[WHO_MAX], prev_key[WHO_MAX + 32], cur_key[WHO_MAX + 32];
	uint64_t previous = 0, current = 0;

	memset(st, 0, sizeof(*st));
	st->limit = limit;
	st->allowed = true;
	if (units < 1)
		units = 1;
	if (budget_of(name, key, who) < 0)
		return -1;
	counter_key(who, window - 1, prev_key, sizeof(prev_key));
	counter_key(who, window, cur_key, sizeof(cur_key));
	if (mode == COUNT_PEEK) {
		if (cache_counter(cur_key, &current) < 0)
			return -1;
	} else if (cache_incr(cur_key, (uint64_t)units, COUNTER_TTL, &current) < 0) {
		return -1;
	}
	if (previous_count(who, window - 1, prev_key, &previous) < 0) {
		if (mode == COUNT_TAKE)
			cache_decr(cur_key, (uint64_t)units); /* undecided: the caller's policy rules, uncounted */
		return -1;
	}
	ratelimit_decide(limit, previous, current, mode == COUNT_PEEK ? 1 : units, now - window * WINDOW_MS, st);
	if (mode == COUNT_CHARGE) {
		st->allowed = true; /* the work is done; it is only counted */
	} else if (mode == COUNT_TAKE && !st->allowed) {
		cache_decr(cur_key, (uint64_t)units); /* a refused request does not count */
	}
	return 0;
}

int ratelimit_take(const char *name, const char *key, int64_t limit, int64_t cost, struct ratelimit_state *st)
{
	if (limit <= 0) {
		memset(st, 0, sizeof(*st));
		st->allowed = true;
		return 0;
	}
	return count(name, key, limit, cost, COUNT_TAKE, st);
}

int ratelimit_charge(const char *name, const char *key, int64_t limit, int64_t units, struct ratelimit_state *st)
{
	if (limit <= 0 || units <= 0) {
		memset(st, 0, sizeof(*st));
		st->allowed = true;
		return 0;
	}
	return count(name, key, limit, units, COUNT_CHARGE, st);
}

int ratelimit_peek(const char *name, const char *key, int64_t limit, struct ratelimit_state *st)
{
	return count(name, key, limit, 1, COUNT_PEEK, st);
}

void ratelimit_warn_uncounted(const char *policy)
{
	static int64_t last;
	int64_t now = now_ms();

	if (last && now - last < WARN_EVERY_MS)
		return;
	last = now;
	log_warn("ratelimit: memcached cannot count requests; policy when it is down: %s", policy);
}
