/* batchapi: scoring through the OpenAI Batch API — which resumes go that way, their requests, the provider batches and their answers. */
#ifndef SHORTLIST_BATCHAPI_H
#define SHORTLIST_BATCHAPI_H

#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

struct queue_task;

/* The task kind that uploads, creates, polls and collects one provider batch (llm_batches row). */
#define BATCHAPI_TASK_KIND "llm_batch"
/*
 * How long a resume task waiting for its provider batch sleeps at most: the
 * batch's task wakes it as soon as its answer is in; this is only the
 * backstop, past the 24 h completion window.
 */
#define BATCHAPI_WAIT_MS (25LL * 3600 * 1000)

/*
 * The rule: a resume goes through a provider batch when its job asks for it
 * (jobs.llm_batch, PATCH /api/v1/jobs/{id} {"llm_batch": true}) or its
 * upload batch has at least config()->llm_batch_min_resumes resumes (when
 * that is not 0), and only with the OpenAI provider. The request is the one
 * the synchronous path sends, byte for byte; the resume's task sleeps
 * (queue_defer) instead of holding a worker, keeping its budget hold at the
 * batch price; the batch's own task (BATCHAPI_TASK_KIND) uploads the JSONL,
 * creates the batch, polls it, stores each answer beside its request and
 * wakes the resume tasks, which check the answers exactly as a synchronous
 * answer is checked. A request without a usable answer (a failed line, an
 * expired or cancelled batch, an answer that fails the checks) goes back to
 * the synchronous path, once: a resume is batched at most once per task.
 */

/* Where the resume of a task stands with the Batch API. */
enum batchapi_state {
	BATCHAPI_NONE,	   /* not batched: decide with batchapi_wanted() */
	BATCHAPI_WAITING,  /* in a provider batch that has not answered yet */
	BATCHAPI_ANSWERED, /* the answer is in: check and record it */
	BATCHAPI_RETURNED  /* no usable answer from a batch: score it the synchronous way */
};

struct batchapi_item {
	int64_t id;
	enum batchapi_state state;
	int status_code;  /* of the batched call (answered) */
	char *response;	  /* the call's response body (answered); owned */
	int hold_attempt; /* the task attempt whose budget hold covers it */
};

/* Whether resume_id of job_id goes through a provider batch (see the rule). Returns 0 or a db status code. */
int batchapi_wanted(int64_t org_id, int64_t job_id, int64_t resume_id, bool *out);

/*
 * The item of the task's resume. A settled item of an earlier task (a
 * rescore) is forgotten, so the new task starts afresh (BATCHAPI_NONE).
 * Release with batchapi_item_release(). Returns 0 or a db status code.
 */
int batchapi_item_of(const struct queue_task *task, int64_t resume_id, struct batchapi_item *out);
void batchapi_item_release(struct batchapi_item *it);

/*
 * Adds the request (body: the chat-completions body, JSON text) of the
 * task's resume to the job's collecting provider batch (made if none, with
 * its task due in config()->llm_batch_collect_ms), puts the resume back to
 * queued and puts the task to sleep (BATCHAPI_WAIT_MS), in one transaction
 * while the claim holds. Returns 0, ST_GONE (claim lost) or a db status code.
 */
int batchapi_collect(const struct queue_task *task, int64_t org_id, int64_t job_id, int64_t resume_id,
		     const char *model, const char *body);

/* A task woken while its batch has not answered: back to sleep, resume queued. Returns 0, ST_GONE or a db code. */
int batchapi_sleep(const struct queue_task *task, int64_t org_id, int64_t resume_id);

/* Marks item id ingested, or returned with reason (its answer was not usable). Returns 0 or a db status code. */
int batchapi_item_ingested(int64_t id);
int batchapi_item_returned(int64_t id, const char *reason);

/*
 * Claims at most one BATCHAPI_TASK_KIND task for worker and takes its
 * batch one step (blocking on the provider for at most a few calls): close
 * and upload it, create it (or find the one a killed drainer created from
 * the same file), or poll it; a finished batch's answers and errors are
 * stored and its resume tasks woken. Returns 1 when a task was worked, 0
 * when none was claimable, or a db status code.
 */
int batchapi_step(const char *worker);

/*
 * {waiting: resumes of upload batch batch_id waiting on a provider batch,
 * answered, returned, provider_batches: [{id, state, provider_status,
 * provider_batch_id, requests}]}. Caller frees *out. Returns 0 or a db code.
 */
int batchapi_status_json(int64_t org_id, int64_t batch_id, cJSON **out);

/* The job's llm_batch setting: read and set. Return 0, ST_NOT_FOUND or a db status code. */
int batchapi_job_get(int64_t org_id, int64_t job_id, bool *on);
int batchapi_job_set(int64_t org_id, int64_t job_id, bool on);

#endif
