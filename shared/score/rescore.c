/* rescore: scoring a job's resumes again after a rubric change, and who moved into and out of its shortlist. */
#include "score/rescore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "core/db.h"
#include "core/log.h"
#include "intake/resumestore.h"
#include "queue/queue.h"

/* The job's rubric version, with the job row locked until the end of the transaction. */
static int lock_job(const char *org, const char *job, char *version, size_t size)
{
	struct db_result *res = NULL;
	const char *p[2] = { org, job };
	int rc;

	rc = db_query("rescore_lock_job",
		      "SELECT COALESCE(rubric_version, '') FROM jobs WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, p,
		      &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0 && (size_t)snprintf(version, size, "%s", db_value(res, 0, 0)) >= size) {
		log_error("rescore: rubric version of job %s is too long", job);
		rc = ST_INTERNAL;
	}
	db_result_free(res);
	return rc;
}

/* A new rescore batch holding the job's current shortlist. */
static int create_batch(const char *org, const char *job, const char *version, int64_t *batch_id)
{
	struct db_result *res = NULL;
	const char *p[3] = { org, job, version };
	int rc;

	rc = db_query("rescore_batch",
		      "INSERT INTO batches (org_id, job_id, source, rubric_version, shortlist_before)"
		      " VALUES ($1, $2, 'rescore', $3, ARRAY(SELECT resume_id FROM analyses WHERE org_id = $1"
		      " AND job_id = $2 AND is_current AND category = 'shortlist' ORDER BY resume_id)) RETURNING id",
		      3, p, &res);
	if (rc == 0)
		*batch_id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

static int enqueue_one(int64_t org_id, int64_t job_id, int64_t batch_id, int64_t resume_id, const char *version,
		       bool *created)
{
	char key[QUEUE_KEY_MAX + 1], *payload;
	cJSON *o = cJSON_CreateObject();
	int64_t task_id;
	int rc, n;

	n = snprintf(key, sizeof(key), "resume:%lld:rubric:%s", (long long)resume_id, version);
	if (n < 0 || (size_t)n >= sizeof(key)) {
		cJSON_Delete(o);
		return ST_INTERNAL;
	}
	cJSON_AddNumberToObject(o, "resume_id", (double)resume_id);
	cJSON_AddNumberToObject(o, "job_id", (double)job_id);
	cJSON_AddNumberToObject(o, "batch_id", (double)batch_id);
	payload = json_print(o);
	cJSON_Delete(o);
	rc = queue_enqueue(RESUME_TASK_KIND, key, org_id, payload, 0, 0, &task_id, created);
	free(payload);
	return rc;
}

/* The last rescore batch of the job made for this rubric version, or 0. */
static int64_t earlier_batch(const char *org, const char *job, const char *version)
{
	struct db_result *res = NULL;
	const char *p[3] = { org, job, version };
	int64_t id = 0;

	if (db_query("rescore_earlier",
		     "SELECT id FROM batches WHERE org_id = $1 AND job_id = $2 AND source = 'rescore'"
		     " AND rubric_version = $3 ORDER BY id DESC LIMIT 1",
		     3, p, &res) == 0 &&
	    db_rows(res) > 0)
		id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return id;
}

int rescore_start(int64_t org_id, int64_t job_id, struct rescore_result *out)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	int64_t batch_id = 0;
	int rc, i;

	memset(out, 0, sizeof(*out));
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = lock_job(org, job, out->rubric_version, sizeof(out->rubric_version));
	if (rc == 0)
		rc = create_batch(org, job, out->rubric_version, &batch_id);
	if (rc == 0) {
		const char *p[2] = { org, job };

		rc = db_query("rescore_resumes", "SELECT id FROM resumes WHERE org_id = $1 AND job_id = $2 ORDER BY id",
			      2, p, &res);
	}
	for (i = 0; rc == 0 && i < db_rows(res); i++) {
		bool created = false;

		rc = enqueue_one(org_id, job_id, batch_id, db_int(res, i, 0, 0), out->rubric_version, &created);
		out->resumes++;
		if (created)
			out->queued++;
	}
	if (rc < 0)
		goto out;
	if (out->queued == 0) {
		/* Nothing new to do: keep no empty batch, and point at the one that did it. */
		db_rollback();
		out->batch_id = earlier_batch(org, job, out->rubric_version);
		goto out;
	}
	rc = db_commit();
	if (rc == 0) {
		out->batch_id = batch_id;
		out->created = true;
		log_info("rescore: job %lld: batch %lld queued %lld of %lld resumes for rubric '%s'", (long long)job_id,
			 (long long)batch_id, (long long)out->queued, (long long)out->resumes, out->rubric_version);
	}
out:
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	return rc;
}

int rescore_changes(int64_t org_id, int64_t batch_id, cJSON **out)
{
	struct db_result *res = NULL;
	char org[24], batch[24];
	const char *p[2] = { org, batch };
	int rc;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(batch_id, batch);
	rc = db_query(
		"rescore_changes",
		"WITH b AS (SELECT COALESCE(shortlist_before, '{}') AS before FROM batches"
		"  WHERE org_id = $1 AND id = $2::bigint AND source = 'rescore'),"
		" bt AS (SELECT DISTINCT resume_id AS rid FROM tasks"
		"  WHERE org_id = $1 AND kind = 'process_resume' AND batch_id = $2::bigint),"
		" c AS (SELECT a.resume_id, a.score, a.category, r.contact->'name' AS name,"
		"  a.resume_id = ANY (b.before) AS was_in, a.resume_id IN (SELECT rid FROM bt) AS in_batch"
		"  FROM b, analyses a JOIN resumes r ON r.id = a.resume_id AND r.org_id = $1"
		"  WHERE a.org_id = $1 AND a.is_current AND (a.resume_id = ANY (b.before) OR a.resume_id IN"
		"  (SELECT rid FROM bt)))"
		" SELECT (SELECT count(*) FROM b), jsonb_build_object("
		" 'moved_in', COALESCE((SELECT jsonb_agg(jsonb_build_object('resume_id', resume_id, 'name', name,"
		"   'score', score, 'category', category) ORDER BY score DESC NULLS LAST, resume_id) FROM c"
		"   WHERE in_batch AND NOT was_in AND category = 'shortlist'), '[]'::jsonb),"
		" 'moved_out', COALESCE((SELECT jsonb_agg(jsonb_build_object('resume_id', resume_id, 'name', name,"
		"   'score', score, 'category', category) ORDER BY score DESC NULLS LAST, resume_id) FROM c"
		"   WHERE was_in AND category <> 'shortlist'), '[]'::jsonb))::text",
		2, p, &res);
	if (rc == 0 && db_int(res, 0, 0, 0) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		*out = cJSON_Parse(db_value(res, 0, 1));
		if (!*out)
			rc = ST_INTERNAL;
	}
	db_result_free(res);
	return rc;
}
