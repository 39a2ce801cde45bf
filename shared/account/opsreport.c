/* opsreport: an organisation's operations over time — throughput, latency, queue, LLM spend, errors, emails. */
#include "account/opsreport.h"

#include "account/keystore.h"
#include "base/util.h"
#include "core/db.h"
#include "core/counters.h"

#define ISO_HOUR "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'"

/*
 * w: the first and last hour of the window and the first and last UTC day it
 * touches. a: the organisation's analyses since the first day, read once.
 */
static const char report_sql[] =
	"WITH w AS (SELECT date_trunc('hour', now()) - ($2::int - 1) * interval '1 hour' AS h0,"
	"  date_trunc('hour', now()) AS h1,"
	"  date_trunc('day', date_trunc('hour', now()) - ($2::int - 1) * interval '1 hour', 'UTC') AS d0,"
	"  date_trunc('day', now(), 'UTC') AS d1),"
	" a AS MATERIALIZED (SELECT a.id, a.resume_id, a.created_at, a.category, a.cost_usd, a.prompt_tokens,"
	"  a.completion_tokens FROM analyses a WHERE a.org_id = $1 AND a.created_at >= (SELECT d0 FROM "
	"w)),"
	" hourly AS (SELECT date_trunc('hour', a.created_at) AS t, count(*) AS processed,"
	"  count(*) FILTER (WHERE a.category = 'failed') AS failed,"
	"  count(*) FILTER (WHERE a.category = 'needs_review') AS needs_review"
	"  FROM a WHERE a.created_at >= (SELECT h0 FROM w) GROUP BY 1),"
	" latency AS (SELECT date_trunc('hour', a.created_at) AS t, count(*) AS n,"
	"  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.created_at - r.created_at)) AS p50,"
	"  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.created_at - r.created_at)) AS p95"
	"  FROM a JOIN resumes r ON r.id = a.resume_id AND r.org_id = $1"
	"  WHERE a.created_at >= (SELECT h0 FROM w) AND a.category <> 'failed'"
	"  AND NOT EXISTS (SELECT 1 FROM analyses o WHERE o.resume_id = a.resume_id AND o.id < a.id"
	"   AND o.category <> 'failed') GROUP BY 1),"
	" spend AS (SELECT date_trunc('day', a.created_at, 'UTC') AS t, count(*) AS analyses, sum(a.cost_usd) AS cost,"
	"  sum(a.prompt_tokens) AS pt, sum(a.completion_tokens) AS ct FROM a GROUP BY 1),"
	" unpriced AS (SELECT date_trunc('day', u.created_at, 'UTC') AS t, count(*) AS n FROM analyses u"
	"  WHERE u.org_id = $1 AND NOT u.cost_known AND u.created_at >= (SELECT d0 FROM w) GROUP BY 1),"
	" prep AS (SELECT date_trunc('day', p.created_at, 'UTC') AS t,"
	"  count(*) FILTER (WHERE p.purpose <> 'scoring_unstored') AS calls,"
	"  sum(p.cost_usd) FILTER (WHERE p.purpose <> 'scoring_unstored') AS cost,"
	"  sum(p.cost_usd) FILTER (WHERE p.purpose = 'scoring_unstored') AS unstored,"
	"  count(*) FILTER (WHERE NOT p.cost_known) AS unpriced"
	"  FROM llm_spend p WHERE p.org_id = $1 AND p.created_at >= (SELECT d0 FROM w) GROUP BY 1),"
	" mail AS (SELECT date_trunc('day', COALESCE(e.sent_at, e.updated_at), 'UTC') AS t,"
	"  count(*) FILTER (WHERE e.state <> 'failed') AS sent, count(*) FILTER (WHERE e.state = 'failed') AS failed"
	"  FROM emails e WHERE e.org_id = $1 AND e.state IN ('sent', 'failed', 'bounced', 'complained')"
	"  AND COALESCE(e.sent_at, e.updated_at) >= (SELECT d0 FROM w) GROUP BY 1),"
	" queue AS (SELECT t.kind, count(*) FILTER (WHERE t.state = 'queued') AS queued,"
	"  count(*) FILTER (WHERE t.state = 'running') AS running"
	"  FROM tasks t WHERE t.org_id = $1 AND t.state IN ('queued', 'running') GROUP BY 1)"
	" SELECT jsonb_build_object('hours', $2::int, 'from', to_char(w.h0 AT TIME ZONE 'UTC', " ISO_HOUR "),"
	" 'hourly', (SELECT jsonb_agg(jsonb_build_object('at', to_char(g.t AT TIME ZONE 'UTC', " ISO_HOUR "),"
	"   'processed', COALESCE(h.processed, 0), 'failed', COALESCE(h.failed, 0),"
	"   'needs_review', COALESCE(h.needs_review, 0), 'latency_n', COALESCE(l.n, 0),"
	"   'latency_p50_s', round(l.p50::numeric, 3), 'latency_p95_s', round(l.p95::numeric, 3)) ORDER BY g.t)"
	"   FROM generate_series(w.h0, w.h1, interval '1 hour') g(t) LEFT JOIN hourly h ON h.t = g.t"
	"   LEFT JOIN latency l ON l.t = g.t),"
	" 'daily', (SELECT jsonb_agg(jsonb_build_object('day', to_char(g.t AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
	"   'analyses', COALESCE(s.analyses, 0), 'cost_usd', COALESCE(s.cost, 0),"
	"   'unpriced_calls', COALESCE(up.n, 0) + COALESCE(pp.unpriced, 0),"
	"   'preparation_calls', COALESCE(pp.calls, 0), 'preparation_cost_usd', COALESCE(pp.cost, 0),"
	"   'unstored_cost_usd', COALESCE(pp.unstored, 0),"
	"   'prompt_tokens', COALESCE(s.pt, 0),"
	"   'completion_tokens', COALESCE(s.ct, 0), 'emails_sent', COALESCE(m.sent, 0),"
	"   'emails_failed', COALESCE(m.failed, 0)) ORDER BY g.t)"
	"   FROM generate_series(w.d0, w.d1, interval '1 day') g(t) LEFT JOIN spend s ON s.t = g.t"
	"   LEFT JOIN prep pp ON pp.t = g.t LEFT JOIN unpriced up ON up.t = g.t"
	"   LEFT JOIN mail m ON m.t = g.t),"
	" 'queue', (SELECT COALESCE(jsonb_agg(jsonb_build_object('kind', q.kind, 'queued', q.queued,"
	"   'running', q.running) ORDER BY q.kind), '[]'::jsonb) FROM queue q),"
	" 'as_of', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))::text FROM w";

int opsreport_hours_parse(const char *s, int *hours, char *err, size_t errlen)
{
	int64_t v;

	if (!s || !*s) {
		*hours = OPSREPORT_HOURS_DEFAULT;
		return 0;
	}
	if (parse_int64(s, 1, OPSREPORT_HOURS_MAX, &v) < 0) {
		fail(err, errlen, "hours: must be an integer from 1 to %d (14 days)", OPSREPORT_HOURS_MAX);
		return -1;
	}
	*hours = (int)v;
	return 0;
}

int opsreport_may_view(int64_t org_id, int64_t user_id, int64_t key_id)
{
	return keystore_may_manage(org_id, user_id, key_id);
}

int opsreport_json(int64_t org_id, int hours, cJSON **out)
{
	char org[24], h[24];
	const char *p[2] = { org, h };

	db_int_param(org_id, org);
	db_int_param(hours, h);
	return db_query_json("opsreport", report_sql, 2, p, out);
}

static const struct counters_statement plan_statements[] = {
	{ "opsreport_24h", report_sql, "ORG_ID, 24" },
	{ "opsreport_14d", report_sql, "ORG_ID, 336" },
};

const struct counters_statement *opsreport_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
