/* extract_file: extracts one or more files through the sandboxed extractor and prints one JSON result per line. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/config.h"
#include "extract/extract.h"
#include "toolfile.h"

/* What the options asked for, passed to print_one for every file. */
struct options {
	struct extract_limits lim;
	bool with_text;
	bool unsandboxed;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: extract_file [--text] [--unsandboxed] [--max-pages N] FILE...\n"
		"prints one JSON object per file: status, reason, pages, flags, contact (and text with --text)\n");
}

/* Extracts one file and prints its result as one JSON line. */
static int print_one(const char *path, const char *data, size_t len, void *ctx)
{
	const struct options *o = ctx;
	struct extract_result r;
	char *json;
	int rc = 0;

	(void)path;
	if (o->unsandboxed)
		extract_buffer_unsandboxed(data, len, &o->lim, &r);
	else if (extract_buffer(data, len, &o->lim, &r) < 0)
		rc = -1;
	json = extract_result_json(&r, o->with_text);
	printf("%s\n", json);
	free(json);
	extract_result_release(&r);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o = { .with_text = false, .unsandboxed = false };
	char err[256];
	int64_t pages;
	int i, failed;

	if (config_load(NULL, err, sizeof(err)) == 0)
		extract_limits_from_config(&o.lim);
	else
		extract_limits_default(&o.lim);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--text") == 0) {
			o.with_text = true;
		} else if (strcmp(argv[i], "--unsandboxed") == 0) {
			o.unsandboxed = true;
		} else if (strcmp(argv[i], "--max-pages") == 0 && i + 1 < argc &&
			   parse_int64(argv[i + 1], 1, 100000, &pages) == 0) {
			o.lim.max_pages = (int)pages;
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
	failed = toolfile_each("extract_file", argv + i, argc - i, print_one, &o);
	if (config_is_loaded())
		config_release();
	return failed;
}
