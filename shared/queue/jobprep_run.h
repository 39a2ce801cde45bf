/* jobprep_run: the drainer's side of a job's preparation — claims job_prep tasks and does their work. */
#ifndef SHORTLIST_JOBPREP_RUN_H
#define SHORTLIST_JOBPREP_RUN_H

/*
 * Claims at most one JOBPREP_TASK_KIND task for worker and does it (this
 * may block on the LLM provider for the length of llm_json_call's
 * attempts, or of one request for the criteria): a task for an older
 * version of the job only succeeds (its row, if not asked for again, is
 * ready); else the kind's work runs and its job_prep row becomes ready, or
 * stays pending with the reason while retries are left (the queue's
 * backoff), or failed with the reason once they are not (the criteria then
 * settle on the local rubric). Returns 1 when a task was worked, 0 when none was
 * claimable, or a db status code.
 */
int jobprep_step(const char *worker);

#endif
