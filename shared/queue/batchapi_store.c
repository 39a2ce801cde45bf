/* batchapi_store: the rows of the Batch API path — the job setting, the requests of a resume and their collection into a provider batch. */
#include "queue/batchapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "queue/queue.h"

int batchapi_wanted(int64_t org_id, int64_t job_id, int64_t resume_id, bool *out)
{
	struct db_result *res = NULL;
	char org[24], job[24], rid[24], min[24];
	const char *p[4] = { org, job, rid, min };
	int rc;

	*out = false;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(resume_id, rid);
	db_int_param(config()->llm_batch_min_resumes, min);
	rc = db_query("batchapi_wanted",
		      "SELECT j.llm_batch OR ($4::bigint > 0 AND (SELECT count(*) FROM resumes o"
		      " WHERE o.batch_id = r.batch_id) >= $4::bigint)"
		      " FROM jobs j JOIN resumes r ON r.job_id = j.id AND r.org_id = j.org_id"
		      " WHERE j.org_id = $1 AND j.id = $2 AND r.id = $3",
		      4, p, &res);
	if (rc == 0 && db_rows(res) == 1)
		*out = strcmp(db_value(res, 0, 0), "t") == 0;
	db_result_free(res);
	return rc;
}

static enum batchapi_state state_of(const char *s)
{
	if (strcmp(s, "waiting") == 0)
		return BATCHAPI_WAITING;
	if (strcmp(s, "answered") == 0)
		return BATCHAPI_ANSWERED;
	return BATCHAPI_RETURNED;
}

int batchapi_item_of(const struct queue_task *task, int64_t resume_id, struct batchapi_item *out)
{
	struct db_result *res = NULL;
	char rid[24];
	const char *p[1] = { rid };
	int rc;

	memset(out, 0, sizeof(*out));
	db_int_param(resume_id, rid);
	rc = db_query("batchapi_item_of",
		      "SELECT id, state, status_code, response, hold_attempt, task_id FROM llm_batch_items"
		      " WHERE resume_id = $1",
		      1, p, &res);
	if (rc == 0 && db_rows(res) == 1) {
		const char *state = db_value(res, 0, 1), *body = db_value(res, 0, 3);
		bool settled = strcmp(state, "ingested") == 0 || strcmp(state, "returned") == 0;

		if (settled && db_int(res, 0, 5, 0) != task->id) {
			/* Settled under an earlier task (the resume is scored again): the new task starts afresh. */
			char iid[24];
			const char *q[1] = { iid };

			db_int_param(db_int(res, 0, 0, 0), iid);
			rc = db_exec("batchapi_item_forget", "DELETE FROM llm_batch_items WHERE id = $1", 1, q, NULL);
		} else {
			out->id = db_int(res, 0, 0, 0);
			out->state = settled ? BATCHAPI_RETURNED : state_of(state);
			out->status_code = (int)db_int(res, 0, 2, 0);
			out->response = body ? xstrdup(body) : NULL;
			out->hold_attempt = (int)db_int(res, 0, 4, 0);
		}
	}
	db_result_free(res);
	return rc;
}

void batchapi_item_release(struct batchapi_item *it)
{
	free(it->response);
	it->response = NULL;
}

/* The job's collecting batch, locked until commit (made when there is none). Returns its id (> 0) or a status. */
static int64_t collecting_batch(int64_t org_id, int64_t job_id, const char *model)
{
	char org[24], job[24];
	const char *p[3] = { org, job, model };
	int attempt;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	for (attempt = 0; attempt < 3; attempt++) {
		struct db_result *res = NULL;
		int64_t id = 0;
		int rc =
			db_query("batchapi_collecting",
				 "SELECT id FROM llm_batches WHERE job_id = $2 AND org_id = $1 AND state = 'collecting'"
				 " FOR UPDATE",
				 2, p, &res);

		if (rc == 0 && db_rows(res) == 1)
			id = db_int(res, 0, 0, 0);
		db_result_free(res);
		res = NULL;
		if (rc < 0)
			return rc;
		if (id > 0)
			return id;
		rc = db_query("batchapi_open",
			      "INSERT INTO llm_batches (org_id, job_id, model) VALUES ($1, $2, $3)"
			      " ON CONFLICT (job_id) WHERE state = 'collecting' DO NOTHING RETURNING id",
			      3, p, &res);
		if (rc == 0 && db_rows(res) == 1)
			id = db_int(res, 0, 0, 0);
		db_result_free(res);
		if (rc < 0)
			return rc;
		if (id > 0) {
			char key[64], payload[64];
			int64_t task_id = 0;
			bool created = false;

			/* Its task: due once the batch has collected for a while. */
			snprintf(key, sizeof(key), "llm_batch:%lld", (long long)id);
			snprintf(payload, sizeof(payload), "{\"llm_batch_id\": %lld}", (long long)id);
			rc = queue_enqueue(BATCHAPI_TASK_KIND, key, org_id, payload, 0, config()->llm_batch_collect_ms,
					   &task_id, &created);
			return rc < 0 ? rc : id;
		}
		/* Another drainer opened it at the same moment: read it again. */
	}
	return ST_UNAVAILABLE;
}

