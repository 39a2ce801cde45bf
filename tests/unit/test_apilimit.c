/* Unit tests for apilimit's arithmetic: the sliding-minute estimate, remaining requests and an exact Retry-After. */
#include <check.h>
#include <stdlib.h>

#include "account/apilimit.h"
#include "suite.h"

#define W (APILIMIT_WINDOW_SECONDS * 1000LL)

/* Whether one more request fits delay_ms after the moment described (counts without that request). */
static bool fits_after(int64_t limit, uint64_t previous, uint64_t current_before, int64_t elapsed_ms, int64_t delay_ms)
{
	struct apilimit_state st;
	int64_t at = elapsed_ms + delay_ms;

	if (at < W)
		apilimit_decide(limit, previous, current_before + 1, at, &st);
	else if (at < 2 * W)
		apilimit_decide(limit, current_before, 1, at - W, &st);
	else
		apilimit_decide(limit, 0, 1, at % W, &st);
	return st.allowed;
}

START_TEST(test_fixed_window_alone)
{
	struct apilimit_state st;

	apilimit_decide(10, 0, 1, 0, &st);
	ck_assert(st.allowed && st.counted);
	ck_assert_int_eq(st.remaining, 9);
	ck_assert_int_eq(st.reset_s, 60);
	apilimit_decide(10, 0, 10, 59500, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.remaining, 0);
	ck_assert_int_eq(st.reset_s, 1);
	apilimit_decide(10, 0, 11, 59500, &st);
	ck_assert(!st.allowed);
	ck_assert_int_eq(st.remaining, 0);
	/* Half a second to the next window, then the 10 requests weigh 9.x: 60/10 s more. */
	ck_assert_int_eq(st.retry_after_s, 7);
}
END_TEST

START_TEST(test_previous_window_weighs_in)
{
	struct apilimit_state st;

	/* 20 last minute, a quarter into this one: 15 still count. */
	apilimit_decide(20, 20, 5, 15000, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.used, 20);
	ck_assert_int_eq(st.remaining, 0);
	apilimit_decide(20, 20, 6, 15000, &st);
	ck_assert(!st.allowed);
	/* previous * (60 - 15 - t) / 60 <= 20 - 5 - 1 = 14: t >= 3 s. */
	ck_assert_int_eq(st.retry_after_s, 3);
	/* Late in the window the previous one hardly counts. */
	apilimit_decide(20, 20, 5, 57000, &st);
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
					struct apilimit_state st;

					apilimit_decide(limit, prev, cur, e, &st);
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

START_TEST(test_no_limit)
{
	struct apilimit_state st;

	apilimit_decide(0, 5000, 5000, 1000, &st);
	ck_assert(st.allowed);
	ck_assert_int_eq(st.retry_after_s, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("apilimit");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_test(tc, test_fixed_window_alone);
	tcase_add_test(tc, test_previous_window_weighs_in);
	tcase_add_test(tc, test_retry_after_is_exact);
	tcase_add_test(tc, test_no_limit);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
