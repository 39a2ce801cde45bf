/* llm_estimate: what scoring resumes against a job will cost, from text sizes, the rubric and the price table, before any call. */
#ifndef SHORTLIST_LLM_ESTIMATE_H
#define SHORTLIST_LLM_ESTIMATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

struct job;

/*
 * How an estimate is made, per resume (one call each):
 * - prompt tokens: the bytes of the system message, the job message (with
 *   its rubric) and the resume message (the text, cut at
 *   LLM_PROMPT_RESUME_MAX, plus its framing), at LLM_ESTIMATE_BYTES_PER_TOKEN
 *   bytes a token (English text with OpenAI's tokenizers);
 * - completion tokens: the average of the job's earlier calls with the
 *   model when the caller knows it (seen_completion, set after
 *   llm_estimate_init()), else the output budget the call asks for
 *   (llm_model_output_budget() from the rubric's size), which a call does
 *   not exceed;
 * - dollars: those tokens at the model's price, uncached;
 * - the ceiling: the same with one token per byte of prompt (a token is
 *   never shorter than a byte), the most one call can cost. The drainer
 *   holds a task's ceiling against the job's budget while its call runs.
 * The local scorer costs nothing (priced, $0). A model without a price
 * gives tokens but no dollars: priced false and the reason.
 */
#define LLM_ESTIMATE_BYTES_PER_TOKEN 4
/* Bytes of a message's framing in the request, counted as prompt (role, separators). */
#define LLM_ESTIMATE_MESSAGE_OVERHEAD 16

struct llm_estimate {
	char model[128];	   /* the model priced ("local" for the local scorer) */
	bool priced;		   /* the model has a price (the local scorer has: 0) */
	char why[300];		   /* when not priced: why */
	int64_t resumes;	   /* calls estimated */
	int64_t prompt_tokens;	   /* all of them together */
	int64_t completion_tokens; /* all of them together */
	int64_t seen_completion;   /* when > 0: the expected completion tokens of one call, from earlier calls */
	int64_t seen_calls;	   /* how many earlier calls seen_completion is the average of */
	int64_t microusd;	   /* expected cost, 0 when not priced */
	int64_t max_microusd;	   /* the ceiling, 0 when not priced */
};

/* The bytes of the prompt every call for job carries besides the resume text (system and job messages, framing). */
size_t llm_estimate_job_bytes(struct job *job);

/*
 * An estimate is made by adding resumes to one started with
 * llm_estimate_init() for model (local true: the local scorer, whatever
 * model says): llm_estimate_add() adds n resumes whose texts have
 * text_bytes bytes together, each already cut with llm_estimate_clamp().
 * job_bytes is llm_estimate_job_bytes(job), computed once by the caller.
 */
void llm_estimate_init(struct llm_estimate *e, const char *model, bool local);
void llm_estimate_add(struct llm_estimate *e, struct job *job, size_t job_bytes, int64_t n, int64_t text_bytes);
/* A resume's text size as it is sent: within 0..LLM_PROMPT_RESUME_MAX. */
int64_t llm_estimate_clamp(int64_t text_bytes);

/* The ceiling of one call (see above) in micro-USD, or -1 when the model has no price. */
int64_t llm_estimate_call_ceiling(const char *model, struct job *job, size_t job_bytes, int64_t text_bytes);

/*
 * {model, priced, reason (null when priced), resumes, prompt_tokens,
 * completion_tokens, completion_basis ("output_budget" or
 * "earlier_calls"), earlier_calls, usd, max_usd} with usd and max_usd null and reason
 * set when the model has no price ("unknown", never $0). Caller frees.
 */
cJSON *llm_estimate_json(const struct llm_estimate *e);

#endif
