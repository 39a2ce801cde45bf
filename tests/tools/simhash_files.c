/* simhash_files: extracts files as the drainer does and prints their SimHash for shingles of 1 to 3 words, for the near-duplicate measurement. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "core/config.h"
#include "extract/extract.h"
#include "text/simhash.h"

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

int main(int argc, char **argv)
{
	struct extract_limits lim;
	struct extract_result r;
	struct buf data = BUF_INIT(MAX_FILE_BYTES);
	char err[256];
	int i, k, failed = 0;

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
	for (i = 1; i < argc; i++) {
		buf_reset(&data);
		if (read_file(argv[i], &data) < 0) {
			fprintf(stderr, "simhash_files: cannot read '%s': %s\n", argv[i], strerror(errno));
			failed = 1;
			continue;
		}
		if (extract_buffer(data.ptr ? data.ptr : "", data.len, &lim, &r) < 0)
			failed = 1;
		printf("%s\t%zu", extract_status_name(r.status), simhash_word_count(r.text ? r.text : "", r.text_len));
		for (k = 1; k <= 3; k++)
			printf("\t%016" PRIx64, simhash_text_shingled(r.text ? r.text : "", r.text_len, k));
		printf("\t%s\t%s\n", r.contact.name ? r.contact.name : "", argv[i]);
		extract_result_release(&r);
	}
	buf_release(&data);
	if (config_is_loaded())
		config_release();
	return failed;
}
