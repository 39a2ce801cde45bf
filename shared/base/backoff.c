/* backoff: retry delays that grow exponentially, capped, with full jitter. */
#include "base/backoff.h"

#include "base/util.h"

/* Rejection sampling gives up after this many draws and accepts a tiny bias rather than loop forever. */
#define MAX_DRAWS 64

static int64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : v;
}

int64_t backoff_ceiling_ms(const struct backoff *b, int attempt)
{
	int64_t min = nonneg(b->min_ms), base = nonneg(b->base_ms), cap = nonneg(b->cap_ms);
	int64_t ceiling = base;
	int i;

	if (attempt < 1)
		attempt = 1;
	/* Doubling stops at the cap, so the value can never overflow. */
	for (i = 1; i < attempt && ceiling < cap; i++) {
		if (ceiling == 0)
			break;
		ceiling = ceiling > INT64_MAX / 2 ? INT64_MAX : ceiling * 2;
	}
	if (ceiling > cap)
		ceiling = cap;
	return ceiling < min ? min : ceiling;
}

int64_t backoff_delay_ms(const struct backoff *b, int attempt, backoff_rand_fn rnd, void *arg)
{
	int64_t min = nonneg(b->min_ms);
	uint64_t span = (uint64_t)(backoff_ceiling_ms(b, attempt) - min), n, threshold, r = 0;
	int i;

	if (!rnd)
		rnd = backoff_random;
	if (span == 0)
		return min;
	n = span + 1; /* at most 2^63: the ceiling is an int64_t */
	/* Values below 2^64 mod n would make the low residues more likely: draw again. */
	threshold = (0 - n) % n;
	for (i = 0; i < MAX_DRAWS; i++) {
		r = rnd(arg);
		if (r >= threshold)
			break;
	}
	return min + (int64_t)(r % n);
}

uint64_t backoff_random(void *arg)
{
	uint64_t v = 0;

	(void)arg;
	if (random_bytes(&v, sizeof(v)) < 0)
		v = (uint64_t)now_us() * 0x9e3779b97f4a7c15ULL;
	return v;
}
