/* Unit tests for orphans: what an abort's answer means, and how far off the next try is. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/orphans.h"
#include "intake/s3.h"
#include "suite.h"

/* A source that returns the same value every time. */
static uint64_t constant(void *arg)
{
	return *(const uint64_t *)arg;
}

static const struct {
	int rc;
	long status;
	const char *code;
	enum orphans_outcome want;
} outcomes[] = {
	{ S3_OK, 204, "", ORPHANS_ABORTED },
	{ S3_NOT_FOUND, 404, "NoSuchUpload", ORPHANS_GONE },
	{ S3_NOT_FOUND, 404, "NotFound", ORPHANS_GONE },
	{ S3_ERROR, 405, "MethodNotAllowed", ORPHANS_UNSUPPORTED },	/* s3rver's answer to an abort */
	{ S3_UNAVAILABLE, 501, "NotImplemented", ORPHANS_UNSUPPORTED }, /* 501 is a 5xx, but retrying soon is useless */
	{ S3_UNAVAILABLE, 503, "SlowDown", ORPHANS_RETRY },
	{ S3_UNAVAILABLE, 0, "ConnectionRefused", ORPHANS_RETRY },
	{ S3_ERROR, 403, "AccessDenied", ORPHANS_RETRY },
	{ S3_INVALID, 0, "InvalidArgument", ORPHANS_RETRY },
};

START_TEST(test_outcome_of_abort_answers)
{
	struct s3_error err;

	memset(&err, 0, sizeof(err));
	err.status = outcomes[_i].status;
	snprintf(err.code, sizeof(err.code), "%s", outcomes[_i].code);
	ck_assert_int_eq(orphans_outcome_of(outcomes[_i].rc, &err), outcomes[_i].want);
}
END_TEST

START_TEST(test_retry_delay_grows_to_the_cap)
{
	const struct backoff policy = ORPHANS_BACKOFF;
	uint64_t low = 0;
	int attempt;
	int64_t last = 0;

	/* The lowest draw is the floor; the highest (span) is the ceiling, which doubles up to the cap. */
	ck_assert_int_eq(orphans_retry_delay_ms(ORPHANS_RETRY, 1, constant, &low), policy.min_ms);
	for (attempt = 1; attempt <= 20; attempt++) {
		uint64_t high = (uint64_t)(backoff_ceiling_ms(&policy, attempt) - policy.min_ms);
		int64_t d = orphans_retry_delay_ms(ORPHANS_RETRY, attempt, constant, &high);

		ck_assert_int_eq(d, backoff_ceiling_ms(&policy, attempt));
		ck_assert_int_ge(d, last);
		ck_assert_int_le(d, policy.cap_ms);
		last = d;
	}
	ck_assert_int_eq(last, policy.cap_ms);
	ck_assert_int_eq(backoff_ceiling_ms(&policy, 2), 2 * policy.base_ms);
}
END_TEST

START_TEST(test_unsupported_waits_near_the_cap)
{
	const struct backoff policy = ORPHANS_BACKOFF;
	uint64_t low = 0, high = (uint64_t)(policy.cap_ms - policy.cap_ms / 2);

	/* From the first attempt on, between half the cap and the cap (jittered, so drainers do not line up). */
	ck_assert_int_eq(orphans_retry_delay_ms(ORPHANS_UNSUPPORTED, 1, constant, &low), policy.cap_ms / 2);
	ck_assert_int_eq(orphans_retry_delay_ms(ORPHANS_UNSUPPORTED, 1, constant, &high), policy.cap_ms);
	ck_assert_int_eq(orphans_retry_delay_ms(ORPHANS_UNSUPPORTED, 50, constant, &high), policy.cap_ms);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("orphans");
	TCase *tc = tcase_create("orphans");

	tcase_add_loop_test(tc, test_outcome_of_abort_answers, 0, (int)(sizeof(outcomes) / sizeof(outcomes[0])));
	tcase_add_test(tc, test_retry_delay_grows_to_the_cap);
	tcase_add_test(tc, test_unsupported_waits_near_the_cap);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
