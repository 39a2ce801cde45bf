/* budget: a job's LLM budget — holding what running work may spend, parking work beyond it, and spend per job and organisation. */
#include "score/budget.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/counters.h"
#include "core/db.h"
#include "llm/llm.h"
#include "llm/llm_estimate.h"
#include "llm/llm_prompt.h"
#include "queue/queue.h"
#include "score/job.h"
#include "score/jobstore.h"

#define BUDGET_MAX_USD 1000000.0

/* A hold counts while its task runs under the attempt that took it, or sleeps waiting for its provider batch's answer (batchapi.h). */
#define LIVE_HOLDS_SQL(job) \
	"SELECT COALESCE(sum(h.microusd), 0) FROM budget_holds h JOIN tasks t ON t.id = h.task_id" \
	" AND ((t.state = 'running' AND t.attempts = h.attempt) OR EXISTS (SELECT 1 FROM llm_batch_items i" \
	" WHERE i.task_id = h.task_id AND i.hold_attempt = h.attempt AND i.state IN ('waiting', 'answered')))" \
	" WHERE h.job_id = " job "::bigint"
#define LIVE_HOLDS_OF_1 LIVE_HOLDS_SQL("$1")
#define LIVE_HOLDS_OF_2 LIVE_HOLDS_SQL("$2")

/* The hot statements, named for the plan checks (budget_statements). */
static const char budget_of_sql[] = "SELECT budget_usd IS NOT NULL FROM jobs WHERE org_id = $1 AND id = $2";
static const char budget_lock_sql[] =
	"SELECT (budget_usd * 1000000)::bigint FROM jobs WHERE org_id = $1 AND id = $2 FOR UPDATE";
static const char budget_committed_sql[] =
	"SELECT (((SELECT COALESCE(sum(cost_usd), 0) FROM analyses WHERE job_id = $1::bigint)"
	" + (SELECT COALESCE(sum(cost_usd), 0) FROM llm_spend WHERE job_id = $1::bigint))"
	" * 1000000)::bigint, (" LIVE_HOLDS_OF_1 " AND h.task_id <> $2::bigint)";
static const char budget_park_sql[] =
	"UPDATE resumes SET status = $4, status_reason = CASE WHEN $4 = 'queued' THEN NULL ELSE $3 END,"
	" updated_at = now() WHERE org_id = $1 AND id = $2";
static const char budget_wake_tasks_sql[] =
	"WITH u AS (UPDATE tasks t SET run_at = now(), updated_at = now() FROM resumes r"
	" WHERE t.kind = 'process_resume' AND t.state = 'queued' AND t.resume_id = r.id"
	" AND r.org_id = $1 AND r.job_id = $2 AND r.status = 'pending_budget' RETURNING t.kind)"
	" SELECT pg_notify('" QUEUE_CHANNEL "', kind) FROM (SELECT DISTINCT kind FROM u) k";
static const char budget_wake_resumes_sql[] =
	"UPDATE resumes SET status = 'queued', status_reason = NULL, updated_at = now()"
	" WHERE org_id = $1 AND job_id = $2 AND status = 'pending_budget'";
static const char budget_job_sql[] =
	"WITH j AS (SELECT id, budget_usd FROM jobs WHERE org_id = $1::bigint AND id = $2::bigint),"
	" s AS (SELECT (SELECT COALESCE(sum(cost_usd), 0) FROM analyses WHERE job_id = $2::bigint)"
	"  + (SELECT COALESCE(sum(cost_usd), 0) FROM llm_spend WHERE job_id = $2::bigint) AS spent"
	"  WHERE EXISTS (SELECT 1 FROM j)),"
	" h AS (SELECT (" LIVE_HOLDS_OF_2 ") / 1000000.0 AS held WHERE EXISTS (SELECT 1 FROM j))"
	" SELECT jsonb_build_object('budget_usd', j.budget_usd, 'committed_usd', round(s.spent + h.held, 6),"
	"  'held_usd', round(h.held, 6),"
	"  'remaining_usd', CASE WHEN j.budget_usd IS NOT NULL THEN"
	"  round(GREATEST(j.budget_usd - s.spent - h.held, 0), 6) END,"
	"  'pending_budget', (SELECT count(*) FROM resumes WHERE job_id = $2::bigint"
	"  AND status = 'pending_budget'))::text"
	" FROM j, s, h";
