/* jobprep: work made for a job ahead of its first upload or email (warming) — requested by the web, done by the drainer. */
#include "queue/jobprep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"
#include "core/log.h"
#include "queue/queue.h"

static const char *const kinds[] = { JOBPREP_COMPANY, JOBPREP_TEMPLATES, NULL };

const char *const *jobprep_kinds(void)
{
	return kinds;
}

/* The statements, named for the plan checks (jobprep_statements). */
static const char pending_sql[] = "INSERT INTO job_prep (job_id, org_id, kind, state, job_updated_at)"
				  " VALUES ($1, $2, $3, 'pending', $4::timestamptz)"
				  " ON CONFLICT (job_id, kind) DO UPDATE SET state = 'pending', reason = NULL,"
				  " job_updated_at = EXCLUDED.job_updated_at, updated_at = now()"
				  " WHERE job_prep.job_updated_at <> EXCLUDED.job_updated_at";
static const char version_sql[] = "SELECT updated_at::text FROM jobs WHERE org_id = $1 AND id = $2 FOR SHARE";
static const char status_sql[] = "SELECT kind, state, reason, to_jsonb(updated_at) #>> '{}' FROM job_prep"
				 " WHERE org_id = $1 AND job_id = $2";
static const char pending_rows_sql[] =
	"SELECT 1 FROM job_prep WHERE job_id = $1 AND state = 'pending' AND kind <> '" JOBPREP_CRITERIA "' FOR SHARE";
static const char record_sql[] = "UPDATE job_prep SET state = $4, reason = left($5, 500), updated_at = now()"
				 " WHERE job_id = $1 AND kind = $2 AND job_updated_at = $3::timestamptz";

/* Marks kind pending for the version and enqueues its task; inside the caller's transaction. */
static int request_kind(int64_t org_id, int64_t job_id, const char *version, const char *kind)
{
	char org[24], job[24], key[QUEUE_KEY_MAX], *payload;
	const char *p[4] = { job, org, kind, version };
	cJSON *pl = cJSON_CreateObject();
	struct db_result *res = NULL;
	int64_t task;
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("jobprep_pending", pending_sql, 4, p, &res);
	db_result_free(res);
	if (rc < 0)
		goto out;
	if (snprintf(key, sizeof(key), "job_prep:%lld:%s:%s", (long long)job_id, kind, version) >= (int)sizeof(key)) {
		rc = ST_INTERNAL;
		goto out;
	}
	cJSON_AddNumberToObject(pl, "job_id", (double)job_id);
	cJSON_AddStringToObject(pl, "kind", kind);
	cJSON_AddStringToObject(pl, "job_updated_at", version);
	payload = json_print(pl);
	rc = queue_enqueue(JOBPREP_TASK_KIND, key, org_id, payload, JOBPREP_PRIORITY, 0, &task, NULL);
	free(payload);
out:
	cJSON_Delete(pl);
	return rc;
}

/* Requests kinds (NULL-terminated) for the job's current version. */
static int request_kinds(int64_t org_id, int64_t job_id, const char *const *list)
{
	struct db_result *res = NULL;
	char org[24], job[24], *version = NULL;
	const char *p[2] = { org, job };
	bool own = !db_in_transaction();
	size_t i;
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	if (own && (rc = db_begin()) < 0)
		return rc;
	rc = db_query("jobprep_version", version_sql, 2, p, &res);
	if (rc == 0 && db_rows(res) != 1)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		version = xstrdup(db_value(res, 0, 0));
	db_result_free(res);
	for (i = 0; rc == 0 && list[i]; i++)
		rc = request_kind(org_id, job_id, version, list[i]);
	if (own) {
		if (rc == 0)
			rc = db_commit();
		if (rc < 0)
			db_rollback();
	}
	free(version);
	return rc;
}

int jobprep_request(int64_t org_id, int64_t job_id)
{
	return request_kinds(org_id, job_id, kinds);
}

int jobprep_request_kind(int64_t org_id, int64_t job_id, const char *kind)
{
	const char *list[2] = { kind, NULL };

	return request_kinds(org_id, job_id, list);
}

/* Adds kind's member to out from the rows of res; false when it is not ready. */
static bool add_state(cJSON *out, const struct db_result *res, const char *kind)
{
	cJSON *k = cJSON_AddObjectToObject(out, kind);
	const char *state = "not_requested", *reason = NULL, *at = NULL;
	int row;

	for (row = 0; row < db_rows(res); row++) {
		if (strcmp(db_value(res, row, 0), kind) != 0)
			continue;
		state = db_value(res, row, 1);
		reason = db_value(res, row, 2);
		at = db_value(res, row, 3);
	}
	cJSON_AddStringToObject(k, "state", state);
	json_add_str_or_null(k, "reason", reason);
	json_add_str_or_null(k, "updated_at", at);
	return strcmp(state, "ready") == 0;
}

int jobprep_status_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	bool all_ready = true;
	size_t i;
	int rc, row;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("jobprep_status", status_sql, 2, p, &res);
	if (rc < 0)
		return rc;
	*out = cJSON_CreateObject();
	for (i = 0; kinds[i]; i++)
		if (!add_state(*out, res, kinds[i]))
			all_ready = false;
	for (row = 0; row < db_rows(res); row++)
		if (strcmp(db_value(res, row, 0), JOBPREP_CRITERIA) == 0 && !add_state(*out, res, JOBPREP_CRITERIA))
			all_ready = false;
	cJSON_AddBoolToObject(*out, "ready", all_ready);
	db_result_free(res);
	return 0;
}

int jobprep_pending(int64_t job_id, bool *pending)
{
	struct db_result *res = NULL;
	char job[24];
	const char *p[1] = { job };
	int rc;

	*pending = false;
	db_int_param(job_id, job);
	rc = db_query("jobprep_pending_rows", pending_rows_sql, 1, p, &res);
	if (rc == 0)
		*pending = db_rows(res) > 0;
	db_result_free(res);
	return rc;
}

int jobprep_record(int64_t job_id, const char *kind, const char *job_updated_at, const char *state, const char *reason)
{
	struct db_result *res = NULL;
	char job[24];
	const char *p[5] = { job, kind, job_updated_at, state, reason };
	int rc;

	db_int_param(job_id, job);
	rc = db_query("jobprep_record", record_sql, 5, p, &res);
	db_result_free(res);
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "jobprep_pending", pending_sql, "JOB_ID, ORG_ID, 'company_details', now()" },
	{ "jobprep_version", version_sql, "ORG_ID, JOB_ID" },
	{ "jobprep_status", status_sql, "ORG_ID, JOB_ID" },
	{ "jobprep_pending_rows", pending_rows_sql, "JOB_ID" },
	{ "jobprep_record", record_sql, "JOB_ID, 'company_details', now(), 'ready', NULL" },
};

const struct counters_statement *jobprep_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
