/* resumestore: recording received resumes — the resume row, its batch and its processing task, together. */
#include "intake/resumestore.h"

#include <poll.h>
#include <stdio.h>

#include "base/status.h"
#include "core/db.h"
#include "queue/queue.h"
#include "core/counters.h"
#include "base/util.h"

/* A job's resume with these bytes. */
static const char resume_find_sha_sql[] = "SELECT id FROM resumes WHERE org_id = $1 AND job_id = $2 AND sha256 = $3";

int resumestore_find_sha(int64_t org_id, int64_t job_id, const char *sha256_hex, int64_t *id)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[3] = { org, job, sha256_hex };
	int rc;

	snprintf(org, sizeof(org), "%lld", (long long)org_id);
	snprintf(job, sizeof(job), "%lld", (long long)job_id);
	rc = db_query("resume_find_sha", resume_find_sha_sql, 3, p, &res);
	if (rc < 0)
		return rc;
	rc = db_rows(res) > 0;
	if (rc)
		*id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int resumestore_written_after_all(const struct resume_new *r, int wait_ms, int64_t *resume_id, int64_t *batch_id)
{
	char org[24], job[24];
	const char *p[3] = { org, job, r->s3_key };
	int waited = 0, rc;

	snprintf(org, sizeof(org), "%lld", (long long)r->org_id);
	snprintf(job, sizeof(job), "%lld", (long long)r->job_id);
	for (;;) {
		struct db_result *res = NULL;

		rc = db_query("resume_find_key",
			      "SELECT id, batch_id FROM resumes WHERE org_id = $1 AND job_id = $2 AND s3_key = $3", 3,
			      p, &res);
		if (rc == 0) {
			rc = db_rows(res) > 0;
			if (rc) {
				*resume_id = db_int(res, 0, 0, 0);
				*batch_id = db_int(res, 0, 1, 0);
			}
			db_result_free(res);
			return rc;
		}
		if (rc != ST_UNAVAILABLE || waited >= wait_ms)
			return rc;
		poll(NULL, 0, 200);
		waited += 200;
	}
}

static int create_batch(const struct resume_new *r, int64_t *batch_id)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[3] = { org, job, r->source };
	int rc;

	snprintf(org, sizeof(org), "%lld", (long long)r->org_id);
	snprintf(job, sizeof(job), "%lld", (long long)r->job_id);
	rc = db_query("batch_create", "INSERT INTO batches (org_id, job_id, source) VALUES ($1, $2, $3) RETURNING id",
		      3, p, &res);
	if (rc == 0)
		*batch_id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

/* The processing task of a resume; its key makes enqueueing idempotent, its notification wakes drainers at commit. */
static int enqueue_processing(const struct resume_new *r, int64_t resume_id, int64_t batch_id)
{
	char key[48], payload[128];
	int64_t task_id;

	snprintf(key, sizeof(key), "resume:%lld", (long long)resume_id);
	snprintf(payload, sizeof(payload), "{\"resume_id\":%lld,\"job_id\":%lld,\"batch_id\":%lld}",
		 (long long)resume_id, (long long)r->job_id, (long long)batch_id);
	return queue_enqueue(RESUME_TASK_KIND, key, r->org_id, payload, 0, 0, &task_id, NULL);
}

/* A job's resume with these bytes or this S3 key, the oldest. */
static const char resume_existing_sql[] =
	"SELECT id FROM resumes WHERE org_id = $1 AND job_id = $2 AND (sha256 = $3 OR s3_key = $4)"
	" ORDER BY id LIMIT 1";

int resumestore_accept(const struct resume_new *r, int64_t *batch_id, int64_t *resume_id, int64_t *duplicate_of)
{
	struct db_result *res = NULL;
	char org[24], job[24], batch[24], size[24];
	int rc;
	int64_t created_batch = 0;

	*resume_id = 0;
	*duplicate_of = 0;
	rc = db_begin();
	if (rc < 0)
		return rc;
	if (*batch_id == 0) {
		rc = create_batch(r, &created_batch);
		if (rc < 0)
			goto out;
	}
	snprintf(org, sizeof(org), "%lld", (long long)r->org_id);
	snprintf(job, sizeof(job), "%lld", (long long)r->job_id);
	snprintf(batch, sizeof(batch), "%lld", (long long)(*batch_id ? *batch_id : created_batch));
	snprintf(size, sizeof(size), "%lld", (long long)r->size);
	{
		const char *p[8] = { org, job, batch, r->s3_key, r->sha256_hex, size, r->content_type, r->filename };

		rc = db_query("resume_insert",
			      "INSERT INTO resumes (org_id, job_id, batch_id, s3_key, sha256, size_bytes, content_type,"
			      " filename) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING id",
			      8, p, &res);
	}
	if (rc < 0)
		goto out;
	if (db_rows(res) == 0) {
		const char *p[4] = { org, job, r->sha256_hex, r->s3_key };

		db_result_free(res);
		res = NULL;
		rc = db_query("resume_existing", resume_existing_sql, 4, p, &res);
		if (rc < 0)
			goto out;
		*duplicate_of = db_int(res, 0, 0, 0);
		/* Nothing new: drop the batch made for it, if any. */
		db_rollback();
		db_result_free(res);
		return 1;
	}
	*resume_id = db_int(res, 0, 0, 0);
	rc = enqueue_processing(r, *resume_id, *batch_id ? *batch_id : created_batch);
	if (rc < 0)
		goto out;
	rc = db_commit();
	if (rc == 0 && created_batch)
		*batch_id = created_batch;
out:
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "resume_existing", resume_existing_sql, "ORG_ID, JOB_ID, 'RESUME_SHA', 'RESUME_KEY'" },
	{ "resume_find_sha", resume_find_sha_sql, "ORG_ID, JOB_ID, 'RESUME_SHA'" },
};

const struct counters_statement *resumestore_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
