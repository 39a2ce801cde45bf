/* llm_budget: client-side rate budgets (token buckets), adaptive concurrency (AIMD) and provider rate-limit headers. */
#ifndef SHORTLIST_LLM_BUDGET_H
#define SHORTLIST_LLM_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every function takes the time as a parameter (milliseconds of a monotonic
 * clock, now_ms() in production) so the maths can be tested with an
 * injected clock.
 */

/*
 * A token bucket holding at most per_minute units, refilled continuously at
 * per_minute / 60000 units per millisecond; it starts full. per_minute 0
 * turns it off: every take succeeds.
 */
struct llm_budget_bucket {
	double capacity;
	double level;
	double rate_per_ms;
	int64_t stamp_ms;
};

void llm_budget_bucket_init(struct llm_budget_bucket *b, int64_t per_minute, int64_t now);
/*
 * Takes amount units when they are available and returns 0. Otherwise takes
 * nothing and returns how many milliseconds to wait (>= 1) until they are.
 * An amount larger than the capacity is let through once the bucket is full
 * (the level then goes negative) so that it cannot wait forever.
 */
int64_t llm_budget_bucket_take(struct llm_budget_bucket *b, double amount, int64_t now);
/* Milliseconds until amount units are available (0 when they are); takes nothing. */
int64_t llm_budget_bucket_wait(struct llm_budget_bucket *b, double amount, int64_t now);

/*
 * Adaptive concurrency, additive increase and multiplicative decrease:
 * - the cap starts at max;
 * - a rate-limited answer halves it (never below 1) and pauses new sends
 *   until now + delay; answers to requests sent before the last decrease do
 *   not halve it again (they were all in one burst);
 * - after cap successes in a row (one round trip's worth) it grows by 1, up to max.
 */
struct llm_budget_aimd {
	int cap;
	int max;
	int min_seen;	       /* the smallest cap so far */
	int successes;	       /* in a row since the last change */
	int64_t paused_until;  /* no new sends before this time */
	int64_t last_decrease; /* time of the last halving (INT64_MIN: never) */
	uint64_t decreases;
	uint64_t increases;
};

void llm_budget_aimd_init(struct llm_budget_aimd *a, int max);
/* Records a success; returns true when the cap grew. */
bool llm_budget_aimd_success(struct llm_budget_aimd *a);
/*
 * Records a rate-limited answer to a request sent at sent_at: pauses until
 * now + delay_ms and halves the cap unless the request predates the last
 * halving. Returns true when the cap shrank.
 */
bool llm_budget_aimd_limited(struct llm_budget_aimd *a, int64_t sent_at, int64_t delay_ms, int64_t now);
/* Pauses new sends until now + delay_ms without changing the cap (a "remaining: 0" hint). */
void llm_budget_aimd_pause(struct llm_budget_aimd *a, int64_t delay_ms, int64_t now);
/* Whether one more request may start with in_flight already running. */
bool llm_budget_aimd_may_send(const struct llm_budget_aimd *a, int in_flight, int64_t now);

/*
 * Parses a provider duration: "20ms", "1s", "1.5s", "6m0s", "1h2m3.5s", or
 * a bare number of seconds ("2", "0.5"). Returns 0 and the milliseconds
 * (rounded up) in *ms, or -1 for anything else.
 */
int llm_budget_parse_duration(const char *s, size_t len, int64_t *ms);

/* What an answer's headers say about the provider's limits; -1 means absent. */
struct llm_budget_headers {
	int64_t retry_after_ms;	    /* retry-after-ms */
	int64_t retry_after_s_ms;   /* retry-after (seconds), in ms */
	int64_t limit_requests;	    /* x-ratelimit-limit-requests */
	int64_t remaining_requests; /* x-ratelimit-remaining-requests */
	int64_t reset_requests_ms;  /* x-ratelimit-reset-requests */
	int64_t limit_tokens;	    /* x-ratelimit-limit-tokens */
	int64_t remaining_tokens;   /* x-ratelimit-remaining-tokens */
	int64_t reset_tokens_ms;    /* x-ratelimit-reset-tokens */
};

/* Marks every field absent. */
void llm_budget_headers_init(struct llm_budget_headers *h);
/*
 * Feeds one raw header line ("Name: value\r\n", as curl's header callback
 * gives it). Unknown headers and unparsable values are ignored. Returns 1
 * when the line was one of the headers above, else 0.
 */
int llm_budget_headers_line(struct llm_budget_headers *h, const char *line, size_t len);
/*
 * How long to hold back new requests after this answer, in milliseconds:
 * - retry-after-ms wins over retry-after, which wins over the x-ratelimit-*
 *   hints;
 * - when remaining requests is 0, the time until one request is back: the
 *   reset time (of the whole budget) divided by the limit, or the whole
 *   reset time when the limit is unknown; when remaining tokens is 0, the
 *   whole token reset time (a request needs many tokens); the longer wins;
 * - a rate-limited answer (limited true) with no usable header waits
 *   default_ms.
 * Returns 0 when nothing says to wait.
 */
int64_t llm_budget_headers_delay(const struct llm_budget_headers *h, bool limited, int64_t default_ms);

#endif
