/* counters: the counts kept by the database's counter triggers (0130) — reading a scope, compaction, check and rebuild. */
#include "core/counters.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/log.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* $1 scope, $2 scope id: one range of counter_deltas_scope. */
static const char scope_sql[] = "SELECT family, k1, k2, sum(n) FROM counter_deltas"
				" WHERE scope = $1::text AND scope_id = $2::bigint"
				" GROUP BY family, k1, k2 HAVING sum(n) <> 0 ORDER BY family, k1, k2";

/*
 * The oldest deltas by primary key, locked (others' rounds skipped), deleted
 * and summed back in; a sum of a scope that is gone, or of zero, is dropped.
 */
static const char compact_sql[] =
	"WITH gone AS (DELETE FROM counter_deltas WHERE id = ANY (ARRAY(SELECT id FROM counter_deltas ORDER BY id"
	" LIMIT " STRINGIFY(
		COUNTERS_COMPACT_BATCH) " FOR UPDATE SKIP LOCKED))"
					" RETURNING scope, scope_id, family, k1, k2, n),"
					" s AS (SELECT scope, scope_id, family, k1, k2, sum(n) AS n FROM gone GROUP BY "
					"1, 2, 3, 4, 5),"
					" kept AS (INSERT INTO counter_deltas (scope, scope_id, family, k1, k2, n)"
					"  SELECT scope, scope_id, family, k1, k2, n FROM s WHERE n <> 0 AND "
					"counters_scope_exists(scope, scope_id)"
					"  RETURNING 1)"
					" SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM kept)";

static const char newest_sql[] = "SELECT COALESCE(max(id), 0) FROM counter_deltas";

static const struct counters_statement statements[] = {
	{ "counters_scope", scope_sql, "'batch', BATCH_ID" },
	{ "counters_compact", compact_sql, "" },
	{ "counters_newest", newest_sql, "" },
};

int counters_scope(const char *scope, int64_t id, struct db_result **out)
{
	char sid[24];
	const char *p[2] = { scope, sid };

	db_int_param(id, sid);
	return db_query("counters_scope", scope_sql, 2, p, out);
}

double counters_sum(const struct db_result *res, const char *family, const char *k1, const char *k2)
{
	double sum = 0;
	int i;

	for (i = 0; i < db_rows(res); i++) {
		const char *v = db_value(res, i, 3);

		if (strcmp(db_value(res, i, 0), family) != 0 || strcmp(db_value(res, i, 1), k1) != 0)
			continue;
		if (k2 && strcmp(db_value(res, i, 2), k2) != 0)
			continue;
		sum += v ? strtod(v, NULL) : 0;
	}
	return sum;
}

cJSON *counters_family_json(const struct db_result *res, const char *family, const char *const *labels)
{
	cJSON *obj = cJSON_CreateObject();
	int i;

	for (i = 0; labels && labels[i]; i++)
		cJSON_AddNumberToObject(obj, labels[i], 0);
	for (i = 0; i < db_rows(res); i++) {
		const char *k = db_value(res, i, 1);

		if (strcmp(db_value(res, i, 0), family) != 0)
			continue;
		cJSON_DeleteItemFromObjectCaseSensitive(obj, k);
		cJSON_AddNumberToObject(obj, k, counters_sum(res, family, k, NULL));
	}
	return obj;
}

int counters_compact(int64_t *folded)
{
	struct db_result *res = NULL;
	int rc = db_query("counters_compact", compact_sql, 0, NULL, &res);

	if (folded)
		*folded = rc == 0 ? db_int(res, 0, 0, 0) : 0;
	db_result_free(res);
	return rc;
}

/* The newest delta's id, 0 when there is none. */
static int newest_delta(int64_t *id)
{
	struct db_result *res = NULL;
	int rc = db_query("counters_newest", newest_sql, 0, NULL, &res);

	*id = rc == 0 ? db_int(res, 0, 0, 0) : 0;
	db_result_free(res);
	return rc;
}

int counters_tend(void)
{
	/* The newest id after this process's last round: nothing written since, nothing to fold. */
	static int64_t after_last_round = -1;
	int64_t folded = 0, newest = 0;
	int rc = newest_delta(&newest);

	if (rc < 0 || newest == after_last_round)
		return rc;
	rc = counters_compact(&folded);
	if (rc == 0 && folded > 0)
		log_info("counters: folded %lld deltas", (long long)folded);
	if (rc == 0)
		rc = newest_delta(&after_last_round);
	return rc;
}

/* Runs sql in its own transaction with no statement timeout. */
static int unbounded(const char *name, const char *sql, struct db_result **out)
{
	int rc = db_begin();

	if (rc < 0)
		return rc;
	rc = db_exec(NULL, "SET LOCAL statement_timeout = 0", 0, NULL, NULL);
	if (rc == 0)
		rc = db_query(name, sql, 0, NULL, out);
	if (rc == 0)
		rc = db_commit();
	else
		db_rollback();
	return rc;
}

int counters_check(struct db_result **out)
{
	*out = NULL;
	return unbounded(NULL, "SELECT scope, scope_id, family, k1, k2, stored, counted FROM counters_check()", out);
}

int counters_rebuild(int64_t *wrong)
{
	struct db_result *res = NULL;
	int rc = unbounded(NULL, "SELECT counters_rebuild()", &res);

	*wrong = rc == 0 ? db_int(res, 0, 0, 0) : 0;
	db_result_free(res);
	return rc;
}

const struct counters_statement *counters_statements(size_t *n)
{
	*n = ARRAY_SIZE(statements);
	return statements;
}
