/* llm_budget: client-side rate budgets (token buckets), adaptive concurrency (AIMD) and provider rate-limit headers. */
#include "llm/llm_budget.h"

#include <math.h>
#include <string.h>

#include "base/util.h"

/* Longest wait any header may impose: a bogus value must not stall a drainer for hours. */
#define DELAY_MAX_MS (15 * 60 * 1000)

void llm_budget_bucket_init(struct llm_budget_bucket *b, int64_t per_minute, int64_t now)
{
	b->capacity = per_minute > 0 ? (double)per_minute : 0;
	b->level = b->capacity;
	b->rate_per_ms = b->capacity / 60000.0;
	b->stamp_ms = now;
}

static void refill(struct llm_budget_bucket *b, int64_t now)
{
	if (now > b->stamp_ms) {
		b->level += (double)(now - b->stamp_ms) * b->rate_per_ms;
		if (b->level > b->capacity)
			b->level = b->capacity;
		b->stamp_ms = now;
	}
}

int64_t llm_budget_bucket_wait(struct llm_budget_bucket *b, double amount, int64_t now)
{
	double need;
	int64_t ms;

	if (b->capacity <= 0)
		return 0;
	refill(b, now);
	if (amount > b->capacity)
		amount = b->capacity;
	if (b->level >= amount)
		return 0;
	need = amount - b->level;
	ms = (int64_t)ceil(need / b->rate_per_ms);
	return ms < 1 ? 1 : ms;
}

int64_t llm_budget_bucket_take(struct llm_budget_bucket *b, double amount, int64_t now)
{
	int64_t wait = llm_budget_bucket_wait(b, amount, now);

	if (wait > 0)
		return wait;
	if (b->capacity > 0)
		b->level -= amount;
	return 0;
}

void llm_budget_aimd_init(struct llm_budget_aimd *a, int max)
{
	memset(a, 0, sizeof(*a));
	a->max = max < 1 ? 1 : max;
	a->cap = a->max;
	a->min_seen = a->cap;
	a->last_decrease = INT64_MIN;
}

bool llm_budget_aimd_success(struct llm_budget_aimd *a)
{
	if (a->cap >= a->max) {
		a->successes = 0;
		return false;
	}
	if (++a->successes < a->cap)
		return false;
	a->cap++;
	a->successes = 0;
	a->increases++;
	return true;
}

void llm_budget_aimd_pause(struct llm_budget_aimd *a, int64_t delay_ms, int64_t now)
{
	if (delay_ms > DELAY_MAX_MS)
		delay_ms = DELAY_MAX_MS;
	if (delay_ms > 0 && now + delay_ms > a->paused_until)
		a->paused_until = now + delay_ms;
}

bool llm_budget_aimd_limited(struct llm_budget_aimd *a, int64_t sent_at, int64_t delay_ms, int64_t now)
{
	llm_budget_aimd_pause(a, delay_ms, now);
	a->successes = 0;
	if (sent_at < a->last_decrease)
		return false;
	a->last_decrease = now;
	if (a->cap <= 1)
		return false;
	a->cap /= 2;
	if (a->cap < a->min_seen)
		a->min_seen = a->cap;
	a->decreases++;
	return true;
}

bool llm_budget_aimd_may_send(const struct llm_budget_aimd *a, int in_flight, int64_t now)
{
	return in_flight < a->cap && now >= a->paused_until;
}

/* Parses digits with an optional fraction at *p; returns the value or -1. */
static double number_at(const char **p, const char *end)
{
	const char *s = *p;
	double v = 0, scale = 0.1;
	bool digits = false;

	while (s < end && *s >= '0' && *s <= '9') {
		v = v * 10 + (*s - '0');
		s++;
		digits = true;
	}
	if (s < end && *s == '.') {
		s++;
		while (s < end && *s >= '0' && *s <= '9') {
			v += (*s - '0') * scale;
			scale /= 10;
			s++;
			digits = true;
		}
	}
	if (!digits || v > 1e12)
		return -1;
	*p = s;
	return v;
}

int llm_budget_parse_duration(const char *s, size_t len, int64_t *ms)
{
	const char *p = s, *end = s + len;
	double total = 0;
	bool any = false;

	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		end--;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		return -1;
	while (p < end) {
		double v = number_at(&p, end), unit;

		if (v < 0)
			return -1;
		if (p == end) {
			/* A bare number is seconds, and only allowed alone. */
			if (any)
				return -1;
			unit = 1000;
		} else if (end - p >= 2 && p[0] == 'm' && p[1] == 's') {
			unit = 1;
			p += 2;
		} else if (*p == 'h') {
			unit = 3600000;
			p++;
		} else if (*p == 'm') {
			unit = 60000;
			p++;
		} else if (*p == 's') {
			unit = 1000;
			p++;
		} else {
			return -1;
		}
		total += v * unit;
		any = true;
	}
	if (total > 1e15)
		return -1;
	*ms = (int64_t)ceil(total - 1e-9);
	return 0;
}

