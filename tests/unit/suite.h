/* suite: running a unit test program's check suite, the same way in every program. */
#ifndef SHORTLIST_TEST_SUITE_H
#define SHORTLIST_TEST_SUITE_H

#include <check.h>

/* Runs every test of s (each in its own process, check's default) and returns how many failed. */
static int suite_failures(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed;
}

#endif
