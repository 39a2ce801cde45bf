/* Unit tests for buf: growth, the hard maximum, printf, detach and consume. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "suite.h"

START_TEST(test_append_grows_and_terminates)
{
	struct buf b = BUF_INIT(0);
	int i;

	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(buf_append_str(&b, "ab"), 0);
	ck_assert_uint_eq(b.len, 2000);
	ck_assert_int_eq(b.ptr[2000], '\0');
	ck_assert_int_eq(strncmp(b.ptr, "abab", 4), 0);
	buf_release(&b);
	ck_assert_ptr_null(b.ptr);
}
END_TEST

START_TEST(test_max_is_enforced_and_buffer_unchanged)
{
	struct buf b = BUF_INIT(5);

	ck_assert_int_eq(buf_append_str(&b, "abc"), 0);
	ck_assert_int_eq(buf_append_str(&b, "def"), -1);
	ck_assert_str_eq(b.ptr, "abc");
	ck_assert_int_eq(buf_append_str(&b, "de"), 0);
	ck_assert_str_eq(b.ptr, "abcde");
	ck_assert_int_eq(buf_append_char(&b, 'x'), -1);
	ck_assert_int_eq(buf_printf(&b, "%d", 1), -1);
	buf_release(&b);
}
END_TEST

START_TEST(test_printf_detach_consume)
{
	struct buf b = BUF_INIT(0);
	size_t len;
	char *s;

	ck_assert_int_eq(buf_printf(&b, "%s-%d", "x", 42), 0);
	ck_assert_str_eq(b.ptr, "x-42");
	buf_consume(&b, 2);
	ck_assert_str_eq(b.ptr, "42");
	s = buf_detach(&b, &len);
	ck_assert_str_eq(s, "42");
	ck_assert_uint_eq(len, 2);
	ck_assert_ptr_null(b.ptr);
	free(s);
	s = buf_detach(&b, &len);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

START_TEST(test_binary_content)
{
	struct buf b = BUF_INIT(0);

	ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.ptr, "a\0b", 3), 0);
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.ptr, "");
	buf_release(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_test(tc, test_append_grows_and_terminates);
	tcase_add_test(tc, test_max_is_enforced_and_buffer_unchanged);
	tcase_add_test(tc, test_printf_detach_consume);
	tcase_add_test(tc, test_binary_content);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
