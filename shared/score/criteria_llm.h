/* criteria_llm: the drainer's side of a job's criteria — asks the LLM provider and records the answer as the job's next rubric version. */
#ifndef SHORTLIST_CRITERIA_LLM_H
#define SHORTLIST_CRITERIA_LLM_H

#include <stddef.h>
#include <stdint.h>

/*
 * The work of the JOBPREP_CRITERIA preparation kind (jobprep_run.c), for
 * the job version job_updated_at. Nothing to do (0) when the rubric in force
 * is no longer the local derivation (a recruiter's, the LLM's, or the job
 * closed or gone). With no provider configured the local rubric is settled
 * (0). Else one request to the provider (llm_json_call_once(), answers
 * cached in memcached by prompt): its criteria become the job's next rubric
 * version, source "llm", and 0 is returned; or -1 with the reason in err,
 * the local rubric staying provisional (the queue retries the task with its
 * backoff). Blocking for at most one request; the drainer only.
 */
int criteria_prepare(int64_t org_id, int64_t job_id, const char *job_updated_at, char *err, size_t errlen);

/*
 * Inside the caller's transaction, once the task's retries are spent: the
 * local rubric stays, settled (rubric_state "ready"), its version's note
 * saying why (reason). Only while that rubric is still the local one in
 * force. Returns 0 or a db status code.
 */
int criteria_give_up(int64_t org_id, int64_t job_id, const char *reason);

#endif
