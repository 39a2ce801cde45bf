/* llm_models: what each model family accepts, so a request never carries a parameter its model refuses. */
#ifndef SHORTLIST_LLM_MODELS_H
#define SHORTLIST_LLM_MODELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/*
 * Capabilities by model name (OpenAI's chat-completions API, late 2025):
 * - reasoning models (o1, o3, o4-mini and their dated names; the gpt-5
 *   family) accept only the default temperature (1) and count their hidden
 *   reasoning tokens against max_completion_tokens, so they need a larger
 *   output budget; seed is not sent to them (it is not part of what they
 *   document as honoured);
 * - chat models (gpt-4o, gpt-4.1, gpt-3.5 and any other name) take
 *   temperature 0 and a seed, which keep repeated scoring of one resume as
 *   stable as the provider allows. An unknown name is treated as a chat
 *   model: OpenAI-compatible servers (vLLM, llama.cpp, Ollama) accept both
 *   parameters, and determinism is worth more than the rare refusal;
 * - fine-tuned models ("ft:" names) do not accept the value bounds of a
 *   strict schema (minimum, maximum, minItems, maxItems and the string
 *   bounds), so schemas for them leave the bounds out (the answer is still
 *   checked against them when it comes back).
 */
struct llm_model_caps {
	bool reasoning;	    /* default temperature only; reasoning tokens count against the output budget */
	bool temperature;   /* temperature 0 is accepted */
	bool seed;	    /* seed is sent */
	bool schema_bounds; /* a strict schema may carry minimum/maximum/maxItems */
	int64_t output_max; /* the largest max_completion_tokens worth asking for */
};

/* Fills caps for model (NULL or "" is an unknown chat model). */
void llm_model_caps_of(const char *model, struct llm_model_caps *caps);

/* Adds temperature 0 and the seed to req where model accepts them. */
void llm_model_add_sampling(cJSON *req, const char *model, int64_t seed);

/*
 * The output budget for an answer of ncriteria rubric criteria: a base for
 * the summary and skill lists plus an allowance per criterion, plus room
 * for reasoning on a reasoning model, within [LLM_MODEL_OUTPUT_MIN,
 * caps.output_max].
 */
int64_t llm_model_output_budget(const char *model, size_t ncriteria);

/* The budget for the one retry of an answer cut off at budget: twice as much, within caps.output_max. */
int64_t llm_model_retry_budget(const char *model, int64_t budget);

#define LLM_MODEL_OUTPUT_MIN 1024
#define LLM_MODEL_OUTPUT_BASE 600
#define LLM_MODEL_OUTPUT_PER_CRITERION 250
#define LLM_MODEL_REASONING_ALLOWANCE 8192

#endif
