/* orgstore: organisations in PostgreSQL — made and found by name. */
#include "account/orgstore.h"

#include "base/status.h"
#include "core/db.h"

/* Runs a statement answering one id (its first column); no row is ST_NOT_FOUND. */
static int query_id(const char *name, const char *sql, const char *value, int64_t *id)
{
	struct db_result *res = NULL;
	const char *p[1] = { value };
	int rc;

	*id = 0;
	rc = db_query(name, sql, 1, p, &res);
	if (rc == 0 && db_rows(res) != 1)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int orgstore_create(const char *name, int64_t *id)
{
	return query_id("orgstore_create", "INSERT INTO organisations (name) VALUES ($1) RETURNING id", name, id);
}

int orgstore_find(const char *name, int64_t *id)
{
	return query_id("orgstore_find", "SELECT id FROM organisations WHERE name = $1", name, id);
}
