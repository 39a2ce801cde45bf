/* jobprep_run: the drainer's side of a job's preparation — claims job_prep tasks and does their work. */
#include "queue/jobprep_run.h"

#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/company_warm.h"
#include "mail/emailtpl_warm.h"
#include "mail/mailwait.h"
#include "queue/jobprep.h"
#include "queue/queue.h"
#include "score/criteria_llm.h"

/*
 * The work of one kind: 0 done, -1 failed with err (worth a retry), or a
 * status code; and, when not NULL, what is done inside the settling
 * transaction once its retries are spent (reason: the last error).
 */
struct jobprep_kind {
	const char *name;
	int (*run)(int64_t org_id, int64_t job_id, const char *job_updated_at, char *err, size_t errlen);
	int (*give_up)(int64_t org_id, int64_t job_id, const char *reason);
};

static int run_templates(int64_t org_id, int64_t job_id, const char *job_updated_at, char *err, size_t errlen)
{
	(void)job_updated_at;
	return emailtpl_warm(org_id, job_id, err, errlen);
}

static const struct jobprep_kind runners[] = {
	{ JOBPREP_CRITERIA, criteria_prepare, criteria_give_up },
	{ JOBPREP_COMPANY, company_warm, NULL },
	{ JOBPREP_TEMPLATES, run_templates, NULL },
};

static const struct jobprep_kind *runner_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(runners); i++)
		if (strcmp(runners[i].name, name) == 0)
			return &runners[i];
	return NULL;
}

/* Whether the job still is at version (0 yes, ST_GONE when changed or gone), or a db code. */
static int current(int64_t job_id, const char *version)
{
	struct db_result *res = NULL;
	char job[24];
	const char *p[2] = { job, version };
	int rc;

	db_int_param(job_id, job);
	rc = db_query("jobprep_current", "SELECT 1 FROM jobs WHERE id = $1 AND updated_at = $2::timestamptz", 2, p,
		      &res);
	if (rc == 0 && db_rows(res) != 1)
		rc = ST_GONE;
	db_result_free(res);
	return rc;
}

/* Records the row's state and settles the task in one transaction, while the claim holds. */
static int settle(const struct queue_task *t, int64_t job_id, const struct jobprep_kind *k, const char *kind,
		  const char *version, int outcome, const char *err)
{
	bool discarded = false;
	int rc = db_begin();

	if (rc == 0)
		rc = queue_still_owned(t);
	if (rc == 0 && outcome == 0)
		rc = jobprep_record(job_id, kind, version, "ready", NULL);
	if (rc == 0 && outcome == 0)
		rc = queue_succeed(t);
	if (rc == 0 && outcome < 0)
		/* (-1 is ST_BAD_REQUEST's value too: a kind's failure is told from an unknown kind by k.) */
		rc = queue_fail(t, err, k && outcome != ST_NOT_FOUND, NULL, &discarded);
	if (rc == 0 && outcome < 0)
		rc = jobprep_record(job_id, kind, version, discarded ? "failed" : "pending", err);
	if (rc == 0 && outcome < 0 && discarded && k && k->give_up)
		rc = k->give_up(t->org_id, job_id, err);
	if (rc == 0) {
		/* The last kind done: the emails that waited for it go out, rendered from what was prepared. */
		int released = mailwait_release(job_id);

		rc = released < 0 ? released : 0;
	}
	if (rc == 0)
		rc = db_commit();
	if (rc < 0)
		db_rollback();
	return rc;
}

int jobprep_step(const char *worker)
{
	static const char *const kinds[] = { JOBPREP_TASK_KIND, NULL };
	struct queue_task *tasks = NULL;
	const struct jobprep_kind *k;
	cJSON *payload = NULL;
	char err[600] = "";
	int64_t job_id, started = now_us();
	int n = 0, rc, outcome;
	const char *kind, *version;

	rc = queue_claim(worker, kinds, 1, 0, &tasks, &n);
	if (rc < 0 || n == 0)
		return rc;
	payload = cJSON_Parse(tasks[0].payload);
	job_id = json_int(payload, "job_id", 0);
	kind = json_str(payload, "kind", "");
	version = json_str(payload, "job_updated_at", "");
	k = runner_of(kind);
	rc = current(job_id, version);
	if (rc == ST_GONE) {
		/*
		 * The job changed (a newer task prepares it) or went away: nothing to do. A row
		 * still at this version was not asked for again (the criteria of a job whose
		 * rubric is no longer the local one): nothing is left to prepare for it.
		 */
		rc = jobprep_record(job_id, kind, version, "ready", NULL);
		if (rc == 0)
			rc = queue_succeed(&tasks[0]);
		outcome = 1;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (!k) {
		snprintf(err, sizeof(err), "unknown preparation kind '%s'", kind);
		outcome = ST_BAD_REQUEST;
	} else {
		outcome = k->run(tasks[0].org_id, job_id, version, err, sizeof(err));
		if (outcome < -1 && !*err)
			snprintf(err, sizeof(err), "%s", status_title(outcome));
	}
	rc = settle(&tasks[0], job_id, k, kind, version, outcome, err);
out:
	log_task(tasks[0].kind, tasks[0].id, tasks[0].attempt,
		 rc < 0				? "error"
		 : outcome == 0 || outcome == 1 ? "succeeded"
						: "failed",
		 now_us() - started, tasks[0].request_id);
	cJSON_Delete(payload);
	queue_tasks_free(tasks, n);
	return rc < 0 ? rc : 1;
}
