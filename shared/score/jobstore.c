/* jobstore: jobs in PostgreSQL — create, read, list, update, close — always scoped to one organisation. */
#include "score/jobstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "score/criteria.h"
#include "score/rubric.h"
#include "score/rubricstore.h"
#include "core/counters.h"

/* The public representation, built by PostgreSQL in one place. */
#define JOB_JSON \
	"jsonb_build_object('id', id, 'title', title, 'description', description, 'company', company," \
	" 'location', location, 'required_skills', COALESCE(spec->'required_skills', '[]'::jsonb)," \
	" 'knockouts', COALESCE(spec->'knockouts', '[]'::jsonb), 'thresholds', spec->'thresholds'," \
	" 'rubric', rubric, 'rubric_version', rubric_version," \
	" 'rubric_source', CASE WHEN spec ? 'rubric' THEN 'given' ELSE 'derived' END," \
	" 'rubric_number', rubric_number, 'rubric_state', rubric_state, 'status', status," \
	" 'created_at', created_at, 'updated_at', updated_at, 'closed_at', closed_at)::text"

/* The stored forms of a job: its canonical spec, and the rubric in force. */
static void job_texts(struct job *job, char **spec, char **rubric, const char **version)
{
	const struct rubric *rb = job_rubric(job);
	cJSON *s = job_to_json(job), *r = rubric_to_json(rb);

	*spec = json_print(s);
	*rubric = json_print(r);
	*version = rb->version;
	cJSON_Delete(s);
	cJSON_Delete(r);
}

/*
 * Inside the caller's transaction: records the rubric in force as the job's
 * next version. A local derivation is provisional while an LLM provider is
 * configured, and the LLM's criteria are asked for.
 */
static int record_rubric(int64_t org_id, int64_t id, int64_t user_id, struct job *job, const char *edited_source)
{
	const struct rubric *rb = job_rubric(job);
	bool ask = !job->rubric && criteria_enabled();
	cJSON *suggested = cJSON_CreateArray();
	size_t i;
	int rc;

	/* The derivation's criteria are suggestions, as the LLM's are; a rubric given or edited is the recruiter's. */
	for (i = 0; !job->rubric && i < rb->ncriteria; i++)
		cJSON_AddItemToArray(suggested, cJSON_CreateString(rb->criteria[i].name));
	rc = rubricstore_record(org_id, id, user_id, rb, job->rubric ? edited_source : RUBRIC_SOURCE_LOCAL, suggested,
				NULL, ask, NULL);
	cJSON_Delete(suggested);
	if (rc == 0 && ask)
		rc = criteria_request(org_id, id);
	return rc;
}

int jobstore_create(int64_t org_id, int64_t user_id, struct job *job, int64_t *id)
{
	struct db_result *res = NULL;
	char org[24], user[24], *spec = NULL, *rubric = NULL;
	const char *version;
	int rc;

	db_int_param(org_id, org);
	db_int_param(user_id, user);
	job_texts(job, &spec, &rubric, &version);
	rc = db_begin();
	if (rc == 0) {
		const char *p[9] = { org,	   user_id ? user : NULL, job->title, job->description,
				     job->company, job->location,	  spec,	      rubric,
				     version };

		rc = db_query(
			"job_create",
			"INSERT INTO jobs (org_id, created_by, title, description, company, location, spec, rubric,"
			" rubric_version) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9) RETURNING id",
			9, p, &res);
	}
	if (rc == 0) {
		*id = db_int(res, 0, 0, 0);
		rc = record_rubric(org_id, *id, user_id, job, RUBRIC_SOURCE_GIVEN);
	}
	if (rc == 0)
		rc = db_commit();
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	free(spec);
	free(rubric);
	return rc;
}

int jobstore_get_json(int64_t org_id, int64_t id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };

	db_int_param(org_id, org);
	db_int_param(id, job);
	return db_query_json("job_get", "SELECT " JOB_JSON " FROM jobs WHERE org_id = $1 AND id = $2", 2, p, out);
}

