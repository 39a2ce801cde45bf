/* Unit tests for readiness: a slow answer or a timeout is slow, not down; errors, refusals and lasting timeouts are down; a verdict is reused; the outcome rule. */
#include <check.h>
#include <stdlib.h>

#include "core/readiness.h"
#include "suite.h"

static const struct readiness_rules rules = {
	.down_after = 3, .down_after_ms = 10000, .slow_ms = 500, .reuse_ms = 1000
};

START_TEST(test_late_answer_is_slow)
{
	struct readiness r;

	readiness_init(&r);
	ck_assert_int_eq(r.state, READINESS_UP);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_ANSWERED, 0, 5, NULL), READINESS_UP);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_ANSWERED, 1000, 501, NULL), READINESS_SLOW);
	ck_assert(readiness_serves(&r));
	ck_assert_int_eq(r.failures, 0);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_ANSWERED, 2000, 500, NULL), READINESS_UP);
	ck_assert_str_eq(readiness_state_name(READINESS_SLOW), "slow");
}
END_TEST

START_TEST(test_timeouts_are_slow_until_they_last)
{
	struct readiness r;

	readiness_init(&r);
	/* The first timed-out probe started at 0 (it ended at 2000, 2000 ms long). */
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 2000, 2000, "Timeout"), READINESS_SLOW);
	ck_assert_int_eq(r.failing_since_ms, 0);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 5000, 2000, "Timeout"), READINESS_SLOW);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 9999, 2000, "Timeout"), READINESS_SLOW);
	ck_assert_int_eq(r.failures, 3);
	ck_assert_int_eq(r.errors, 0);
	ck_assert(readiness_serves(&r));
	ck_assert_str_eq(r.error, "Timeout");
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 10000, 2000, NULL), READINESS_DOWN);
	ck_assert(!readiness_serves(&r));
	ck_assert_str_eq(r.error, "no answer");
	/* Only an answer brings it back, and clears the run. */
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 11000, 200, NULL), READINESS_DOWN);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_ANSWERED, 12000, 3, NULL), READINESS_UP);
	ck_assert_int_eq(r.failures, 0);
	ck_assert_int_eq(r.failing_since_ms, -1);
	ck_assert_str_eq(r.error, "");
	/* A new run starts from its own first failure. */
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 15000, 2000, NULL), READINESS_SLOW);
	ck_assert_int_eq(r.failing_since_ms, 13000);
}
END_TEST

START_TEST(test_errors_down_after_threshold)
{
	struct readiness r;

	readiness_init(&r);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_FAILED, 0, 3, "503 SlowDown"), READINESS_UP);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_TIMED_OUT, 2100, 2000, NULL), READINESS_SLOW);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_FAILED, 3000, 3, "503 SlowDown"), READINESS_SLOW);
	ck_assert_int_eq(r.errors, 2);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_FAILED, 4000, 3, "503 SlowDown"), READINESS_DOWN);
	ck_assert_str_eq(r.error, "503 SlowDown");
	ck_assert_int_eq(r.failures, 4);
}
END_TEST

START_TEST(test_refusal_is_down_at_once)
{
	struct readiness r;
	struct readiness_rules one = rules;

	readiness_init(&r);
	ck_assert_int_eq(readiness_record(&r, &rules, READINESS_REFUSED, 0, 1, "ConnectionRefused"), READINESS_DOWN);
	ck_assert_str_eq(r.error, "ConnectionRefused");
	ck_assert_str_eq(readiness_state_name(r.state), "down");
	/* down_after 1 (or less): any error answer is down. */
	one.down_after = 0;
	readiness_init(&r);
	ck_assert_int_eq(readiness_record(&r, &one, READINESS_FAILED, 0, 1, NULL), READINESS_DOWN);
	/* down_after_ms 0: a timeout is down at once too. */
	one.down_after_ms = 0;
	readiness_init(&r);
	ck_assert_int_eq(readiness_record(&r, &one, READINESS_TIMED_OUT, 2000, 2000, NULL), READINESS_DOWN);
}
END_TEST

START_TEST(test_verdict_reused)
{
	struct readiness r;
	struct readiness_rules none = rules;

	readiness_init(&r);
	ck_assert(readiness_due(&r, &rules, 0));
	readiness_record(&r, &rules, READINESS_ANSWERED, 5000, 3, NULL);
	ck_assert(!readiness_due(&r, &rules, 5000));
	ck_assert(!readiness_due(&r, &rules, 5999));
	ck_assert(readiness_due(&r, &rules, 6000));
	ck_assert(readiness_due(&r, &rules, 4000)); /* a clock that went back */
	none.reuse_ms = 0;
	ck_assert(readiness_due(&r, &none, 5000));
}
END_TEST

static const struct {
	bool answered, transient;
	int64_t elapsed_ms, timeout_ms;
	enum readiness_outcome want;
} outcomes[] = {
	{ true, false, 1900, 2000, READINESS_ANSWERED }, /* late but answering */
	{ true, true, 3000, 2000, READINESS_ANSWERED },
	{ false, false, 2000, 2000, READINESS_TIMED_OUT }, /* ran out of time */
	{ false, true, 1998, 2000, READINESS_TIMED_OUT },  /* within the slack */
	{ false, false, 2500, 2000, READINESS_TIMED_OUT },
	{ false, true, 3, 2000, READINESS_FAILED },   /* a quick 503 */
	{ false, false, 3, 2000, READINESS_REFUSED }, /* nobody listens */
};

START_TEST(test_outcome_of)
{
	ck_assert_int_eq(readiness_outcome_of(outcomes[_i].answered, outcomes[_i].transient, outcomes[_i].elapsed_ms,
					      outcomes[_i].timeout_ms),
			 outcomes[_i].want);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("readiness");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_late_answer_is_slow);
	tcase_add_test(tc, test_timeouts_are_slow_until_they_last);
	tcase_add_test(tc, test_errors_down_after_threshold);
	tcase_add_test(tc, test_refusal_is_down_at_once);
	tcase_add_test(tc, test_verdict_reused);
	tcase_add_loop_test(tc, test_outcome_of, 0, sizeof(outcomes) / sizeof(outcomes[0]));
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
