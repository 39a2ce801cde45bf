/* rubricstore: the versions of a job's rubric in PostgreSQL — record, read, list, diff, a recruiter's edit, the rescore offer. */
#include "score/rubricstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "score/rubricdiff.h"

/* The rescore offer of job j (a jobs row alias): the job's resumes, and those whose current analysis used another rubric. */
#define RESCORE_JSON \
	"jsonb_build_object('resumes', (SELECT count(*) FROM resumes r WHERE r.org_id = j.org_id AND r.job_id = " \
	"j.id)," \
	" 'stale', (SELECT count(*) FROM analyses a WHERE a.job_id = j.id AND a.is_current" \
	" AND a.rubric_version IS DISTINCT FROM j.rubric_version))"

int rubricstore_record(int64_t org_id, int64_t job_id, int64_t user_id, const struct rubric *r, const char *source,
		       const cJSON *suggested, const char *note, bool provisional, int *number)
{
	struct db_result *res = NULL;
	char org[24], job[24], user[24], *rubric, *sugg;
	cJSON *rj = rubric_to_json(r), *empty = cJSON_CreateArray();
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(user_id, user);
	rubric = json_print(rj);
	sugg = json_print(suggested ? suggested : empty);
	{
		const char *p[9] = { org,
				     job,
				     user_id ? user : NULL,
				     source,
				     rubric,
				     r->version,
				     sugg,
				     note ? note : "",
				     provisional ? "provisional" : "ready" };

		rc = db_query("rubric_record",
			      "WITH v AS (INSERT INTO rubric_versions (org_id, job_id, number, source, rubric,"
			      " rubric_version, suggested, note, created_by)"
			      " SELECT $1, $2, COALESCE(max(number), 0) + 1, $4, $5::jsonb, $6, $7::jsonb, $8, $3"
			      " FROM rubric_versions WHERE job_id = $2 RETURNING number)"
			      " UPDATE jobs SET rubric = $5::jsonb, rubric_version = $6, rubric_number = v.number,"
			      " rubric_state = $9 FROM v WHERE jobs.org_id = $1 AND jobs.id = $2"
			      " RETURNING v.number",
			      9, p, &res);
	}
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0 && number)
		*number = (int)db_int(res, 0, 0, 0);
	db_result_free(res);
	free(rubric);
	free(sugg);
	cJSON_Delete(rj);
	cJSON_Delete(empty);
	return rc;
}

int rubricstore_current_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	return db_query_json(
		"rubric_current",
		"SELECT jsonb_build_object('job_id', j.id, 'number', v.number, 'version', v.rubric_version,"
		" 'source', v.source, 'state', j.rubric_state, 'note', v.note, 'created_at', v.created_at,"
		" 'created_by', v.created_by, 'criteria', (SELECT COALESCE(jsonb_agg(c || jsonb_build_object("
		"'suggested', v.suggested ? (c->>'name')) ORDER BY n), '[]'::jsonb)"
		" FROM jsonb_array_elements(v.rubric->'criteria') WITH ORDINALITY AS t(c, n)),"
		" 'rescore', " RESCORE_JSON ")::text"
		" FROM jobs j JOIN rubric_versions v ON v.job_id = j.id AND v.number = j.rubric_number"
		" WHERE j.org_id = $1 AND j.id = $2",
		2, p, out);
}

int rubricstore_versions_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query_json("rubric_versions",
			   "SELECT COALESCE((SELECT jsonb_agg(x ORDER BY (x->>'number')::int DESC) FROM (SELECT "
			   "jsonb_build_object("
			   "'number', v.number, 'version', v.rubric_version, 'source', v.source, 'note', v.note,"
			   " 'criteria', v.rubric->'criteria', 'suggested', v.suggested, 'created_at', v.created_at,"
			   " 'created_by', v.created_by) AS x FROM rubric_versions v WHERE v.job_id = j.id"
			   " ORDER BY v.number DESC LIMIT 100) s), '[]'::jsonb)::text FROM jobs j WHERE j.org_id = $1 "
			   "AND j.id = $2",
			   2, p, out);
	return rc;
}

/* Version number of job (0: the one in force) as a rubric, with its number in *got. */
static int load_version(const char *org, const char *job, int number, struct rubric **out, int *got, cJSON **suggested)
{
	struct db_result *res = NULL;
	char num[24], err[256];
	const char *p[3] = { org, job, num };
	cJSON *rj;
	int rc;

	*out = NULL;
	db_int_param(number, num);
	rc = db_query("rubric_version_get",
		      "SELECT v.rubric::text, v.number, v.suggested::text FROM jobs j JOIN rubric_versions v"
		      " ON v.job_id = j.id AND v.number = CASE WHEN $3::int = 0 THEN j.rubric_number ELSE $3::int END"
		      " WHERE j.org_id = $1 AND j.id = $2",
		      3, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		rj = cJSON_Parse(db_value(res, 0, 0));
		*out = rj ? rubric_from_json(rj, "rubric", err, sizeof(err)) : NULL;
		cJSON_Delete(rj);
		*got = (int)db_int(res, 0, 1, 0);
		if (suggested)
			*suggested = cJSON_Parse(db_value(res, 0, 2));
		if (!*out)
			rc = ST_INTERNAL;
	}
	db_result_free(res);
	return rc;
}

