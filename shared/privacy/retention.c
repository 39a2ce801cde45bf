/* retention: each organisation's retention policy and the sweep that applies it. */
#include "privacy/retention.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"
#include "privacy/erase.h"

#define POLICY_JSON \
	"jsonb_build_object('retention_months', o.retention_months, 'audit_retention_months'," \
	" o.audit_retention_months)::text"

int retention_policy_json(int64_t org_id, cJSON **out)
{
	char org[24];
	const char *p[1] = { org };

	db_int_param(org_id, org);
	return db_query_json("retention_policy", "SELECT " POLICY_JSON " FROM organisations o WHERE o.id = $1", 1, p,
			     out);
}

int retention_policy_set(const struct audit_actor *who, int retention_months, int audit_retention_months, char *err,
			 size_t errlen)
{
	char org[24], rm[24], am[24];
	const char *p[3] = { org, rm, am };
	cJSON *before = NULL, *after = NULL, *details;
	int rc;

	if (retention_months > 0 &&
	    (retention_months < RETENTION_MONTHS_MIN || retention_months > RETENTION_MONTHS_MAX)) {
		fail(err, errlen, "retention_months: must be between %d and %d", RETENTION_MONTHS_MIN,
		     RETENTION_MONTHS_MAX);
		return ST_BAD_REQUEST;
	}
	if (audit_retention_months > 0 && (audit_retention_months < AUDIT_RETENTION_MONTHS_MIN ||
					   audit_retention_months > AUDIT_RETENTION_MONTHS_MAX)) {
		fail(err, errlen,
		     "audit_retention_months: must be between %d and %d (the EU AI Act asks for six at least)",
		     AUDIT_RETENTION_MONTHS_MIN, AUDIT_RETENTION_MONTHS_MAX);
		return ST_BAD_REQUEST;
	}
	db_int_param(who->org_id, org);
	db_int_param(retention_months, rm);
	db_int_param(audit_retention_months, am);
	rc = db_begin();
	if (rc == 0)
		rc = db_query_json("retention_policy_lock",
				   "SELECT " POLICY_JSON " FROM organisations o WHERE o.id = $1 FOR UPDATE", 1, p,
				   &before);
	if (rc == 0)
		rc = db_query_json(
			"retention_policy_set",
			"UPDATE organisations o SET retention_months = CASE WHEN $2::int > 0 THEN $2::int"
			" ELSE retention_months END, audit_retention_months = CASE WHEN $3::int > 0"
			" THEN $3::int ELSE audit_retention_months END WHERE o.id = $1 RETURNING " POLICY_JSON,
			3, p, &after);
	if (rc == 0) {
		struct audit_event ev = { "retention.changed", 0, 0, NULL, 0, NULL };

		details = cJSON_CreateObject();
		cJSON_AddItemToObject(details, "before", before);
		cJSON_AddItemToObject(details, "after", after);
		before = after = NULL;
		ev.details = details;
		rc = audit_record(who, &ev);
		cJSON_Delete(details);
	}
	if (rc == 0)
		rc = db_commit();
	if (rc < 0)
		db_rollback();
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

/* The jobs due, oldest first, at most 1000 a run (the next run takes the rest). */
static const char due_sql[] =
	"SELECT COALESCE(jsonb_agg(to_jsonb(x) ORDER BY x.closed_at, x.job_id), '[]'::jsonb)::text FROM ("
	" SELECT j.id AS job_id, j.org_id, j.title, j.closed_at,"
	" j.closed_at + make_interval(months => o.retention_months) AS due_at,"
	" (SELECT count(*) FROM resumes r WHERE r.job_id = j.id) AS candidates,"
	" (SELECT count(*) FROM resumes r WHERE r.job_id = j.id AND EXISTS (SELECT 1 FROM legal_holds h"
	" WHERE h.resume_id = r.id AND h.released_at IS NULL)) AS candidates_held,"
	" EXISTS (SELECT 1 FROM legal_holds h WHERE h.job_id = j.id AND h.released_at IS NULL) AS job_held"
	" FROM jobs j JOIN organisations o ON o.id = j.org_id"
	" WHERE j.status = 'closed' AND j.closed_at < now() - make_interval(months => o.retention_months)"
	" AND ($1::bigint = 0 OR j.org_id = $1::bigint) ORDER BY j.closed_at, j.id LIMIT 1000) x";

static const char audit_due_sql[] = "SELECT count(*) FROM audit_events e JOIN organisations o ON o.id = e.org_id"
				    " WHERE ($1::bigint = 0 OR e.org_id = $1::bigint)"
				    " AND e.created_at < now() - make_interval(months => o.audit_retention_months)";

static const char audit_sweep_sql[] = "DELETE FROM audit_events e USING organisations o WHERE o.id = e.org_id"
				      " AND ($1::bigint = 0 OR e.org_id = $1::bigint)"
				      " AND e.created_at < now() - make_interval(months => o.audit_retention_months)";

static int64_t num(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Decides what the sweep does to one due job and, unless dry_run, does it. */
static void sweep_job(cJSON *job, bool dry_run)
{
	int64_t held = num(job, "candidates_held"), all = num(job, "candidates");
	const char *action = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(job, "job_held")) ? "skip_held"
			     : held > 0 ? (all > held ? "erase_unheld_candidates" : "skip_held")
					: "erase_job";
	struct audit_actor who = { num(job, "org_id"), 0, 0, "", "retention" };
	struct erase_report rep;
	char err[300];
	int rc;

	cJSON_AddStringToObject(job, "action", action);
	if (dry_run || strcmp(action, "skip_held") == 0)
		return;
	rc = erase_job(&who, num(job, "job_id"), "retention period ended", held > 0, &rep, err, sizeof(err));
	if (rc == 0) {
		cJSON *res = cJSON_AddObjectToObject(job, "result");

		cJSON_AddItemToObject(res, "erased", erase_report_json(&rep));
	} else {
		cJSON *res = cJSON_AddObjectToObject(job, "result");

		cJSON_AddStringToObject(res, "error", *err ? err : status_title(rc));
	}
}

int retention_sweep(int64_t org_id, bool dry_run, cJSON **report)
{
	char org[24];
	const char *p[1] = { org };
	struct db_result *res = NULL;
	cJSON *jobs = NULL, *job, *out;
	int64_t deleted = 0;
	char *text;
	int rc;

	*report = NULL;
	db_int_param(org_id, org);
	rc = db_query_json("retention_due", due_sql, 1, p, &jobs);
	if (rc < 0)
		return rc;
	cJSON_ArrayForEach(job, jobs)
	{
		sweep_job(job, dry_run);
	}
	out = cJSON_CreateObject();
	cJSON_AddBoolToObject(out, "dry_run", dry_run);
	cJSON_AddItemToObject(out, "jobs", jobs);
	rc = db_query("retention_audit_due", audit_due_sql, 1, p, &res);
	if (rc == 0)
		cJSON_AddNumberToObject(out, "audit_events_due", (double)db_int(res, 0, 0, 0));
	db_result_free(res);
	if (rc == 0 && !dry_run) {
		rc = db_begin();
		if (rc == 0)
			rc = db_exec("retention_audit_on", "SELECT set_config('shortlist.audit_sweep', 'on', true)", 0,
				     NULL, NULL);
		if (rc == 0)
			rc = db_exec("retention_audit_sweep", audit_sweep_sql, 1, p, &deleted);
		if (rc == 0)
			rc = db_commit();
		if (rc < 0)
			db_rollback();
	}
	cJSON_AddNumberToObject(out, "audit_events_deleted", (double)deleted);
	if (rc == 0) {
		const char *q[2] = { dry_run ? "true" : "false", NULL };

		text = cJSON_PrintUnformatted(out);
		q[1] = text;
		rc = db_query("retention_run",
			      "INSERT INTO retention_runs (dry_run, report) VALUES ($1, $2::jsonb)"
			      " RETURNING to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
			      2, q, &res);
		if (rc == 0)
			cJSON_AddStringToObject(out, "as_of", db_value(res, 0, 0));
		db_result_free(res);
		free(text);
	}
	if (rc < 0) {
		cJSON_Delete(out);
		return rc;
	}
	*report = out;
	return 0;
}

int retention_tend(void)
{
	struct db_result *res = NULL;
	cJSON *report = NULL;
	int rc, due;

	/*
	 * The claim: under a transaction-level advisory lock (so it works
	 * through a transaction pooler too), when no run started in the last
	 * day, a "claimed" row is written; a second drainer then finds it and
	 * leaves the day's run to the first.
	 */
	rc = db_begin();
	if (rc == 0)
		rc = db_query("retention_claim",
			      "INSERT INTO retention_runs (dry_run, report) SELECT false, '{\"claimed\": true}'::jsonb"
			      " WHERE pg_try_advisory_xact_lock(7240) AND NOT EXISTS (SELECT 1 FROM retention_runs"
			      " WHERE NOT dry_run AND started_at > now() - interval '1 day') RETURNING id",
			      0, NULL, &res);
	due = rc == 0 && db_rows(res) == 1;
	db_result_free(res);
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		return rc;
	}
	if (!due)
		return 0;
	rc = retention_sweep(0, false, &report);
	if (rc < 0) {
		log_warn("retention: the daily sweep failed; it runs again tomorrow, or now with shortlistctl "
			 "retention");
		return rc;
	}
	log_info("retention: daily sweep: %d jobs due, %lld audit events deleted",
		 cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(report, "jobs")),
		 (long long)num(report, "audit_events_deleted"));
	cJSON_Delete(report);
	return 1;
}
