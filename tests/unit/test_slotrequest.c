/* Unit tests for slotrequest: what a file asked an upload URL for must say, and the reason when it does not. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "intake/slotrequest.h"
#include "suite.h"

#define MAX_BYTES 1000

/* reason NULL: accepted. filename: what the answer names (NULL: none). */
static const struct {
	const char *json;
	const char *reason;
	const char *filename;
	const char *content_type;
	long long size;
} rows[] = {
	{ "{\"filename\":\"cv.pdf\"}", NULL, "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"content_type\":\"application/pdf\",\"size\":1000}", NULL, "cv.pdf",
	  "application/pdf", 1000 },
	{ "{\"filename\":\"../../etc/cv.pdf\",\"content_type\":null,\"size\":null}", NULL, "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.txt\",\"content_type\":\"text/plain; charset=utf-8\",\"size\":1}", NULL, "cv.txt",
	  "text/plain; charset=utf-8", 1 },
	{ "\"cv.pdf\"", "entry is not an object", NULL, NULL, -1 },
	{ "{}", "filename is required", NULL, NULL, -1 },
	{ "{\"filename\":\"\"}", "filename is required", "unnamed", NULL, -1 },
	{ "{\"filename\":7}", "filename is required", NULL, NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"content_type\":\"pdf\"}", "not a media type", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"content_type\":\"/pdf\"}", "not a media type", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"content_type\":\"a/\\u0001\"}", "not a media type", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"content_type\":5}", "not a media type", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"size\":1.5}", "whole number", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"size\":-1}", "whole number", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"size\":\"10\"}", "whole number", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"size\":0}", "empty file", "cv.pdf", NULL, -1 },
	{ "{\"filename\":\"cv.pdf\",\"size\":1001}", "larger than the limit of 1000 bytes", "cv.pdf", NULL, -1 },
};

START_TEST(test_parse_table)
{
	cJSON *f = cJSON_Parse(rows[_i].json);
	struct slotrequest s;
	char why[200] = "";
	int rc;

	ck_assert_ptr_nonnull(f);
	rc = slotrequest_parse(f, MAX_BYTES, &s, why, sizeof(why));
	if (rows[_i].reason) {
		ck_assert_int_eq(rc, -1);
		ck_assert_msg(strstr(why, rows[_i].reason) != NULL, "row %d: '%s'", _i, why);
	} else {
		ck_assert_msg(rc == 0, "row %d: refused: %s", _i, why);
	}
	if (rows[_i].filename)
		ck_assert_str_eq(s.filename, rows[_i].filename);
	else
		ck_assert_ptr_null(s.filename);
	if (rows[_i].content_type)
		ck_assert_str_eq(s.content_type, rows[_i].content_type);
	else
		ck_assert_ptr_null(s.content_type);
	ck_assert_int_eq(s.size, rows[_i].size);
	slotrequest_release(&s);
	ck_assert_ptr_null(s.filename);
	cJSON_Delete(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slotrequest");
	TCase *tc = tcase_create("slotrequest");
	int failed;

	tcase_add_loop_test(tc, test_parse_table, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
