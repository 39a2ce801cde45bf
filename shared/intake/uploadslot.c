/* uploadslot: presigned upload slots in PostgreSQL — one row per upload URL handed out, and its outcome. */
#include "intake/uploadslot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/counters.h"

#define SLOT_COLUMNS \
	"id, upload_id, s3_key, org_id, job_id, COALESCE(batch_id, 0), filename, content_type," \
	" COALESCE(declared_size, -1), extract(epoch FROM expires_at)::bigint, state, reason, COALESCE(resume_id, 0)"

int uploadslot_key(int64_t org_id, int64_t job_id, const char *upload_id, char *out, size_t size)
{
	int n = snprintf(out, size, "orgs/%lld/jobs/%lld/uploads/%s", (long long)org_id, (long long)job_id, upload_id);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void fill(const struct db_result *res, struct uploadslot *s)
{
	memset(s, 0, sizeof(*s));
	s->id = db_int(res, 0, 0, 0);
	snprintf(s->upload_id, sizeof(s->upload_id), "%s", db_value(res, 0, 1));
	snprintf(s->key, sizeof(s->key), "%s", db_value(res, 0, 2));
	s->org_id = db_int(res, 0, 3, 0);
	s->job_id = db_int(res, 0, 4, 0);
	s->batch_id = db_int(res, 0, 5, 0);
	s->filename = xstrdup(db_value(res, 0, 6));
	s->content_type = dup_or_null(db_value(res, 0, 7));
	s->declared_size = db_int(res, 0, 8, -1);
	s->expires_at = (time_t)db_int(res, 0, 9, 0);
	snprintf(s->state, sizeof(s->state), "%s", db_value(res, 0, 10));
	s->reason = dup_or_null(db_value(res, 0, 11));
	s->resume_id = db_int(res, 0, 12, 0);
}

int uploadslot_new_batch(int64_t org_id, int64_t job_id, int64_t *batch_id)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	int rc;

	snprintf(org, sizeof(org), "%lld", (long long)org_id);
	snprintf(job, sizeof(job), "%lld", (long long)job_id);
	rc = db_query("uploadslot_batch",
		      "INSERT INTO batches (org_id, job_id, source) VALUES ($1, $2, 'presigned') RETURNING id", 2, p,
		      &res);
	if (rc == 0)
		*batch_id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int uploadslot_create(int64_t org_id, int64_t job_id, int64_t batch_id, const char *filename, const char *content_type,
		      int64_t declared_size, time_t expires_at, struct uploadslot *out)
{
	struct db_result *res = NULL;
	unsigned char rnd[UPLOADSLOT_ID_LEN / 2];
	char upload_id[UPLOADSLOT_ID_LEN + 1], key[UPLOADSLOT_KEY_MAX];
	char org[24], job[24], batch[24], size[24], exp[24];
	const char *p[9] = { upload_id,
			     key,
			     org,
			     job,
			     batch_id ? batch : NULL,
			     filename,
			     content_type,
			     declared_size >= 0 ? size : NULL,
			     exp };
	int rc;

	memset(out, 0, sizeof(*out));
	if (random_bytes(rnd, sizeof(rnd)) < 0)
		return ST_INTERNAL;
	hex_encode(rnd, sizeof(rnd), upload_id);
	if (uploadslot_key(org_id, job_id, upload_id, key, sizeof(key)) < 0)
		return ST_INTERNAL;
	snprintf(org, sizeof(org), "%lld", (long long)org_id);
	snprintf(job, sizeof(job), "%lld", (long long)job_id);
	snprintf(batch, sizeof(batch), "%lld", (long long)batch_id);
	snprintf(size, sizeof(size), "%lld", (long long)declared_size);
	snprintf(exp, sizeof(exp), "%lld", (long long)expires_at);
	rc = db_query("uploadslot_create",
		      "INSERT INTO upload_slots (upload_id, s3_key, org_id, job_id, batch_id, filename, content_type,"
		      " declared_size, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, to_timestamp($9))"
		      " RETURNING " SLOT_COLUMNS,
		      9, p, &res);
	if (rc == 0)
		fill(res, out);
	db_result_free(res);
	return rc;
}

/* The upload slot of an S3 key. */
static const char uploadslot_find_sql[] = "SELECT " SLOT_COLUMNS " FROM upload_slots WHERE s3_key = $1";

int uploadslot_find_key(const char *key, struct uploadslot *out)
{
	struct db_result *res = NULL;
	const char *p[1] = { key };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = db_query("uploadslot_find", uploadslot_find_sql, 1, p, &res);
	if (rc < 0)
		return rc;
	rc = db_rows(res) > 0;
	if (rc)
		fill(res, out);
	db_result_free(res);
	return rc;
}

int uploadslot_mark(int64_t id, const char *state, const char *reason, int64_t resume_id)
{
	char sid[24], rid[24];
	const char *p[4] = { sid, state, reason, resume_id ? rid : NULL };

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	snprintf(rid, sizeof(rid), "%lld", (long long)resume_id);
	return db_exec(
		"uploadslot_mark",
		"UPDATE upload_slots SET state = $2, reason = $3, resume_id = $4, updated_at = now() WHERE id = $1", 4,
		p, NULL);
}

void uploadslot_release(struct uploadslot *s)
{
	free(s->filename);
	free(s->content_type);
	free(s->reason);
	memset(s, 0, sizeof(*s));
}

int uploadslot_list_stale(int after_seconds, int max, char ***keys, int *n)
{
	struct db_result *res = NULL;
	char after[24], lim[24];
	const char *p[2] = { after, lim };
	int rc, i;

	*keys = NULL;
	*n = 0;
	db_int_param(after_seconds, after);
	db_int_param(max, lim);
	rc = db_query("uploadslot_stale",
		      "SELECT s3_key FROM upload_slots WHERE state = 'issued'"
		      " AND expires_at < now() - make_interval(secs => $1::int) ORDER BY expires_at LIMIT $2::int",
		      2, p, &res);
	if (rc < 0)
		return rc;
	*n = db_rows(res);
	*keys = *n ? xcalloc((size_t)*n, sizeof(**keys)) : NULL;
	for (i = 0; i < *n; i++)
		(*keys)[i] = xstrdup(db_value(res, i, 0));
	db_result_free(res);
	return 0;
}

void uploadslot_keys_free(char **keys, int n)
{
	int i;

	for (i = 0; keys && i < n; i++)
		free(keys[i]);
	free(keys);
}

int uploadslot_expire(int64_t id, const char *reason)
{
	char sid[24];
	const char *p[2] = { sid, reason };

	db_int_param(id, sid);
	return db_exec("uploadslot_expire",
		       "UPDATE upload_slots SET state = 'expired', reason = $2, updated_at = now()"
		       " WHERE id = $1 AND state = 'issued'",
		       2, p, NULL);
}

static const struct counters_statement plan_statements[] = {
	{ "uploadslot_find", uploadslot_find_sql, "'SLOT_KEY'" },
};

const struct counters_statement *uploadslot_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