static int rescore_offer(const char *org, const char *job, cJSON **out)
{
	const char *p[2] = { org, job };

	return db_query_json("rubric_rescore_offer",
			     "SELECT " RESCORE_JSON "::text FROM jobs j WHERE j.org_id = $1 AND j.id = $2", 2, p, out);
}

int rubricstore_diff_json(int64_t org_id, int64_t job_id, int from, int to, cJSON **out, char *err, size_t errlen)
{
	char org[24], job[24];
	struct rubric *a = NULL, *b = NULL;
	cJSON *offer = NULL;
	int to_n = 0, from_n = 0, rc;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = load_version(org, job, to, &b, &to_n, NULL);
	if (rc == 0 && from == 0 && to_n <= 1) {
		snprintf(err, errlen, "from: version %d is the first; there is nothing before it", to_n);
		rc = ST_BAD_REQUEST;
	}
	if (rc == 0)
		rc = load_version(org, job, from ? from : to_n - 1, &a, &from_n, NULL);
	if (rc == 0)
		rc = rescore_offer(org, job, &offer);
	if (rc == 0) {
		*out = rubric_diff(a, b);
		cJSON_AddNumberToObject(*out, "from", from_n);
		cJSON_AddNumberToObject(*out, "to", to_n);
		cJSON_AddItemToObject(*out, "rescore", offer);
	}
	rubric_free(a);
	rubric_free(b);
	return rc;
}

/* The names of r's criteria that say exactly what a suggested criterion of prev said. */
static cJSON *still_suggested(const struct rubric *prev, const cJSON *prev_suggested, const struct rubric *r)
{
	cJSON *out = cJSON_CreateArray(), *s;
	size_t i;

	for (i = 0; i < r->ncriteria; i++) {
		long k = rubric_find(prev, r->criteria[i].name);
		bool was = false;

		if (k < 0 || !rubric_criterion_same(&prev->criteria[k], &r->criteria[i]))
			continue;
		cJSON_ArrayForEach(s, prev_suggested) if (cJSON_IsString(s) &&
							  str_equal_nocase(s->valuestring, prev->criteria[k].name))
			was = true;
		if (was)
			cJSON_AddItemToArray(out, cJSON_CreateString(r->criteria[i].name));
	}
	return out;
}

/* Writes r into the job's spec, so that job_from_json() keeps it as the job's own rubric. */
static int keep_in_spec(const char *org, const char *job, const struct rubric *r)
{
	cJSON *rj = rubric_to_json(r);
	char *text = json_print(rj);
	const char *p[3] = { org, job, text };
	int rc = db_exec("rubric_into_spec",
			 "UPDATE jobs SET spec = jsonb_set(spec, '{rubric}', $3::jsonb) WHERE org_id = $1 AND id = $2",
			 3, p, NULL);

	free(text);
	cJSON_Delete(rj);
	return rc;
}

int rubricstore_put(int64_t org_id, int64_t job_id, int64_t user_id, const cJSON *body, bool *changed, char *err,
		    size_t errlen)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	struct rubric *r = NULL, *prev = NULL;
	cJSON *prev_sugg = NULL, *sugg = NULL;
	int prev_n = 0, rc;

	*changed = false;
	r = rubric_from_json(body, "body", err, errlen);
	if (!r)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_begin();
	if (rc < 0)
		goto out;
	rc = db_query("rubric_job_lock", "SELECT status FROM jobs WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, p,
		      &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0 && strcmp(db_value(res, 0, 0), "open") != 0) {
		snprintf(err, errlen, "job %lld is closed: its rubric can no longer change", (long long)job_id);
		rc = ST_CONFLICT;
	}
	if (rc == 0)
		rc = load_version(org, job, 0, &prev, &prev_n, &prev_sugg);
	if (rc == 0 && strcmp(prev->version, r->version) == 0)
		goto out; /* nothing changes: no new version */
	if (rc == 0) {
		sugg = still_suggested(prev, prev_sugg, r);
		rc = keep_in_spec(org, job, r);
	}
	if (rc == 0)
		rc = rubricstore_record(org_id, job_id, user_id, r, RUBRIC_SOURCE_RECRUITER, sugg, NULL, false, NULL);
	if (rc == 0)
		rc = db_commit();
	if (rc == 0)
		*changed = true;
out:
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	rubric_free(r);
	rubric_free(prev);
	cJSON_Delete(prev_sugg);
	cJSON_Delete(sugg);
	return rc;
}
