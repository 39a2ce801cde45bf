/* formupload: one multipart/form-data request of resumes streamed file by file into S3 and recorded. */
#ifndef SHORTLIST_FORMUPLOAD_H
#define SHORTLIST_FORMUPLOAD_H

#include <cJSON.h>
#include <stdint.h>
#include <sys/types.h>

struct s3_client;

/*
 * Reads up to n bytes of the request body into dst: returns the count,
 * 0 at the end, or -1 on a read error.
 */
typedef ssize_t (*formupload_read_fn)(void *ctx, void *dst, size_t n);

struct formupload_limits {
	int64_t max_file_bytes;
	int64_t max_files;
	int64_t max_total_bytes;
	size_t part_size; /* S3 part size; two parts are the most file bytes held in memory */
};

/* The outcome of a whole request. */
struct formupload_result {
	int status;	  /* 0, or a status code (status.h) for the whole request */
	char detail[512]; /* why, when status is not 0 */
	int64_t batch_id; /* 0 when nothing was accepted */
	cJSON *files;	  /* per-file results, in order (owned; formupload_result_release frees) */
	int accepted, duplicates, rejected;
};

/*
 * Streams the body (boundary already parsed from Content-Type) through the
 * multipart parser. Each file part: type sniffed from its first bytes,
 * SHA-256 computed on the way, bytes sent to S3 under a key of ours (one
 * PUT when the file fits one part, a multipart upload beyond), then its
 * resume row and task committed together. A file over a limit, of an
 * unsupported type, or empty is rejected with its reason and nothing of it
 * remains. The same bytes twice in one job are reported as a duplicate and
 * stored once. When S3 or PostgreSQL become unavailable the request stops
 * with ST_UNAVAILABLE: the file in progress leaves nothing behind (its
 * multipart upload aborted, its object deleted), files already accepted
 * stay accepted (a retry reports them as duplicates). Malformed multipart
 * stops the request with ST_BAD_REQUEST saying where; files received whole
 * before the break stay accepted too.
 *
 * Storing overlaps receiving: while one part or file goes to S3 from a
 * background thread, the next is read. One S3 request is in flight at a
 * time, so at most two part buffers (2 * limits->part_size) are held. Rows
 * are still written in request order, each only once its bytes are stored.
 * s3 is used by that thread during the call: nothing else may use it until
 * formupload_run() returns (it is idle again then).
 */
void formupload_run(struct s3_client *s3, int64_t org_id, int64_t job_id, const char *boundary,
		    const struct formupload_limits *limits, formupload_read_fn read, void *read_ctx,
		    struct formupload_result *out);

void formupload_result_release(struct formupload_result *res);

#endif
