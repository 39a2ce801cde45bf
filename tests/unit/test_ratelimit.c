/* Unit tests for ratelimit's arithmetic: the sliding-minute estimate, remaining requests and an exact Retry-After. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/cache.h"
#include "core/config.h"
#include "core/ratelimit.h"
#include "suite.h"

#define W (RATELIMIT_WINDOW_SECONDS * 1000LL)

/* Whether one more request fits delay_ms after the moment described (counts without that request). */
static bool fits_after(int64_t limit, uint64_t previous, uint64_t current_before, int64_t elapsed_ms, int64_t delay_ms)
{
	struct ratelimit_state st;
	int64_t at = elapsed_ms + delay_ms;

	if (at < W)
		ratelimit_decide(limit, previous, current_before + 1, 1, at, &st);
	else if (at < 2 * W)
		ratelimit_decide(limit, current_before, 1, 1, at - W, &st);
	else
		ratelimit_decide(limit, 0, 1, 1, at % W, &st);
	return st.allowed;
}

START_TEST(test_fixed_window_alone)
{
	struct ratelimit_state st;

	ratelimit_decide(10, 0, 1, 1, 0, &st);
	ck_assert(st.allowed && st.counted);
	ck_assert_int_eq(st.remaining, 9);
	ck_assert_int_eq(st.reset_s, 60);
	ratelimit_decide(10, 0, 10, 1, 59500, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.remaining, 0);
	ck_assert_int_eq(st.reset_s, 1);
	ratelimit_decide(10, 0, 11, 1, 59500, &st);
	ck_assert(!st.allowed);
	ck_assert_int_eq(st.remaining, 0);
	/* Half a second to the next window, then the 10 requests weigh 9.x: 60/10 s more. */
	ck_assert_int_eq(st.retry_after_s, 7);
}
END_TEST

START_TEST(test_previous_window_weighs_in)
{
	struct ratelimit_state st;

	/* 20 last minute, a quarter into this one: 15 still count. */
	ratelimit_decide(20, 20, 5, 1, 15000, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.used, 20);
	ck_assert_int_eq(st.remaining, 0);
	ratelimit_decide(20, 20, 6, 1, 15000, &st);
	ck_assert(!st.allowed);
	/* previous * (60 - 15 - t) / 60 <= 20 - 5 - 1 = 14: t >= 3 s. */
	ck_assert_int_eq(st.retry_after_s, 3);
	/* Late in the window the previous one hardly counts. */
	ratelimit_decide(20, 20, 5, 1, 57000, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.remaining, 14);
}
END_TEST

START_TEST(test_retry_after_is_exact)
{
	static const int64_t limits[] = { 1, 2, 5, 60, 1200 };
	size_t li;
	int checked = 0;

	for (li = 0; li < sizeof(limits) / sizeof(limits[0]); li++) {
		int64_t limit = limits[li];

		for (uint64_t prev = 0; prev <= (uint64_t)limit * 2; prev += (uint64_t)(limit / 5 + 1)) {
			for (uint64_t cur = 1; cur <= (uint64_t)limit + 2; cur += (uint64_t)(limit / 7 + 1)) {
				for (int64_t e = 0; e < W; e += 7001) {
					struct ratelimit_state st;

					ratelimit_decide(limit, prev, cur, 1, e, &st);
					if (st.allowed)
						continue;
					checked++;
					ck_assert_int_ge(st.retry_after_s, 1);
					ck_assert_msg(fits_after(limit, prev, cur - 1, e, st.retry_after_s * 1000),
						      "limit %lld prev %llu cur %llu e %lld: no room after %lld s",
						      (long long)limit, (unsigned long long)prev,
						      (unsigned long long)cur, (long long)e,
						      (long long)st.retry_after_s);
					if (st.retry_after_s > 1)
						ck_assert_msg(!fits_after(limit, prev, cur - 1, e,
									  (st.retry_after_s - 1) * 1000),
							      "limit %lld prev %llu cur %llu e %lld: room already "
							      "after %lld s",
							      (long long)limit, (unsigned long long)prev,
							      (unsigned long long)cur, (long long)e,
							      (long long)st.retry_after_s - 1);
				}
			}
		}
	}
	ck_assert_int_gt(checked, 100);
}
END_TEST

/* Whether cost more units fit delay_ms after the moment described (counts without them). */
static bool cost_fits_after(int64_t limit, uint64_t previous, uint64_t current_before, int64_t cost, int64_t elapsed_ms,
			    int64_t delay_ms)
{
	struct ratelimit_state st;
	int64_t at = elapsed_ms + delay_ms;

	if (at < W)
		ratelimit_decide(limit, previous, current_before + (uint64_t)cost, cost, at, &st);
	else if (at < 2 * W)
		ratelimit_decide(limit, current_before, (uint64_t)cost, cost, at - W, &st);
	else
		ratelimit_decide(limit, 0, (uint64_t)cost, cost, at % W, &st);
	return st.allowed;
}

