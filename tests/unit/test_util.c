/* Unit tests for util's hex digit values, the fail() error-buffer helper and the span helpers (trim, case-insensitive search) and the wall-clock age check. */
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

START_TEST(test_trim)
{
	const char *s = " \t Jane Doe, \r\n";
	size_t n = strlen(s);

	str_trim(&s, &n);
	ck_assert_uint_eq(n, 9);
	ck_assert(strncmp(s, "Jane Doe,", n) == 0);
	str_trim_set(&s, &n, "", ",.");
	ck_assert_uint_eq(n, 8);
	s = "   ";
	n = 3;
	str_trim(&s, &n);
	ck_assert_uint_eq(n, 0);
	/* Only the span is read: the byte after it is not a NUL and not looked at. */
	s = "ab  cd";
	n = 4;
	str_trim(&s, &n);
	ck_assert_uint_eq(n, 2);
}
END_TEST

START_TEST(test_find_nocase)
{
	const char *s = "Brightwire Electrical AT Manchester";

	ck_assert_int_eq(str_find_nocase(s, strlen(s), " at "), 21);
	ck_assert_int_eq(str_find_nocase(s, strlen(s), "manchester"), 25);
	ck_assert_int_eq(str_find_nocase(s, 10, "electrical"), -1); /* outside the span */
	ck_assert_int_eq(str_find_nocase(s, strlen(s), "leeds"), -1);
	ck_assert_int_eq(str_find_nocase(s, 0, "x"), -1);
	ck_assert_int_eq(str_find_nocase(s, strlen(s), ""), 0);
}
END_TEST

START_TEST(test_wall_age_within)
{
	int64_t now = wall_ms();

	ck_assert(wall_age_within(now, 1000));
	ck_assert(wall_age_within(now - 500, 1000));
	ck_assert(!wall_age_within(now - 60000, 1000)); /* too old */
	ck_assert(wall_age_within(now + 500, 1000));	/* another host's clock a little ahead */
	ck_assert(!wall_age_within(now + 60000, 1000)); /* stamped far in the future */
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
	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_find_nocase);
	tcase_add_test(tc, test_wall_age_within);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
