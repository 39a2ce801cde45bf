/* jobcounts: a job's resumes by status and current candidates by category, from its counters. */
#include "score/jobcounts.h"

#include <stddef.h>

#include "core/counters.h"

static const char *const resume_states[] = { "queued", "processing",	 "scored", "needs_review",
					     "failed", "pending_budget", NULL };
static const char *const categories[] = { "shortlist", "consider", "reject", "needs_review", "failed", NULL };

int jobcounts_json(int64_t job_id, cJSON **out)
{
	struct db_result *res = NULL;
	int rc;

	*out = NULL;
	rc = counters_scope("job", job_id, &res);
	if (rc < 0)
		return rc;
	*out = cJSON_CreateObject();
	cJSON_AddItemToObject(*out, "resumes", counters_family_json(res, "resumes", resume_states));
	cJSON_AddItemToObject(*out, "candidates", counters_family_json(res, "candidates", categories));
	db_result_free(res);
	return 0;
}
