/* Unit tests for opsreport: the hours parameter of the operations report (default, bounds, what is refused). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "account/opsreport.h"
#include "base/util.h"
#include "suite.h"

struct hours_case {
	const char *in;
	int want; /* 0: refused */
};

static const struct hours_case hours_cases[] = {
	{ NULL, OPSREPORT_HOURS_DEFAULT },
	{ "", OPSREPORT_HOURS_DEFAULT },
	{ "1", 1 },
	{ "24", 24 },
	{ "336", OPSREPORT_HOURS_MAX },
	{ "0", 0 },
	{ "-1", 0 },
	{ "337", 0 },
	{ "99999999999999999999", 0 },
	{ "24x", 0 },
	{ " 24", 0 },
	{ "abc", 0 },
	{ "2.5", 0 },
};

START_TEST(test_hours_table)
{
	const struct hours_case *c = &hours_cases[_i];
	char err[128] = "";
	int hours = -7;
	int rc = opsreport_hours_parse(c->in, &hours, err, sizeof(err));

	if (c->want) {
		ck_assert_int_eq(rc, 0);
		ck_assert_int_eq(hours, c->want);
		ck_assert_str_eq(err, "");
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(hours, -7); /* untouched */
		ck_assert_ptr_nonnull(strstr(err, "hours: must be an integer from 1 to 336"));
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("opsreport");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_hours_table, 0, (int)ARRAY_SIZE(hours_cases));
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
