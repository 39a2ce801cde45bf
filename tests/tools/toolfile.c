/* toolfile: reading the files named on a test tool's command line (toolfile.h). */
#include "toolfile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int toolfile_read(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	int ret = 0;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(out, chunk, n) < 0) {
			errno = EFBIG;
			ret = -1;
			break;
		}
	}
	if (ret == 0 && ferror(f))
		ret = -1;
	fclose(f);
	return ret;
}

int toolfile_each(const char *prog, char *const *paths, int n,
		  int (*fn)(const char *path, const char *data, size_t len, void *ctx), void *ctx)
{
	struct buf data = BUF_INIT(TOOLFILE_MAX_BYTES);
	int i, failed = 0;

	for (i = 0; i < n; i++) {
		buf_reset(&data);
		if (toolfile_read(paths[i], &data) < 0) {
			fprintf(stderr, "%s: cannot read '%s': %s\n", prog, paths[i], strerror(errno));
			failed = 1;
			continue;
		}
		if (fn(paths[i], data.ptr ? data.ptr : "", data.len, ctx) < 0)
			failed = 1;
	}
	buf_release(&data);
	return failed;
}
