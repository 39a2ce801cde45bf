/* Unit tests for decision_from_json: what a recruiter's decision must say. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "score/decision.h"
#include "suite.h"

/* A request body; error is a part of the expected message, NULL when it is accepted. */
static const struct {
	const char *body;
	const char *error;
} rows[] = {
	{ "{\"category\":\"shortlist\",\"reason\":\"strong PostgreSQL work\"}", NULL },
	{ "{\"category\":\"consider\",\"reason\":\"x\"}", NULL },
	{ "{\"category\":\"reject\",\"reason\":\"no C at all\"}", NULL },
	{ "{\"category\":\"needs_review\",\"reason\":\"dates do not add up\"}", NULL },
	{ "{\"reason\":\"x\",\"category\":\"shortlist\"}", NULL },
	/* a person never says a resume failed: that is for files that could not be read */
	{ "{\"category\":\"failed\",\"reason\":\"x\"}", "category:" },
	{ "{\"category\":\"Shortlist\",\"reason\":\"x\"}", "category:" },
	{ "{\"category\":3,\"reason\":\"x\"}", "category:" },
	{ "{\"reason\":\"x\"}", "category:" },
	/* the reason is required, not blank, at most 500 characters */
	{ "{\"category\":\"shortlist\"}", "reason:" },
	{ "{\"category\":\"shortlist\",\"reason\":null}", "reason:" },
	{ "{\"category\":\"shortlist\",\"reason\":\"\"}", "reason:" },
	{ "{\"category\":\"shortlist\",\"reason\":\" \\t\\n \"}", "reason:" },
	{ "{\"category\":\"shortlist\",\"reason\":7}", "reason:" },
	/* nothing else may ride along */
	{ "{\"category\":\"shortlist\",\"reason\":\"x\",\"score\":99}", "score: unknown member" },
	{ "[]", "JSON object" },
	{ "\"shortlist\"", "JSON object" },
};

START_TEST(test_from_json_table)
{
	struct decision_input in = { 0 };
	cJSON *body = cJSON_Parse(rows[_i].body);
	char err[256] = "";
	int rc;

	ck_assert_msg(body != NULL, "row %d: the test's JSON does not parse", _i);
	rc = decision_from_json(body, &in, err, sizeof(err));
	if (!rows[_i].error) {
		ck_assert_msg(rc == 0, "row %d: refused: %s", _i, err);
		ck_assert_str_eq(in.category, cJSON_GetObjectItem(body, "category")->valuestring);
		ck_assert_str_eq(in.reason, cJSON_GetObjectItem(body, "reason")->valuestring);
	} else {
		ck_assert_msg(rc == -1, "row %d: accepted, expected '%s'", _i, rows[_i].error);
		ck_assert_msg(strstr(err, rows[_i].error) != NULL, "row %d: '%s' does not say '%s'", _i, err,
			      rows[_i].error);
	}
	cJSON_Delete(body);
}
END_TEST

/* A body whose reason is n copies of the UTF-8 character ch; caller frees. */
static cJSON *reason_of(const char *ch, int n)
{
	size_t len = strlen(ch);
	char *s = malloc(len * (size_t)n + 1);
	cJSON *o = cJSON_CreateObject();
	int i;

	for (i = 0; i < n; i++)
		memcpy(s + len * (size_t)i, ch, len);
	s[len * (size_t)n] = '\0';
	cJSON_AddStringToObject(o, "category", "consider");
	cJSON_AddStringToObject(o, "reason", s);
	free(s);
	return o;
}

/* The limit counts characters, not bytes: 500 two-byte characters pass, 501 one-byte ones do not. */
START_TEST(test_reason_length_in_characters)
{
	struct decision_input in;
	char err[256];
	cJSON *ok_ascii = reason_of("a", DECISION_REASON_MAX), *ok_wide = reason_of("é", DECISION_REASON_MAX);
	cJSON *long_ascii = reason_of("a", DECISION_REASON_MAX + 1),
	      *long_wide = reason_of("é", DECISION_REASON_MAX + 1);

	ck_assert_int_eq(decision_from_json(ok_ascii, &in, err, sizeof(err)), 0);
	ck_assert_int_eq(decision_from_json(ok_wide, &in, err, sizeof(err)), 0);
	ck_assert_int_eq(decision_from_json(long_ascii, &in, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "501 characters") != NULL, "%s", err);
	ck_assert_int_eq(decision_from_json(long_wide, &in, err, sizeof(err)), -1);
	cJSON_Delete(ok_ascii);
	cJSON_Delete(ok_wide);
	cJSON_Delete(long_ascii);
	cJSON_Delete(long_wide);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("decision");
	TCase *tc = tcase_create("decision");
	int failed;

	tcase_add_loop_test(tc, test_from_json_table, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_test(tc, test_reason_length_in_characters);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