static const char budget_seen_completion_sql[] =
	"SELECT count(*), COALESCE(round(avg(completion_tokens)), 0)::bigint FROM (SELECT completion_tokens"
	" FROM analyses WHERE org_id = $1::bigint AND job_id = $2::bigint AND starts_with(model, $3)"
	" AND NOT cache_hit AND completion_tokens > 0 ORDER BY id DESC LIMIT 200) a";
static const char budget_batch_sizes_sql[] =
	"SELECT b.job_id, count(r.id), COALESCE(sum(LEAST(COALESCE(octet_length(r.text), r.size_bytes),"
	" $3::bigint)), 0) FROM batches b LEFT JOIN resumes r ON r.batch_id = b.id"
	" WHERE b.org_id = $1::bigint AND b.id = $2::bigint GROUP BY b.job_id";

static void usd(char *out, size_t size, int64_t microusd)
{
	snprintf(out, size, "$%.6f", (double)microusd / 1e6);
}

int budget_reserve(const struct queue_task *task, int64_t org_id, int64_t job_id, int64_t ceiling, char *why,
		   size_t whylen)
{
	struct db_result *res = NULL;
	char org[24], job[24], tid[24], att[24], amount[24];
	int64_t budget, spent, held;
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(task->id, tid);
	db_int_param(task->attempt, att);
	db_int_param(ceiling < 0 ? 0 : ceiling, amount);
	{
		const char *p[2] = { org, job };

		/* Most jobs have no budget: they take no lock and no transaction. */
		rc = db_query("budget_of", budget_of_sql, 2, p, &res);
		if (rc == 0 && db_rows(res) == 0)
			rc = ST_NOT_FOUND;
		if (rc == 0 && strcmp(db_value(res, 0, 0), "t") != 0) {
			db_result_free(res);
			return BUDGET_GO;
		}
		db_result_free(res);
		res = NULL;
		if (rc < 0)
			return rc;
	}
	rc = db_begin();
	if (rc < 0)
		return rc;
	{
		const char *p[2] = { org, job };

		/* The job's row lock orders every drainer's decision for this job. */
		rc = db_query("budget_lock", budget_lock_sql, 2, p, &res);
	}
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc < 0)
		goto fail;
	if (!db_value(res, 0, 0)) {
		db_result_free(res);
		return db_commit() < 0 ? ST_UNAVAILABLE : BUDGET_GO;
	}
	budget = db_int(res, 0, 0, 0);
	db_result_free(res);
	res = NULL;
	if (ceiling < 0) {
		char b[32];

		usd(b, sizeof(b), budget);
		snprintf(why, whylen,
			 "waiting for budget: the job has a budget of %s but the model's price is unknown, so no "
			 "call can be counted against it (add the model to the price table, or remove the budget)",
			 b);
		db_commit();
		return BUDGET_WAIT;
	}
	{
		/* A statement after the lock: its snapshot holds every hold committed before it. */
		const char *p[2] = { job, tid };

		rc = db_query("budget_committed", budget_committed_sql, 2, p, &res);
	}
	if (rc < 0)
		goto fail;
	spent = db_int(res, 0, 0, 0);
	held = db_int(res, 0, 1, 0);
	db_result_free(res);
	res = NULL;
	if (spent + held + ceiling > budget) {
		char b[32], c[32], h[32], m[32];

		usd(b, sizeof(b), budget);
		usd(c, sizeof(c), spent);
		usd(h, sizeof(h), held);
		usd(m, sizeof(m), ceiling);
		snprintf(why, whylen,
			 "waiting for budget: the job's budget is %s, %s is spent and %s held by work in flight, and "
			 "scoring this resume may cost up to %s",
			 b, c, h, m);
		db_commit();
		return spent + ceiling > budget ? BUDGET_WAIT : BUDGET_BUSY;
	}
	{
		const char *p[4] = { tid, job, att, amount };

		rc = db_exec("budget_hold",
			     "INSERT INTO budget_holds (task_id, job_id, attempt, microusd) VALUES ($1, $2, $3, $4)"
			     " ON CONFLICT (task_id) DO UPDATE SET job_id = EXCLUDED.job_id,"
			     " attempt = EXCLUDED.attempt, microusd = EXCLUDED.microusd, created_at = now()",
			     4, p, NULL);
	}
	if (rc < 0)
		goto fail;
	rc = db_commit();
	return rc < 0 ? rc : BUDGET_GO;
