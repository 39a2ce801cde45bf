/* llm_estimate: what scoring resumes against a job will cost, from text sizes, the rubric and the price table, before any call. */
#include "llm/llm_estimate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llm/llm_models.h"
#include "llm/llm_price.h"
#include "llm/llm_prompt.h"
#include "score/job.h"
#include "score/rubric.h"

/* Bytes the resume message adds around the text (its sentence and delimiters), rounded up. */
#define RESUME_FRAMING_BYTES 160

size_t llm_estimate_job_bytes(struct job *job)
{
	char *msg = llm_prompt_job_message(job);
	size_t n = strlen(llm_prompt_system()) + (msg ? strlen(msg) : 0) + RESUME_FRAMING_BYTES +
		   3 * LLM_ESTIMATE_MESSAGE_OVERHEAD;

	free(msg);
	return n;
}

void llm_estimate_init(struct llm_estimate *e, const char *model, bool local)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->model, sizeof(e->model), "%s", local ? "local" : model ? model : "");
	e->priced = local || llm_price_of(e->model, e->why, sizeof(e->why)) != NULL;
	if (e->priced)
		e->why[0] = '\0';
}

int64_t llm_estimate_clamp(int64_t text_bytes)
{
	if (text_bytes < 0)
		return 0;
	return text_bytes > LLM_PROMPT_RESUME_MAX ? LLM_PROMPT_RESUME_MAX : text_bytes;
}

static int64_t output_of(const char *model, struct job *job)
{
	return llm_model_output_budget(model, job_rubric(job)->ncriteria);
}

void llm_estimate_add(struct llm_estimate *e, struct job *job, size_t job_bytes, int64_t n, int64_t text_bytes)
{
	int64_t bytes, pt, ct, max_ct;
	const struct llm_price *p;

	if (n <= 0)
		return;
	e->resumes += n;
	if (strcmp(e->model, "local") == 0)
		return;
	bytes = (int64_t)job_bytes * n + (text_bytes > 0 ? text_bytes : 0);
	pt = (bytes + LLM_ESTIMATE_BYTES_PER_TOKEN - 1) / LLM_ESTIMATE_BYTES_PER_TOKEN;
	max_ct = output_of(e->model, job) * n;
	ct = e->seen_completion > 0 ? e->seen_completion * n : max_ct;
	if (ct > max_ct)
		ct = max_ct;
	e->prompt_tokens += pt;
	e->completion_tokens += ct;
	p = llm_price_of(e->model, NULL, 0);
	if (p) {
		e->microusd += llm_price_microusd(p, pt, 0, ct);
		e->max_microusd += llm_price_microusd(p, bytes, 0, max_ct);
	}
}

int64_t llm_estimate_call_ceiling(const char *model, struct job *job, size_t job_bytes, int64_t text_bytes)
{
	const struct llm_price *p = llm_price_of(model, NULL, 0);

	if (!p)
		return -1;
	return llm_price_microusd(p, (int64_t)job_bytes + llm_estimate_clamp(text_bytes), 0, output_of(model, job));
}

cJSON *llm_estimate_json(const struct llm_estimate *e)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "model", e->model);
	cJSON_AddBoolToObject(o, "priced", e->priced);
	if (e->priced)
		cJSON_AddNullToObject(o, "reason");
	else
		cJSON_AddStringToObject(o, "reason", e->why);
	cJSON_AddNumberToObject(o, "resumes", (double)e->resumes);
	cJSON_AddNumberToObject(o, "prompt_tokens", (double)e->prompt_tokens);
	cJSON_AddNumberToObject(o, "completion_tokens", (double)e->completion_tokens);
	cJSON_AddStringToObject(o, "completion_basis", e->seen_completion > 0 ? "earlier_calls" : "output_budget");
	cJSON_AddNumberToObject(o, "earlier_calls", (double)(e->seen_completion > 0 ? e->seen_calls : 0));
	if (e->priced) {
		cJSON_AddNumberToObject(o, "usd", (double)e->microusd / 1e6);
		cJSON_AddNumberToObject(o, "max_usd", (double)e->max_microusd / 1e6);
	} else {
		cJSON_AddNullToObject(o, "usd");
		cJSON_AddNullToObject(o, "max_usd");
	}
	return o;
}
