/* simhash_files: extracts files as the drainer does and prints their SimHash for shingles of 1 to 3 words, for the near-duplicate measurement. */
#include <inttypes.h>
#include <stdio.h>

#include "core/config.h"
#include "extract/extract.h"
#include "text/simhash.h"
#include "toolfile.h"

/* Prints one file's line: status, words, the three SimHashes, the contact name and the path. */
static int print_one(const char *path, const char *data, size_t len, void *ctx)
{
	const struct extract_limits *lim = ctx;
	struct extract_result r;
	int k, rc = 0;

	if (extract_buffer(data, len, lim, &r) < 0)
		rc = -1;
	printf("%s\t%zu", extract_status_name(r.status), simhash_word_count(r.text ? r.text : "", r.text_len));
	for (k = 1; k <= 3; k++)
		printf("\t%016" PRIx64, simhash_text_shingled(r.text ? r.text : "", r.text_len, k));
	printf("\t%s\t%s\n", r.contact.name ? r.contact.name : "", path);
	extract_result_release(&r);
	return rc;
}

int main(int argc, char **argv)
{
	struct extract_limits lim;
	char err[256];
	int failed;

	if (argc < 2) {
		fprintf(stderr, "usage: simhash_files FILE...\n"
				"prints per file: status, words, the SimHash (hex) of 1-, 2- and 3-word shingles, the "
				"contact name and the path, tab-separated\n");
		return 2;
	}
	if (config_load(NULL, err, sizeof(err)) == 0)
		extract_limits_from_config(&lim);
	else
		extract_limits_default(&lim);
	failed = toolfile_each("simhash_files", argv + 1, argc - 1, print_one, &lim);
	if (config_is_loaded())
		config_release();
	return failed;
}
