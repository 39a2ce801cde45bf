/* corpus: finding the shared test corpus beside the checkout, for unit tests that skip cleanly without it. */
#ifndef SHORTLIST_TEST_CORPUS_H
#define SHORTLIST_TEST_CORPUS_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool corpus_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool corpus_join(char *out, size_t outlen, const char *root, const char *sub)
{
	int n = snprintf(out, outlen, "%s%s%s", root, *sub ? "/" : "", sub);

	return n > 0 && (size_t)n < outlen && corpus_is_dir(out);
}

/*
 * Writes the path of the corpus folder sub ("" for the corpus itself) to
 * out: $SHORTLIST_CORPUS when set, else ../shared/corpus from the working
 * directory (the repository root under make test), else from the
 * repository above the test binary (BUILD/tests/test_x). Returns false when
 * it does not exist: the caller prints "skip: ..." and passes.
 */
static bool corpus_path(const char *sub, char *out, size_t outlen)
{
	const char *env = getenv("SHORTLIST_CORPUS");
	char exe[PATH_MAX], root[PATH_MAX + 32];
	ssize_t n;
	int i;

	if (env && *env)
		return corpus_join(out, outlen, env, sub);
	if (corpus_join(out, outlen, "../shared/corpus", sub))
		return true;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	for (i = 0; i < 3; i++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			return false;
		*slash = '\0';
	}
	snprintf(root, sizeof(root), "%s/../shared/corpus", exe);
	return corpus_join(out, outlen, root, sub);
}

#endif
