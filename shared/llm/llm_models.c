/* llm_models: what each model family accepts, so a request never carries a parameter its model refuses. */
#include "llm/llm_models.h"

#include <ctype.h>
#include <string.h>

#include "base/util.h"

/* Chat models' longest answers (gpt-4o and gpt-4o-mini stop at 16,384 tokens). */
#define CHAT_OUTPUT_MAX 16384
/* Reasoning models take up to 100,000; a resume's answer never needs that much. */
#define REASONING_OUTPUT_MAX 65536

/* "o" and a digit: o1, o1-mini, o3, o3-mini, o4-mini, o3-2025-04-16, ... */
static bool o_series(const char *name)
{
	return name[0] == 'o' && isdigit((unsigned char)name[1]);
}

void llm_model_caps_of(const char *model, struct llm_model_caps *caps)
{
	const char *name = model ? model : "";
	bool fine_tuned = str_has_prefix(name, "ft:");

	if (fine_tuned)
		name += 3;
	/* A provider prefix as routers write it ("openai/o3"). */
	if (strchr(name, '/'))
		name = strrchr(name, '/') + 1;
	memset(caps, 0, sizeof(*caps));
	caps->reasoning = o_series(name) || str_has_prefix(name, "gpt-5");
	caps->temperature = !caps->reasoning;
	caps->seed = !caps->reasoning;
	caps->schema_bounds = !fine_tuned;
	caps->output_max = caps->reasoning ? REASONING_OUTPUT_MAX : CHAT_OUTPUT_MAX;
}

void llm_model_add_sampling(cJSON *req, const char *model, int64_t seed)
{
	struct llm_model_caps caps;

	llm_model_caps_of(model, &caps);
	if (caps.temperature)
		cJSON_AddNumberToObject(req, "temperature", 0);
	if (caps.seed)
		cJSON_AddNumberToObject(req, "seed", (double)seed);
}

int64_t llm_model_output_budget(const char *model, size_t ncriteria)
{
	struct llm_model_caps caps;
	int64_t budget;

	llm_model_caps_of(model, &caps);
	if (ncriteria > 1000)
		ncriteria = 1000;
	budget = LLM_MODEL_OUTPUT_BASE + (int64_t)ncriteria * LLM_MODEL_OUTPUT_PER_CRITERION;
	if (caps.reasoning)
		budget += LLM_MODEL_REASONING_ALLOWANCE;
	if (budget < LLM_MODEL_OUTPUT_MIN)
		budget = LLM_MODEL_OUTPUT_MIN;
	return budget < caps.output_max ? budget : caps.output_max;
}

int64_t llm_model_retry_budget(const char *model, int64_t budget)
{
	struct llm_model_caps caps;

	llm_model_caps_of(model, &caps);
	if (budget < LLM_MODEL_OUTPUT_MIN)
		budget = LLM_MODEL_OUTPUT_MIN;
	return budget >= caps.output_max / 2 ? caps.output_max : budget * 2;
}
