/* Unit tests for readyboard: a verdict stored by one process is read by another, one probe lock holder at a time, and a process-local board. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/readyboard.h"
#include "suite.h"

static char dir[] = "/tmp/test_readyboard.XXXXXX";

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_store_then_load)
{
	static const struct readiness_rules rules = { 3, 30000, 500, 1000 };
	struct readyboard a, b;
	struct readiness r, seen;

	readyboard_init(&a, dir, "s3");
	readyboard_init(&b, dir, "s3");
	readiness_init(&seen);
	ck_assert(!readyboard_load(&b, &seen)); /* nothing stored yet */
	readiness_init(&r);
	readiness_record(&r, &rules, READINESS_TIMED_OUT, 5000, 2000, "Timeout");
	readyboard_store(&a, &r);
	ck_assert(readyboard_load(&b, &seen));
	ck_assert_int_eq(seen.state, READINESS_SLOW);
	ck_assert_int_eq(seen.failures, 1);
	ck_assert_int_eq(seen.probed_at_ms, 5000);
	ck_assert_str_eq(seen.error, "Timeout");
	readyboard_release(&a);
	readyboard_release(&b);
}
END_TEST

START_TEST(test_one_prober_at_a_time)
{
	struct readyboard a, b;
	pid_t pid;
	int status;

	readyboard_init(&a, dir, "postgresql");
	readyboard_init(&b, dir, "postgresql");
	ck_assert_int_eq(readyboard_try_lock(&a), 1);
	ck_assert_int_eq(readyboard_try_lock(&b), 0); /* another open file: refused without waiting */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct readyboard c;

		readyboard_init(&c, dir, "postgresql");
		_exit(readyboard_try_lock(&c) == 0 ? 0 : 1); /* another process too */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	readyboard_unlock(&a);
	ck_assert_int_eq(readyboard_try_lock(&b), 1);
	readyboard_unlock(&b);
	readyboard_release(&a);
	readyboard_release(&b);
}
END_TEST

START_TEST(test_other_layout_ignored)
{
	struct readyboard b;
	struct readiness r;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/readiness-memcached", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("not a verdict", f);
	fclose(f);
	readyboard_init(&b, dir, "memcached");
	readiness_init(&r);
	ck_assert(!readyboard_load(&b, &r));
	ck_assert_int_eq(r.state, READINESS_UP);
}
END_TEST

START_TEST(test_process_local)
{
	struct readyboard b;
	struct readiness r;

	readyboard_init(&b, NULL, "s3");
	readiness_init(&r);
	ck_assert(!readyboard_load(&b, &r));
	ck_assert_int_eq(readyboard_try_lock(&b), 1);
	ck_assert_int_eq(readyboard_try_lock(&b), 1);
	readyboard_store(&b, &r); /* nothing written */
	readyboard_unlock(&b);
	readyboard_release(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("readyboard");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_then_load);
	tcase_add_test(tc, test_one_prober_at_a_time);
	tcase_add_test(tc, test_other_layout_ignored);
	tcase_add_test(tc, test_process_local);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
