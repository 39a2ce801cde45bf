/* Unit tests for what candidates and admins send the compliance routes: demographic answers, review requests and notice tokens. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "mail/notice.h"
#include "score/demographics.h"
#include "suite.h"

/* A body; error is a part of the expected message, NULL when it is accepted. */
static const struct {
	const char *body;
	const char *error;
} demo_rows[] = {
	{ "{\"sex\":\"female\",\"race_ethnicity\":\"asian\"}", NULL },
	{ "{\"sex\":null,\"race_ethnicity\":null}", NULL },
	{ "{\"race_ethnicity\":\"two_or_more_races\",\"sex\":\"male\"}", NULL },
	{ "{\"sex\":\"Female\",\"race_ethnicity\":null}", "sex: must be null (not reported) or one of male, female" },
	{ "{\"sex\":\"other\",\"race_ethnicity\":null}", "sex:" },
	{ "{\"sex\":1,\"race_ethnicity\":null}", "sex:" },
	{ "{\"sex\":null,\"race_ethnicity\":\"caucasian\"}", "race_ethnicity: must be null" },
	{ "{\"sex\":null}", "both are required" },
	{ "{}", "both are required" },
	{ "{\"sex\":null,\"race_ethnicity\":null,\"age\":30}", "age: unknown member" },
	{ "[]", "must be an object" },
};

START_TEST(test_demographics_table)
{
	struct demographics_input in;
	cJSON *body = cJSON_Parse(demo_rows[_i].body);
	char err[400] = "";
	int rc;

	ck_assert_msg(body != NULL, "row %d: the test's JSON does not parse", _i);
	rc = demographics_from_json(body, &in, err, sizeof(err));
	if (!demo_rows[_i].error) {
		ck_assert_msg(rc == 0, "row %d: refused: %s", _i, err);
		ck_assert(in.sex == NULL || demographics_index(demographics_sexes, DEMOGRAPHICS_SEXES, in.sex) >= 0);
		ck_assert(in.race_ethnicity == NULL ||
			  demographics_index(demographics_races, DEMOGRAPHICS_RACES, in.race_ethnicity) >= 0);
	} else {
		ck_assert_msg(rc == -1, "row %d: accepted, expected '%s'", _i, demo_rows[_i].error);
		ck_assert_msg(strstr(err, demo_rows[_i].error) != NULL, "row %d: '%s' does not say '%s'", _i, err,
			      demo_rows[_i].error);
	}
	cJSON_Delete(body);
}
END_TEST

static const struct {
	const char *body;
	const char *error;
} request_rows[] = {
	{ "{\"kind\":\"human_review\"}", NULL },
	{ "{\"kind\":\"alternative_process\",\"message\":\"I need more time for tests\"}", NULL },
	{ "{\"kind\":\"human_review\",\"message\":null}", NULL },
	{ "{\"kind\":\"robot\"}", "kind:" },
	{ "{\"message\":\"hello\"}", "kind:" },
	{ "{\"kind\":\"human_review\",\"message\":5}", "message: must be a string" },
	{ "{\"kind\":\"human_review\",\"score\":5}", "score: unknown member" },
	{ "\"human_review\"", "body:" },
};

START_TEST(test_request_table)
{
	struct notice_request in;
	cJSON *body = cJSON_Parse(request_rows[_i].body);
	char err[256] = "";
	int rc;

	ck_assert_msg(body != NULL, "row %d: the test's JSON does not parse", _i);
	rc = notice_request_from_json(body, &in, err, sizeof(err));
	if (!request_rows[_i].error) {
		ck_assert_msg(rc == 0, "row %d: refused: %s", _i, err);
		ck_assert_ptr_nonnull(in.message);
	} else {
		ck_assert_msg(rc == -1, "row %d: accepted, expected '%s'", _i, request_rows[_i].error);
		ck_assert_msg(strstr(err, request_rows[_i].error) != NULL, "row %d: '%s' does not say '%s'", _i, err,
			      request_rows[_i].error);
	}
	cJSON_Delete(body);
}
END_TEST

START_TEST(test_message_limit)
{
	char *text = malloc(NOTICE_MESSAGE_MAX + 64);
	struct notice_request in;
	char err[256];
	cJSON *body;

	memset(text, 'x', NOTICE_MESSAGE_MAX);
	text[NOTICE_MESSAGE_MAX] = '\0';
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "kind", "human_review");
	cJSON_AddStringToObject(body, "message", text);
	ck_assert_int_eq(notice_request_from_json(body, &in, err, sizeof(err)), 0);
	cJSON_Delete(body);
	text[NOTICE_MESSAGE_MAX] = 'x';
	text[NOTICE_MESSAGE_MAX + 1] = '\0';
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "kind", "human_review");
	cJSON_AddStringToObject(body, "message", text);
	ck_assert_int_eq(notice_request_from_json(body, &in, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "at most 1000 bytes") != NULL, "%s", err);
	cJSON_Delete(body);
	free(text);
}
END_TEST

/* A token names its resume and is refused when any part of it changes, or without a secret. */
START_TEST(test_token)
{
	char token[NOTICE_TOKEN_MAX], other[NOTICE_TOKEN_MAX], err[256];
	int64_t id = 0;
	char *dash;

	/* Only the environment this test sets: no configuration file, an empty secret. */
	unsetenv("SHORTLIST_CONFIG");
	setenv("SHORTLIST_MAIL_EVENT_SECRET", "", 1);
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(notice_token(42, token), -1);
	setenv("SHORTLIST_MAIL_EVENT_SECRET", "unit-test-secret-of-some-length", 1);
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(notice_token(42, token), 0);
	ck_assert_int_eq(notice_token_check(token, &id), 0);
	ck_assert_int_eq(id, 42);
	ck_assert_int_eq(notice_token(43, other), 0);
	ck_assert_str_ne(token, other);
	/* Another resume's id with this signature. */
	dash = strchr(token, '-');
	ck_assert_ptr_nonnull(dash);
	snprintf(other, sizeof(other), "43%s", dash);
	ck_assert_int_eq(notice_token_check(other, &id), -1);
	ck_assert_int_eq(id, 0);
	/* One digit of the signature changed. */
	snprintf(other, sizeof(other), "%s", token);
	other[strlen(other) - 1] = other[strlen(other) - 1] == '0' ? '1' : '0';
	ck_assert_int_eq(notice_token_check(other, &id), -1);
	/* Shorter, longer, no id, no dash, nothing. */
	snprintf(other, sizeof(other), "%.*s", (int)strlen(token) - 1, token);
	ck_assert_int_eq(notice_token_check(other, &id), -1);
	snprintf(other, sizeof(other), "%sa", token);
	ck_assert_int_eq(notice_token_check(other, &id), -1);
	ck_assert_int_eq(notice_token_check(dash, &id), -1);
	ck_assert_int_eq(notice_token_check("42", &id), -1);
	ck_assert_int_eq(notice_token_check("", &id), -1);
	ck_assert_int_eq(notice_token_check(NULL, &id), -1);
	/* Another secret signs differently. */
	setenv("SHORTLIST_MAIL_EVENT_SECRET", "another-secret-entirely", 1);
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(notice_token_check(token, &id), -1);
	config_release();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("compliance_input");
	TCase *tc = tcase_create("compliance_input");

	tcase_add_loop_test(tc, test_demographics_table, 0, (int)(sizeof(demo_rows) / sizeof(demo_rows[0])));
	tcase_add_loop_test(tc, test_request_table, 0, (int)(sizeof(request_rows) / sizeof(request_rows[0])));
	tcase_add_test(tc, test_message_limit);
	tcase_add_test(tc, test_token);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