fail:
	db_result_free(res);
	db_rollback();
	return rc;
}

int budget_park(const struct queue_task *task, int64_t org_id, int64_t resume_id, int verdict, const char *why)
{
	bool busy = verdict == BUDGET_BUSY;
	char org[24], rid[24];
	const char *p[4] = { org, rid, why, busy ? "queued" : "pending_budget" };
	int rc;

	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = queue_still_owned(task);
	if (rc == 0)
		rc = db_exec("budget_park", budget_park_sql, 4, p, NULL);
	if (rc == 0)
		rc = queue_defer(task, busy ? BUDGET_BUSY_DELAY_MS : config()->budget_recheck_seconds * 1000);
	if (rc == 0)
		rc = db_commit();
	else
		db_rollback();
	return rc;
}

int budget_set(const struct audit_actor *who, int64_t job_id, double amount, int64_t *woken)
{
	struct db_result *res = NULL;
	char org[24], job[24], b[40];
	const char *p[3] = { org, job, amount < 0 ? NULL : b };
	int64_t n = 0;
	cJSON *details = NULL;
	int rc;

	if (woken)
		*woken = 0;
	if (amount > BUDGET_MAX_USD)
		return ST_BAD_REQUEST;
	db_int_param(who->org_id, org);
	db_int_param(job_id, job);
	snprintf(b, sizeof(b), "%.6f", amount);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = db_query("budget_set",
		      "WITH o AS (SELECT id, budget_usd FROM jobs WHERE org_id = $1 AND id = $2 FOR UPDATE)"
		      " UPDATE jobs j SET budget_usd = $3::numeric FROM o WHERE j.id = o.id"
		      " RETURNING o.budget_usd::float8",
		      3, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		const char *was = db_value(res, 0, 0);

		details = cJSON_CreateObject();
		if (was)
			cJSON_AddNumberToObject(details, "previous_usd", strtod(was, NULL));
		else
			cJSON_AddNullToObject(details, "previous_usd");
		if (amount < 0)
			cJSON_AddNullToObject(details, "budget_usd");
		else
			cJSON_AddNumberToObject(details, "budget_usd", amount);
	}
	db_result_free(res);
	if (rc == 0) {
		const char *q[2] = { org, job };

		rc = db_exec("budget_wake_tasks", budget_wake_tasks_sql, 2, q, NULL);
	}
	if (rc == 0) {
		const char *q[2] = { org, job };

		rc = db_exec("budget_wake_resumes", budget_wake_resumes_sql, 2, q, &n);
	}
	if (rc == 0) {
		struct audit_event ev = { "budget.set", job_id, 0, NULL, 0, details };

		cJSON_AddNumberToObject(details, "woken", (double)n);
		rc = audit_record(who, &ev);
	}
	if (rc == 0)
		rc = db_commit();
	else
		db_rollback();
	cJSON_Delete(details);
	if (rc == 0 && woken)
		*woken = n;
	return rc;
}

/*
 * Spend of an organisation or of one of its jobs: two statements, so that
 * each reads an index whatever the plan: the organisation's rows by an
 * index-only scan of analyses_org_spend (0290), the job's by its key.
 */
