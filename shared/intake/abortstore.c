/* abortstore: multipart uploads whose abort failed, kept in PostgreSQL until an abort succeeds. */
#include "intake/abortstore.h"

#include <stdlib.h>

#include "base/util.h"
#include "core/db.h"

int abortstore_record(const char *key, const char *upload_id, const char *error, int64_t delay_ms)
{
	char delay[24];
	const char *p[4] = { key, upload_id, error ? error : "", delay };

	db_int_param(delay_ms, delay);
	return db_exec("abortstore_record",
		       "INSERT INTO pending_aborts (s3_key, upload_id, last_error, next_attempt_at)"
		       " VALUES ($1, $2, $3, now() + $4::bigint * interval '1 millisecond')"
		       " ON CONFLICT (s3_key, upload_id) DO NOTHING",
		       4, p, NULL);
}

int abortstore_claim_due(int max, int64_t lease_ms, struct pending_abort **out, int *n)
{
	struct db_result *res = NULL;
	char lim[24], lease[24];
	const char *p[2] = { lim, lease };
	int rc, i, rows;

	*out = NULL;
	*n = 0;
	db_int_param(max, lim);
	db_int_param(lease_ms, lease);
	rc = db_query("abortstore_claim_due",
		      "UPDATE pending_aborts SET next_attempt_at = now() + $2::bigint * interval '1 millisecond'"
		      " WHERE id IN (SELECT id FROM pending_aborts WHERE next_attempt_at <= now()"
		      " ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)"
		      " RETURNING id, s3_key, upload_id, attempts",
		      2, p, &res);
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	if (rows == 0)
		goto out;
	*out = xcalloc((size_t)rows, sizeof(**out));
	for (i = 0; i < rows; i++) {
		(*out)[i].id = db_int(res, i, 0, 0);
		(*out)[i].key = xstrdup(db_value(res, i, 1));
		(*out)[i].upload_id = xstrdup(db_value(res, i, 2));
		(*out)[i].attempts = (int)db_int(res, i, 3, 1);
	}
	*n = rows;
out:
	db_result_free(res);
	return rc;
}

void abortstore_free(struct pending_abort *a, int n)
{
	int i;

	for (i = 0; a && i < n; i++) {
		free(a[i].key);
		free(a[i].upload_id);
	}
	free(a);
}

int abortstore_done(int64_t id)
{
	char v[24];
	const char *p[1] = { v };

	db_int_param(id, v);
	return db_exec("abortstore_done", "DELETE FROM pending_aborts WHERE id = $1", 1, p, NULL);
}

int abortstore_retry_later(int64_t id, const char *error, int64_t delay_ms)
{
	char v[24], delay[24];
	const char *p[3] = { v, error ? error : "", delay };

	db_int_param(id, v);
	db_int_param(delay_ms, delay);
	return db_exec("abortstore_retry_later",
		       "UPDATE pending_aborts SET attempts = attempts + 1, last_error = $2,"
		       " next_attempt_at = now() + $3::bigint * interval '1 millisecond' WHERE id = $1",
		       3, p, NULL);
}

int abortstore_count(int64_t *n)
{
	struct db_result *res = NULL;
	int rc = db_query("abortstore_count", "SELECT count(*) FROM pending_aborts", 0, NULL, &res);

	if (rc == 0)
		*n = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int abortstore_chore_take(const char *name, int64_t every_s)
{
	struct db_result *res = NULL;
	char every[24];
	const char *p[2] = { name, every };
	int rc;

	db_int_param(every_s, every);
	rc = db_query(
		"abortstore_chore_take",
		"INSERT INTO multipart_chores (name, next_at) VALUES ($1, now() + $2::bigint * interval '1 second')"
		" ON CONFLICT (name) DO UPDATE SET next_at = EXCLUDED.next_at"
		" WHERE multipart_chores.next_at <= now() RETURNING 1",
		2, p, &res);
	if (rc == 0)
		rc = db_rows(res) > 0 ? 1 : 0;
	db_result_free(res);
	return rc;
}