int jobstore_load(int64_t org_id, int64_t id, struct job **out)
{
	struct db_result *res = NULL;
	char org[24], job[24], err[256];
	const char *p[2] = { org, job };
	const char *spec;
	int rc;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(id, job);
	rc = db_query("job_load", "SELECT spec::text, rubric::text FROM jobs WHERE org_id = $1 AND id = $2", 2, p,
		      &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		spec = db_value(res, 0, 0);
		if (job_parse(spec, strlen(spec), out, err, sizeof(err)) < 0)
			rc = ST_INTERNAL;
	}
	if (rc == 0 && db_value(res, 0, 1)) {
		/* The version in force (the LLM's, a recruiter's, or the derivation made when it was recorded). */
		cJSON *rj = cJSON_Parse(db_value(res, 0, 1));
		struct rubric *r = rj ? rubric_from_json(rj, "rubric", err, sizeof(err)) : NULL;

		cJSON_Delete(rj);
		if (r) {
			rubric_free((*out)->rubric);
			(*out)->rubric = r;
		}
	}
	db_result_free(res);
	return rc;
}

/* A page of an organisation's jobs, newest first: one range of jobs_org. */
static const char job_list_sql[] =
	"SELECT id, " JOB_JSON " FROM jobs WHERE org_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3";

int jobstore_list_json(int64_t org_id, int64_t before_id, int limit, cJSON **out, int64_t *next_before)
{
	char org[24], before[24], lim[24];
	const char *p[3] = { org, before, lim };

	db_int_param(org_id, org);
	db_int_param(before_id > 0 ? before_id : INT64_MAX, before);
	db_int_param(limit + 1, lim);
	return db_query_page("job_list", job_list_sql, 3, p, limit, out, next_before);
}

/* Members of a job's JSON a PATCH may change. */
static const char *const patchable[] = { "title",	    "description", "company",	 "location",
					 "required_skills", "knockouts",   "thresholds", "rubric" };

