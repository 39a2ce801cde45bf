/* Unit tests for ratelimit: token buckets on an injected clock, AIMD transitions and rate-limit header parsing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "llm/llm_budget.h"
#include "suite.h"

START_TEST(test_bucket_starts_full_and_refills)
{
	struct llm_budget_bucket b;
	int i;

	llm_budget_bucket_init(&b, 60, 1000); /* one a second */
	for (i = 0; i < 60; i++)
		ck_assert_int_eq(llm_budget_bucket_take(&b, 1, 1000), 0);
	/* Empty: the next unit is a second away, and nothing was taken. */
	ck_assert_int_eq(llm_budget_bucket_take(&b, 1, 1000), 1000);
	ck_assert_int_eq(llm_budget_bucket_take(&b, 1, 1500), 500);
	ck_assert_int_eq(llm_budget_bucket_take(&b, 1, 2000), 0);
	ck_assert_int_eq(llm_budget_bucket_take(&b, 1, 2000), 1000);
	/* A long idle time refills up to the capacity, not beyond. */
	ck_assert_int_eq(llm_budget_bucket_wait(&b, 60, 1000000), 0);
	ck_assert_int_eq(llm_budget_bucket_wait(&b, 61, 1000000), 0); /* clamped to capacity */
	ck_assert(b.level <= 60.0 + 1e-9);
}
END_TEST

START_TEST(test_bucket_tokens_and_oversized)
{
	struct llm_budget_bucket b;

	llm_budget_bucket_init(&b, 6000, 0); /* 100 tokens a second */
	ck_assert_int_eq(llm_budget_bucket_take(&b, 5000, 0), 0);
	ck_assert_int_eq(llm_budget_bucket_take(&b, 1500, 0), 5000);
	ck_assert_int_eq(llm_budget_bucket_take(&b, 1500, 5000), 0);
	/* Larger than the capacity: waits for a full bucket, then goes through once. */
	ck_assert_int_gt(llm_budget_bucket_take(&b, 10000, 5000), 0);
	ck_assert_int_eq(llm_budget_bucket_take(&b, 10000, 5000 + 60000), 0);
	ck_assert(b.level < 0);
	ck_assert_int_gt(llm_budget_bucket_take(&b, 1, 5000 + 60000), 0);
}
END_TEST

START_TEST(test_bucket_off)
{
	struct llm_budget_bucket b;
	int i;

	llm_budget_bucket_init(&b, 0, 0);
	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(llm_budget_bucket_take(&b, 1e6, 0), 0);
}
END_TEST

START_TEST(test_aimd_halves_pauses_and_grows)
{
	struct llm_budget_aimd a;
	int i;

	llm_budget_aimd_init(&a, 16);
	ck_assert_int_eq(a.cap, 16);
	ck_assert(llm_budget_aimd_may_send(&a, 15, 0));
	ck_assert(!llm_budget_aimd_may_send(&a, 16, 0));
	/* A success at the maximum changes nothing. */
	ck_assert(!llm_budget_aimd_success(&a));
	ck_assert_int_eq(a.cap, 16);

	ck_assert(llm_budget_aimd_limited(&a, 100, 2000, 1000));
	ck_assert_int_eq(a.cap, 8);
	ck_assert(!llm_budget_aimd_may_send(&a, 0, 2999));
	ck_assert(llm_budget_aimd_may_send(&a, 7, 3000));
	ck_assert(!llm_budget_aimd_may_send(&a, 8, 3000));
	/* More 429s of the same burst (sent before the decrease) do not halve again, but extend the pause. */
	ck_assert(!llm_budget_aimd_limited(&a, 900, 5000, 1001));
	ck_assert_int_eq(a.cap, 8);
	ck_assert(!llm_budget_aimd_may_send(&a, 0, 5000));
	/* A request sent after the decrease does. */
	ck_assert(llm_budget_aimd_limited(&a, 1500, 10, 1600));
	ck_assert_int_eq(a.cap, 4);
	ck_assert(llm_budget_aimd_limited(&a, 1700, 10, 1800));
	ck_assert(llm_budget_aimd_limited(&a, 1900, 10, 2000));
	ck_assert_int_eq(a.cap, 1);
	ck_assert(!llm_budget_aimd_limited(&a, 2100, 10, 2200));
	ck_assert_int_eq(a.cap, 1);
	ck_assert_int_eq(a.min_seen, 1);

	/* Additive increase: cap successes in a row grow it by one. */
	ck_assert(llm_budget_aimd_success(&a));
	ck_assert_int_eq(a.cap, 2);
	ck_assert(!llm_budget_aimd_success(&a));
	ck_assert(llm_budget_aimd_success(&a));
	ck_assert_int_eq(a.cap, 3);
	/* A 429 resets the run of successes. */
	ck_assert(!llm_budget_aimd_success(&a));
	ck_assert(!llm_budget_aimd_success(&a));
	llm_budget_aimd_limited(&a, 0, 10, 3000); /* old request: no halving, but the run restarts */
	ck_assert_int_eq(a.cap, 3);
	ck_assert(!llm_budget_aimd_success(&a));
	ck_assert(!llm_budget_aimd_success(&a));
	ck_assert(llm_budget_aimd_success(&a));
	ck_assert_int_eq(a.cap, 4);
	for (i = 0; i < 1000; i++)
		llm_budget_aimd_success(&a);
	ck_assert_int_eq(a.cap, 16);
}
END_TEST

