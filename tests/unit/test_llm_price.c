/* Unit tests for llm_price and llm_estimate: the price table and its configured entries, and estimates from sizes. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "llm/llm_estimate.h"
#include "llm/llm_models.h"
#include "llm/llm_price.h"
#include "score/job.h"
#include "suite.h"

static const struct {
	const char *text;
	bool file;
	int n;		     /* entries after parsing into an empty table, -1: refused */
	const char *err_has; /* a piece of the message when refused */
} specs[] = {
	{ "acme=1/0.5/2", false, 1, NULL },
	{ "acme=1/0.5/2, other=0/0/0", false, 2, NULL },
	{ "acme=1/0.5/2 acme=3/1/4", false, 1, NULL }, /* the same model twice: the last wins */
	{ "", false, 0, NULL },
	{ "acme=1/0.5", false, -1, "acme=1/0.5" },
	{ "acme=1/0.5/x", false, -1, "MODEL=INPUT/CACHED/OUTPUT" },
	{ "acme=-1/0/0", false, -1, "acme=-1/0/0" },
	{ "acme=1/0/200000", false, -1, "0 to 100000" },
	{ "=1/1/1", false, -1, "model name" },
	{ "acme", false, -1, "acme" },
	{ "# comment\n\nacme 1 0.5 2\nother 0 0 0\n", true, 2, NULL },
	{ "acme 1 0.5\n", true, -1, "line 1" },
	{ "ok 1 1 1\nbad one two three\n", true, -1, "line 2" },
	{ "acme 1 0.5 2 9\n", true, -1, "line 1" },
};

START_TEST(test_parse)
{
	struct llm_price t[8];
	char err[300] = "";
	int n = llm_price_parse(t, 0, 8, specs[_i].text, specs[_i].file, err, sizeof(err));

	ck_assert_msg(n == specs[_i].n, "'%s': %d entries, expected %d (%s)", specs[_i].text, n, specs[_i].n, err);
	if (specs[_i].err_has)
		ck_assert_msg(strstr(err, specs[_i].err_has), "'%s': message '%s'", specs[_i].text, err);
}
END_TEST

