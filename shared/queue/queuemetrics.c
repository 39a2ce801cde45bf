/* queuemetrics: the queue's depth and oldest waiting age, read at scrape time, in the Prometheus text format. */
#include "queue/queuemetrics.h"

#include <string.h>

#include "core/db.h"
#include "intake/resumestore.h"
#include "core/counters.h"
#include "base/util.h"

static const char depth_sql[] =
	"SELECT kind, 'queued', count(*),"
	" COALESCE(floor(EXTRACT(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now()))), 0)"
	" FROM tasks WHERE state = 'queued' GROUP BY kind"
	" UNION ALL SELECT kind, 'running', count(*), 0 FROM tasks WHERE state = 'running' GROUP BY kind"
	" ORDER BY 1, 2";

/* Whether the result has a row for kind and state. */
static bool has_row(const struct db_result *res, const char *kind, const char *state)
{
	int i;

	for (i = 0; i < db_rows(res); i++)
		if (strcmp(db_value(res, i, 0), kind) == 0 && strcmp(db_value(res, i, 1), state) == 0)
			return true;
	return false;
}

int queuemetrics_render(struct buf *out)
{
	static const char *const states[] = { "queued", "running" };
	struct db_result *res = NULL;
	int rc = db_query("queue_metrics", depth_sql, 0, NULL, &res), i;

	if (rc < 0)
		return rc;
	buf_append_str(out, "# HELP shortlist_queue_depth Tasks waiting (queued) or in a drainer's hands (running), "
			    "by kind.\n# TYPE shortlist_queue_depth gauge\n");
	for (i = 0; i < db_rows(res); i++)
		buf_printf(out, "shortlist_queue_depth{kind=\"%s\",state=\"%s\"} %s\n", db_value(res, i, 0),
			   db_value(res, i, 1), db_value(res, i, 2));
	for (i = 0; i < 2; i++)
		if (!has_row(res, RESUME_TASK_KIND, states[i]))
			buf_printf(out, "shortlist_queue_depth{kind=\"%s\",state=\"%s\"} 0\n", RESUME_TASK_KIND,
				   states[i]);
	buf_append_str(out, "# HELP shortlist_queue_oldest_age_seconds Seconds the oldest task that may run now has "
			    "waited, by kind.\n# TYPE shortlist_queue_oldest_age_seconds gauge\n");
	for (i = 0; i < db_rows(res); i++)
		if (strcmp(db_value(res, i, 1), "queued") == 0)
			buf_printf(out, "shortlist_queue_oldest_age_seconds{kind=\"%s\"} %s\n", db_value(res, i, 0),
				   db_value(res, i, 3));
	if (!has_row(res, RESUME_TASK_KIND, "queued"))
		buf_printf(out, "shortlist_queue_oldest_age_seconds{kind=\"%s\"} 0\n", RESUME_TASK_KIND);
	db_result_free(res);
	return 0;
}

static const struct counters_statement plan_statements[] = {
	{ "queue_metrics", depth_sql, "" },
};

const struct counters_statement *queuemetrics_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
