/* orgstats: an organisation's totals at a glance — jobs, resumes, candidates, queue, emails, LLM usage. */
#include "account/orgstats.h"

#include "core/db.h"

/* Counts of one column by value, every listed value present (zero when none). */
#define COUNTS(zeros, col, table, extra) \
	"jsonb_build_object(" zeros ") || COALESCE((SELECT jsonb_object_agg(v, n) FROM (SELECT " col \
	" AS v, count(*) " \
	"AS n FROM " table " WHERE org_id = $1" extra " GROUP BY 1) c), '{}'::jsonb)"

static const char stats_sql[] =
	"SELECT jsonb_build_object("
	"'jobs', " COUNTS(
		"'open', 0, 'closed', 0", "status", "jobs",
		"") ","
		    "'resumes', " COUNTS(
			    "'queued', 0, 'processing', 0, 'scored', 0, 'needs_review', 0, 'failed', 0", "status",
			    "resumes",
			    "") ","
				"'candidates', " COUNTS(
					"'shortlist', 0, 'consider', 0, 'reject', 0, 'needs_review', 0, 'failed', 0",
					"category", "analyses",
					" AND is_current") ","
							   "'tasks', " COUNTS(
								   "'queued', 0, 'running', 0, 'succeeded', 0, "
								   "'discarded', 0",
								   "state", "tasks",
								   "") ","
								       "'emails', " COUNTS(
									       "'queued', 0, 'sending', 0, 'sent', 0, "
									       "'retrying', 0, 'failed', 0",
									       "state", "emails",
									       "") ","
										   "'llm', (SELECT "
										   "jsonb_build_object('analyses', "
										   "count(*), 'cache_hits', count(*) "
										   "FILTER (WHERE cache_hit),"
										   " 'prompt_tokens', "
										   "COALESCE(sum(prompt_tokens), 0), "
										   "'completion_tokens', "
										   "COALESCE(sum(completion_tokens), "
										   "0),"
										   " 'cost_usd', "
										   "COALESCE(sum(cost_usd), 0)) FROM "
										   "analyses WHERE org_id = $1),"
										   "'as_of', to_char(now() AT TIME "
										   "ZONE 'UTC', "
										   "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'"
										   "))::text";

int orgstats_json(int64_t org_id, cJSON **out)
{
	char org[24];
	const char *p[1] = { org };

	db_int_param(org_id, org);
	return db_query_json("orgstats", stats_sql, 1, p, out);
}
