/* jobsummary: one job in numbers for its charts — score distribution, categories, states, LLM spend. */
#include "score/jobsummary.h"

#include "core/db.h"
#include "core/counters.h"
#include "base/util.h"

/*
 * The job's current analyses by category and score bin, from the ranked
 * list's index alone: rank_key (migration 0100) is group * 20000 + 10000 -
 * score in hundredths, so rank_key % 20000 gives the score back, and over
 * 10000 means no score.
 */
#define RANKS \
	"r AS (SELECT a.shown_category AS category, CASE WHEN a.rank_key % 20000 <= 10000" \
	" THEN LEAST((10000 - a.rank_key % 20000) / 1000, 9) END AS bin, count(*) AS n" \
	" FROM analyses a WHERE a.job_id = $2 AND a.is_current AND EXISTS (SELECT 1 FROM j) GROUP BY 1, 2)"

static const char summary_sql[] =
	"WITH j AS (SELECT id FROM jobs WHERE org_id = $1 AND id = $2), " RANKS
	" SELECT jsonb_build_object('job_id', j.id,"
	" 'candidates', (SELECT COALESCE(sum(n), 0) FROM r),"
	" 'score_bins', (SELECT jsonb_agg(jsonb_build_object('from', b * 10, 'to', b * 10 + 10,"
	"   'count', COALESCE((SELECT sum(n) FROM r WHERE r.bin = b), 0)) ORDER BY b) FROM generate_series(0, 9) b),"
	" 'unscored', (SELECT COALESCE(sum(n), 0) FROM r WHERE r.bin IS NULL),"
	" 'categories', jsonb_build_object('shortlist', 0, 'consider', 0, 'reject', 0, 'needs_review', 0, 'failed', 0)"
	"   || COALESCE((SELECT jsonb_object_agg(c.category, c.n)"
	"   FROM (SELECT category, sum(n) AS n FROM r GROUP BY 1) c), '{}'::jsonb),"
	" 'states', jsonb_build_object('queued', 0, 'processing', 0, 'scored', 0, 'needs_review', 0, 'failed', 0,"
	"   'pending_budget', 0)"
	"   || COALESCE((SELECT jsonb_object_agg(s.status, s.n)"
	"   FROM (SELECT status, count(*) AS n FROM resumes WHERE job_id = $2 AND EXISTS (SELECT 1 FROM j)"
	"   GROUP BY 1) s), '{}'::jsonb),"
	" 'llm', (SELECT jsonb_build_object('analyses', count(*), 'cache_hits', count(*) FILTER (WHERE cache_hit),"
	"   'prompt_tokens', COALESCE(sum(prompt_tokens), 0), 'completion_tokens', COALESCE(sum(completion_tokens), 0),"
	"   'cost_usd', COALESCE(sum(cost_usd), 0), 'cached_tokens', COALESCE(sum(cached_tokens), 0),"
	"   'cache_saved_usd', COALESCE(sum(cache_saved_usd), 0))"
	"   FROM analyses WHERE job_id = $2 AND EXISTS (SELECT 1 FROM j))"
	"   || jsonb_build_object('unknown_priced_calls', (SELECT count(*) FROM analyses WHERE job_id = $2"
	"   AND NOT cost_known AND EXISTS (SELECT 1 FROM j))),"
	" 'as_of', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))::text FROM j";

int jobsummary_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	return db_query_json("jobsummary", summary_sql, 2, p, out);
}

static const struct counters_statement plan_statements[] = {
	{ "jobsummary", summary_sql, "ORG_ID, JOB_ID" },
};

const struct counters_statement *jobsummary_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