START_TEST(test_cost_counts_units)
{
	struct ratelimit_state st;

	/* 500 files against 1200 a minute: 700 left, then 701 do not fit. */
	ratelimit_decide(1200, 0, 500, 500, 0, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.used, 500);
	ck_assert_int_eq(st.remaining, 700);
	ratelimit_decide(1200, 0, 1201, 701, 0, &st);
	ck_assert(!st.allowed);
	ck_assert_int_eq(st.remaining, 0);
	/* A cost above the limit never fits: wait out both windows. */
	ratelimit_decide(10, 0, 11, 11, 30000, &st);
	ck_assert(!st.allowed);
	ck_assert_int_eq(st.retry_after_s, 90);
	/* A cost below 1 is one unit. */
	ratelimit_decide(10, 0, 1, 0, 0, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.remaining, 9);
}
END_TEST

START_TEST(test_retry_after_is_exact_for_costs)
{
	static const int64_t costs[] = { 2, 5, 17 };
	int checked = 0;

	for (size_t ci = 0; ci < sizeof(costs) / sizeof(costs[0]); ci++) {
		int64_t cost = costs[ci], limit = 60;

		for (uint64_t prev = 0; prev <= 120; prev += 13) {
			for (uint64_t before = 0; before <= 62; before += 7) {
				for (int64_t e = 0; e < W; e += 7001) {
					struct ratelimit_state st;

					ratelimit_decide(limit, prev, before + (uint64_t)cost, cost, e, &st);
					if (st.allowed)
						continue;
					checked++;
					ck_assert_msg(
						cost_fits_after(limit, prev, before, cost, e, st.retry_after_s * 1000),
						"cost %lld prev %llu before %llu e %lld: no room after %lld s",
						(long long)cost, (unsigned long long)prev, (unsigned long long)before,
						(long long)e, (long long)st.retry_after_s);
					if (st.retry_after_s > 1)
						ck_assert_msg(
							!cost_fits_after(limit, prev, before, cost, e,
									 (st.retry_after_s - 1) * 1000),
							"cost %lld prev %llu before %llu e %lld: room after %lld s",
							(long long)cost, (unsigned long long)prev,
							(unsigned long long)before, (long long)e,
							(long long)st.retry_after_s - 1);
				}
			}
		}
	}
	ck_assert_int_gt(checked, 100);
}
END_TEST

START_TEST(test_no_limit)
{
	struct ratelimit_state st;

	ratelimit_decide(0, 5000, 5000, 1, 1000, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.retry_after_s, 0);
}
END_TEST

/* Loads the configuration and checks memcached answers; false (after saying why) when it does not. */
static bool memcached_ready(void)
{
	char err[256];

	if (!getenv("SHORTLIST_CONFIG") && !getenv("SHORTLIST_MEMCACHED_SERVERS")) {
		printf("skip: SHORTLIST_CONFIG and SHORTLIST_MEMCACHED_SERVERS unset; no memcached to test against\n");
		return false;
	}
	if (config_load(NULL, err, sizeof(err)) < 0) {
		printf("skip: configuration: %s\n", err);
		return false;
	}
	if (cache_probe(1000, err, sizeof(err)) < 0) {
		printf("skip: memcached '%s' does not answer: %s\n", config()->memcached_servers, err);
		return false;
	}
	return true;
}

/* Against memcached: units taken, a refusal not counted, a charge that goes over, and budgets kept apart by name and key. */
START_TEST(test_counting_in_memcached)
{
	struct ratelimit_state st;
	char name[32], key[32];
	int i;

	if (!memcached_ready())
		return;
	snprintf(name, sizeof(name), "test-%d", (int)getpid());
	snprintf(key, sizeof(key), "192.0.2.%d", (int)(getpid() % 250));
	for (i = 1; i <= 3; i++) {
		ck_assert_int_eq(ratelimit_take(name, key, 3, 1, &st), 0);
		ck_assert_msg(st.allowed && st.counted, "take %d", i);
		ck_assert_int_eq(st.remaining, 3 - i);
	}
	ck_assert_int_eq(ratelimit_take(name, key, 3, 1, &st), 0);
	ck_assert(!st.allowed);
	ck_assert_int_ge(st.retry_after_s, 1);
	ck_assert_int_eq(ratelimit_peek(name, key, 3, &st), 0);
	ck_assert_int_eq(st.used, 3); /* the refusal was taken back */
	/* Another key and another name have their own budgets. */
	ck_assert_int_eq(ratelimit_take(name, "192.0.2.251", 3, 1, &st), 0);
	ck_assert(st.allowed);
	ck_assert_int_eq(ratelimit_take("test-other", key, 3, 3, &st), 0);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.remaining, 0);
	/* A charge is never refused; it counts, and what follows waits. */
	ck_assert_int_eq(ratelimit_charge(name, "192.0.2.252", 10, 25, &st), 0);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.used, 25);
	ck_assert_int_eq(ratelimit_take(name, "192.0.2.252", 10, 1, &st), 0);
	ck_assert(!st.allowed);
	/* A limit of 0 counts nothing. */
	ck_assert_int_eq(ratelimit_take(name, key, 0, 1, &st), 0);
	ck_assert(st.allowed);
	cache_close();
	config_release();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_test(tc, test_fixed_window_alone);
	tcase_add_test(tc, test_previous_window_weighs_in);
	tcase_add_test(tc, test_retry_after_is_exact);
	tcase_add_test(tc, test_cost_counts_units);
	tcase_add_test(tc, test_retry_after_is_exact_for_costs);
	tcase_add_test(tc, test_no_limit);
	tcase_add_test(tc, test_counting_in_memcached);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
