/* prune: deletes finished tasks and settled upload slots once they are older than their retention, a bounded batch at a time. */
#include "queue/prune.h"

#include <string.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/counters.h"
#include "base/util.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/*
 * Each statement walks its partial index (migration 0120) from the oldest
 * row and stops after PRUNE_BATCH; the limit is a constant so that the
 * generic plan is the same bounded index scan. $1: the retention in days.
 */
static const char tasks_sql[] = "DELETE FROM tasks WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE state = 'succeeded'"
				" AND finished_at < now() - $1::int * interval '1 day' ORDER BY finished_at"
				" LIMIT " STRINGIFY(PRUNE_BATCH) " FOR UPDATE SKIP LOCKED))";
static const char dead_sql[] = "DELETE FROM tasks WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE state = 'discarded'"
			       " AND finished_at < now() - $1::int * interval '1 day' ORDER BY finished_at"
			       " LIMIT " STRINGIFY(PRUNE_BATCH) " FOR UPDATE SKIP LOCKED))";
static const char slots_sql[] =
	"DELETE FROM upload_slots WHERE id = ANY (ARRAY(SELECT id FROM upload_slots"
	" WHERE state IN ('received', 'rejected', 'expired') AND updated_at < now() - $1::int * interval '1 day'"
	" ORDER BY updated_at LIMIT " STRINGIFY(PRUNE_BATCH) " FOR UPDATE SKIP LOCKED))";

static int prune_one(const char *name, const char *sql, int64_t days, int64_t *deleted)
{
	char d[24];
	const char *p[1] = { d };

	db_int_param(days, d);
	return db_exec(name, sql, 1, p, deleted);
}

int prune_round(struct prune_counts *out)
{
	const struct config *c = config();
	int rc;

	memset(out, 0, sizeof(*out));
	rc = prune_one("prune_tasks", tasks_sql, c->task_retention_days, &out->tasks);
	if (rc == 0)
		rc = prune_one("prune_dead_tasks", dead_sql, c->dead_task_retention_days, &out->dead_tasks);
	if (rc == 0)
		rc = prune_one("prune_upload_slots", slots_sql, c->upload_slot_retention_days, &out->upload_slots);
	return rc;
}

int prune_tend(void)
{
	struct prune_counts n;
	int rc = prune_round(&n);

	if (n.tasks > 0 || n.dead_tasks > 0 || n.upload_slots > 0)
		log_info("prune: deleted %lld succeeded tasks, %lld dead-letter tasks, %lld upload slots",
			 (long long)n.tasks, (long long)n.dead_tasks, (long long)n.upload_slots);
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "prune_tasks", tasks_sql, "7" },
	{ "prune_dead_tasks", dead_sql, "90" },
	{ "prune_upload_slots", slots_sql, "30" },
};

const struct counters_statement *prune_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
