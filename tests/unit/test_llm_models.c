/* Unit tests for llm_models: which parameters each model family gets, and the output budgets. */
#include <check.h>
#include <stdlib.h>

#include "base/json.h"
#include "llm/llm_models.h"
#include "suite.h"

static const struct {
	const char *model;
	bool reasoning, bounds;
} families[] = {
	{ "gpt-4o-mini", false, true },
	{ "gpt-4o-2024-08-06", false, true },
	{ "gpt-4.1-nano", false, true },
	{ "gpt-3.5-turbo", false, true },
	{ "o1", true, true },
	{ "o1-mini", true, true },
	{ "o3", true, true },
	{ "o3-mini-2025-01-31", true, true },
	{ "o4-mini", true, true },
	{ "gpt-5", true, true },
	{ "gpt-5-mini", true, true },
	{ "gpt-5-nano-2025-08-07", true, true },
	{ "openai/o3", true, true },
	{ "ft:gpt-4o-mini-2024-07-18:acme::abc123", false, false },
	{ "llama-3.1-8b-instruct", false, true },
	{ "omni-moderation-latest", false, true },
	{ "", false, true },
};

START_TEST(test_families)
{
	struct llm_model_caps caps;
	cJSON *req = cJSON_CreateObject();

	llm_model_caps_of(families[_i].model, &caps);
	ck_assert_msg(caps.reasoning == families[_i].reasoning, "%s: reasoning", families[_i].model);
	ck_assert_msg(caps.temperature == !families[_i].reasoning, "%s: temperature", families[_i].model);
	ck_assert_msg(caps.seed == !families[_i].reasoning, "%s: seed", families[_i].model);
	ck_assert_msg(caps.schema_bounds == families[_i].bounds, "%s: schema bounds", families[_i].model);
	llm_model_add_sampling(req, families[_i].model, 42);
	ck_assert(!!cJSON_GetObjectItemCaseSensitive(req, "temperature") == !families[_i].reasoning);
	ck_assert(!!cJSON_GetObjectItemCaseSensitive(req, "seed") == !families[_i].reasoning);
	if (!families[_i].reasoning) {
		ck_assert_int_eq(json_int(req, "temperature", -1), 0);
		ck_assert_int_eq(json_int(req, "seed", -1), 42);
	}
	cJSON_Delete(req);
}
END_TEST

START_TEST(test_null_model_is_a_chat_model)
{
	struct llm_model_caps caps;

	llm_model_caps_of(NULL, &caps);
	ck_assert(!caps.reasoning);
	ck_assert(caps.temperature);
}
END_TEST

/* The budget grows with the criteria, has a floor, room for reasoning, and a ceiling per family. */
START_TEST(test_output_budget)
{
	int64_t few = llm_model_output_budget("gpt-4o-mini", 1), fifty = llm_model_output_budget("gpt-4o-mini", 50);

	ck_assert_int_eq(few, LLM_MODEL_OUTPUT_MIN);
	ck_assert_int_eq(llm_model_output_budget("gpt-4o-mini", 10),
			 LLM_MODEL_OUTPUT_BASE + 10 * LLM_MODEL_OUTPUT_PER_CRITERION);
	/* 50 criteria: more than the 4,096 a fixed budget gave, which such a job ran out of. */
	ck_assert_int_gt(fifty, 4096);
	ck_assert_int_eq(fifty, LLM_MODEL_OUTPUT_BASE + 50 * LLM_MODEL_OUTPUT_PER_CRITERION);
	ck_assert_int_eq(llm_model_output_budget("o4-mini", 10),
			 LLM_MODEL_OUTPUT_BASE + 10 * LLM_MODEL_OUTPUT_PER_CRITERION + LLM_MODEL_REASONING_ALLOWANCE);
	ck_assert_int_eq(llm_model_output_budget("gpt-4o-mini", 100000), 16384);
	ck_assert_int_eq(llm_model_output_budget("o3", 100000), 65536);
}
END_TEST

START_TEST(test_retry_budget)
{
	ck_assert_int_eq(llm_model_retry_budget("gpt-4o-mini", 2000), 4000);
	ck_assert_int_eq(llm_model_retry_budget("gpt-4o-mini", 10000), 16384);
	ck_assert_int_eq(llm_model_retry_budget("gpt-4o-mini", 16384), 16384);
	ck_assert_int_eq(llm_model_retry_budget("o3", 20000), 40000);
	ck_assert_int_eq(llm_model_retry_budget("gpt-4o-mini", 0), 2 * LLM_MODEL_OUTPUT_MIN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("llm_models");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_families, 0, (int)(sizeof(families) / sizeof(families[0])));
	tcase_add_test(tc, test_null_model_is_a_chat_model);
	tcase_add_test(tc, test_output_budget);
	tcase_add_test(tc, test_retry_budget);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
