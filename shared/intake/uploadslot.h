/* uploadslot: presigned upload slots in PostgreSQL — one row per upload URL handed out, and its outcome. */
#ifndef SHORTLIST_UPLOADSLOT_H
#define SHORTLIST_UPLOADSLOT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define UPLOADSLOT_ID_LEN 32 /* hex digits of a random 128-bit upload id */
#define UPLOADSLOT_KEY_MAX 160

/*
 * One slot. Strings are owned by the struct (free with
 * uploadslot_release()); content_type is NULL when none was declared,
 * declared_size -1 when no size was given, resume_id and batch_id 0 when
 * unset, reason NULL unless the slot was rejected or received as a duplicate.
 */
struct uploadslot {
	int64_t id;
	char upload_id[UPLOADSLOT_ID_LEN + 1];
	char key[UPLOADSLOT_KEY_MAX];
	int64_t org_id;
	int64_t job_id;
	int64_t batch_id;
	char *filename;
	char *content_type;
	int64_t declared_size;
	time_t expires_at;
	char state[16]; /* "issued", "received", "rejected" or "expired" */
	char *reason;
	int64_t resume_id;
};

/*
 * Writes the S3 key of an upload: orgs/{org}/jobs/{job}/uploads/{upload_id}.
 * Returns 0, or -1 when it does not fit in size bytes.
 */
int uploadslot_key(int64_t org_id, int64_t job_id, const char *upload_id, char *out, size_t size);

/*
 * Creates the batch that the slots of one request share (source
 * "presigned"); *batch_id gets its id. Returns 0 or a status code.
 */
int uploadslot_new_batch(int64_t org_id, int64_t job_id, int64_t *batch_id);

/*
 * Records a new slot for a file of the job: a random upload id, its key,
 * the (already sanitised) filename, the declared content type (may be NULL)
 * and size (-1: not given), valid until expires_at. Fills out (release it);
 * returns 0 or a status code (nothing written on failure).
 */
int uploadslot_create(int64_t org_id, int64_t job_id, int64_t batch_id, const char *filename, const char *content_type,
		      int64_t declared_size, time_t expires_at, struct uploadslot *out);

/*
 * Finds the slot whose key is key, in any organisation (the key is the
 * only link an S3 event carries). Returns 1 and fills out (release it), 0
 * when there is none, or a status code.
 */
int uploadslot_find_key(const char *key, struct uploadslot *out);

/*
 * Records the outcome of a slot: state "received" (resume_id set; reason
 * NULL, or why it was a duplicate) or "rejected" (reason set, resume_id 0).
 * Returns 0 or a status code.
 */
int uploadslot_mark(int64_t id, const char *state, const char *reason, int64_t resume_id);

/* Frees what a slot owns and zeroes it; accepts a zeroed slot. */
void uploadslot_release(struct uploadslot *s);

/*
 * The keys of up to max slots still "issued" whose link expired more than
 * after_seconds ago, oldest first: uploads whose S3 event never came. *keys
 * gets *n owned strings (uploadslot_keys_free). Returns 0 or a db status code.
 */
int uploadslot_list_stale(int after_seconds, int max, char ***keys, int *n);
void uploadslot_keys_free(char **keys, int n);

/* Marks a still-issued slot expired with a reason (nothing when it was settled meanwhile). Returns 0 or a db status code. */
int uploadslot_expire(int64_t id, const char *reason);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *uploadslot_statements(size_t *n);

#endif
