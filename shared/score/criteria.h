/* criteria: what a job's criteria from the LLM are made of — the request, the prompt, the schema and the answer's validation (no LLM client: criteria_llm.h asks). */
#ifndef SHORTLIST_CRITERIA_H
#define SHORTLIST_CRITERIA_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "score/job.h"

/* The most criteria kept from one answer. */
#define CRITERIA_MAX 20

/*
 * Whether new jobs get their criteria from the LLM: an openai provider is
 * configured (llm_provider_select(), which links no LLM client, so the web
 * handlers may ask).
 */
bool criteria_enabled(void);

/*
 * Inside the caller's transaction, after the job's row has its new
 * updated_at: asks the drainer for job_id's criteria, as the JOBPREP_CRITERIA
 * kind of the job's preparation for that version (jobprep.h; the task is
 * retried with the queue's backoff). The drainer replaces the job's rubric
 * only while the one in force is the local derivation. Returns 0 or a db
 * status code.
 */
int criteria_request(int64_t org_id, int64_t job_id);

/* The user message asked about: the job's title, required skills and description (caller frees). */
char *criteria_user_prompt(const struct job *job);

/* The strict JSON schema of the answer (caller frees). */
cJSON *criteria_schema(void);

/*
 * The rubric made of an answer {"criteria": [{"title", "evidence",
 * "weight", "must_have", "keywords"}]}: titles cut to RUBRIC_NAME_MAX bytes,
 * duplicates and blank ones left out, at most CRITERIA_MAX. NULL with the
 * reason in err when nothing usable is left.
 */
struct rubric *criteria_from_answer(const cJSON *answer, char *err, size_t errlen);

#endif
