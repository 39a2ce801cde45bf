/* Unit tests for llm_batch: the batch price, final statuses, and the client's refusals before and without a provider. */
#include <check.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "llm/llm.h"
#include "llm/llm_batch.h"
#include "suite.h"

START_TEST(test_batch_price_is_half)
{
	int64_t full = llm_openai_cost_microusd("gpt-4o-mini", 1000000, 0, 1000000);

	ck_assert_int_gt(full, 0);
	ck_assert_int_eq(llm_batch_cost_microusd("gpt-4o-mini", 1000000, 0, 1000000), full / 2);
	ck_assert_int_eq(llm_batch_cost_microusd("self-hosted-llama", 1000, 0, 1000), 0);
}
END_TEST

START_TEST(test_final_statuses)
{
	static const char *const final[] = { "completed", "failed", "expired", "cancelled" };
	static const char *const moving[] = {
		"validating", "in_progress", "finalizing", "cancelling", "", "COMPLETED"
	};
	size_t i;

	for (i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		ck_assert_msg(llm_batch_status_final(final[i]), "%s", final[i]);
	for (i = 0; i < sizeof(moving) / sizeof(moving[0]); i++)
		ck_assert_msg(!llm_batch_status_final(moving[i]), "%s", moving[i]);
	ck_assert(!llm_batch_status_final(NULL));
}
END_TEST

START_TEST(test_bad_ids_are_refused_without_a_call)
{
	/* Port 9 on loopback: nothing listens, so a call that went out would be ST_UNAVAILABLE, not ST_BAD_REQUEST. */
	struct llm_batch_api *a = llm_batch_api_new("http://127.0.0.1:9/v1/", "k", 2000);
	struct llm_batch_info info;
	struct buf out = BUF_INIT(1024);
	char err[256] = "";

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(llm_batch_get(a, "../files", &info, err, sizeof(err)), ST_BAD_REQUEST);
	ck_assert_int_eq(llm_batch_cancel(a, "", &info, err, sizeof(err)), ST_BAD_REQUEST);
	ck_assert_int_eq(llm_batch_download(a, "file-1?x=1", &out, err, sizeof(err)), ST_BAD_REQUEST);
	ck_assert_int_eq(llm_batch_get(a, "batch_abc", &info, err, sizeof(err)), ST_UNAVAILABLE);
	ck_assert_msg(strstr(err, "unreachable") != NULL, "%s", err);
	buf_release(&out);
	llm_batch_api_free(a);
	llm_batch_api_free(NULL);
	ck_assert_ptr_null(llm_batch_api_new(NULL, "k", 1000));
}
END_TEST

START_TEST(test_oversized_file_is_refused)
{
	struct llm_batch_api *a = llm_batch_api_new("http://127.0.0.1:9/v1", "k", 2000);
	char *id = (char *)"x", err[256] = "";

	ck_assert_int_eq(llm_batch_upload(a, "in.jsonl", "", (size_t)LLM_BATCH_FILE_MAX + 1, &id, err, sizeof(err)),
			 ST_BAD_REQUEST);
	ck_assert_ptr_null(id);
	ck_assert_msg(strstr(err, "over") != NULL, "%s", err);
	llm_batch_api_free(a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("llm_batch");
	TCase *tc = tcase_create("core");

	curl_global_init(CURL_GLOBAL_DEFAULT);
	tcase_add_test(tc, test_batch_price_is_half);
	tcase_add_test(tc, test_final_statuses);
	tcase_add_test(tc, test_bad_ids_are_refused_without_a_call);
	tcase_add_test(tc, test_oversized_file_is_refused);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
