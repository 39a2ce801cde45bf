/* budget: a job's LLM budget — holding what running work may spend, parking work beyond it, and spend per job and organisation. */
#ifndef SHORTLIST_BUDGET_H
#define SHORTLIST_BUDGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

struct audit_actor;
struct queue_task;

/*
 * The rule: a job's committed spend is the cost of all its analyses and of
 * its other paid answers (llm_spend, 0225: preparation calls for company
 * details, templates and criteria, never held back since the job cannot be
 * scored or mailed without them; and scoring answers whose claim was lost
 * before they were stored) plus the holds of its running tasks
 * (budget_holds, 0220). Before its LLM call
 * a task takes a hold of its ceiling (llm_estimate_call_ceiling(): the most
 * one call can cost) under the job's row lock, and only when committed
 * spend plus the hold stays within the budget; the hold stops counting when
 * the task stops running (its cost is then in analyses, in the same
 * transaction). So any number of drainers together stay within the budget:
 * the only overshoot is a call that costs more than its ceiling, which one
 * call cannot (its prompt is at most one token a byte and its answer at most
 * its max_completion_tokens); what can add to it is the second call of a
 * task whose first answer was cut off or malformed, at most one task's
 * ceiling again for each such task in flight. A task that does not fit
 * waits (budget_park): its resume is pending_budget and its task stays
 * queued, looked at again every SHORTLIST_BUDGET_RECHECK_SECONDS and at
 * once when the budget is raised (budget_set).
 */

/*
 * What budget_reserve decided: go (held); wait (the job's spend leaves less
 * than this call's ceiling: pending_budget); or busy (the spend leaves room,
 * but holds of work in flight fill it for now: try again shortly, as the
 * calls in flight settle at what they really cost).
 */
enum budget_verdict { BUDGET_GO, BUDGET_WAIT, BUDGET_BUSY };

/* How long work that found the budget busy waits before it is claimed again. */
#define BUDGET_BUSY_DELAY_MS 1000

/*
 * Takes a hold of ceiling micro-USD for task (claimed, of job_id in org_id)
 * when the job's budget allows it; ceiling -1 means the model has no price,
 * which a job with a budget cannot allow (it waits; a job without one goes
 * on). A job without a budget always goes and takes no hold. On WAIT and
 * BUSY, why says what the budget, its spend and holds and the ceiling are.
 * Returns BUDGET_GO, BUDGET_WAIT, BUDGET_BUSY, or a db status code
 * (nothing held).
 */
int budget_reserve(const struct queue_task *task, int64_t org_id, int64_t job_id, int64_t ceiling, char *why,
		   size_t whylen);

/*
 * Gives back a claimed task that must wait for budget, without counting
 * the attempt, in one transaction: for BUDGET_WAIT its resume becomes
 * pending_budget with why as its reason and the task is claimable again
 * after config()->budget_recheck_seconds; for BUDGET_BUSY the resume is
 * queued again and the task claimable after BUDGET_BUSY_DELAY_MS.
 * Returns 0, ST_GONE when the claim was lost, or a db status code.
 */
int budget_park(const struct queue_task *task, int64_t org_id, int64_t resume_id, int verdict, const char *why);

/*
 * Sets the budget of job_id of who's organisation (usd < 0: none), then
 * wakes its work waiting for budget: those resumes are queued again and
 * their tasks claimable now (a notification is sent). The change is in the
 * audit trail ("budget.set" with the previous and new budget and how many
 * resumes were woken), in the same transaction. Sets *woken (may be NULL)
 * to how many. Returns 0, ST_NOT_FOUND, ST_BAD_REQUEST (usd over 1,000,000)
 * or a db status code.
 */
int budget_set(const struct audit_actor *who, int64_t job_id, double usd, int64_t *woken);

/*
 * {budget_usd (null: none), committed_usd, held_usd, remaining_usd (null
 * without a budget), pending_budget (resumes waiting), spend} of org_id's
 * job_id, spend being budget_spend_json() of the job. Caller frees *out.
 * Returns 0, ST_NOT_FOUND or a db status code.
 */
int budget_job_json(int64_t org_id, int64_t job_id, cJSON **out);

/*
 * Spend of org_id's analyses (job_id 0: all of them, with "jobs": the
 * jobs that spent, most first, at most 100, each with its budget):
 * {usd (priced calls only), calls (LLM calls made: cache hits and the local
 * scorer are not calls), cache_hits, prompt_tokens, completion_tokens,
 * unknown_priced: {calls, prompt_tokens, completion_tokens, models},
 * preparation: {calls, usd, prompt_tokens, completion_tokens,
 * unknown_priced_calls}, unstored: {calls, usd}, total_usd} with the calls
 * of models that had no price counted apart and not in usd. usd, calls and
 * the tokens are the stored scoring calls'; preparation holds the job
 * preparation's calls and unstored the scoring answers paid for whose claim
 * was lost before they were stored (both llm_spend); total_usd is all three.
 * Caller frees *out. Returns 0 or a db status code.
 */
int budget_spend_json(int64_t org_id, int64_t job_id, cJSON **out);

/*
 * The estimate of what scoring batch_id of org_id costs (llm_estimate_json()
 * for every resume of it, from its text when extracted, else the file's
 * size), with the configured provider and model. Caller frees *out.
 * Returns 0, ST_NOT_FOUND or a db status code.
 */
int budget_batch_estimate(int64_t org_id, int64_t batch_id, cJSON **out);

/*
 * Dry run: what n resumes cost against org_id's job_id. sizes[i] is the
 * text size of each in bytes; model NULL means the configured one. Caller
 * frees *out. Returns 0, ST_NOT_FOUND or a db status code.
 */
int budget_dry_run(int64_t org_id, int64_t job_id, const int64_t *sizes, size_t n, const char *model, cJSON **out);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, BATCH_ID, ...). */
struct counters_statement;
const struct counters_statement *budget_statements(size_t *n);

#endif
