/* toolfile: reading the files named on a test tool's command line, one after another, into one bounded buffer. */
#ifndef SHORTLIST_TOOLFILE_H
#define SHORTLIST_TOOLFILE_H

#include <stddef.h>

#include "base/buf.h"

/* Largest file a tool reads: the upload limit's default. */
#define TOOLFILE_MAX_BYTES (64u << 20)

/*
 * Reads the whole file at path into out, after what out already holds (the
 * caller resets it). Returns 0, or -1 with errno set: EFBIG when the file is
 * larger than out's maximum, else the reason fopen or fread gave.
 */
int toolfile_read(const char *path, struct buf *out);

/*
 * Reads each of the n files in paths into a buffer of TOOLFILE_MAX_BYTES and
 * calls fn(path, data, len, ctx) on it; data (never NULL) is borrowed until
 * fn returns. A file that cannot be read is reported on stderr as
 * "PROG: cannot read 'PATH': REASON" and skipped. Returns 0 when every file
 * was read and fn returned 0 for each, else 1: the tool's exit status.
 */
int toolfile_each(const char *prog, char *const *paths, int n,
		  int (*fn)(const char *path, const char *data, size_t len, void *ctx), void *ctx);

#endif
