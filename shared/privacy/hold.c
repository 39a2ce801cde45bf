/* hold: legal holds on a job or a candidate, which stop the retention sweep and every erasure. */
#include "privacy/hold.h"

#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"

#define HOLD_JSON \
	"jsonb_build_object('id', h.id, 'job_id', h.job_id, 'resume_id', h.resume_id, 'reason', h.reason," \
	" 'created_at', h.created_at, 'created_by', jsonb_build_object('user_id', h.created_by, 'key_id'," \
	" h.created_key), 'released_at', h.released_at, 'active', h.released_at IS NULL)::text"

/* The statements the plan checks read (hold_statements). */
static const char check_sql[] = "SELECT h.id, CASE WHEN h.job_id IS NOT NULL THEN 'job ' || h.job_id"
				" ELSE 'candidate ' || h.resume_id END, h.reason FROM legal_holds h"
				" WHERE h.org_id = $1 AND h.released_at IS NULL"
				" AND (h.job_id = $2 OR h.resume_id = ANY ($3::bigint[])) ORDER BY h.id LIMIT 1";
static const char list_sql[] = "SELECT h.id, " HOLD_JSON " FROM legal_holds h WHERE h.org_id = $1 AND h.id < $2"
			       " ORDER BY h.id DESC LIMIT $3";

int hold_check(int64_t org_id, int64_t job_id, const char *ids_array, char *err, size_t errlen)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[3] = { org, job, ids_array ? ids_array : "{}" };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("hold_check", check_sql, 3, p, &res);
	if (rc == 0 && db_rows(res) > 0) {
		fail(err, errlen, "legal hold %s on %s (%s) stops the erasure; release it first", db_value(res, 0, 0),
		     db_value(res, 0, 1), db_value(res, 0, 2));
		rc = ST_CONFLICT;
	}
	db_result_free(res);
	return rc;
}

int hold_place(const struct audit_actor *who, int64_t job_id, int64_t resume_id, const char *reason, cJSON **out)
{
	char org[24], job[24], resume[24], user[24], key[24];
	struct db_result *res = NULL;
	int rc;

	*out = NULL;
	db_int_param(who->org_id, org);
	db_int_param(job_id, job);
	db_int_param(resume_id, resume);
	db_int_param(who->user_id, user);
	db_int_param(who->key_id, key);
	rc = db_begin();
	if (rc == 0) {
		const char *p[6] = {
			org, job, resume, reason, who->user_id > 0 ? user : NULL, who->key_id > 0 ? key : NULL
		};

		/* The target must be the organisation's: the INSERT's SELECT finds nothing otherwise. */
		rc = db_query("hold_place",
			      "INSERT INTO legal_holds (org_id, job_id, resume_id, reason, created_by, created_key)"
			      " SELECT $1, NULLIF($2::bigint, 0), NULLIF($3::bigint, 0), $4, $5, $6"
			      " WHERE ($2::bigint > 0 AND EXISTS (SELECT 1 FROM jobs WHERE org_id = $1 AND id = $2))"
			      " OR ($3::bigint > 0 AND EXISTS (SELECT 1 FROM resumes WHERE org_id = $1 AND id = $3))"
			      " RETURNING id, (SELECT r.job_id FROM resumes r WHERE r.id = NULLIF($3::bigint, 0))",
			      6, p, &res);
	}
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		int64_t id = db_int(res, 0, 0, 0);
		struct audit_event ev = { "hold.placed", job_id > 0 ? job_id : db_int(res, 0, 1, 0), resume_id, NULL, 0,
					  NULL };
		cJSON *details = cJSON_CreateObject();
		char hid[24];
		const char *q[1] = { hid };

		cJSON_AddNumberToObject(details, "hold_id", (double)id);
		cJSON_AddStringToObject(details, "reason", reason);
		ev.details = details;
		rc = audit_record(who, &ev);
		cJSON_Delete(details);
		db_int_param(id, hid);
		if (rc == 0)
			rc = db_query_json("hold_get", "SELECT " HOLD_JSON " FROM legal_holds h WHERE h.id = $1", 1, q,
					   out);
	}
	db_result_free(res);
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

int hold_release(const struct audit_actor *who, int64_t id, const char *reason)
{
	char org[24], hid[24];
	const char *p[2] = { org, hid };
	struct db_result *res = NULL;
	int rc;

	db_int_param(who->org_id, org);
	db_int_param(id, hid);
	rc = db_begin();
	if (rc == 0)
		rc = db_query("hold_release",
			      "UPDATE legal_holds h SET released_at = now() WHERE org_id = $1 AND id = $2"
			      " AND released_at IS NULL RETURNING COALESCE(h.job_id, (SELECT r.job_id FROM resumes r"
			      " WHERE r.id = h.resume_id)), h.resume_id",
			      2, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		struct audit_event ev = { "hold.released", db_int(res, 0, 0, 0), db_int(res, 0, 1, 0), NULL, 0, NULL };
		cJSON *details = cJSON_CreateObject();

		cJSON_AddNumberToObject(details, "hold_id", (double)id);
		if (reason)
			cJSON_AddStringToObject(details, "reason", reason);
		ev.details = details;
		rc = audit_record(who, &ev);
		cJSON_Delete(details);
	}
	db_result_free(res);
	if (rc == 0)
		rc = db_commit();
	if (rc < 0)
		db_rollback();
	return rc;
}

int hold_list_json(int64_t org_id, int64_t before_id, int limit, cJSON **items, int64_t *next_before)
{
	char org[24], before[24], lim[24];
	const char *p[3] = { org, before, lim };

	db_int_param(org_id, org);
	db_int_param(before_id > 0 ? before_id : INT64_MAX, before);
	db_int_param(limit + 1, lim);
	return db_query_page("hold_list", list_sql, 3, p, limit, items, next_before);
}

static const struct counters_statement plan_statements[] = {
	{ "hold_check", check_sql, "ORG_ID, JOB_ID, '{1,2,3}'" },
	{ "hold_list", list_sql, "ORG_ID, 9223372036854775807, 51" },
};

const struct counters_statement *hold_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
