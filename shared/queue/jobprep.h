/* jobprep: work made for a job ahead of its first upload or email (warming) — requested by the web, done by the drainer. */
#ifndef SHORTLIST_JOBPREP_H
#define SHORTLIST_JOBPREP_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A job's preparation is a fixed list of kinds (jobprep_kinds, and
 * JOBPREP_CRITERIA for a job whose criteria are asked of the LLM), each a row
 * of job_prep (pending, ready or failed with a reason) for one version of
 * the job (jobs.updated_at) and one task of JOBPREP_TASK_KIND whose payload
 * is {"job_id", "kind", "job_updated_at"}. Requesting is cheap and never
 * talks to the LLM: it is all a web request does. jobprep_run.h does the
 * work in the drainer. A new kind is a name here and a function there.
 */
#define JOBPREP_TASK_KIND "job_prep"
/* Above resume tasks (priority 0), so a job is warm before its resumes are scored. */
#define JOBPREP_PRIORITY 50

#define JOBPREP_COMPANY "company_details"
#define JOBPREP_TEMPLATES "email_templates"
/*
 * A job's criteria from the LLM (score/criteria.h): requested only for a
 * job whose rubric is the local derivation while a provider is configured,
 * by jobstore in the transaction that records that rubric. Not among
 * jobprep_kinds(), and no email waits for it.
 */
#define JOBPREP_CRITERIA "criteria"

/* The kinds every job is prepared for, NULL-terminated; borrowed, static. */
const char *const *jobprep_kinds(void);

/*
 * Marks every kind pending for the job's current version and enqueues one
 * task each (idempotent per version: asking twice for the same version makes
 * no second task). Runs in its own transaction unless the caller has one
 * open. Returns 0, ST_NOT_FOUND when the job is not the organisation's, or
 * a db status code.
 */
int jobprep_request(int64_t org_id, int64_t job_id);

/*
 * jobprep_request() for one kind (JOBPREP_CRITERIA): marks it pending for
 * the job's current version and enqueues its task, idempotent per version.
 * Same transaction rules and returns as jobprep_request().
 */
int jobprep_request_kind(int64_t org_id, int64_t job_id, const char *kind);

/*
 * {"<kind>": {"state", "reason", "updated_at"}, ...} for every kind: state
 * "pending", "ready" or "failed" (reason says why; null otherwise), or
 * "not_requested" for a job made before preparation existed; and
 * JOBPREP_CRITERIA the same way when it was ever requested for the job.
 * Also the member "ready": whether every kind listed is ready. *out is new
 * (caller frees). Returns 0 or a db status code.
 */
int jobprep_status_json(int64_t org_id, int64_t job_id, cJSON **out);

/*
 * Whether any of jobprep_kinds() is pending for the job (*pending). Locks
 * those rows FOR SHARE until the caller's transaction ends, so a drainer
 * finishing them waits for the caller's commit and then sees what it wrote
 * (an email that was made to wait is released, mailwait.h). Returns 0 or a
 * db status code.
 */
int jobprep_pending(int64_t job_id, bool *pending);

/*
 * Records the outcome of kind for the job version job_updated_at (the text
 * of jobs.updated_at the task was made for): state "ready", "failed" or
 * "pending" (a retry is coming), reason NULL or why. A row for another
 * version is left alone. Returns 0 or a db status code.
 */
int jobprep_record(int64_t job_id, const char *kind, const char *job_updated_at, const char *state, const char *reason);

/* The statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, ...). */
struct counters_statement;
const struct counters_statement *jobprep_statements(size_t *n);

#endif