static int set_queued(int64_t org_id, int64_t resume_id)
{
	char org[24], rid[24];
	const char *p[2] = { org, rid };

	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	return db_exec("batchapi_resume_queued", "UPDATE resumes SET status = 'queued' WHERE org_id = $1 AND id = $2",
		       2, p, NULL);
}

int batchapi_collect(const struct queue_task *task, int64_t org_id, int64_t job_id, int64_t resume_id,
		     const char *model, const char *body)
{
	int64_t batch;
	int rc = db_begin();

	if (rc < 0)
		return rc;
	rc = queue_still_owned(task);
	if (rc < 0)
		goto out;
	batch = collecting_batch(org_id, job_id, model);
	if (batch < 0) {
		rc = (int)batch;
		goto out;
	}
	{
		char b[24], org[24], rid[24], tid[24], att[24], cid[40];
		const char *p[7] = { b, org, rid, tid, att, cid, body };

		db_int_param(batch, b);
		db_int_param(org_id, org);
		db_int_param(resume_id, rid);
		db_int_param(task->id, tid);
		db_int_param(task->attempt, att);
		snprintf(cid, sizeof(cid), "resume-%lld", (long long)resume_id);
		rc = db_exec("batchapi_item_add",
			     "INSERT INTO llm_batch_items (batch_id, org_id, resume_id, task_id, hold_attempt, "
			     "custom_id, body)"
			     " VALUES ($1, $2, $3, $4, $5, $6, $7)",
			     7, p, NULL);
		if (rc == 0)
			rc = db_exec("batchapi_batch_count",
				     "UPDATE llm_batches SET requests = requests + 1, updated_at = now() WHERE id = $1",
				     1, p, NULL);
	}
	if (rc == 0)
		rc = set_queued(org_id, resume_id);
	if (rc == 0)
		rc = queue_defer(task, BATCHAPI_WAIT_MS);
	if (rc == 0)
		rc = db_commit();
out:
	if (db_in_transaction())
		db_rollback();
	return rc;
}

int batchapi_sleep(const struct queue_task *task, int64_t org_id, int64_t resume_id)
{
	int rc = db_begin();

	if (rc < 0)
		return rc;
	rc = queue_still_owned(task);
	if (rc == 0)
		rc = set_queued(org_id, resume_id);
	if (rc == 0)
		rc = queue_defer(task, BATCHAPI_WAIT_MS);
	if (rc == 0)
		rc = db_commit();
	if (db_in_transaction())
		db_rollback();
	return rc;
}

int batchapi_item_ingested(int64_t id)
{
	char iid[24];
	const char *p[1] = { iid };

	db_int_param(id, iid);
	return db_exec("batchapi_item_ingested",
		       "UPDATE llm_batch_items SET state = 'ingested', response = NULL, body = '', updated_at = now()"
		       " WHERE id = $1",
		       1, p, NULL);
}

int batchapi_item_returned(int64_t id, const char *reason)
{
	char iid[24];
	const char *p[2] = { iid, reason };

	db_int_param(id, iid);
	return db_exec("batchapi_item_returned",
		       "UPDATE llm_batch_items SET state = 'returned', reason = $2, body = '', response = NULL,"
		       " updated_at = now() WHERE id = $1",
		       2, p, NULL);
}

int batchapi_status_json(int64_t org_id, int64_t batch_id, cJSON **out)
{
	char org[24], bid[24];
	const char *p[2] = { org, bid };

	db_int_param(org_id, org);
	db_int_param(batch_id, bid);
	return db_query_json(
		"batchapi_status",
		"SELECT json_build_object("
		" 'waiting', count(*) FILTER (WHERE i.state = 'waiting'),"
		" 'answered', count(*) FILTER (WHERE i.state IN ('answered', 'ingested')),"
		" 'returned', count(*) FILTER (WHERE i.state = 'returned'),"
		" 'provider_batches', COALESCE((SELECT json_agg(json_build_object('id', b.id, 'state', b.state,"
		"   'provider_status', b.provider_status, 'provider_batch_id', b.provider_batch_id,"
		"   'requests', b.requests) ORDER BY b.id) FROM llm_batches b WHERE b.org_id = $1 AND b.id IN"
		"   (SELECT i2.batch_id FROM llm_batch_items i2 JOIN resumes r2 ON r2.id = i2.resume_id"
		"    WHERE r2.batch_id = $2 AND r2.org_id = $1)), '[]'::json))::text"
		" FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id WHERE r.batch_id = $2 AND r.org_id = $1",
		2, p, out);
}

int batchapi_job_get(int64_t org_id, int64_t job_id, bool *on)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("batchapi_job_get", "SELECT llm_batch FROM jobs WHERE org_id = $1 AND id = $2", 2, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*on = strcmp(db_value(res, 0, 0), "t") == 0;
	db_result_free(res);
	return rc;
}

int batchapi_job_set(int64_t org_id, int64_t job_id, bool on)
{
	char org[24], job[24];
	const char *p[3] = { org, job, on ? "true" : "false" };
	int64_t n = 0;
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_exec("batchapi_job_set", "UPDATE jobs SET llm_batch = $3::boolean WHERE org_id = $1 AND id = $2", 3, p,
		     &n);
	return rc == 0 && n == 0 ? ST_NOT_FOUND : rc;
}
