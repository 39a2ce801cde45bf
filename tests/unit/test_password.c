/* Unit tests for password: what may be a password, and hashing and checking with Argon2id. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "account/password.h"
#include "suite.h"

START_TEST(test_acceptable)
{
	char err[200], big[PASSWORD_MAX_BYTES + 2];

	ck_assert(password_acceptable("correct horse battery", err, sizeof(err)));
	ck_assert(password_acceptable("ünïcødé pässwörd", err, sizeof(err)));
	ck_assert(!password_acceptable("short", err, sizeof(err)));
	ck_assert_msg(strstr(err, "10 to 1024") != NULL, "%s", err);
	ck_assert(!password_acceptable("has a\ttab inside", err, sizeof(err)));
	ck_assert(!password_acceptable("has a\x7f DEL inside", err, sizeof(err)));
	ck_assert(!password_acceptable("bad \xff\xfe UTF-8 here", err, sizeof(err)));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert(!password_acceptable(big, err, sizeof(err)));
	big[PASSWORD_MAX_BYTES] = '\0';
	ck_assert(password_acceptable(big, err, sizeof(err)));
}
END_TEST

START_TEST(test_hash_and_verify)
{
	char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];

	ck_assert_int_eq(password_hash("correct horse battery", a), 0);
	ck_assert_int_eq(password_hash("correct horse battery", b), 0);
	ck_assert(strncmp(a, "$argon2id$", 10) == 0);
	ck_assert_msg(strcmp(a, b) != 0, "each hash has its own salt");
	ck_assert(strstr(a, "horse") == NULL);
	ck_assert(password_verify(a, "correct horse battery"));
	ck_assert(password_verify(b, "correct horse battery"));
	ck_assert(!password_verify(a, "correct horse batterY"));
	ck_assert(!password_verify(a, ""));
	ck_assert(!password_verify(NULL, "correct horse battery"));
	ck_assert(!password_verify("", "correct horse battery"));
	ck_assert(!password_verify("not a hash", "correct horse battery"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("password");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_acceptable);
	tcase_add_test(tc, test_hash_and_verify);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
