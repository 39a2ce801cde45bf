/* fixtures: a temporary folder holding what tests/tools/mkfixtures makes, for the unit tests that read files. */
#ifndef SHORTLIST_TEST_FIXTURES_H
#define SHORTLIST_TEST_FIXTURES_H

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Makes a new folder under $TMPDIR (else /tmp) named after the test, writes
 * its path to dir and runs mkfixtures (beside this program, in
 * BUILD/tests/tools/) into it. Exits the test program when that fails.
 */
static void fixtures_make(const char *test, char *dir, size_t dirlen)
{
	char exe[4096], cmd[8192];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *tmp = getenv("TMPDIR");

	if (n <= 0) {
		fprintf(stderr, "%s: cannot find its own path\n", test);
		exit(EXIT_FAILURE);
	}
	exe[n] = '\0';
	snprintf(dir, dirlen, "%s/%s-fixtures-XXXXXX", tmp && *tmp ? tmp : "/tmp", test);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "%s: cannot create a temporary directory: %s\n", test, strerror(errno));
		exit(EXIT_FAILURE);
	}
	/* cairo's toy font API leaves a fontconfig pattern behind at exit: not ours, so not a leak to report. */
	snprintf(cmd, sizeof(cmd),
		 "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 '%s/tools/mkfixtures' '%s'", dirname(exe),
		 dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "%s: '%s' failed (build it with make)\n", test, cmd);
		exit(EXIT_FAILURE);
	}
}

/* Removes the folder fixtures_make() made and what is in it. */
static void fixtures_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int n;

	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		n = snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (n > 0 && (size_t)n < sizeof(path))
			unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

#endif
