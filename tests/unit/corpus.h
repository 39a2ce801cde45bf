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

#include "repofile.h"

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
 * out: $SHORTLIST_CORPUS when set, else ../shared/corpus beside the
 * repository, found as repo_file() finds a file. Returns false when
 * it does not exist: the caller prints "skip: ..." and passes.
 */
static bool corpus_path(const char *sub, char *out, size_t outlen)
{
	const char *env = getenv("SHORTLIST_CORPUS");
	char rel[PATH_MAX];

	if (env && *env)
		return corpus_join(out, outlen, env, sub);
	if (snprintf(rel, sizeof(rel), "../shared/corpus%s%s", *sub ? "/" : "", sub) >= (int)sizeof(rel))
		return false;
	return repo_file(rel, out, outlen) && corpus_is_dir(out);
}

#endif
