/* resultstore: what processing a resume writes — its text, contact, flags, status and its one current analysis. */
#ifndef SHORTLIST_RESULTSTORE_H
#define SHORTLIST_RESULTSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct analysis;
struct extract_result;
struct queue_task;

/* A resume as the drainer needs it. Strings owned; release with resultstore_resume_release(). */
struct stored_resume {
	int64_t id;
	int64_t org_id;
	int64_t job_id;
	char *s3_key;
	char *content_type;
	int64_t size;
};

/*
 * Loads resume id of the task's organisation and marks it processing, if the
 * task's claim still holds. Returns 0, ST_GONE (the claim was lost: nothing
 * written), ST_NOT_FOUND (deleted since it was queued), or a db status code;
 * on failure out holds nothing to release.
 */
int resultstore_begin(const struct queue_task *task, int64_t id, struct stored_resume *out);
void resultstore_resume_release(struct stored_resume *r);

/* How the analysis was made, stored beside it. */
struct analysis_meta {
	const char *provider;
	const char *model;
	const char *prompt_version;
	const char *rubric_version;
	const char *fingerprint;
	int64_t prompt_tokens;
	int64_t completion_tokens;
	int64_t cost_microusd;
	bool cache_hit;
	const char *cache_key;	/* the LLM cache key of the answer (64 hex digits), NULL or "" when none */
	bool cost_unknown;	/* the model had no price: cost_microusd is not a price (analyses.cost_known false) */
	int64_t cached_tokens;	/* of prompt_tokens, served from the provider's prompt cache */
	int64_t saved_microusd; /* what those cost less than at full input price */
};

/*
 * Records the outcome of processing, in one transaction that first checks
 * the task's claim still holds (a task rescued from this worker writes
 * nothing: ST_GONE) and ends by marking the task succeeded:
 * - the resume's text, contact details, flags and page count (when ex is
 *   not NULL);
 * - the new current analysis (the previous one, if any, stops being current):
 *   a scored one when a is not NULL, else one of category category
 *   ("failed" or "needs_review") carrying reason;
 * - the resume's status: scored, needs_review or failed, and its reason.
 * - with extracted text, its fingerprint and its links to near-duplicate
 *   resumes of the organisation (neardup.h), which copy no score.
 * A failure is recorded as failed or needs_review, never as a rejection.
 * Returns 0, ST_GONE, or a db status code (nothing written).
 */
int resultstore_finish(const struct queue_task *task, const struct stored_resume *r, const struct extract_result *ex,
		       const struct analysis *a, const char *category, const char *reason,
		       const struct analysis_meta *meta);

/*
 * Marks a resume failed with reason (and a current analysis of category
 * "failed") outside any task: used when its task was discarded after its
 * last attempt. Returns 0 or a db status code.
 */
int resultstore_mark_failed(int64_t org_id, int64_t resume_id, const char *reason);

/*
 * Marks failed every resume whose processing task was discarded (out of
 * attempts, or its lease expired once too often) while the resume still
 * says queued or processing, with the task's last error as the reason and
 * a current analysis of category "failed". Drainers call it after each
 * rescue. Returns how many resumes it settled, or a db status code.
 */
int resultstore_settle_discarded(void);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *resultstore_statements(size_t *n);

#endif
