/* apilimit: request rate limits per API key (or per user for web sessions), counted in memcached so every process and host shares them. */
#include "account/apilimit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/log.h"
#include "core/procmetrics.h"
#include "http/resp.h"
#include "text/textnorm.h"

#define WINDOW_MS (APILIMIT_WINDOW_SECONDS * 1000LL)
/* A window's counter lives through the next window, where it is the "previous" one. */
#define COUNTER_TTL (3 * APILIMIT_WINDOW_SECONDS)
/* How often the "cannot count" warning is logged, at most, per process. */
#define WARN_EVERY_MS 60000

static int64_t ceil_seconds(double ms)
{
	int64_t s = (int64_t)ceil(ms / 1000.0);

	return s < 1 ? 1 : s;
}

/*
 * Milliseconds from elapsed_ms into the current window until a request
 * fits, given the counts without it. The weighted previous count falls
 * linearly to 0 over the current window; after that, the current count
 * becomes the previous one and starts falling in turn.
 */
static double wait_ms(int64_t limit, uint64_t previous, uint64_t current_before, int64_t elapsed_ms)
{
	double room = (double)limit - (double)current_before - 1.0; /* what the weighted previous may still be */
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
	return first + (double)WINDOW_MS * (1.0 - ((double)limit - 1.0) / (double)current_before);
}

void apilimit_decide(int64_t limit, uint64_t previous, uint64_t current, int64_t elapsed_ms, struct apilimit_state *st)
{
	double weighted = (double)previous * (double)(WINDOW_MS - elapsed_ms) / (double)WINDOW_MS + (double)current;
	int64_t used = (int64_t)ceil(weighted);

	memset(st, 0, sizeof(*st));
	st->limit = limit;
	st->counted = true;
	st->used = used;
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
	st->retry_after_s = ceil_seconds(wait_ms(limit, previous, current > 0 ? current - 1 : 0, elapsed_ms));
}

/* Whose budget a request spends: its API key's, or for a web session its user's. false: nobody's. */
static bool principal(const struct req *r, char *out, size_t outlen)
{
	if (r->key_id > 0)
		snprintf(out, outlen, "k%lld", (long long)r->key_id);
	else if (r->session_id > 0 && r->user_id > 0)
		snprintf(out, outlen, "u%lld", (long long)r->user_id);
	else
		return false;
	return true;
}

/*
 * A finished window's count no longer changes, so each process remembers it
 * for the principals it serves (direct-mapped by a hash of the principal):
 * a counted request then costs one memcached round trip, not two.
 */
#define PREVIOUS_SLOTS 256

struct previous_slot {
	char who[32];
	int64_t window; /* the window the count belongs to; 0: empty */
	uint64_t count;
};

static struct previous_slot previous_slots[PREVIOUS_SLOTS];

static struct previous_slot *previous_slot_of(const char *who)
{
	return &previous_slots[textnorm_hash(who, strlen(who)) % PREVIOUS_SLOTS];
}

static void counter_key(const char *who, int64_t window, char *out, size_t outlen)
{
	snprintf(out, outlen, "apirl:%s:%lld", who, (long long)window);
}

/* The count of who's finished window, from this process's memory or else from memcached (key). Returns 0 or -1. */
static int previous_count(const char *who, int64_t window, const char *key, uint64_t *count)
{
	struct previous_slot *slot = previous_slot_of(who);

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

/* Reads the previous window's count and, when count is set, adds this request to the current one. */
static int read_counts(const char *who, bool count, struct apilimit_state *st)
{
	int64_t now = wall_ms(), window = now / WINDOW_MS;
	char prev_key[64], cur_key[64];
	uint64_t previous = 0, current = 0;

	counter_key(who, window - 1, prev_key, sizeof(prev_key));
	counter_key(who, window, cur_key, sizeof(cur_key));
	if (count) {
		if (cache_incr(cur_key, 1, COUNTER_TTL, &current) < 0)
			return -1;
	} else if (cache_counter(cur_key, &current) < 0) {
		return -1;
	}
	if (previous_count(who, window - 1, prev_key, &previous) < 0)
		return -1;
	apilimit_decide(config()->api_rate_per_minute, previous, current, now - window * WINDOW_MS, st);
	if (count && !st->allowed)
		cache_decr(cur_key, 1); /* a refused request does not count */
	return 0;
}

int apilimit_peek(const struct req *r, struct apilimit_state *st)
{
	char who[32];

	memset(st, 0, sizeof(*st));
	st->limit = config()->api_rate_per_minute;
	if (!principal(r, who, sizeof(who)))
		return -1;
	return read_counts(who, false, st);
}

static void warn_uncounted(void)
{
	static int64_t last;
	int64_t now = now_ms();

	if (last && now - last < WARN_EVERY_MS)
		return;
	last = now;
	log_warn("apilimit: memcached cannot count requests; policy when it is down: %s",
		 config()->api_rate_when_cache_down);
}

int apilimit_check(struct req *r)
{
	struct apilimit_state st;
	int64_t limit = config()->api_rate_per_minute;
	char who[32];

	if (limit <= 0 || !principal(r, who, sizeof(who)))
		return 0;
	if (read_counts(who, true, &st) < 0) {
		warn_uncounted();
		if (strcmp(config()->api_rate_when_cache_down, "refuse") == 0)
			return resp_fail(r, ST_UNAVAILABLE,
					 "requests cannot be counted against the rate limit right now "
					 "(memcached is unavailable); try again");
		return 0;
	}
	resp_headerf(r, "RateLimit-Limit", "%lld", (long long)limit);
	resp_headerf(r, "RateLimit-Remaining", "%lld", (long long)st.remaining);
	resp_headerf(r, "RateLimit-Reset", "%lld", (long long)st.reset_s);
	resp_headerf(r, "RateLimit-Policy", "%lld;w=%d", (long long)limit, APILIMIT_WINDOW_SECONDS);
	if (st.allowed)
		return 0;
	resp_headerf(r, "Retry-After", "%lld", (long long)st.retry_after_s);
	log_info("apilimit: %s over %lld requests per minute; retry after %lld s", who, (long long)limit,
		 (long long)st.retry_after_s);
	procmetrics_count(PM_RATELIMIT_REFUSALS, PM_LIMIT_API_KEY, 0, 0, 1);
	return resp_fail(r, ST_TOO_MANY_REQUESTS,
			 "this %s is over its limit of %lld requests per minute; retry after %lld seconds",
			 r->key_id > 0 ? "API key" : "user", (long long)limit, (long long)st.retry_after_s);
}
