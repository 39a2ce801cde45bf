/* Unit tests for loginlimit: the exact sliding 15 minutes, at a clock-aligned boundary too, and memcached's ring. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "account/loginlimit.h"
#include "core/cache.h"
#include "core/config.h"
#include "suite.h"

#define W (LOGINLIMIT_WINDOW_SECONDS * 1000LL)

START_TEST(test_decide)
{
	int64_t retry = -1;

	/* Fewer failures than the limit, or an empty slot: not blocked. */
	ck_assert(!loginlimit_decide(10, 9, 0, 0, 1000, &retry));
	ck_assert(!loginlimit_decide(10, 10, 0, 0, 1000, &retry));
	/* The 10th most recent failure 1 s ago: blocked for 899 s more. */
	ck_assert(loginlimit_decide(10, 10, 1, 5000, 6000, &retry));
	ck_assert_int_eq(retry, 899);
	/* Rounded up: 1 ms left is 1 s. */
	ck_assert(loginlimit_decide(10, 10, 1, 5000, 5000 + W - 1, &retry));
	ck_assert_int_eq(retry, 1);
	ck_assert(!loginlimit_decide(10, 10, 1, 5000, 5000 + W, &retry));
	/* A slot holding an older failure (or one from a lost sequence) is no evidence. */
	ck_assert(!loginlimit_decide(10, 25, 6, 5000, 6000, &retry));
	ck_assert(!loginlimit_decide(10, 25, 40, 5000, 6000, &retry));
	/* A racing sign-in already wrote a later failure there: still max within the window. */
	ck_assert(loginlimit_decide(10, 25, 17, 5000, 6000, &retry));
	ck_assert(!loginlimit_decide(0, 25, 17, 5000, 6000, &retry));
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
	setenv("SHORTLIST_LOGIN_MAX_FAILURES", "10", 1);
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

/*
 * Ten failures just before a quarter hour, then the quarter hour: clock-aligned
 * windows would start counting again at 0 there (about 20 guesses around a
 * boundary); the sliding window refuses until 15 minutes after the first.
 */
START_TEST(test_boundary)
{
	int64_t boundary = (int64_t)1800000000 * 1000 / W * W + W, t0 = boundary - 2000, retry = 0;
	int64_t times[128];
	char email[64];
	int i, n = 0;

	if (!memcached_ready())
		return;
	snprintf(email, sizeof(email), "Boundary-%d@Example.com", (int)getpid());
	for (i = 0; i < 10; i++) {
		ck_assert(!loginlimit_blocked_at(email, t0 + i * 100, &retry));
		loginlimit_failed_at(email, t0 + i * 100);
		times[n++] = t0 + i * 100;
	}
	ck_assert(loginlimit_blocked_at(email, t0 + 1000, &retry));
	ck_assert_int_eq(retry, 899);
	/* Past the quarter hour: still 10 failures in the last 15 minutes. */
	ck_assert(loginlimit_blocked_at(email, boundary + 1, &retry));
	ck_assert_int_eq(retry, (t0 + W - boundary - 1 + 999) / 1000);
	/* Any case of the address counts as the same one. */
	snprintf(email, sizeof(email), "boundary-%d@example.com", (int)getpid());
	ck_assert(loginlimit_blocked_at(email, boundary + 1000, &retry));
	/* The first failure leaves the window: one more try, then refused again. */
	ck_assert(loginlimit_blocked_at(email, t0 + W - 1, &retry));
	ck_assert_int_eq(retry, 1);
	ck_assert(!loginlimit_blocked_at(email, t0 + W, &retry));
	loginlimit_failed_at(email, t0 + W);
	ck_assert(loginlimit_blocked_at(email, t0 + W + 1, &retry));
	ck_assert_int_eq(retry, 1); /* until the second (t0 + 100) leaves */
	/* An hour of steady guessing: at most 10 failures in any 15 minutes, and not fewer than that allows. */
	times[n++] = t0 + W;
	for (int64_t t = t0 + W + 1; t < t0 + 5 * W; t += 7000) {
		if (!loginlimit_blocked_at(email, t, &retry)) {
			loginlimit_failed_at(email, t);
			times[n++] = t;
		}
	}
	for (i = 0; i < n; i++) {
		int in_window = 0;

		for (int j = i; j < n && times[j] < times[i] + W; j++)
			in_window++;
		ck_assert_int_le(in_window, 10);
	}
	ck_assert_int_ge(n, 4 * 10 - 4);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loginlimit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_decide);
	tcase_add_test(tc, test_boundary);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
