/* rescore: scoring a job's resumes again after a rubric change, and who moved into and out of its shortlist. */
#ifndef SHORTLIST_RESCORE_H
#define SHORTLIST_RESCORE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#define RESCORE_VERSION_MAX 128

struct rescore_result {
	int64_t batch_id; /* the new batch; when nothing was queued, the last rescore batch of this rubric (0: none) */
	int64_t queued;	  /* tasks created now */
	int64_t resumes;  /* resumes of the job */
	bool created;	  /* whether a new batch was made */
	char rubric_version[RESCORE_VERSION_MAX];
};

/*
 * In one transaction: notes the job's current shortlist (the resumes whose
 * current analysis is in category shortlist), creates a batch of source
 * "rescore" holding that snapshot and the job's rubric version, and
 * enqueues a process_resume task for every resume of the job under the key
 * "resume:{id}:rubric:{version}" with payload {resume_id, job_id, batch_id}.
 * A key already queued once is not queued again, so rescoring twice with
 * the same rubric queues nothing: then the transaction is rolled back (no
 * empty batch) and out names the earlier batch. Concurrent rescores of one
 * job take turns (the job row is locked). Returns 0, ST_NOT_FOUND when the
 * organisation has no such job, or a status code (nothing written).
 */
int rescore_start(int64_t org_id, int64_t job_id, struct rescore_result *out);

/*
 * Who moved into and out of the shortlist with rescore batch batch_id of
 * org_id, comparing the snapshot taken when it started with the current
 * analyses now: {"moved_in": [...], "moved_out": [...]}, each entry
 * {resume_id, name, score, category}, highest score first. moved_in holds
 * the batch's resumes that are shortlisted now and were not before;
 * moved_out those that were and are not any more. Meaningful once the
 * batch's tasks are done (see progress.h). *out is a new object (caller
 * frees). Returns 0, ST_NOT_FOUND when there is no such rescore batch, or
 * a db status code.
 */
int rescore_changes(int64_t org_id, int64_t batch_id, cJSON **out);

#endif
