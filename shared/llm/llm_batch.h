/* llm_batch: the OpenAI Batch API client — upload a JSONL file, create, find, poll and cancel a batch, download its results. */
#ifndef SHORTLIST_LLM_BATCH_H
#define SHORTLIST_LLM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf;

/* The Batch API's discount: a batched request costs this share of the synchronous price. */
#define LLM_BATCH_PRICE_PERCENT 50
/* Longest input file this client uploads (the API takes up to 200 MB). */
#define LLM_BATCH_FILE_MAX (200 * 1024 * 1024)

/* What a batch object says, as far as the drainer needs it. Strings are "" when the API gave none. */
struct llm_batch_info {
	char id[128];
	char status[32]; /* validating, failed, in_progress, finalizing, completed, expired, cancelling, cancelled */
	char input_file_id[128];
	char output_file_id[128];
	char error_file_id[128];
	int64_t total;
	int64_t completed;
	int64_t failed;
};

struct llm_batch_api;

/*
 * A client for base_url (".../v1") with api_key, each call bounded by
 * timeout_ms. The strings are copied. Returns NULL when curl cannot start.
 * Free with llm_batch_api_free() (accepts NULL).
 */
struct llm_batch_api *llm_batch_api_new(const char *base_url, const char *api_key, int timeout_ms);
void llm_batch_api_free(struct llm_batch_api *a);

/*
 * Every call returns 0, ST_UNAVAILABLE when the provider could not be
 * reached or answered 408, 409, 429 or 5xx (try again later), ST_NOT_FOUND
 * for a 404, or ST_BAD_REQUEST for any other refusal or an answer that is
 * not what the API promises; err gets the reason with the provider's
 * message when it gave one.
 */

/* Uploads len bytes of JSONL as file name with purpose "batch"; sets file_id (a new string; caller frees). */
int llm_batch_upload(struct llm_batch_api *a, const char *name, const char *data, size_t len, char **file_id, char *err,
		     size_t errlen);
/*
 * Creates a batch of input_file_id for /v1/chat/completions with the 24 h
 * completion window and metadata {"shortlist_batch": tag}.
 */
int llm_batch_create(struct llm_batch_api *a, const char *input_file_id, const char *tag, struct llm_batch_info *out,
		     char *err, size_t errlen);
/* Retrieves batch id. */
int llm_batch_get(struct llm_batch_api *a, const char *id, struct llm_batch_info *out, char *err, size_t errlen);
/*
 * Finds the batch made from input_file_id among the most recent ones (up
 * to 10 pages of 100): the batch a drainer created before it could record
 * it. ST_NOT_FOUND when there is none.
 */
int llm_batch_find(struct llm_batch_api *a, const char *input_file_id, struct llm_batch_info *out, char *err,
		   size_t errlen);
/* Asks the provider to cancel batch id; out is the batch as it answered (cancelling, usually). */
int llm_batch_cancel(struct llm_batch_api *a, const char *id, struct llm_batch_info *out, char *err, size_t errlen);
/* Appends the content of file_id to out (bounded by out's maximum: ST_BAD_REQUEST when it does not fit). */
int llm_batch_download(struct llm_batch_api *a, const char *file_id, struct buf *out, char *err, size_t errlen);

/* Whether a batch in this status will not change any more (completed, failed, expired, cancelled). */
bool llm_batch_status_final(const char *status);

/* The cost of a batched request: LLM_BATCH_PRICE_PERCENT of llm_openai_cost_microusd(). */
int64_t llm_batch_cost_microusd(const char *model, int64_t prompt_tokens, int64_t cached_tokens,
				int64_t completion_tokens);

#endif