START_TEST(test_aimd_pause_bounded)
{
	struct llm_budget_aimd a;

	llm_budget_aimd_init(&a, 0);
	ck_assert_int_eq(a.cap, 1);
	llm_budget_aimd_pause(&a, (int64_t)1 << 40, 0);
	/* A bogus header cannot stop sending for more than 15 minutes. */
	ck_assert(llm_budget_aimd_may_send(&a, 0, 15 * 60 * 1000));
	llm_budget_aimd_pause(&a, 100, 20 * 60 * 1000);
	llm_budget_aimd_pause(&a, 10, 20 * 60 * 1000); /* a shorter pause never shortens a longer one */
	ck_assert(!llm_budget_aimd_may_send(&a, 0, 20 * 60 * 1000 + 50));
}
END_TEST

static int64_t dur(const char *s)
{
	int64_t ms = -42;

	if (llm_budget_parse_duration(s, strlen(s), &ms) < 0)
		return -1;
	return ms;
}

START_TEST(test_duration_formats)
{
	ck_assert_int_eq(dur("1s"), 1000);
	ck_assert_int_eq(dur("6m0s"), 360000);
	ck_assert_int_eq(dur("20ms"), 20);
	ck_assert_int_eq(dur("1.5s"), 1500);
	ck_assert_int_eq(dur("8.64s"), 8640);
	ck_assert_int_eq(dur("1h2m3s"), 3723000);
	ck_assert_int_eq(dur("2m"), 120000);
	ck_assert_int_eq(dur("0s"), 0);
	ck_assert_int_eq(dur("0.0001s"), 1); /* rounded up: never wait less than asked */
	ck_assert_int_eq(dur("2"), 2000);
	ck_assert_int_eq(dur(" 1s\r\n"), 1000);
	ck_assert_int_eq(dur(""), -1);
	ck_assert_int_eq(dur("s"), -1);
	ck_assert_int_eq(dur("1x"), -1);
	ck_assert_int_eq(dur("-1s"), -1);
	ck_assert_int_eq(dur("1s2"), -1);
	ck_assert_int_eq(dur("1.s"), 1000);
	ck_assert_int_eq(dur("."), -1);
	ck_assert_int_eq(dur("99999999999999999999s"), -1);
}
END_TEST

static void feed(struct llm_budget_headers *h, const char *line)
{
	llm_budget_headers_line(h, line, strlen(line));
}

