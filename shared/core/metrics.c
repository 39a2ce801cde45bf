/* metrics: the service's counters in the Prometheus text format, for GET /metrics. */
#include "core/metrics.h"

#include <cJSON.h>
#include <stdio.h>

#include "base/util.h"
#include "core/db.h"
#include "core/procmetrics.h"
#include "llm/llm_cache.h"
#include "queue/queuemetrics.h"

/* One gauge family from a query whose rows are (label value..., number). */
struct family {
	const char *name;
	const char *help;
	const char *labels[2];
	const char *sql;
};

/* The service's counters (core/counters.h), one range of counter_deltas_scope each. */
#define SERVICE(cols, family) \
	"SELECT " cols ", sum(n) FROM counter_deltas WHERE scope = 'service' AND scope_id = 0 AND family = '" family \
	"' GROUP BY " cols " HAVING sum(n) <> 0 ORDER BY " cols

static const struct family families[] = {
	{ "shortlist_tasks", "Tasks in the queue by kind and state.", { "kind", "state" }, SERVICE("k1, k2", "tasks") },
	{ "shortlist_resumes", "Resumes by processing status.", { "status", NULL }, SERVICE("k1", "resumes") },
	{ "shortlist_analyses_current",
	  "Current analyses by category.",
	  { "category", NULL },
	  SERVICE("k1", "candidates") },
	{ "shortlist_emails", "Outbox emails by state.", { "state", NULL }, SERVICE("k1", "emails") },
	{ "shortlist_llm_tokens",
	  "Tokens recorded with analyses, by kind.",
	  { "kind", NULL },
	  "SELECT k, COALESCE((SELECT sum(n) FROM counter_deltas WHERE scope = 'service' AND scope_id = 0"
	  " AND family = 'llm' AND k1 = k || '_tokens'), 0) FROM (VALUES ('prompt'), ('completion')) v(k)" },
	{ "shortlist_llm_cost_usd",
	  "Cost recorded with analyses, in US dollars.",
	  { NULL, NULL },
	  "SELECT COALESCE(sum(n), 0) FROM counter_deltas WHERE scope = 'service' AND scope_id = 0"
	  " AND family = 'llm' AND k1 = 'cost_usd'" },
};

static void render_family(struct buf *out, const struct family *f, const struct db_result *res)
{
	int nlabels = (f->labels[0] != NULL) + (f->labels[1] != NULL), i, j;

	buf_printf(out, "# HELP %s %s\n# TYPE %s gauge\n", f->name, f->help, f->name);
	for (i = 0; i < db_rows(res); i++) {
		buf_append_str(out, f->name);
		for (j = 0; j < nlabels; j++)
			buf_printf(out, "%s%s=\"%s\"", j ? "," : "{", f->labels[j], db_value(res, i, j));
		buf_printf(out, "%s %s\n", nlabels ? "}" : "",
			   db_value(res, i, nlabels) ? db_value(res, i, nlabels) : "0");
	}
}

static void render_cache(struct buf *out)
{
	cJSON *stats = llm_cache_stats_json();
	int c;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(stats, "available"))) {
		buf_append_str(out, "# HELP shortlist_llm_cache_total LLM response cache counters (memcached).\n"
				    "# TYPE shortlist_llm_cache_total counter\n");
		for (c = 0; c < LLM_CACHE_COUNTER_COUNT; c++) {
			const char *name = llm_cache_counter_name((enum llm_cache_counter)c);
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(stats, name);

			if (cJSON_IsNumber(v))
				buf_printf(out, "shortlist_llm_cache_total{counter=\"%s\"} %.0f\n", name,
					   v->valuedouble);
		}
	}
	cJSON_Delete(stats);
}

int metrics_render(struct buf *out)
{
	struct buf text = BUF_INIT(0);
	size_t i;
	int rc = 0;

	for (i = 0; i < ARRAY_SIZE(families) && rc == 0; i++) {
		struct db_result *res = NULL;

		rc = db_query(families[i].name, families[i].sql, 0, NULL, &res);
		if (rc == 0)
			render_family(&text, &families[i], res);
		db_result_free(res);
	}
	if (rc == 0)
		rc = queuemetrics_render(&text);
	/* The database's families whole or not at all: a family cut half-way would read as series gone. */
	if (rc == 0)
		buf_append(out, text.ptr, text.len);
	buf_release(&text);
	render_cache(out);
	procmetrics_render(out);
	return rc;
}

const char *metrics_statement_sql(size_t i, const char **name)
{
	if (i >= ARRAY_SIZE(families))
		return NULL;
	*name = families[i].name;
	return families[i].sql;
}
