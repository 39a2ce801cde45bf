/* llmspend: what a job's preparation calls were billed, one llm_spend row per call. */
#include "score/llmspend.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "core/db.h"
#include "core/log.h"
#include "llm/llm_price.h"

int llmspend_record(int64_t org_id, int64_t job_id, const char *purpose, const struct llm_json_spend *spend)
{
	char org[24], job[24], pt[24], ct[24], cached[24], cost[40];
	const char *p[9] = {
		org, job, purpose, spend->model, pt, ct, cached, cost, spend->cost_known ? "true" : "false"
	};
	int rc;

	if (spend->answers <= 0)
		return 0;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(spend->prompt_tokens, pt);
	db_int_param(spend->completion_tokens, ct);
	db_int_param(spend->cached_tokens, cached);
	snprintf(cost, sizeof(cost), "%.6f", spend->cost_known ? (double)spend->cost_microusd / 1e6 : 0.0);
	rc = db_exec("llmspend_record",
		     "INSERT INTO llm_spend (org_id, job_id, purpose, model, prompt_tokens, completion_tokens,"
		     " cached_tokens, cost_usd, cost_known)"
		     " SELECT $1, j.id, $3, $4, $5, $6, $7, $8, $9 FROM organisations o"
		     " LEFT JOIN jobs j ON j.id = $2::bigint AND j.org_id = o.id WHERE o.id = $1::bigint",
		     9, p, NULL);
	if (rc < 0)
		log_warn("llmspend: cannot record the %s call of job %lld (%lld+%lld tokens, %lld microusd): %s",
			 purpose, (long long)job_id, (long long)spend->prompt_tokens,
			 (long long)spend->completion_tokens, (long long)spend->cost_microusd, status_title(rc));
	return rc;
}

int llmspend_record_unstored(int64_t org_id, int64_t job_id, const struct llm_result *res)
{
	struct llm_json_spend spend;

	if (!res->ok || res->cached || strcmp(res->provider, "local") == 0 ||
	    res->usage.prompt_tokens + res->usage.completion_tokens <= 0)
		return 0;
	memset(&spend, 0, sizeof(spend));
	snprintf(spend.model, sizeof(spend.model), "%s", res->model && *res->model ? res->model : "unknown");
	spend.answers = 1;
	spend.prompt_tokens = res->usage.prompt_tokens;
	spend.completion_tokens = res->usage.completion_tokens;
	spend.cached_tokens = res->usage.cached_tokens;
	spend.cost_microusd = res->usage.cost_microusd;
	spend.cost_known = llm_price_of(spend.model, NULL, 0) != NULL;
	log_warn("llmspend: a scoring answer for job %lld could not be stored (the claim was lost); its cost is "
		 "recorded as %s",
		 (long long)job_id, LLMSPEND_SCORING_UNSTORED);
	return llmspend_record(org_id, job_id, LLMSPEND_SCORING_UNSTORED, &spend);
}
