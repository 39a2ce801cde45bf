/* Unit tests for batchapi_answer: a batched answer checked as a synchronous one, priced at the batch price. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "llm/llm.h"
#include "llm/llm_batch.h"
#include "queue/batchapi.h"
#include "queue/batchapi_answer.h"
#include "score/analysis.h"
#include "score/job.h"
#include "suite.h"

static const char job_json[] =
	"{\"title\":\"Backend Engineer\",\"description\":\"Build APIs in Go and Python, run PostgreSQL on Kubernetes "
	"and AWS.\",\"required_skills\":[\"Go\",\"PostgreSQL\"],"
	"\"rubric\":{\"criteria\":[{\"name\":\"Backend skills\",\"weight\":2,\"keywords\":[\"Go\",\"Python\","
	"\"PostgreSQL\"]},{\"name\":\"Operations\",\"weight\":1,\"keywords\":[\"Kubernetes\",\"AWS\"]}]}}";

static const char text[] = "Go and Python services for ten years.\nRan PostgreSQL clusters on Kubernetes in AWS.\n";

static struct job *test_job(void)
{
	struct job *job = NULL;
	char err[200];

	ck_assert_msg(job_parse(job_json, strlen(job_json), &job, err, sizeof(err)) == 0, "%s", err);
	return job;
}

/* A chat completion whose content is the JSON string content (already escaped for a JSON string). */
static char *completion(const char *content)
{
	struct buf b = BUF_INIT(0);

	buf_printf(&b,
		   "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
		   "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"%s\",\"refusal\":null},"
		   "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":200,"
		   "\"total_tokens\":1200}}",
		   content);
	return buf_detach(&b, NULL);
}

static const char good[] =
	"{\\\"criteria\\\":[{\\\"name\\\":\\\"Backend skills\\\",\\\"score\\\":9,\\\"evidence\\\":[{\\\"quote\\\":"
	"\\\"Go and Python services\\\"}],\\\"strengths\\\":[],\\\"gaps\\\":[]},{\\\"name\\\":\\\"Operations\\\","
	"\\\"score\\\":7,\\\"evidence\\\":[{\\\"quote\\\":\\\"Kubernetes in AWS\\\"}],\\\"strengths\\\":[],"
	"\\\"gaps\\\":[]}],\\\"summary\\\":\\\"ok\\\",\\\"matched_skills\\\":[\\\"Go\\\"],\\\"missing_skills\\\":[]}";

START_TEST(test_good_answer_is_analysed_at_the_batch_price)
{
	struct job *job = test_job();
	struct batchapi_item it = { 1, BATCHAPI_ANSWERED, 200, completion(good), 1 };
	struct llm_reply reply;
	char err[600] = "";
	struct analysis *a = batchapi_answer(&it, job, text, strlen(text), &reply, err, sizeof(err));

	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_uint_eq(a->ncriteria, 2);
	ck_assert(a->criteria[0].evidence[0].verified);
	ck_assert_int_eq(reply.usage.prompt_tokens, 1000);
	ck_assert_int_eq(reply.usage.cost_microusd, llm_openai_cost_microusd("gpt-4o-mini", 1000, 0, 200) / 2);
	ck_assert_int_gt(reply.usage.cost_microusd, 0);
	analysis_free(a);
	llm_reply_release(&reply);
	batchapi_item_release(&it);
	job_free(job);
}
END_TEST

START_TEST(test_unusable_answers_give_no_analysis)
{
	struct job *job = test_job();
	struct llm_reply reply;
	char err[600];
	struct batchapi_item none = { 1, BATCHAPI_ANSWERED, 200, NULL, 1 };
	struct batchapi_item failed = {
		2, BATCHAPI_ANSWERED, 500,
		xstrdup("{\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}"), 1
	};
	struct batchapi_item bad = { 3, BATCHAPI_ANSWERED, 200, completion("{\\\"criteria\\\":7}"), 1 };
	struct batchapi_item invented = { 4, BATCHAPI_ANSWERED, 200, completion("not json at all"), 1 };

	ck_assert_ptr_null(batchapi_answer(&none, job, text, strlen(text), &reply, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no answer"));
	llm_reply_release(&reply);
	ck_assert_ptr_null(batchapi_answer(&failed, job, text, strlen(text), &reply, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not usable") && strstr(err, "500"), "%s", err);
	llm_reply_release(&reply);
	ck_assert_ptr_null(batchapi_answer(&bad, job, text, strlen(text), &reply, err, sizeof(err)));
	ck_assert_msg(strstr(err, "failed its checks") != NULL, "%s", err);
	llm_reply_release(&reply);
	ck_assert_ptr_null(batchapi_answer(&invented, job, text, strlen(text), &reply, err, sizeof(err)));
	llm_reply_release(&reply);
	batchapi_item_release(&failed);
	batchapi_item_release(&bad);
	batchapi_item_release(&invented);
	job_free(job);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("batchapi_answer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_good_answer_is_analysed_at_the_batch_price);
	tcase_add_test(tc, test_unusable_answers_give_no_analysis);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
