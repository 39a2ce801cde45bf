/* retention: each organisation's retention policy and the sweep that applies it. */
#ifndef SHORTLIST_RETENTION_H
#define SHORTLIST_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "core/audit.h"

/* The bounds the schema enforces (migration 0240). */
#define RETENTION_MONTHS_MIN 1
#define RETENTION_MONTHS_MAX 120
#define AUDIT_RETENTION_MONTHS_MIN 6
#define AUDIT_RETENTION_MONTHS_MAX 240

/* {retention_months, audit_retention_months}: the organisation's policy. Caller frees. */
int retention_policy_json(int64_t org_id, cJSON **out);

/*
 * Changes the policy (a value <= 0 leaves its setting alone), with a
 * "retention.changed" audit event holding both policies. Returns 0,
 * ST_BAD_REQUEST (err says which bound) or a db status code.
 */
int retention_policy_set(const struct audit_actor *who, int retention_months, int audit_retention_months, char *err,
			 size_t errlen);

/*
 * The sweep of one organisation (org_id > 0) or of all (0). A closed job is
 * due retention_months after it closed: when it has no hold, it and its
 * candidates are erased (privacy/erase.h) by the actor "retention"; when
 * some candidates are held, only the others go and the job stays; a job
 * hold skips it. Audit events older than audit_retention_months are then
 * deleted (the one deletion the audit table allows). With dry_run nothing
 * changes and the report says what would be done: {dry_run, as_of, jobs:
 * [{job_id, org_id, title, closed_at, due_at, candidates, candidates_held,
 * job_held, action: "erase_job" | "erase_unheld_candidates" | "skip_held",
 * result (not in a dry run): {erased: ..} | {error: ..}}], audit_events_due,
 * audit_events_deleted}. Every run is recorded in retention_runs. Caller
 * frees *report. Returns 0 (jobs that failed are in the report) or a db status code.
 */
int retention_sweep(int64_t org_id, bool dry_run, cJSON **report);

/*
 * The drainer's call, every maintenance round: runs the sweep of every
 * organisation when no sweep has started in the last day (one drainer
 * claims the day's run with a row of retention_runs, under a
 * transaction-level advisory lock), and logs what it did. Returns 1 when
 * it ran, 0 when it was not due, or a db status code.
 */
int retention_tend(void);

#endif
