/* Unit tests for readiness: a slow dependency stays up, an outage goes down, a verdict is reused, and the outcome rule. */
#include <check.h>
#include <stdlib.h>

#include "core/readiness.h"
#include "suite.h"

START_TEST(test_failures_below_threshold_stay_up)
{
	struct readiness r;

	readiness_init(&r, 3, 1000);
	ck_assert(r.up);
	ck_assert(readiness_record(&r, READINESS_ANSWERED, 0, 5, NULL));
	ck_assert(readiness_record(&r, READINESS_FAILED, 1000, 2000, "Timeout"));
	ck_assert(readiness_record(&r, READINESS_FAILED, 2000, 2000, "Timeout"));
	ck_assert_int_eq(r.failures, 2);
	ck_assert_str_eq(r.error, "Timeout");
	/* An answer, however slow, clears them. */
	ck_assert(readiness_record(&r, READINESS_ANSWERED, 3000, 1900, NULL));
	ck_assert_int_eq(r.failures, 0);
	ck_assert_str_eq(r.error, "");
	ck_assert(readiness_record(&r, READINESS_FAILED, 4000, 2000, NULL));
	ck_assert(readiness_record(&r, READINESS_FAILED, 5000, 2000, NULL));
	ck_assert(!readiness_record(&r, READINESS_FAILED, 6000, 2000, NULL));
	ck_assert_int_eq(r.failures, 3);
	ck_assert_str_eq(r.error, "no answer");
	ck_assert(readiness_record(&r, READINESS_ANSWERED, 7000, 1, NULL));
}
END_TEST

START_TEST(test_refusal_is_down_at_once)
{
	struct readiness r;

	readiness_init(&r, 3, 1000);
	ck_assert(!readiness_record(&r, READINESS_REFUSED, 0, 1, "ConnectionRefused"));
	ck_assert(!r.up);
	ck_assert_str_eq(r.error, "ConnectionRefused");
	/* down_after 1: any failure is down. */
	readiness_init(&r, 1, 0);
	ck_assert(!readiness_record(&r, READINESS_FAILED, 0, 1, NULL));
	readiness_init(&r, 0, 0);
	ck_assert_int_eq(r.down_after, 1);
}
END_TEST

START_TEST(test_verdict_reused)
{
	struct readiness r;

	readiness_init(&r, 3, 1000);
	ck_assert(readiness_due(&r, 0));
	readiness_record(&r, READINESS_ANSWERED, 5000, 3, NULL);
	ck_assert(!readiness_due(&r, 5000));
	ck_assert(!readiness_due(&r, 5999));
	ck_assert(readiness_due(&r, 6000));
	ck_assert(readiness_due(&r, 4000)); /* a clock that went back */
	readiness_init(&r, 3, 0);
	readiness_record(&r, READINESS_ANSWERED, 5000, 3, NULL);
	ck_assert(readiness_due(&r, 5000));
}
END_TEST

static const struct {
	bool answered, transient;
	int64_t elapsed_ms, timeout_ms;
	enum readiness_outcome want;
} outcomes[] = {
	{ true, false, 1900, 2000, READINESS_ANSWERED }, /* slow but answering */
	{ true, true, 3000, 2000, READINESS_ANSWERED },
	{ false, false, 2000, 2000, READINESS_FAILED }, /* ran out of time */
	{ false, false, 2500, 2000, READINESS_FAILED },
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

	tcase_add_test(tc, test_failures_below_threshold_stay_up);
	tcase_add_test(tc, test_refusal_is_down_at_once);
	tcase_add_test(tc, test_verdict_reused);
	tcase_add_loop_test(tc, test_outcome_of, 0, sizeof(outcomes) / sizeof(outcomes[0]));
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
