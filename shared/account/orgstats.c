/* orgstats: an organisation's totals at a glance — jobs, resumes, candidates, queue, emails, LLM usage. */
#include "account/orgstats.h"

#include "core/db.h"

/* One family of the organisation's counters by label, every listed label present (zero when none). */
#define FAMILY(name, zeros) \
	"'" name "', jsonb_build_object(" zeros ") || COALESCE((SELECT jsonb_object_agg(k1, n) FROM c" \
	" WHERE family = '" name "'), '{}'::jsonb)"

#define F_JOBS FAMILY("jobs", "'open', 0, 'closed', 0")
#define F_RESUMES FAMILY("resumes", "'queued', 0, 'processing', 0, 'scored', 0, 'needs_review', 0, 'failed', 0")
#define F_CANDIDATES FAMILY("candidates", "'shortlist', 0, 'consider', 0, 'reject', 0, 'needs_review', 0, 'failed', 0")
#define F_TASKS FAMILY("tasks", "'queued', 0, 'running', 0, 'succeeded', 0, 'discarded', 0")
#define F_EMAILS FAMILY("emails", "'queued', 0, 'sending', 0, 'sent', 0, 'retrying', 0, 'failed', 0")
#define F_LLM FAMILY("llm", "'analyses', 0, 'cache_hits', 0, 'prompt_tokens', 0, 'completion_tokens', 0, 'cost_usd', 0")

/*
 * Reads the counters migration 0110 keeps (one row per label and slot,
 * summed here): the cost does not grow with the organisation's rows.
 */
static const char stats_sql[] =
	"WITH c AS (SELECT family, k1, sum(n) AS n FROM counters WHERE scope = 'org' AND scope_id = $1::bigint"
	" GROUP BY family, k1)"
	" SELECT jsonb_build_object(" F_JOBS ", " F_RESUMES ", " F_CANDIDATES ", " F_TASKS ", " F_EMAILS ", " F_LLM ","
	" 'as_of', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'))::text";

int orgstats_json(int64_t org_id, cJSON **out)
{
	char org[24];
	const char *p[1] = { org };

	db_int_param(org_id, org);
	return db_query_json("orgstats", stats_sql, 1, p, out);
}
