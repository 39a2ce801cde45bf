/* llm_json: one synchronous structured-output call to the OpenAI-compatible provider (small, non-resume tasks). */
#ifndef SHORTLIST_LLM_JSON_H
#define SHORTLIST_LLM_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether the configured provider is an LLM (openai), as llm_provider_select() decides. */
bool llm_json_enabled(void);

/*
 * Sends system and user messages to config()'s provider with a strict JSON
 * schema (name schema_name), temperature 0, and waits for the answer: at
 * most 3 attempts for 429, 5xx and timeouts (a retry-after of more than 5 s
 * gives up), each bounded by min(llm_timeout_ms, 30 s). On success *out is
 * the parsed content (caller frees with cJSON_Delete()) and 0 is returned;
 * otherwise -1 with a reason in err. Every attempt is counted in the
 * process's LLM metrics (procmetrics_llm_call). Blocking: for the drainer's
 * small tasks (a job's company details and templates), never in a web
 * request, never for resume scoring.
 */
int llm_json_call(const char *system, const char *user, const cJSON *schema, const char *schema_name, cJSON **out,
		  char *err, size_t errlen);

/*
 * llm_json_call() with a single request and no wait: for work the task
 * queue retries with its own backoff (a job's criteria), so the drainer is
 * held for at most one request (min(llm_timeout_ms, 30 s)).
 */
int llm_json_call_once(const char *system, const char *user, const cJSON *schema, const char *schema_name, cJSON **out,
		       char *err, size_t errlen);

#endif