static int merge_patch(cJSON *spec, const cJSON *patch, char *err, size_t errlen)
{
	const cJSON *m;
	size_t i;

	if (!cJSON_IsObject(patch)) {
		snprintf(err, errlen, "body: expected a JSON object");
		return ST_BAD_REQUEST;
	}
	cJSON_ArrayForEach(m, patch)
	{
		bool known = false;

		for (i = 0; i < ARRAY_SIZE(patchable); i++)
			if (strcmp(m->string, patchable[i]) == 0)
				known = true;
		if (!known) {
			snprintf(err, errlen, "%s: not a field that can be changed", m->string);
			return ST_BAD_REQUEST;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(spec, m->string);
		if (!cJSON_IsNull(m))
			cJSON_AddItemToObject(spec, m->string, cJSON_Duplicate(m, true));
	}
	return 0;
}

/* Whether the patch changes what the rubric is made from: the rubric itself, the title, the description or the skills. */
static bool rubric_inputs_change(const cJSON *old_spec, const cJSON *new_spec)
{
	static const char *const inputs[] = { "rubric", "title", "description", "required_skills" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(old_spec, inputs[i]);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(new_spec, inputs[i]);

		if (!a != !b || (a && !cJSON_Compare(a, b, true)))
			return true;
	}
	return false;
}

int jobstore_update(int64_t org_id, int64_t id, const cJSON *patch, char *err, size_t errlen)
{
	struct db_result *res = NULL;
	char org[24], jid[24], *spec_text = NULL, *rubric = NULL;
	const char *p[2] = { org, jid };
	const char *version;
	cJSON *spec = NULL, *old_spec = NULL;
	struct job *job = NULL;
	bool new_rubric;
	int rc;

	db_int_param(org_id, org);
	db_int_param(id, jid);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = db_query("job_lock",
		      "SELECT spec::text, status, COALESCE(rubric_version, ''), rubric_state FROM jobs"
		      " WHERE org_id = $1 AND id = $2"
		      " FOR UPDATE",
		      2, p, &res);
	if (rc < 0)
		goto out;
	if (db_rows(res) == 0) {
		rc = ST_NOT_FOUND;
		goto out;
	}
	if (strcmp(db_value(res, 0, 1), "closed") == 0) {
		snprintf(err, errlen, "job %lld is closed", (long long)id);
		rc = ST_CONFLICT;
		goto out;
	}
	spec = cJSON_Parse(db_value(res, 0, 0));
	old_spec = cJSON_Parse(db_value(res, 0, 0));
	if (!spec || !old_spec) {
		rc = ST_INTERNAL;
		goto out;
	}
	rc = merge_patch(spec, patch, err, errlen);
	if (rc < 0)
		goto out;
	if (job_from_json(spec, &job, err, errlen) < 0) {
		rc = ST_BAD_REQUEST;
		goto out;
	}
	job_texts(job, &spec_text, &rubric, &version);
	/* The rubric in force (perhaps the LLM's) stays unless what it is made from changed. */
	new_rubric = rubric_inputs_change(old_spec, spec) && strcmp(version, db_value(res, 0, 2)) != 0;
	{
		const char *q[7] = { org, jid, job->title, job->description, job->company, job->location, spec_text };

		rc = db_exec(
			"job_update",
			"UPDATE jobs SET title = $3, description = $4, company = $5, location = $6, spec = $7::jsonb,"
			" updated_at = now() WHERE org_id = $1 AND id = $2",
			7, q, NULL);
	}
	if (rc == 0 && new_rubric)
		rc = record_rubric(org_id, id, 0, job, RUBRIC_SOURCE_RECRUITER);
	else if (rc == 0 && strcmp(db_value(res, 0, 3), "provisional") == 0)
		/* The local rubric still waits for the LLM's criteria: asked again for the job's new version. */
		rc = criteria_request(org_id, id);
	if (rc == 0)
		rc = db_commit();
out:
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	cJSON_Delete(spec);
	cJSON_Delete(old_spec);
	job_free(job);
	free(spec_text);
	free(rubric);
	return rc;
}

int jobstore_close(int64_t org_id, int64_t id)
{
	char org[24], jid[24];
	const char *p[2] = { org, jid };
	int64_t n = 0;
	int rc;

	db_int_param(org_id, org);
	db_int_param(id, jid);
	rc = db_exec("job_close",
		     "UPDATE jobs SET status = 'closed', closed_at = COALESCE(closed_at, now()), updated_at = now()"
		     " WHERE org_id = $1 AND id = $2",
		     2, p, &n);
	if (rc == 0 && n == 0)
		rc = ST_NOT_FOUND;
	return rc;
}

int jobstore_check_open(int64_t org_id, int64_t id, char *why, size_t whylen)
{
	struct db_result *res = NULL;
	char org[24], jid[24];
	const char *p[2] = { org, jid };
	int rc;

	db_int_param(org_id, org);
	db_int_param(id, jid);
	rc = db_query("job_status", "SELECT status FROM jobs WHERE org_id = $1 AND id = $2", 2, p, &res);
	if (rc == ST_UNAVAILABLE) {
		fail(why, whylen, "the database is unavailable; try again");
	} else if (rc < 0) {
		/* Whatever else the database answered (even a conflict) says nothing about the job. */
		rc = ST_INTERNAL;
		fail(why, whylen, "the state of job %lld cannot be read", (long long)id);
	} else if (db_rows(res) == 0) {
		rc = ST_NOT_FOUND;
		fail(why, whylen, "job %lld not found", (long long)id);
	} else if (strcmp(db_value(res, 0, 0), "open") != 0) {
		rc = ST_CONFLICT;
		fail(why, whylen, "job %lld is closed: it takes no more resumes", (long long)id);
	}
	db_result_free(res);
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "job_list", job_list_sql, "ORG_ID, 9223372036854775807, 51" },
};

const struct counters_statement *jobstore_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
