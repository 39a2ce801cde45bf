/* Unit tests for outage: retry times follow the backoff, reports come once per interval, recovery resets. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/outage.h"
#include "suite.h"

/* A source that always draws the top of the range. */
static uint64_t top(void *arg)
{
	(void)arg;
	return UINT64_MAX;
}

START_TEST(test_up_until_a_failure)
{
	struct outage o;
	struct backoff p = OUTAGE_DB_POLICY;

	outage_init(&o, &p, 10000);
	ck_assert(outage_due(&o, 0));
	ck_assert_int_eq(outage_wait_ms(&o, 0), 0);
	ck_assert_int_eq(outage_ok(&o), 0);
}
END_TEST

START_TEST(test_first_failure_is_reported_then_quiet_until_the_interval)
{
	struct outage o;
	struct backoff p = { 250, 250, 3000 };
	int64_t now = 1000000;
	int quiet = 0, reports = 0, i;

	outage_init(&o, &p, 10000);
	ck_assert_int_eq(outage_fail(&o, now, top, NULL), OUTAGE_STARTED);
	/* One attempt every 100 ms for 25 s: reports at 10 s and 20 s only. */
	for (i = 1; i <= 250; i++) {
		enum outage_event ev = outage_fail(&o, now + i * 100, top, NULL);

		ck_assert_int_ne(ev, OUTAGE_STARTED);
		if (ev == OUTAGE_REPORT)
			reports++;
		else
			quiet++;
	}
	ck_assert_int_eq(reports, 2);
	ck_assert_int_eq(quiet, 248);
	ck_assert_int_eq(o.failures, 251);
	ck_assert_int_eq(o.since_ms, now);
}
END_TEST

START_TEST(test_retries_back_off_to_the_cap)
{
	struct outage o;
	struct backoff p = { 250, 250, 3000 };
	const int64_t ceilings[] = { 250, 500, 1000, 2000, 3000, 3000, 3000 };
	int64_t now = 0;
	size_t i;

	outage_init(&o, &p, 10000);
	for (i = 0; i < sizeof(ceilings) / sizeof(ceilings[0]); i++) {
		int64_t wait;

		outage_fail(&o, now, NULL, NULL);
		wait = outage_wait_ms(&o, now);
		ck_assert_msg(wait >= 250 && wait <= ceilings[i], "failure %zu: wait %lld, expected 250..%lld", i + 1,
			      (long long)wait, (long long)ceilings[i]);
		ck_assert(!outage_due(&o, now + wait - 1));
		ck_assert(outage_due(&o, now + wait));
		now += wait;
	}
}
END_TEST

START_TEST(test_jitter_stays_within_the_policy)
{
	struct outage o;
	struct backoff p = { 250, 250, 3000 };
	int i;

	outage_init(&o, &p, 10000);
	for (i = 0; i < 200; i++) {
		int64_t w;

		outage_fail(&o, 5000, NULL, NULL);
		w = outage_wait_ms(&o, 5000);
		ck_assert_int_ge(w, 250);
		ck_assert_int_le(w, 3000);
	}
}
END_TEST

START_TEST(test_recovery_counts_and_resets)
{
	struct outage o;
	struct backoff p = { 250, 250, 3000 };

	outage_init(&o, &p, 10000);
	outage_fail(&o, 100, top, NULL);
	outage_fail(&o, 400, top, NULL);
	outage_fail(&o, 900, top, NULL);
	ck_assert_int_eq(outage_ok(&o), 3);
	ck_assert_int_eq(o.since_ms, 100);
	ck_assert(outage_due(&o, 901));
	ck_assert_int_eq(outage_ok(&o), 0);
	/* A new outage is reported again, and starts from the first delay (250 ms: no span to draw from). */
	ck_assert_int_eq(outage_fail(&o, 2000, top, NULL), OUTAGE_STARTED);
	ck_assert_int_eq(outage_wait_ms(&o, 2000), 250);
	ck_assert_int_eq(o.since_ms, 2000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outage");
	TCase *tc = tcase_create("outage");
	int failed;

	tcase_add_test(tc, test_up_until_a_failure);
	tcase_add_test(tc, test_first_failure_is_reported_then_quiet_until_the_interval);
	tcase_add_test(tc, test_retries_back_off_to_the_cap);
	tcase_add_test(tc, test_jitter_stays_within_the_policy);
	tcase_add_test(tc, test_recovery_counts_and_resets);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
