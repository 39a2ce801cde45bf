/* s3put: stores a file in the configured bucket through the s3 client (single PUT or multipart), for benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "intake/s3.h"

static void usage(void)
{
	fprintf(stderr, "usage: s3put [-t CONTENT_TYPE] [-p PART_BYTES] FILE KEY\n"
			"  Stores FILE under KEY in SHORTLIST_S3_BUCKET; files larger than one part\n"
			"  (default SHORTLIST_S3_PART_SIZE) go up as a multipart upload.\n"
			"  Prints: KEY BYTES PARTS ETAG MILLISECONDS\n");
}

/* Reads up to len bytes (fewer only at end of file); returns the count or -1. */
static ssize_t read_full(FILE *f, unsigned char *p, size_t len)
{
	size_t got = fread(p, 1, len, f);

	return ferror(f) ? -1 : (ssize_t)got;
}

int main(int argc, char **argv)
{
	const char *content_type = NULL, *path, *key;
	struct s3_client *c = NULL;
	struct s3_part *parts = NULL;
	struct s3_error err;
	unsigned char *chunk = NULL;
	char *upload_id = NULL, etag[S3_ETAG_MAX] = "";
	int64_t part_size = 0, start, total = 0;
	size_t nparts = 0, cap = 0;
	ssize_t n;
	FILE *f = NULL;
	int opt, ret = 1;

	while ((opt = getopt(argc, argv, "t:p:h")) != -1) {
		switch (opt) {
		case 't':
			content_type = optarg;
			break;
		case 'p':
			if (parse_int64(optarg, 5242880, 1073741824, &part_size) < 0) {
				fprintf(stderr, "s3put: part size must be 5242880..1073741824 bytes\n");
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage();
		return 2;
	}
	path = argv[optind];
	key = argv[optind + 1];
	config_load_or_die(NULL);
	log_init("s3put");
	if (!part_size)
		part_size = config()->s3_part_size;
	if (!(f = fopen(path, "rb"))) {
		fprintf(stderr, "s3put: cannot open '%s': %s\n", path, strerror(errno));
		goto out;
	}
	if (s3_client_new_from_config(&c, &err) < 0) {
		fprintf(stderr, "s3put: %s\n", err.message);
		goto out;
	}
	chunk = xmalloc((size_t)part_size);
	start = now_ms();
	n = read_full(f, chunk, (size_t)part_size);
	if (n < 0)
		goto read_error;
	if (n < part_size) {
		/* One part's worth or less: a single PUT. */
		if (s3_put(c, key, chunk, (size_t)n, content_type, NULL, 0, etag, &err) < 0)
			goto s3_error;
		total = n;
		nparts = 1;
	} else {
		if (s3_multipart_initiate(c, key, content_type, NULL, 0, &upload_id, &err) < 0)
			goto s3_error;
		while (n > 0) {
			if (nparts == cap) {
				cap = cap ? 2 * cap : 16;
				parts = xrealloc(parts, cap * sizeof(*parts));
			}
			parts[nparts].number = (int)nparts + 1;
			if (s3_multipart_upload_part(c, key, upload_id, parts[nparts].number, chunk, (size_t)n,
						     parts[nparts].etag, &err) < 0)
				goto abort;
			total += n;
			nparts++;
			n = read_full(f, chunk, (size_t)part_size);
			if (n < 0) {
				fprintf(stderr, "s3put: cannot read '%s': %s\n", path, strerror(errno));
				goto abort;
			}
		}
		if (s3_multipart_complete(c, key, upload_id, parts, nparts, etag, &err) < 0)
			goto abort;
	}
	printf("%s %lld %zu %s %lld\n", key, (long long)total, nparts, etag, (long long)(now_ms() - start));
	ret = 0;
	goto out;
abort:
	fprintf(stderr, "s3put: upload of '%s' failed: %ld %s %s\n", key, err.status, err.code, err.message);
	s3_multipart_abort(c, key, upload_id, &err);
	goto out;
read_error:
	fprintf(stderr, "s3put: cannot read '%s': %s\n", path, strerror(errno));
	goto out;
s3_error:
	fprintf(stderr, "s3put: cannot store '%s': %ld %s %s\n", key, err.status, err.code, err.message);
out:
	if (f)
		fclose(f);
	free(chunk);
	free(parts);
	free(upload_id);
	s3_client_free(c);
	config_release();
	return ret;
}
