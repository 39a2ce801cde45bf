/* rubricstore: the versions of a job's rubric in PostgreSQL — record, read, list, diff, a recruiter's edit, the rescore offer. */
#ifndef SHORTLIST_RUBRICSTORE_H
#define SHORTLIST_RUBRICSTORE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "score/rubric.h"

/* Sources of a rubric version. */
#define RUBRIC_SOURCE_LOCAL "local"	    /* the local derivation (rubric_derive) */
#define RUBRIC_SOURCE_LLM "llm"		    /* criteria from the LLM provider */
#define RUBRIC_SOURCE_RECRUITER "recruiter" /* edited through the API or the web app */
#define RUBRIC_SOURCE_GIVEN "given"	    /* given with the job when it was created */

/*
 * Every function is scoped to org_id: another organisation's job is
 * ST_NOT_FOUND. Returns 0 or a status code (status.h).
 */

/*
 * Inside the caller's transaction, with the job's row locked: records r as
 * the job's next rubric version (number = last + 1) from source, with
 * suggested (a JSON array of criterion names, NULL: none) and note (NULL:
 * ""), and makes it the rubric in force (jobs.rubric, rubric_version,
 * rubric_number, and rubric_state "provisional" or "ready"). *number (may
 * be NULL) gets the new number. jobs.updated_at, the version of the job's
 * details its preparation is made for (jobprep.h), is left alone: a rubric
 * version has its number.
 */
int rubricstore_record(int64_t org_id, int64_t job_id, int64_t user_id, const struct rubric *r, const char *source,
		       const cJSON *suggested, const char *note, bool provisional, int *number);

/*
 * The rubric in force: {"job_id", "number", "version", "source", "state",
 * "note", "created_at", "created_by", "criteria": [... each with
 * "suggested"], "rescore": {"resumes", "stale"}} where stale counts the
 * job's resumes whose current analysis used another rubric version (those
 * a rescore would change).
 */
int rubricstore_current_json(int64_t org_id, int64_t job_id, cJSON **out);

/* Every version, newest first (at most 100): [{"number", "version", "source", "note", "criteria", "suggested", "created_at", "created_by"}]. */
int rubricstore_versions_json(int64_t org_id, int64_t job_id, cJSON **out);

/*
 * The diff from version from to version to (0: the one in force; from 0:
 * the version before to): {"from", "to", "added", "removed", "changed",
 * "unchanged", "rescore": {...}} (see rubric_diff). ST_NOT_FOUND when a
 * version does not exist; ST_BAD_REQUEST (err) when to is 1 and from is 0.
 */
int rubricstore_diff_json(int64_t org_id, int64_t job_id, int from, int to, cJSON **out, char *err, size_t errlen);

/*
 * A recruiter's rubric (body: {"criteria": [...]}, as rubric_from_json
 * reads it) becomes the job's rubric: validated (ST_BAD_REQUEST with the
 * field in err), kept in the job's spec (so a later description change keeps
 * it) and recorded as a version of source "recruiter", unless it says
 * exactly what the rubric in force says (*changed false, nothing written).
 * Criteria left exactly as suggested stay marked suggested. ST_CONFLICT
 * (err) when the job is closed.
 */
int rubricstore_put(int64_t org_id, int64_t job_id, int64_t user_id, const cJSON *body, bool *changed, char *err,
		    size_t errlen);

#endif
