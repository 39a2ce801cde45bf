/* Unit tests for the privacy module's pure parts: the reason of an erasure or hold, and the audit trail's CSV rows. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "base/buf.h"
#include "privacy/erase.h"
#include "privacy/export.h"
#include "suite.h"

static int reason_of(const char *json, const char **reason, char *err, size_t errlen)
{
	static cJSON *body;

	cJSON_Delete(body);
	body = cJSON_Parse(json);
	return privacy_reason_from_json(body, reason, err, errlen);
}

START_TEST(test_reason_accepted)
{
	const char *r = NULL;
	char err[200] = "";

	ck_assert_int_eq(reason_of("{\"reason\":\"the candidate asked\"}", &r, err, sizeof(err)), 0);
	ck_assert_str_eq(r, "the candidate asked");
}
END_TEST

static const struct {
	const char *body;
	const char *names;
} bad_reasons[] = {
	{ "{}", "reason: required" },
	{ "{\"reason\":\"\"}", "reason: must not be empty" },
	{ "{\"reason\":\" \\t\\n \"}", "reason: must not be empty" },
	{ "{\"reason\":7}", "reason: must be a string" },
	{ "{\"reason\":\"x\",\"why\":\"y\"}", "why: unknown member" },
	{ "[]", "the body must be a JSON object" },
};

START_TEST(test_reason_refused)
{
	const char *r = NULL;
	char err[200] = "";

	ck_assert_int_eq(reason_of(bad_reasons[_i].body, &r, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_reasons[_i].names) != NULL, "'%s' does not name '%s'", err,
		      bad_reasons[_i].names);
}
END_TEST

START_TEST(test_reason_too_long)
{
	char json[PRIVACY_REASON_MAX + 40], err[200] = "";
	const char *r = NULL;

	memcpy(json, "{\"reason\":\"", 11);
	memset(json + 11, 'a', PRIVACY_REASON_MAX + 1);
	memcpy(json + 11 + PRIVACY_REASON_MAX + 1, "\"}", 3);
	ck_assert_int_eq(reason_of(json, &r, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than 500"));
	json[11 + PRIVACY_REASON_MAX] = '"';
	json[11 + PRIVACY_REASON_MAX + 1] = '}';
	json[11 + PRIVACY_REASON_MAX + 2] = '\0';
	ck_assert_int_eq(reason_of(json, &r, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_csv_quotes_what_needs_it)
{
	struct buf out = BUF_INIT(1 << 16);
	cJSON *items = cJSON_Parse(
		"[{\"id\":12,\"created_at\":\"2026-12-03T00:00:00Z\",\"action\":\"decision.set\","
		"\"actor\":{\"user_id\":3,\"user_email\":\"a@example.com\",\"key_id\":null,\"system\":null},"
		"\"job_id\":4,\"resume_id\":5,\"email_ids\":[7,8],\"request_id\":\"r1\","
		"\"details\":{\"reason\":\"said \\\"yes\\\", then\\nno\"},\"redacted_at\":null}]");

	ck_assert_int_eq(export_audit_csv(items, &out), 0);
	ck_assert_int_eq(buf_append_char(&out, '\0'), 0);
	ck_assert_str_eq(out.ptr, "12,2026-12-03T00:00:00Z,decision.set,3,a@example.com,,,4,5,\"[7,8]\",r1,"
				  "\"{\"\"reason\"\":\"\"said \\\"\"yes\\\"\", then\\nno\"\"}\",\r\n");
	ck_assert_int_eq((int)strlen(export_audit_csv_header) > 0, 1);
	ck_assert_int_eq(export_audit_csv_header[strlen(export_audit_csv_header) - 1], '\n');
	cJSON_Delete(items);
	buf_release(&out);
}
END_TEST

START_TEST(test_erase_report_json_has_every_count)
{
	struct erase_report rep = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1 };
	cJSON *o = erase_report_json(&rep);
	char *text = cJSON_PrintUnformatted(o);

	ck_assert_str_eq(text,
			 "{\"candidates\":1,\"analyses\":2,\"emails\":3,\"decisions\":4,\"tasks\":5,\"upload_slots\":6,"
			 "\"email_suppressions\":7,\"s3_objects\":8,\"cache_entries\":9,\"audit_events_redacted\":10,"
			 "\"job_erased\":true}");
	free(text);
	cJSON_Delete(o);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("privacy");
	TCase *tc = tcase_create("privacy");
	int failed;

	tcase_add_test(tc, test_reason_accepted);
	tcase_add_loop_test(tc, test_reason_refused, 0, (int)(sizeof(bad_reasons) / sizeof(bad_reasons[0])));
	tcase_add_test(tc, test_reason_too_long);
	tcase_add_test(tc, test_csv_quotes_what_needs_it);
	tcase_add_test(tc, test_erase_report_json_has_every_count);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
