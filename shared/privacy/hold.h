/* hold: legal holds on a job or a candidate, which stop the retention sweep and every erasure. */
#ifndef SHORTLIST_HOLD_H
#define SHORTLIST_HOLD_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "core/audit.h"

/*
 * ST_CONFLICT, with err naming the hold ("legal hold 4 on candidate 17
 * (reason) stops the erasure; release it first"), when an active hold is on
 * job_id (when > 0) or on one of the resumes of ids_array (PostgreSQL's
 * text of a bigint[]); 0 when none is, or a db status code.
 */
int hold_check(int64_t org_id, int64_t job_id, const char *ids_array, char *err, size_t errlen);

/*
 * Places a hold on job_id or on resume_id (exactly one > 0) of the
 * caller's organisation, with its "hold.placed" audit event in the same
 * transaction. *out is the hold's JSON (caller frees). Returns 0,
 * ST_NOT_FOUND when there is no such job or candidate, or a db status code.
 */
int hold_place(const struct audit_actor *who, int64_t job_id, int64_t resume_id, const char *reason, cJSON **out);

/*
 * Releases active hold id, with its "hold.released" event. Returns 0,
 * ST_NOT_FOUND when the organisation has no such active hold, or a db status code.
 */
int hold_release(const struct audit_actor *who, int64_t id, const char *reason);

/*
 * A page of the organisation's holds, newest first (ids below before_id,
 * 0: from the newest): {id, job_id, resume_id, reason, created_at,
 * created_by: {user_id, key_id}, released_at, active}. Returns 0 or a db status code.
 */
int hold_list_json(int64_t org_id, int64_t before_id, int limit, cJSON **items, int64_t *next_before);

/* The statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID). */
struct counters_statement;
const struct counters_statement *hold_statements(size_t *n);

#endif
