/* progress: how far a batch of resumes has got — counts by state and category, percent, ETA and failures. */
#ifndef SHORTLIST_PROGRESS_H
#define SHORTLIST_PROGRESS_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core/counters.h"

/* Most failures (failed and needs_review resumes) one report lists; the rest are counted. */
#define PROGRESS_FAILURES_MAX 100

/*
 * The progress of batch_id of org_id as a new JSON object (caller frees):
 * {batch_id, job_id, source, state ("running" or "finished"), total, done,
 * percent, eta_seconds, counts {queued, processing, scored, needs_review,
 * failed}, categories {shortlist, consider, reject} (of the scored ones),
 * started_at, finished_at, failures [{resume_id, filename, status, reason}],
 * failures_more, and for presigned batches awaiting_upload, for rescore
 * batches rubric_version and shortlist_changes (see rescore.h; null until
 * finished)}.
 *
 * An upload or presigned batch holds the resumes that name it; a rescore
 * batch holds the resumes of the process_resume tasks that name it in their
 * payload. Each one's state comes from its task (queued, running =
 * processing, discarded = failed with the task's last error) and, once the
 * task has succeeded, from the resume's current analysis. The counts are the
 * batch's counters (core/counters.h), kept in step by the database's
 * triggers, so a poll costs the same for 10 resumes as for 100,000. The ETA is the
 * time still needed at the batch's observed rate (elapsed since its
 * creation / done x remaining): null until something is done, 0 when
 * finished.
 *
 * job_id > 0 and source not NULL restrict the batch to that job and source.
 * Returns 0, ST_NOT_FOUND when the organisation has no such batch, or a db
 * status code.
 */
int progress_batch(int64_t org_id, int64_t batch_id, int64_t job_id, const char *source, cJSON **out);

/*
 * The estimate above: seconds still needed when done of total items took
 * elapsed_s seconds; -1 when unknown (nothing done yet), 0 when done >= total.
 */
int64_t progress_eta_seconds(double elapsed_s, int64_t done, int64_t total);

/* The statements of this module that plan checks explain (borrowed, static); *n gets their number. */
const struct counters_statement *progress_statements(size_t *n);

#endif
