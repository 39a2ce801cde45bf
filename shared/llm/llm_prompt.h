/* llm_prompt: the scoring prompt, its version and the strict JSON schema of the model's structured output. */
#ifndef SHORTLIST_LLM_PROMPT_H
#define SHORTLIST_LLM_PROMPT_H

#include <stddef.h>

#include <cJSON.h>

struct job;
struct rubric;

/*
 * The version of everything that shapes the model's answer apart from the
 * job and the resume: the system message, the layout of the job and resume
 * messages, the schema, temperature, seed and token bound. It is part of
 * the LLM cache key, so bumping it retires every cached answer.
 * Bump it (date plus a counter) whenever any of those change, even a
 * comma in the instructions; do not bump it for changes that cannot alter
 * a request's bytes (comments, refactoring, log lines).
 */
#define LLM_PROMPT_VERSION "2026-12-03.1"

/* Name of the structured output in response_format. */
#define LLM_PROMPT_SCHEMA_NAME "resume_analysis"
/* Fixed seed and temperature 0 (where the model takes them): the same input asks for the same output. */
#define LLM_PROMPT_SEED 7355608
/* Most evidence quotes asked for per criterion. */
#define LLM_PROMPT_EVIDENCE_MAX 5
/* Resume text beyond this many bytes is cut (at a character boundary) before it is sent. */
#define LLM_PROMPT_RESUME_MAX (96 * 1024)

/* Lines around the resume in its message; a resume cannot contain them (they are defused in the text). */
#define LLM_PROMPT_RESUME_BEGIN "<<<RESUME"
#define LLM_PROMPT_RESUME_END "RESUME>>>"

/* The fixed system message (the instructions). Static storage. */
const char *llm_prompt_system(void);

/*
 * The job message: title, company, location, description, required skills
 * and the rubric's criteria with their descriptions and weights. The same
 * for every resume of a job (so the provider's prompt cache can reuse the
 * prefix). Returns a newly allocated string; caller frees.
 */
char *llm_prompt_job_message(struct job *job);

/*
 * The resume message: the resume text between LLM_PROMPT_RESUME_BEGIN and
 * LLM_PROMPT_RESUME_END lines, after a sentence saying it is data. Bytes
 * that would break the request are replaced by a space (NUL, control
 * characters other than tab and newlines, invalid UTF-8), occurrences of
 * the delimiters inside the text are defused, and the text is cut at
 * LLM_PROMPT_RESUME_MAX bytes. Returns a newly allocated string; caller frees.
 */
char *llm_prompt_resume_message(const char *text, size_t len);

/*
 * The messages array, in the order that suits prompt caching: the system
 * message, then the job message (stable per job), then the resume message
 * last. Caller frees with cJSON_Delete().
 */
cJSON *llm_prompt_messages(struct job *job, const char *text, size_t len);

/*
 * The JSON schema of the answer, strict-mode valid: every object has
 * "additionalProperties": false and lists every property in "required".
 * {criteria: [{name (enum of the rubric's names), score (integer 0-10),
 * evidence: [{quote}], strengths: [string], gaps: [string]}], summary,
 * matched_skills: [string], missing_skills: [string]}. Caller frees with cJSON_Delete().
 */
cJSON *llm_prompt_schema(const struct rubric *r);

/*
 * The whole chat-completions request body: model, messages, response_format
 * {"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}},
 * the sampling parameters the model accepts (temperature 0 and the seed, see
 * llm/llm_models.h), max_completion_tokens sized from the rubric and the
 * job's prompt_cache_key (llm_prompt_cache_key). For a
 * model that takes no bounds in a strict schema the schema has none. Caller
 * frees with cJSON_Delete().
 */
cJSON *llm_prompt_request(struct job *job, const char *model, const char *text, size_t len);

/* Room for a prompt cache key, with its terminating NUL. */
#define LLM_PROMPT_CACHE_KEY_MAX 64

/*
 * The job's prompt_cache_key: "shortlist-job-" and 24 hex digits of the
 * SHA-256 of its job message, so every resume of one version of a job is
 * routed to the same cached prefix (the system and job messages, before the
 * resume) and another job, or a change of this one, gets another key. Cut
 * to fit outlen.
 */
void llm_prompt_cache_key(struct job *job, char *out, size_t outlen);

/* Removes every value bound (minimum, maxItems, pattern, ...) from a schema, recursively. */
void llm_prompt_strip_bounds(cJSON *schema);

#endif
