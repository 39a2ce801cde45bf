/* llm_json: one synchronous structured-output call to the OpenAI-compatible provider (small, non-resume tasks). */
#ifndef SHORTLIST_LLM_JSON_H
#define SHORTLIST_LLM_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether the configured provider is an LLM (openai), as llm_provider_select() decides. */
bool llm_json_enabled(void);

/* What the provider billed for one llm_json_call(): its answers, summed over the attempts. */
struct llm_json_spend {
	char model[128]; /* the model the last answer named (the configured one when none came) */
	int answers;	 /* answers that reported usage; 0: nothing was billed */
	int64_t prompt_tokens;
	int64_t completion_tokens;
	int64_t cached_tokens; /* of prompt_tokens */
	int64_t cost_microusd; /* from the price table; 0 when the model has none */
	bool cost_known;       /* false when an answer's model has no price */
};

/*
 * Sends system and user messages to config()'s provider with a strict JSON
 * schema (name schema_name), temperature 0, and waits for the answer: at
 * most 3 attempts for 429, 5xx and timeouts (a retry-after of more than 5 s
 * gives up), each bounded by min(llm_timeout_ms, 30 s). On success *out is
 * the parsed content (caller frees with cJSON_Delete()) and 0 is returned;
 * otherwise -1 with a reason in err. Every attempt is counted in the
 * process's LLM metrics (procmetrics_llm_call). Blocking: for the drainer's
 * small tasks (a job's company details and templates), never in a web
 * request, never for resume scoring. When spend is not NULL it receives
 * what the answers cost, whatever the outcome (a truncated or malformed
 * answer is billed too): the caller records it (score/llmspend.h).
 */
int llm_json_call(const char *system, const char *user, const cJSON *schema, const char *schema_name, cJSON **out,
		  struct llm_json_spend *spend, char *err, size_t errlen);

/*
 * llm_json_call() with a single request and no wait: for work the task
 * queue retries with its own backoff (a job's criteria), so the drainer is
 * held for at most one request (min(llm_timeout_ms, 30 s)).
 */
int llm_json_call_once(const char *system, const char *user, const cJSON *schema, const char *schema_name, cJSON **out,
		       struct llm_json_spend *spend, char *err, size_t errlen);

#endif
