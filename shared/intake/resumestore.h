/* resumestore: recording received resumes — the resume row, its batch and its processing task, together. */
#ifndef SHORTLIST_RESUMESTORE_H
#define SHORTLIST_RESUMESTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What is known about a received file once its bytes are safely in S3. */
struct resume_new {
	int64_t org_id;
	int64_t job_id;
	const char *s3_key;
	const char *sha256_hex;
	int64_t size;
	const char *content_type;
	const char *filename; /* sanitised */
	const char *source;   /* batch source: "upload" or "presigned" */
};

/*
 * Looks for a resume with these bytes in the job. Returns 1 and sets *id
 * when there is one, 0 when not, or a status code.
 */
int resumestore_find_sha(int64_t org_id, int64_t job_id, const char *sha256_hex, int64_t *id);

/*
 * In one transaction: creates the batch when *batch_id is 0 (and sets it),
 * inserts the resume, and enqueues its processing task. When the job
 * already holds a resume with the same SHA-256 (or the same S3 key),
 * nothing is written, *duplicate_of gets that resume's id and 1 is
 * returned; otherwise *resume_id gets the new id and 0 is returned. A
 * status code on failure (nothing written, except perhaps when the
 * connection was cut during the COMMIT: then *resume_id is not 0, see
 * resumestore_written_after_all).
 */
int resumestore_accept(const struct resume_new *r, int64_t *batch_id, int64_t *resume_id, int64_t *duplicate_of);

/*
 * After resumestore_accept failed for r with the database unavailable,
 * which may have happened during its COMMIT (a restart of PostgreSQL or of
 * a pooler in front of it cuts the connection before the answer, and the
 * transaction may or may not have committed): looks the resume up by its
 * S3 key, trying again for up to wait_ms while the database does not
 * answer. Returns 1 and sets *resume_id and *batch_id when it was written,
 * 0 when it was not, or a status code when the outcome stays unknown. The
 * caller deletes the stored object only on 0.
 */
int resumestore_written_after_all(const struct resume_new *r, int wait_ms, int64_t *resume_id, int64_t *batch_id);

/* How long a caller in doubt waits for the database to tell (wait_ms above): a pooler's restart takes a second or two. */
#define RESUMESTORE_IN_DOUBT_WAIT_MS 5000

/* The kind of task that processes a resume (extraction and scoring). */
#define RESUME_TASK_KIND "process_resume"

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *resumestore_statements(size_t *n);

#endif
