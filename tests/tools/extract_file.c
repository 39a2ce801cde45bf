/* extract_file: extracts one or more files through the sandboxed extractor and prints one JSON result per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/config.h"
#include "extract/extract.h"

/* Largest file read: the upload limit's default. */
#define MAX_FILE_BYTES (64u << 20)

static int read_file(const char *path, struct buf *out)
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
	if (ferror(f))
		ret = -1;
	fclose(f);
	return ret;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: extract_file [--text] [--unsandboxed] [--max-pages N] FILE...\n"
		"prints one JSON object per file: status, reason, pages, flags, contact (and text with --text)\n");
}

int main(int argc, char **argv)
{
	struct extract_limits lim;
	struct extract_result r;
	struct buf data = BUF_INIT(MAX_FILE_BYTES);
	bool with_text = false, unsandboxed = false;
	char err[256], *json;
	int64_t pages;
	int i, failed = 0;

	if (config_load(NULL, err, sizeof(err)) == 0)
		extract_limits_from_config(&lim);
	else
		extract_limits_default(&lim);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--text") == 0) {
			with_text = true;
		} else if (strcmp(argv[i], "--unsandboxed") == 0) {
			unsandboxed = true;
		} else if (strcmp(argv[i], "--max-pages") == 0 && i + 1 < argc &&
			   parse_int64(argv[i + 1], 1, 100000, &pages) == 0) {
			lim.max_pages = (int)pages;
			i++;
		} else {
			usage();
			return 2;
		}
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	for (; i < argc; i++) {
		buf_reset(&data);
		if (read_file(argv[i], &data) < 0) {
			fprintf(stderr, "extract_file: cannot read '%s': %s\n", argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		if (unsandboxed)
			extract_buffer_unsandboxed(data.ptr ? data.ptr : "", data.len, &lim, &r);
		else if (extract_buffer(data.ptr ? data.ptr : "", data.len, &lim, &r) < 0)
			failed = 1;
		json = extract_result_json(&r, with_text);
		printf("%s\n", json);
		free(json);
		extract_result_release(&r);
	}
	buf_release(&data);
	if (config_is_loaded())
		config_release();
	return failed;
}
