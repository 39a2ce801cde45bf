/* orgstats: an organisation's totals at a glance — jobs, resumes, candidates, queue, emails, LLM usage. */
#include "account/orgstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"

/* One object of the answer: a counter family and the labels always present (zero when none). */
static const struct {
	const char *name;
	const char *family;
	const char *zeros[14]; /* NULL-terminated */
} groups[] = {
	{ "jobs", "jobs", { "open", "closed" } },
	{ "resumes", "resumes", { "queued", "processing", "scored", "needs_review", "failed" } },
	{ "candidates", "candidates", { "shortlist", "consider", "reject", "needs_review", "failed" } },
	{ "tasks", "tasks", { "queued", "running", "succeeded", "discarded" } },
	{ "emails", "emails", { "queued", "sending", "sent", "retrying", "failed" } },
	{ "llm",
	  "llm",
	  { "analyses", "cache_hits", "prompt_tokens", "completion_tokens", "cost_usd", "unpriced_calls",
	    "preparation_calls", "preparation_prompt_tokens", "preparation_completion_tokens", "preparation_cost_usd",
	    "unstored_calls", "unstored_cost_usd" } },
};

int orgstats_json(int64_t org_id, cJSON **out)
{
	struct db_result *res = NULL;
	struct timespec now;
	struct tm tm;
	char stamp[40];
	cJSON *o;
	size_t g;
	int rc;

	*out = NULL;
	rc = counters_scope("org", org_id, &res);
	if (rc < 0)
		return rc;
	o = cJSON_CreateObject();
	for (g = 0; g < ARRAY_SIZE(groups); g++)
		cJSON_AddItemToObject(o, groups[g].name, counters_family_json(res, groups[g].family, groups[g].zeros));
	{
		/* A cost with unpriced calls in it is short by an unknown amount: say so. */
		cJSON *llm = cJSON_GetObjectItemCaseSensitive(o, "llm");
		const cJSON *unpriced = cJSON_GetObjectItemCaseSensitive(llm, "unpriced_calls");

		cJSON_AddBoolToObject(llm, "cost_complete", !cJSON_IsNumber(unpriced) || unpriced->valuedouble == 0);
	}
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(stamp + strlen(stamp), sizeof(stamp) - strlen(stamp), ".%03ldZ", now.tv_nsec / 1000000);
	cJSON_AddStringToObject(o, "as_of", stamp);
	db_result_free(res);
	*out = o;
	return 0;
}