START_TEST(test_parse_replaces_and_bounds)
{
	struct llm_price t[2] = { { "gpt-4o", 2.5, 1.25, 10 } };
	char err[300];
	int n = llm_price_parse(t, 1, 2, "gpt-4o=1/0.5/4", false, err, sizeof(err));

	ck_assert_int_eq(n, 1);
	ck_assert(t[0].input == 1 && t[0].cached == 0.5 && t[0].output == 4);
	ck_assert_int_eq(llm_price_parse(t, 1, 2, "a=1/1/1 b=1/1/1", false, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 2 entries"));
}
END_TEST

static void load_config(const char *prices)
{
	char err[300];

	if (prices)
		setenv("SHORTLIST_LLM_PRICES", prices, 1);
	else
		unsetenv("SHORTLIST_LLM_PRICES");
	unsetenv("SHORTLIST_LLM_PRICES_FILE");
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "%s", err);
}

START_TEST(test_lookup_and_unknown)
{
	const struct llm_price *p;
	char why[300] = "";

	load_config("acme-llm=1/0.5/2,gpt-4o=3/1/12");
	p = llm_price_of("gpt-4o-mini-2024-07-18", NULL, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->prefix, "gpt-4o-mini");
	/* A configured entry replaces the built-in one. */
	p = llm_price_of("gpt-4o-2024-08-06", NULL, 0);
	ck_assert(p && p->input == 3);
	ck_assert_ptr_nonnull(llm_price_of("openai/acme-llm-v2", NULL, 0));
	ck_assert_ptr_null(llm_price_of("llama-3.1-8b", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "'llama-3.1-8b' is not in the price table"));
	ck_assert_ptr_null(llm_price_of(NULL, why, sizeof(why)));
	ck_assert_ptr_null(llm_price_of("", NULL, 0));
	/* 1M prompt tokens of which 200k cached, and 100k out, at 1/0.5/2 USD per 1M. */
	p = llm_price_of("acme-llm", NULL, 0);
	ck_assert_int_eq(llm_price_microusd(p, 1000000, 200000, 100000), 800000 + 100000 + 200000);
	ck_assert_int_eq(llm_price_microusd(NULL, 1000, 0, 1000), 0);
}
END_TEST

START_TEST(test_estimate)
{
	struct job *job = NULL;
	struct llm_estimate e, u, l;
	char err[300];
	size_t jb;
	int64_t out, ceiling;
	cJSON *o;

	load_config(NULL);
	o = cJSON_Parse("{\"title\":\"Engineer\",\"description\":\"C and PostgreSQL.\","
			"\"required_skills\":[\"C\",\"PostgreSQL\"]}");
	ck_assert_msg(job_from_json(o, &job, err, sizeof(err)) == 0, "%s", err);
	cJSON_Delete(o);
	jb = llm_estimate_job_bytes(job);
	ck_assert_int_gt((int64_t)jb, 500);
	out = llm_model_output_budget("gpt-4o-mini", job_rubric(job)->ncriteria);

	llm_estimate_init(&e, "gpt-4o-mini", false);
	llm_estimate_add(&e, job, jb, 10, 10 * 4000);
	ck_assert(e.priced);
	ck_assert_int_eq(e.resumes, 10);
	ck_assert_int_eq(e.prompt_tokens, ((int64_t)jb * 10 + 40000 + 3) / 4);
	ck_assert_int_eq(e.completion_tokens, 10 * out);
	ck_assert_int_eq(e.microusd, llm_price_microusd(llm_price_of("gpt-4o-mini", NULL, 0), e.prompt_tokens, 0,
							e.completion_tokens));
	ck_assert_int_gt(e.max_microusd, e.microusd);
	/* One call's ceiling: a token per byte and the whole output budget. */
	ceiling = llm_estimate_call_ceiling("gpt-4o-mini", job, jb, 4000);
	ck_assert_int_eq(ceiling, llm_price_microusd(llm_price_of("gpt-4o-mini", NULL, 0), (int64_t)jb + 4000, 0, out));
	ck_assert_int_eq(llm_estimate_call_ceiling("acme-unpriced", job, jb, 4000), -1);
	ck_assert_int_eq(llm_estimate_clamp(-3), 0);
	ck_assert_int_eq(llm_estimate_clamp(10000000), 96 * 1024);

	/* With earlier calls known, completion is their average, and the ceiling still the output budget. */
	{
		struct llm_estimate s2;

		llm_estimate_init(&s2, "gpt-4o-mini", false);
		s2.seen_completion = 300;
		s2.seen_calls = 7;
		llm_estimate_add(&s2, job, jb, 10, 10 * 4000);
		ck_assert_int_eq(s2.completion_tokens, 3000);
		ck_assert_int_eq(s2.max_microusd, e.max_microusd);
		ck_assert_int_lt(s2.microusd, e.microusd);
		o = llm_estimate_json(&s2);
		ck_assert_str_eq(cJSON_GetObjectItem(o, "completion_basis")->valuestring, "earlier_calls");
		ck_assert_int_eq((int)cJSON_GetObjectItem(o, "earlier_calls")->valuedouble, 7);
		cJSON_Delete(o);
	}

	llm_estimate_init(&u, "acme-unpriced", false);
	llm_estimate_add(&u, job, jb, 3, 300);
	ck_assert(!u.priced);
	ck_assert_int_gt(u.prompt_tokens, 0);
	o = llm_estimate_json(&u);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "usd")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "max_usd")));
	ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(o, "reason")->valuestring, "not in the price table"));
	cJSON_Delete(o);

	llm_estimate_init(&l, "gpt-4o", true);
	llm_estimate_add(&l, job, jb, 5, 5000);
	ck_assert(l.priced);
	ck_assert_str_eq(l.model, "local");
	ck_assert_int_eq(l.microusd, 0);
	ck_assert_int_eq(l.resumes, 5);
	job_free(job);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("llm_price");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, (int)(sizeof(specs) / sizeof(specs[0])));
	tcase_add_test(tc, test_parse_replaces_and_bounds);
	tcase_add_test(tc, test_lookup_and_unknown);
	tcase_add_test(tc, test_estimate);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
