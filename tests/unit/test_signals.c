/* Unit tests for signals: SIGTERM and SIGINT set the stop flag and call the hook, SIGPIPE is ignored, no SA_RESTART. */
#include <check.h>
#include <signal.h>
#include <unistd.h>

#include "core/signals.h"
#include "suite.h"

static volatile sig_atomic_t hook_calls;

static void count_hook(void)
{
	hook_calls++;
}

START_TEST(test_stop_signals)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	volatile sig_atomic_t *flag;

	/* Each test runs in its own process, so the flag starts clear. */
	flag = signals_install(count_hook);
	ck_assert(flag != NULL);
	ck_assert_int_eq(*flag, 0);
	ck_assert(!signals_stop_requested());
	ck_assert_int_eq(raise(sigs[_i]), 0);
	ck_assert_int_eq(*flag, 1);
	ck_assert(signals_stop_requested());
	ck_assert_int_eq(hook_calls, 1);
}
END_TEST

START_TEST(test_no_hook)
{
	volatile sig_atomic_t *flag = signals_install(NULL);

	ck_assert_int_eq(raise(SIGTERM), 0);
	ck_assert_int_eq(*flag, 1);
	ck_assert_int_eq(hook_calls, 0);
	/* Installing again keeps the flag and replaces the hook. */
	ck_assert(signals_install(count_hook) == flag);
	ck_assert_int_eq(*flag, 1);
	ck_assert_int_eq(raise(SIGINT), 0);
	ck_assert_int_eq(hook_calls, 1);
}
END_TEST

START_TEST(test_sigpipe_ignored)
{
	int fds[2];

	signals_install(NULL);
	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	/* Without the set-up this write kills the test process. */
	ck_assert_int_eq(write(fds[1], "x", 1), -1);
	close(fds[1]);
	ck_assert(!signals_stop_requested());
}
END_TEST

START_TEST(test_no_restart)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	struct sigaction sa;

	signals_install(NULL);
	ck_assert_int_eq(sigaction(sigs[_i], NULL, &sa), 0);
	ck_assert(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
	ck_assert_int_eq(sa.sa_flags & SA_RESTART, 0);
	ck_assert_int_eq(sigaction(SIGPIPE, NULL, &sa), 0);
	ck_assert(sa.sa_handler == SIG_IGN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = tcase_create("signals");

	tcase_add_loop_test(tc, test_stop_signals, 0, 2);
	tcase_add_test(tc, test_no_hook);
	tcase_add_test(tc, test_sigpipe_ignored);
	tcase_add_loop_test(tc, test_no_restart, 0, 2);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? 1 : 0;
}