START_TEST(test_headers_parse)
{
	struct llm_budget_headers h;

	llm_budget_headers_init(&h);
	ck_assert_int_eq(llm_budget_headers_line(&h, "Content-Type: application/json\r\n", 32), 0);
	feed(&h, "x-ratelimit-limit-requests: 60\r\n");
	feed(&h, "X-RateLimit-Remaining-Requests: 0\r\n");
	feed(&h, "x-ratelimit-reset-requests: 59.7s\r\n");
	feed(&h, "x-ratelimit-limit-tokens: 150000\r\n");
	feed(&h, "x-ratelimit-remaining-tokens: 149000\r\n");
	feed(&h, "x-ratelimit-reset-tokens: 400ms\r\n");
	ck_assert_int_eq(h.limit_requests, 60);
	ck_assert_int_eq(h.remaining_requests, 0);
	ck_assert_int_eq(h.reset_requests_ms, 59700);
	ck_assert_int_eq(h.limit_tokens, 150000);
	ck_assert_int_eq(h.remaining_tokens, 149000);
	ck_assert_int_eq(h.reset_tokens_ms, 400);
	ck_assert_int_eq(h.retry_after_ms, -1);
	/* Unparsable values are ignored, not read as 0. */
	ck_assert_int_eq(llm_budget_headers_line(&h, "retry-after: soon\r\n", 19), 0);
	ck_assert_int_eq(h.retry_after_s_ms, -1);
	feed(&h, "retry-after: Wed, 21 Oct 2015 07:28:00 GMT\r\n");
	ck_assert_int_eq(h.retry_after_s_ms, -1);
	ck_assert_int_eq(llm_budget_headers_line(&h, "no colon here", 13), 0);
	ck_assert_int_eq(llm_budget_headers_line(&h, "retry-after-msx: 5\r\n", 20), 0);
}
END_TEST

START_TEST(test_headers_delay_precedence)
{
	struct llm_budget_headers h;

	/* Nothing said: no wait, unless it was a 429 (default). */
	llm_budget_headers_init(&h);
	ck_assert_int_eq(llm_budget_headers_delay(&h, false, 1000), 0);
	ck_assert_int_eq(llm_budget_headers_delay(&h, true, 1000), 1000);

	/* remaining 0: the time until one request is back, reset / limit. */
	feed(&h, "x-ratelimit-limit-requests: 60\r\n");
	feed(&h, "x-ratelimit-remaining-requests: 0\r\n");
	feed(&h, "x-ratelimit-reset-requests: 6m0s\r\n");
	ck_assert_int_eq(llm_budget_headers_delay(&h, false, 1000), 6000);
	/* Without the limit, the whole reset. */
	h.limit_requests = -1;
	ck_assert_int_eq(llm_budget_headers_delay(&h, false, 1000), 360000);
	/* Remaining above 0: no wait. */
	h.remaining_requests = 3;
	ck_assert_int_eq(llm_budget_headers_delay(&h, false, 1000), 0);
	/* Tokens spent: the whole token reset. */
	feed(&h, "x-ratelimit-remaining-tokens: 0\r\n");
	feed(&h, "x-ratelimit-reset-tokens: 1.5s\r\n");
	ck_assert_int_eq(llm_budget_headers_delay(&h, false, 1000), 1500);

	/* retry-after beats the x-ratelimit hints, retry-after-ms beats retry-after. */
	feed(&h, "retry-after: 2\r\n");
	ck_assert_int_eq(llm_budget_headers_delay(&h, true, 1000), 2000);
	feed(&h, "retry-after-ms: 20\r\n");
	ck_assert_int_eq(llm_budget_headers_delay(&h, true, 1000), 20);
	ck_assert_int_eq(llm_budget_headers_delay(&h, false, 1000), 20);

	/* A 429 with retry-after-ms 0 still waits a little; absurd values are capped. */
	llm_budget_headers_init(&h);
	feed(&h, "retry-after-ms: 0\r\n");
	ck_assert_int_eq(llm_budget_headers_delay(&h, true, 1000), 1);
	feed(&h, "retry-after-ms: 999999999999\r\n");
	ck_assert_int_eq(llm_budget_headers_delay(&h, true, 1000), 15 * 60 * 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_test(tc, test_bucket_starts_full_and_refills);
	tcase_add_test(tc, test_bucket_tokens_and_oversized);
	tcase_add_test(tc, test_bucket_off);
	tcase_add_test(tc, test_aimd_halves_pauses_and_grows);
	tcase_add_test(tc, test_aimd_pause_bounded);
	tcase_add_test(tc, test_duration_formats);
	tcase_add_test(tc, test_headers_parse);
	tcase_add_test(tc, test_headers_delay_precedence);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
