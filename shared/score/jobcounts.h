/* jobcounts: a job's resumes by status and current candidates by category, from its counters. */
#ifndef SHORTLIST_JOBCOUNTS_H
#define SHORTLIST_JOBCOUNTS_H

#include <cJSON.h>
#include <stdint.h>

/*
 * {"resumes": {queued, processing, scored, needs_review, failed},
 * "candidates": {shortlist, consider, reject, needs_review, failed}} of
 * job_id, every state present (0 when none), from the job's counters (one
 * index range, whatever the job's size). The caller has checked that the
 * job is its organisation's. Returns 0 with *out a new object (caller
 * frees), or a db status code.
 */
int jobcounts_json(int64_t job_id, cJSON **out);

#endif
