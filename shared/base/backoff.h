/* backoff: retry delays that grow exponentially, capped, with full jitter. */
#ifndef SHORTLIST_BACKOFF_H
#define SHORTLIST_BACKOFF_H

#include <stdint.h>

/*
 * A retry policy. The ceiling of retry n (n >= 1, the attempt that just
 * failed) is min(cap_ms, base_ms * 2^(n-1)); the delay is drawn uniformly
 * from [min_ms, max(min_ms, ceiling)] ("full jitter", so many clients that
 * failed together do not retry together). min_ms = 0 is pure full jitter;
 * a small floor keeps a failing task from spinning.
 */
struct backoff {
	int64_t min_ms;
	int64_t base_ms;
	int64_t cap_ms;
};

/* clang-format off */
/* The task queue's default: at least 0.5 s, doubling from 1 s, at most 10 minutes. */
#define BACKOFF_DEFAULT { 500, 1000, 600000 }
/* clang-format on */

/*
 * A source of uniformly distributed 64-bit values; arg is passed through.
 * Tests inject a deterministic one.
 */
typedef uint64_t (*backoff_rand_fn)(void *arg);

/*
 * The upper bound of the delay after attempt number attempt (values below 1
 * count as 1): min(cap_ms, base_ms * 2^(attempt-1)), never below min_ms, and
 * never overflowing. Negative fields count as 0.
 */
int64_t backoff_ceiling_ms(const struct backoff *b, int attempt);

/*
 * A delay in milliseconds, uniform over [min_ms, backoff_ceiling_ms()],
 * using rnd(arg) for randomness (without modulo bias). rnd == NULL uses
 * backoff_random(). Pure apart from rnd.
 */
int64_t backoff_delay_ms(const struct backoff *b, int attempt, backoff_rand_fn rnd, void *arg);

/* The default random source: the operating system's CSPRNG (arg unused). */
uint64_t backoff_random(void *arg);

#endif
