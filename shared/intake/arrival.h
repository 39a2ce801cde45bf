/* arrival: receiving a resume that arrived in S3 through a presigned upload — fetch, validate, record. */
#ifndef SHORTLIST_ARRIVAL_H
#define SHORTLIST_ARRIVAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct s3_client;

/* How far S3's clock may run ahead of ours when judging whether an upload came after its slot expired. */
#define ARRIVAL_CLOCK_SKEW_SECONDS 300

enum arrival_status {
	ARRIVAL_ACCEPTED,  /* a resume now exists for the object (new, or the same object seen before) */
	ARRIVAL_DUPLICATE, /* the job already holds these bytes under another key; this copy was deleted */
	ARRIVAL_REJECTED,  /* not taken: reason says why */
};

struct arrival_outcome {
	enum arrival_status status;
	int64_t resume_id; /* accepted: the resume; duplicate: the resume already holding the bytes; else 0 */
	int64_t org_id;	   /* the slot's organisation and job, 0 when the key is unknown */
	int64_t job_id;
	char reason[300]; /* why, for rejected and duplicate outcomes; "" otherwise */
};

/*
 * Receives the object under key (in the configured bucket) that an S3
 * event announced. The key must belong to an upload slot (else rejected:
 * "unknown key"). The object is read (HEAD, then GET bounded by
 * max_bytes: larger is rejected "too large"), must have been written before
 * the slot expired (allowing ARRIVAL_CLOCK_SKEW_SECONDS), must not be empty,
 * and its type comes from its magic bytes (unsupported is rejected). Its
 * SHA-256 then goes with the slot's organisation, job, batch and filename to
 * resumestore_accept() (source "presigned"). Bytes the job already holds
 * under another key are a duplicate: this object is deleted. The same
 * object seen again (the same event delivered twice) reports the existing
 * resume and keeps the object. A rejected object is deleted. The slot is
 * marked received or rejected.
 *
 * When the database connection is cut during the COMMIT that records the
 * resume, the resume is looked up again (resumestore_written_after_all):
 * found, it is accepted as usual. Nothing is deleted on any database
 * failure.
 *
 * Returns 0 with out filled, or ST_UNAVAILABLE when S3 or PostgreSQL could
 * not be reached (nothing was decided, or whether the resume was recorded
 * is not known: delivering the event again is safe and settles it), or
 * ST_INTERNAL when S3 refused a request it should have accepted. Failures
 * are logged here.
 */
int arrival_receive(struct s3_client *s3, const char *key, int64_t max_bytes, struct arrival_outcome *out);

/* What one sweep did. */
struct arrival_sweep {
	int recovered; /* objects found and received as if their event had come (accepted, duplicate or rejected) */
	int expired;   /* slots with no object, marked expired */
};

/*
 * Settles up to max presigned uploads whose S3 event never came (slots
 * still issued after_seconds past their link's expiry): an object present
 * in S3 is received as arrival_receive() would on its event, so a lost
 * notification loses no resume; a slot without one is marked expired. Adds
 * to *st. A slot S3 refuses to tell about is logged and left for the next
 * sweep. Returns 0, or ST_UNAVAILABLE when S3 or PostgreSQL could not be
 * reached (what is left waits for the next sweep).
 */
int arrival_sweep(struct s3_client *s3, int64_t max_bytes, int after_seconds, int max, struct arrival_sweep *st);

/* Where a resume's bytes are, for downloads. Strings are owned (arrival_location_release frees them). */
struct arrival_location {
	char *key;
	char *filename;
	char *content_type;
};

/*
 * Finds the resume id of the organisation org_id. Returns 0 and fills out,
 * ST_NOT_FOUND when the organisation has no such resume, or a status code.
 */
int arrival_locate(int64_t org_id, int64_t resume_id, struct arrival_location *out);
void arrival_location_release(struct arrival_location *loc);

/* A short name of a status: "accepted", "duplicate" or "rejected". Static string. */
const char *arrival_status_name(enum arrival_status s);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *arrival_statements(size_t *n);

#endif
