/* Unit tests for status: every code's HTTP status and the exit code a command-line program gives for it. */
#include <check.h>
#include <stdlib.h>
#include <sysexits.h>

#include "base/status.h"
#include "suite.h"

static const struct {
	int code, http, exit_code;
} cases[] = {
	{ ST_OK, 200, EX_OK },
	{ ST_BAD_REQUEST, 400, EX_DATAERR },
	{ ST_UNAUTHORIZED, 401, EX_NOPERM },
	{ ST_FORBIDDEN, 403, EX_NOPERM },
	{ ST_NOT_FOUND, 404, EX_DATAERR },
	{ ST_METHOD_NOT_ALLOWED, 405, EX_SOFTWARE },
	{ ST_CONFLICT, 409, EX_DATAERR },
	{ ST_TIMEOUT, 408, EX_TEMPFAIL },
	{ ST_GONE, 410, EX_DATAERR },
	{ ST_TOO_LARGE, 413, EX_DATAERR },
	{ ST_UNSUPPORTED_MEDIA, 415, EX_DATAERR },
	{ ST_UNPROCESSABLE, 422, EX_DATAERR },
	{ ST_TOO_MANY_REQUESTS, 429, EX_TEMPFAIL },
	{ ST_UNAVAILABLE, 503, EX_UNAVAILABLE },
	{ ST_INTERNAL, 500, EX_SOFTWARE },
	{ -99, 500, EX_SOFTWARE }, /* unknown */
	{ 7, 500, EX_SOFTWARE },   /* not a status code at all */
};

START_TEST(test_code_table)
{
	ck_assert_int_eq(status_http(cases[_i].code), cases[_i].http);
	ck_assert_int_eq(status_exit_code(cases[_i].code), cases[_i].exit_code);
	ck_assert_ptr_nonnull(status_title(cases[_i].code));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("status");
	TCase *tc = tcase_create("status");

	tcase_add_loop_test(tc, test_code_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