void llm_budget_headers_init(struct llm_budget_headers *h)
{
	h->retry_after_ms = -1;
	h->retry_after_s_ms = -1;
	h->limit_requests = -1;
	h->remaining_requests = -1;
	h->reset_requests_ms = -1;
	h->limit_tokens = -1;
	h->remaining_tokens = -1;
	h->reset_tokens_ms = -1;
}

enum field_kind { FIELD_COUNT, FIELD_DURATION, FIELD_MS, FIELD_SECONDS };

int llm_budget_headers_line(struct llm_budget_headers *h, const char *line, size_t len)
{
	static const struct {
		const char *name;
		enum field_kind kind;
		size_t offset;
	} fields[] = {
		{ "retry-after-ms", FIELD_MS, offsetof(struct llm_budget_headers, retry_after_ms) },
		{ "retry-after", FIELD_SECONDS, offsetof(struct llm_budget_headers, retry_after_s_ms) },
		{ "x-ratelimit-limit-requests", FIELD_COUNT, offsetof(struct llm_budget_headers, limit_requests) },
		{ "x-ratelimit-remaining-requests", FIELD_COUNT,
		  offsetof(struct llm_budget_headers, remaining_requests) },
		{ "x-ratelimit-reset-requests", FIELD_DURATION,
		  offsetof(struct llm_budget_headers, reset_requests_ms) },
		{ "x-ratelimit-limit-tokens", FIELD_COUNT, offsetof(struct llm_budget_headers, limit_tokens) },
		{ "x-ratelimit-remaining-tokens", FIELD_COUNT, offsetof(struct llm_budget_headers, remaining_tokens) },
		{ "x-ratelimit-reset-tokens", FIELD_DURATION, offsetof(struct llm_budget_headers, reset_tokens_ms) },
	};
	const char *colon = memchr(line, ':', len), *v, *end = line + len;
	size_t i, namelen;
	int64_t value = 0;

	if (!colon)
		return 0;
	namelen = (size_t)(colon - line);
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		if (strlen(fields[i].name) != namelen || strncasecmp(line, fields[i].name, namelen) != 0)
			continue;
		switch (fields[i].kind) {
		case FIELD_COUNT:
		case FIELD_MS:
			if (parse_int64_n(v, (size_t)(end - v), 0, INT64_MAX / 4, &value) < 0)
				return 0;
			break;
		case FIELD_SECONDS:
			/* Seconds only: an HTTP-date retry-after is not used by these providers and is ignored. */
			if (parse_int64_n(v, (size_t)(end - v), 0, INT64_MAX / 4000, &value) < 0)
				return 0;
			value *= 1000;
			break;
		case FIELD_DURATION:
			if (llm_budget_parse_duration(v, (size_t)(end - v), &value) < 0)
				return 0;
			break;
		}
		*(int64_t *)(void *)((char *)h + fields[i].offset) = value;
		return 1;
	}
	return 0;
}

/* Time until one unit is back when none remains, from the reset time of the whole budget. */
static int64_t exhausted_delay(int64_t limit, int64_t remaining, int64_t reset_ms)
{
	if (remaining != 0 || reset_ms < 0)
		return 0;
	if (limit > 0)
		return (reset_ms + limit - 1) / limit;
	return reset_ms;
}

int64_t llm_budget_headers_delay(const struct llm_budget_headers *h, bool limited, int64_t default_ms)
{
	int64_t d, t;

	if (h->retry_after_ms >= 0)
		d = h->retry_after_ms;
	else if (h->retry_after_s_ms >= 0)
		d = h->retry_after_s_ms;
	else {
		d = exhausted_delay(h->limit_requests, h->remaining_requests, h->reset_requests_ms);
		/* A request needs many tokens, not one: wait for the whole token budget to reset. */
		t = exhausted_delay(-1, h->remaining_tokens, h->reset_tokens_ms);
		if (t > d)
			d = t;
		if (limited && d == 0)
			d = default_ms;
	}
	if (limited && d == 0)
		d = 1;
	return d > DELAY_MAX_MS ? DELAY_MAX_MS : d;
}