#define SPEND_SQL(where, pwhere) \
	"SELECT jsonb_build_object(" \
	" 'usd', COALESCE(sum(a.cost_usd) FILTER (WHERE a.cost_known), 0)," \
	" 'calls', count(*) FILTER (WHERE a.provider NOT IN ('none', 'local') AND NOT a.cache_hit)," \
	" 'cache_hits', count(*) FILTER (WHERE a.cache_hit)," \
	" 'prompt_tokens', COALESCE(sum(a.prompt_tokens), 0)," \
	" 'completion_tokens', COALESCE(sum(a.completion_tokens), 0)," \
	" 'unknown_priced', jsonb_build_object(" \
	"  'calls', count(*) FILTER (WHERE NOT a.cost_known)," \
	"  'prompt_tokens', COALESCE(sum(a.prompt_tokens) FILTER (WHERE NOT a.cost_known), 0)," \
	"  'completion_tokens', COALESCE(sum(a.completion_tokens) FILTER (WHERE NOT a.cost_known), 0)," \
	"  'models', COALESCE(jsonb_agg(DISTINCT a.model) FILTER (WHERE NOT a.cost_known), '[]'::jsonb))," \
	" 'preparation', (SELECT jsonb_build_object('calls', count(*)," \
	"  'usd', COALESCE(sum(p.cost_usd) FILTER (WHERE p.cost_known), 0)," \
	"  'prompt_tokens', COALESCE(sum(p.prompt_tokens), 0)," \
	"  'completion_tokens', COALESCE(sum(p.completion_tokens), 0)," \
	"  'unknown_priced_calls', count(*) FILTER (WHERE NOT p.cost_known))" \
	"  FROM llm_spend p WHERE " pwhere " AND p.purpose <> 'scoring_unstored')," \
	" 'unstored', (SELECT jsonb_build_object('calls', count(*)," \
	"  'usd', COALESCE(sum(p.cost_usd) FILTER (WHERE p.cost_known), 0))" \
	"  FROM llm_spend p WHERE " pwhere " AND p.purpose = 'scoring_unstored')," \
	" 'total_usd', COALESCE(sum(a.cost_usd) FILTER (WHERE a.cost_known), 0)" \
	"  + (SELECT COALESCE(sum(p.cost_usd), 0) FROM llm_spend p WHERE " pwhere " AND p.cost_known))::text" \
	" FROM analyses a WHERE " where
/* cost_usd >= 0 holds for every row; it is the predicate of analyses_org_spend (0290). */
static const char spend_org_sql[] = SPEND_SQL("a.org_id = $1::bigint AND a.cost_usd >= 0", "p.org_id = $1::bigint");
static const char spend_job_sql[] =
	SPEND_SQL("a.org_id = $1::bigint AND a.job_id = $2::bigint", "p.org_id = $1::bigint AND p.job_id = $2::bigint");

static const char spend_jobs_sql[] =
	"SELECT COALESCE(jsonb_agg(x ORDER BY x->>'usd' DESC), '[]'::jsonb)::text FROM ("
	" SELECT jsonb_build_object('job_id', j.id, 'title', j.title, 'budget_usd', j.budget_usd,"
	"  'usd', s.usd, 'calls', s.calls, 'unknown_priced_calls', s.unknown) AS x"
	" FROM (SELECT a.job_id, COALESCE(sum(a.cost_usd) FILTER (WHERE a.cost_known), 0) AS usd,"
	"   count(*) FILTER (WHERE a.provider NOT IN ('none', 'local') AND NOT a.cache_hit) AS calls,"
	"   count(*) FILTER (WHERE NOT a.cost_known) AS unknown"
	"   FROM analyses a WHERE a.org_id = $1::bigint AND a.cost_usd >= 0 GROUP BY a.job_id"
	"   ORDER BY 2 DESC, 3 DESC LIMIT 100) s"
	" JOIN jobs j ON j.id = s.job_id) q";

int budget_spend_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };
	cJSON *jobs = NULL;
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	if (job_id == 0)
		rc = db_query_json("budget_spend_org", spend_org_sql, 1, p, out);
	else
		rc = db_query_json("budget_spend", spend_job_sql, 2, p, out);
	if (rc == 0 && job_id == 0) {
		rc = db_query_json("budget_spend_jobs", spend_jobs_sql, 1, p, &jobs);
		if (rc == 0)
			cJSON_AddItemToObject(*out, "jobs", jobs);
		else {
			cJSON_Delete(*out);
			*out = NULL;
		}
	}
	return rc;
}

int budget_job_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };
	cJSON *spend = NULL;
	int rc;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query_json("budget_job", budget_job_sql, 2, p, out);
	if (rc == 0)
		rc = budget_spend_json(org_id, job_id, &spend);
	if (rc == 0)
		cJSON_AddItemToObject(*out, "spend", spend);
	else {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * What the job's earlier calls with model answered (the provider's dated
 * names of it too): the average completion tokens of its most recent 200
 * calls (cache hits and failures left out),
 * into e's seen_completion and seen_calls. Nothing when there are none.
 */
