/* Unit tests for util's hex digit values and the fail() error-buffer helper. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "suite.h"

static const struct {
	int c;
	int value;
} digits[] = {
	{ '0', 0 },  { '9', 9 },  { 'a', 10 }, { 'f', 15 }, { 'A', 10 }, { 'F', 15 }, { 'g', -1 },  { 'G', -1 },
	{ '/', -1 }, { ':', -1 }, { '@', -1 }, { '`', -1 }, { ' ', -1 }, { 0, -1 },   { 0xff, -1 }, { -1, -1 },
};

START_TEST(test_hex_digit_value_table)
{
	ck_assert_int_eq(hex_digit_value(digits[_i].c), digits[_i].value);
}
END_TEST

START_TEST(test_fail_writes_the_message_and_returns_minus_one)
{
	char err[32] = "";

	ck_assert_int_eq((fail)(err, sizeof(err), "name: %s %d", "must be", 7), -1);
	ck_assert_str_eq(err, "name: must be 7");
}
END_TEST

START_TEST(test_fail_truncates_to_the_buffer)
{
	char err[6];

	memset(err, 'x', sizeof(err));
	ck_assert_int_eq((fail)(err, sizeof(err), "%s", "a long message"), -1);
	ck_assert_str_eq(err, "a lon");
}
END_TEST

START_TEST(test_fail_accepts_no_buffer)
{
	char err[4] = "abc";

	ck_assert_int_eq((fail)(NULL, 10, "%s", "ignored"), -1);
	ck_assert_int_eq((fail)(err, 0, "%s", "ignored"), -1);
	ck_assert_str_eq(err, "abc");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("util");
	int failed;

	tcase_add_loop_test(tc, test_hex_digit_value_table, 0, (int)(sizeof(digits) / sizeof(digits[0])));
	tcase_add_test(tc, test_fail_writes_the_message_and_returns_minus_one);
	tcase_add_test(tc, test_fail_truncates_to_the_buffer);
	tcase_add_test(tc, test_fail_accepts_no_buffer);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
