/* erase: removing everything held about a candidate, or about every candidate of a job, from every store. */
#ifndef SHORTLIST_ERASE_H
#define SHORTLIST_ERASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "core/audit.h"

/* Longest reason for an erasure, a legal hold or a policy change, in bytes. */
#define PRIVACY_REASON_MAX 500

/*
 * Reads {"reason": "..."} (1..PRIVACY_REASON_MAX bytes, not only spaces;
 * no other member). Returns 0 and points *reason into body, or -1 with the
 * message for the user in err.
 */
int privacy_reason_from_json(const cJSON *body, const char **reason, char *err, size_t errlen);

/* What one erasure removed. */
struct erase_report {
	int64_t candidates;	/* resumes rows */
	int64_t analyses;	/* every analysis of them, current or not (with their evidence) */
	int64_t emails;		/* stored emails, bodies included */
	int64_t decisions;	/* recruiters' decisions */
	int64_t tasks;		/* queued, running and finished tasks naming them */
	int64_t upload_slots;	/* presigned upload slots that led to them */
	int64_t suppressions;	/* suppressed addresses of their emails */
	int64_t s3_objects;	/* objects deleted from the bucket */
	int64_t cache_entries;	/* LLM cache entries deleted from memcached */
	int64_t audit_redacted; /* audit events about them whose personal data was removed */
	int64_t job_erased;	/* 1 when the job itself was removed */
};

/* The report as JSON, every member a number. Caller frees. */
cJSON *erase_report_json(const struct erase_report *rep);

/*
 * Erases candidate resume_id of the caller's organisation: its S3 object
 * and the LLM cache entries of its analyses first (both idempotent), then
 * in one transaction its rows in every table that names it (resumes,
 * analyses, decisions, emails, tasks, batch items, upload slots, email
 * suppressions of its addresses), the personal data in the details of its
 * audit events (which stay, marked redacted), and a "candidate.erased"
 * event with the reason and the counts. Returns 0, ST_NOT_FOUND,
 * ST_CONFLICT when an active legal hold is on the candidate or its job
 * (err names it), ST_UNAVAILABLE when S3 or memcached could not delete
 * (nothing in the database changed; err says which), or a db status code.
 * Must not be called inside a transaction.
 */
int erase_candidate(const struct audit_actor *who, int64_t resume_id, const char *reason, struct erase_report *rep,
		    char *err, size_t errlen);

/*
 * Erases job_id and every candidate of it the same way, the job's own rows
 * (batches, templates, company details, upload slots) included, with one
 * "job.erased" event. With keep_job (the retention sweep when some
 * candidates are held), only the candidates without a hold of their own
 * go and the job stays; a job hold still refuses. Same returns as
 * erase_candidate().
 */
int erase_job(const struct audit_actor *who, int64_t job_id, const char *reason, bool keep_job,
	      struct erase_report *rep, char *err, size_t errlen);

#endif
