/* jobstore: jobs in PostgreSQL — create, read, list, update, close — always scoped to one organisation. */
#ifndef SHORTLIST_JOBSTORE_H
#define SHORTLIST_JOBSTORE_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "score/job.h"

/*
 * Every function takes the caller's organisation and never reads or writes
 * another's rows: a job of another organisation is "not found". Returns 0
 * or a status code (status.h); err gets a message for ST_BAD_REQUEST.
 */

/* Stores a validated job (its rubric, given or derived, included); *id gets the new id. */
int jobstore_create(int64_t org_id, int64_t user_id, struct job *job, int64_t *id);
/* The job's public JSON representation in *out (caller frees), or ST_NOT_FOUND. */
int jobstore_get_json(int64_t org_id, int64_t id, cJSON **out);
/* The job's scoring definition (caller frees with job_free()), or ST_NOT_FOUND. */
int jobstore_load(int64_t org_id, int64_t id, struct job **out);
/*
 * One page of jobs, newest first: ids below before_id (0: from the newest),
 * at most limit. *out gets an array; *next_before is the id to continue
 * from, or 0 when this was the last page.
 */
int jobstore_list_json(int64_t org_id, int64_t before_id, int limit, cJSON **out, int64_t *next_before);
/*
 * Applies a partial update (members of patch replace the job's; null
 * removes an optional one) and re-validates the whole. A changed rubric gets
 * a new version. ST_CONFLICT when the job is closed.
 */
int jobstore_update(int64_t org_id, int64_t id, const cJSON *patch, char *err, size_t errlen);
/* Closes the job (no more uploads). Closing a closed job succeeds. */
int jobstore_close(int64_t org_id, int64_t id);
/*
 * Whether the job takes uploads, with the one answer every route gives: 0
 * when it exists in the organisation and is open, else a status code and
 * the message for the user in why: ST_NOT_FOUND (no such
 * job here: 404), ST_CONFLICT (closed: 409), ST_UNAVAILABLE (PostgreSQL
 * cannot be reached: 503 with Retry-After) or ST_INTERNAL (any other
 * failure to read the state: 500). A caller answers
 * `resp_fail(r, rc, "%s", why)`.
 */
int jobstore_check_open(int64_t org_id, int64_t id, char *why, size_t whylen);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *jobstore_statements(size_t *n);

#endif
