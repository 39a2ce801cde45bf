/* criteria: a job's rubric asked of the LLM provider by the drainer, as a task made when the job is created or its description changes. */
#ifndef SHORTLIST_CRITERIA_H
#define SHORTLIST_CRITERIA_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "score/job.h"

/* The task kind, and the most criteria kept from one answer. */
#define CRITERIA_TASK_KIND "job_criteria"
#define CRITERIA_MAX 20
/* Attempts before the local rubric is settled on (each llm_json_call makes up to 3 requests itself). */
#define CRITERIA_ATTEMPTS 3

/*
 * Whether new jobs get their criteria from the LLM: an openai provider is
 * configured (llm_json_enabled()).
 */
bool criteria_enabled(void);

/*
 * Inside the caller's transaction: queues the task asking for job_id's
 * criteria, to replace rubric version number (the provisional local one)
 * when it is still in force when the answer comes. Keyed by the job and a
 * hash of the text asked about, so the same text is asked once.
 */
int criteria_request(int64_t org_id, int64_t job_id, int number, const struct job *job);

/* The strict JSON schema of the answer (caller frees). */
cJSON *criteria_schema(void);

/*
 * The rubric made of an answer {"criteria": [{"title", "evidence",
 * "weight", "must_have", "keywords"}]}: titles cut to RUBRIC_NAME_MAX bytes,
 * duplicates and blank ones left out, at most CRITERIA_MAX. NULL with the
 * reason in err when nothing usable is left.
 */
struct rubric *criteria_from_answer(const cJSON *answer, char *err, size_t errlen);

/*
 * One step of the drainer: claims at most one criteria task for worker and
 * settles it (the LLM's criteria recorded as the job's next rubric version,
 * or, after CRITERIA_ATTEMPTS or with no provider, the local rubric kept
 * and marked ready with the reason). Blocking for the length of one LLM
 * call. Returns 1 when a task was handled, 0 when none was ready, or a db
 * status code.
 */
int criteria_step(const char *worker);

#endif
