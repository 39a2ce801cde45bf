/* repofile: finding a file of the repository (a test tool, a fake server) from a unit test, wherever it runs. */
#ifndef SHORTLIST_TEST_REPOFILE_H
#define SHORTLIST_TEST_REPOFILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Writes to out the path of rel, a path relative to the repository root:
 * rel itself when it is readable from the working directory (the root, under
 * make test), else rel under each of the three folders above this program
 * (it lives in BUILD/tests/), nearest first. Returns false when none is
 * readable: the caller prints "skip: ..." and passes.
 */
static bool repo_file(const char *rel, char *out, size_t outlen)
{
	char exe[PATH_MAX];
	ssize_t n;
	int i;

	if (access(rel, R_OK) == 0)
		return snprintf(out, outlen, "%s", rel) < (int)outlen;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (i = 0; i < 3; i++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			return false;
		*slash = '\0';
		if (snprintf(out, outlen, "%s/%s", exe, rel) < (int)outlen && access(out, R_OK) == 0)
			return true;
	}
	return false;
}

#endif