static int seen_completion(int64_t org_id, int64_t job_id, struct llm_estimate *e)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[3] = { org, job, e->model };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("budget_seen_completion", budget_seen_completion_sql, 3, p, &res);
	if (rc == 0 && db_int(res, 0, 0, 0) > 0) {
		e->seen_calls = db_int(res, 0, 0, 0);
		e->seen_completion = db_int(res, 0, 1, 0);
	}
	db_result_free(res);
	return rc;
}

/* The provider and model the drainers use, from the configuration. */
static void configured_model(const char **model, bool *local)
{
	enum llm_provider pv = LLM_PROVIDER_LOCAL;

	if (llm_provider_select(config()->llm_provider, config()->openai_api_key, &pv) < 0)
		pv = LLM_PROVIDER_LOCAL;
	*local = pv == LLM_PROVIDER_LOCAL;
	*model = config()->openai_model;
}

int budget_batch_estimate(int64_t org_id, int64_t batch_id, cJSON **out)
{
	struct db_result *res = NULL;
	struct job *job = NULL;
	struct llm_estimate e;
	char org[24], batch[24], max[24];
	const char *p[3] = { org, batch, max };
	const char *model;
	bool local;
	int rc;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(batch_id, batch);
	db_int_param(LLM_PROMPT_RESUME_MAX, max);
	rc = db_query("budget_batch_sizes", budget_batch_sizes_sql, 3, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		rc = jobstore_load(org_id, db_int(res, 0, 0, 0), &job);
	if (rc == 0) {
		configured_model(&model, &local);
		llm_estimate_init(&e, model, local);
		if (!local)
			rc = seen_completion(org_id, db_int(res, 0, 0, 0), &e);
	}
	if (rc == 0) {
		llm_estimate_add(&e, job, llm_estimate_job_bytes(job), db_int(res, 0, 1, 0), db_int(res, 0, 2, 0));
		*out = llm_estimate_json(&e);
	}
	job_free(job);
	db_result_free(res);
	return rc;
}

int budget_dry_run(int64_t org_id, int64_t job_id, const int64_t *sizes, size_t n, const char *model, cJSON **out)
{
	struct job *job = NULL;
	struct llm_estimate e;
	const char *configured;
	bool local;
	size_t i, job_bytes;
	int64_t total = 0;
	int rc;

	*out = NULL;
	rc = jobstore_load(org_id, job_id, &job);
	if (rc < 0)
		return rc;
	configured_model(&configured, &local);
	if (model)
		local = strcmp(model, "local") == 0;
	llm_estimate_init(&e, model ? model : configured, local);
	if (!local)
		rc = seen_completion(org_id, job_id, &e);
	if (rc < 0) {
		job_free(job);
		return rc;
	}
	job_bytes = llm_estimate_job_bytes(job);
	for (i = 0; i < n; i++)
		total += llm_estimate_clamp(sizes[i]);
	llm_estimate_add(&e, job, job_bytes, (int64_t)n, total);
	*out = llm_estimate_json(&e);
	job_free(job);
	return 0;
}

static const struct counters_statement plan_statements[] = {
	{ "budget_of", budget_of_sql, "ORG_ID, JOB_ID" },
	{ "budget_lock", budget_lock_sql, "ORG_ID, JOB_ID" },
	{ "budget_committed", budget_committed_sql, "JOB_ID, 1" },
	{ "budget_park", budget_park_sql, "ORG_ID, RESUME_ID, 'waiting for budget', 'pending_budget'" },
	{ "budget_wake_tasks", budget_wake_tasks_sql, "ORG_ID, JOB_ID" },
	{ "budget_wake_resumes", budget_wake_resumes_sql, "ORG_ID, JOB_ID" },
	{ "budget_spend", spend_job_sql, "ORG_ID, JOB_ID" },
	{ "budget_spend_org", spend_org_sql, "ORG_ID" },
	{ "budget_spend_jobs", spend_jobs_sql, "ORG_ID" },
	{ "budget_job", budget_job_sql, "ORG_ID, JOB_ID" },
	{ "budget_seen_completion", budget_seen_completion_sql, "ORG_ID, JOB_ID, 'gpt'" },
	{ "budget_batch_sizes", budget_batch_sizes_sql, "ORG_ID, BATCH_ID, 200000" },
};

const struct counters_statement *budget_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
