/* batchapi_run: the task of one provider batch — close and upload it, create or find it, poll it, store its answers, wake its resumes. */
#include "queue/batchapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "llm/llm_batch.h"
#include "queue/queue.h"

/* Largest output or error file read back. */
#define RESULT_FILE_MAX (512 * 1024 * 1024)

struct batch_row {
	int64_t id;
	char state[16];
	char input_file_id[128];
	char provider_batch_id[128];
};

static void copy_col(char *dst, size_t size, const struct db_result *res, int col)
{
	const char *v = db_value(res, 0, col);

	snprintf(dst, size, "%s", v ? v : "");
}

static int load(int64_t id, struct batch_row *b)
{
	struct db_result *res = NULL;
	char bid[24];
	const char *p[1] = { bid };
	int rc;

	memset(b, 0, sizeof(*b));
	db_int_param(id, bid);
	rc = db_query("batchapi_load", "SELECT state, input_file_id, provider_batch_id FROM llm_batches WHERE id = $1",
		      1, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		b->id = id;
		copy_col(b->state, sizeof(b->state), res, 0);
		copy_col(b->input_file_id, sizeof(b->input_file_id), res, 1);
		copy_col(b->provider_batch_id, sizeof(b->provider_batch_id), res, 2);
	}
	db_result_free(res);
	return rc;
}

/* One column of the batch row set to value (NULL: SQL NULL), with its state. */
static int record(const struct batch_row *b, const char *state, const char *column, const char *value)
{
	char bid[24], sql[300], name[64];
	const char *p[3] = { bid, state, value };

	db_int_param(b->id, bid);
	/* A statement per column: prepared statements are named. */
	snprintf(name, sizeof(name), "batchapi_record_%s", column);
	snprintf(sql, sizeof(sql), "UPDATE llm_batches SET state = $2, %s = $3, updated_at = now() WHERE id = $1",
		 column);
	return db_exec(name, sql, 3, p, NULL);
}

/* The JSONL of the batch's waiting requests: one line each, the synchronous call's body. */
static int build_input(const struct batch_row *b, struct buf *out, int64_t *lines)
{
	struct db_result *res = NULL;
	char bid[24];
	const char *p[1] = { bid };
	int rc, i;

	db_int_param(b->id, bid);
	rc = db_query(
		"batchapi_input",
		"SELECT custom_id, body FROM llm_batch_items WHERE batch_id = $1 AND state = 'waiting' ORDER BY id", 1,
		p, &res);
	if (rc < 0)
		return rc;
	*lines = db_rows(res);
	for (i = 0; i < db_rows(res) && rc == 0; i++)
		if (buf_printf(
			    out,
			    "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":%s}\n",
			    db_value(res, i, 0), db_value(res, i, 1)) < 0)
			rc = ST_BAD_REQUEST;
	db_result_free(res);
	return rc;
}

/* Requests still waiting go back to the synchronous path; the resume tasks wake; the batch is done. */
static int close_batch(const struct batch_row *b, const char *reason)
{
	char bid[24];
	const char *p[2] = { bid, reason };
	int rc;

	db_int_param(b->id, bid);
	rc = db_exec("batchapi_return_rest",
		     "UPDATE llm_batch_items SET state = 'returned', reason = $2, body = '', response = NULL, "
		     "updated_at = now()"
		     " WHERE batch_id = $1 AND state = 'waiting'",
		     2, p, NULL);
	if (rc == 0)
		rc = db_exec("batchapi_wake",
			     "WITH w AS (UPDATE tasks SET run_at = now(), updated_at = now() WHERE state = 'queued' "
			     "AND id IN"
			     " (SELECT task_id FROM llm_batch_items WHERE batch_id = $1) RETURNING kind)"
			     " SELECT pg_notify('" QUEUE_CHANNEL "', kind) FROM w GROUP BY kind",
			     1, p, NULL);
	if (rc == 0)
		rc = db_exec("batchapi_done", "UPDATE llm_batches SET state = 'done', updated_at = now() WHERE id = $1",
			     1, p, NULL);
	return rc;
}

/* One line of an output or error file: its answer, or why it has none. */
static int apply_line(const struct batch_row *b, const char *line, size_t len, int64_t *answered, int64_t *returned)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	const cJSON *resp = cJSON_GetObjectItemCaseSensitive(o, "response");
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
	const cJSON *error = cJSON_GetObjectItemCaseSensitive(o, "error");
	const char *cid = json_str(o, "custom_id", "");
	char bid[24], status[24];
	int rc = 0;

	db_int_param(b->id, bid);
	if (!o || !*cid) {
		log_warn("batchapi: batch %lld: a result line without a custom_id is ignored", (long long)b->id);
	} else if (cJSON_IsObject(resp) && body && !cJSON_IsNull(body)) {
		char *text = cJSON_IsString(body) ? xstrdup(body->valuestring) : json_print(body);
		const char *p[4] = { bid, cid, status, text };

		db_int_param(json_int(resp, "status_code", 0), status);
		rc = db_exec("batchapi_answer",
			     "UPDATE llm_batch_items SET state = 'answered', status_code = $3::int, response = $4,"
			     " updated_at = now() WHERE batch_id = $1 AND custom_id = $2 AND state = 'waiting'",
			     4, p, NULL);
		(*answered)++;
		free(text);
	} else {
		char why[400];
		const char *p[3] = { bid, cid, why };

		snprintf(why, sizeof(why), "the provider batch failed this request: %s",
			 json_str(error, "message", json_str(error, "code", "no answer")));
		rc = db_exec("batchapi_line_failed",
			     "UPDATE llm_batch_items SET state = 'returned', reason = $3, body = '', response = NULL, "
			     "updated_at = now()"
			     " WHERE batch_id = $1 AND custom_id = $2 AND state = 'waiting'",
			     3, p, NULL);
		(*returned)++;
	}
	cJSON_Delete(o);
	return rc;
}

static int apply_file(struct llm_batch_api *api, const struct batch_row *b, const char *file_id, int64_t *answered,
		      int64_t *returned)
{
	struct buf data = BUF_INIT(RESULT_FILE_MAX);
	char err[400];
	size_t at = 0;
	int rc;

	if (!*file_id)
		return 0;
	rc = llm_batch_download(api, file_id, &data, err, sizeof(err));
	if (rc < 0) {
		log_warn("batchapi: batch %lld: cannot download file %s: %s", (long long)b->id, file_id, err);
		buf_release(&data);
		return rc;
	}
	while (rc == 0 && at < data.len) {
		const char *start = data.ptr + at, *nl = memchr(start, '\n', data.len - at);
		size_t n = nl ? (size_t)(nl - start) : data.len - at;

		if (n > 0)
			rc = apply_line(b, start, n, answered, returned);
		at += n + 1;
	}
	buf_release(&data);
	return rc;
}

/* A final batch: its answers and errors stored, the rest returned, its tasks woken, in one transaction. */
static int collect(struct llm_batch_api *api, const struct batch_row *b, const struct llm_batch_info *info)
{
	int64_t answered = 0, returned = 0;
	char why[200];
	int rc = db_begin();

	if (rc < 0)
		return rc;
	rc = apply_file(api, b, info->output_file_id, &answered, &returned);
	if (rc == 0)
		rc = apply_file(api, b, info->error_file_id, &answered, &returned);
	snprintf(why, sizeof(why), "the provider batch ended %s before answering this request", info->status);
	if (rc == 0)
		rc = close_batch(b, why);
	if (rc == 0)
		rc = db_commit();
	if (db_in_transaction())
		db_rollback();
	if (rc == 0)
		log_info("batchapi: batch %lld (%s) ended %s: %lld answers, %lld failed requests", (long long)b->id,
			 info->id, info->status, (long long)answered, (long long)returned);
	return rc;
}

/* The provider refused the batch for good: every request goes back to the synchronous path. */
static int give_up(const struct batch_row *b, const char *err)
{
	char why[500];
	int rc = db_begin();

	snprintf(why, sizeof(why), "the provider refused the batch: %s", err);
	log_warn("batchapi: batch %lld: %s; its requests go the synchronous way", (long long)b->id, why);
	if (rc == 0)
		rc = close_batch(b, why);
	if (rc == 0)
		rc = db_commit();
	if (db_in_transaction())
		db_rollback();
	return rc;
}

/* Takes the batch one step. Returns the delay before the next one (ms), 0 when done, or a status code. */
static int64_t advance(struct llm_batch_api *api, struct batch_row *b)
{
	struct llm_batch_info info;
	char err[600] = "", tag[40];
	int rc;

	if (strcmp(b->state, "collecting") == 0) {
		/* Closed to new requests: the next resume of the job opens another batch. */
		rc = record(b, "uploading", "provider_status", NULL);
		if (rc < 0)
			return rc;
		snprintf(b->state, sizeof(b->state), "uploading");
	}
	if (strcmp(b->state, "uploading") == 0 && !*b->input_file_id) {
		struct buf jsonl = BUF_INIT(LLM_BATCH_FILE_MAX);
		char name[64], *file_id = NULL;
		int64_t lines = 0;

		rc = build_input(b, &jsonl, &lines);
		if (rc == 0 && lines == 0) {
			buf_release(&jsonl);
			rc = db_begin();
			if (rc == 0)
				rc = close_batch(b, "nothing to send");
			if (rc == 0)
				rc = db_commit();
			if (db_in_transaction())
				db_rollback();
			return rc;
		}
		snprintf(name, sizeof(name), "shortlist-batch-%lld.jsonl", (long long)b->id);
		if (rc == 0)
			rc = llm_batch_upload(api, name, jsonl.ptr, jsonl.len, &file_id, err, sizeof(err));
		buf_release(&jsonl);
		if (rc == ST_BAD_REQUEST)
			return give_up(b, err);
		if (rc < 0) {
			log_warn("batchapi: batch %lld: upload failed, tried again later: %s", (long long)b->id, err);
			return rc == ST_UNAVAILABLE ? config()->llm_batch_poll_ms : rc;
		}
		rc = record(b, "uploading", "input_file_id", file_id);
		snprintf(b->input_file_id, sizeof(b->input_file_id), "%s", file_id);
		free(file_id);
		if (rc < 0)
			return rc;
		log_info("batchapi: batch %lld: %lld requests uploaded as %s", (long long)b->id, (long long)lines,
			 b->input_file_id);
	}
	if (strcmp(b->state, "uploading") == 0) {
		/* A drainer killed after creating the batch left it on the provider's side: find it before making one. */
		rc = llm_batch_find(api, b->input_file_id, &info, err, sizeof(err));
		if (rc == ST_NOT_FOUND) {
			snprintf(tag, sizeof(tag), "%lld", (long long)b->id);
			rc = llm_batch_create(api, b->input_file_id, tag, &info, err, sizeof(err));
		} else if (rc == 0) {
			log_info("batchapi: batch %lld: found provider batch %s made from %s", (long long)b->id,
				 info.id, b->input_file_id);
		}
		if (rc == ST_BAD_REQUEST)
			return give_up(b, err);
		if (rc < 0)
			return rc == ST_UNAVAILABLE ? config()->llm_batch_poll_ms : rc;
		rc = record(b, "submitted", "provider_batch_id", info.id);
		if (rc == 0)
			rc = record(b, "submitted", "provider_status", info.status);
		if (rc < 0)
			return rc;
		log_info("batchapi: batch %lld: provider batch %s is %s", (long long)b->id, info.id, info.status);
		return config()->llm_batch_poll_ms;
	}
	if (strcmp(b->state, "submitted") == 0) {
		rc = llm_batch_get(api, b->provider_batch_id, &info, err, sizeof(err));
		if (rc == ST_BAD_REQUEST || rc == ST_NOT_FOUND)
			return give_up(b, err);
		if (rc < 0)
			return rc == ST_UNAVAILABLE ? config()->llm_batch_poll_ms : rc;
		rc = record(b, "submitted", "provider_status", info.status);
		if (rc < 0)
			return rc;
		if (!llm_batch_status_final(info.status))
			return config()->llm_batch_poll_ms;
		if (*info.output_file_id)
			record(b, "submitted", "output_file_id", info.output_file_id);
		if (*info.error_file_id)
			record(b, "submitted", "error_file_id", info.error_file_id);
		rc = collect(api, b, &info);
		return rc == ST_UNAVAILABLE ? config()->llm_batch_poll_ms : rc;
	}
	return 0;
}

/*
 * A step makes a few provider calls (listing up to 10 pages to find a
 * batch), each bounded by the LLM timeout, and does not renew its lease:
 * the lease outlasts the longest step, so no second drainer runs the same
 * step (a second upload and batch) while the first is still at it.
 */
static int step_lease(void)
{
	int64_t need = 12 * config()->llm_timeout_ms / 1000;

	return (int)(need > config()->task_lease_seconds ? need : config()->task_lease_seconds);
}

int batchapi_step(const char *worker)
{
	static const char *const kinds[] = { BATCHAPI_TASK_KIND, NULL };
	struct queue_task *tasks = NULL;
	struct llm_batch_api *api = NULL;
	struct batch_row b;
	cJSON *payload;
	int64_t id, started = now_us(), next = 0;
	int n = 0, rc;

	rc = queue_claim(worker, kinds, 1, step_lease(), &tasks, &n);
	if (rc < 0 || n == 0)
		return rc;
	payload = cJSON_Parse(tasks[0].payload);
	id = json_int(payload, "llm_batch_id", 0);
	cJSON_Delete(payload);
	rc = load(id, &b);
	if (rc == 0) {
		api = llm_batch_api_new(config()->openai_base_url, config()->openai_api_key,
					(int)config()->llm_timeout_ms);
		next = api ? advance(api, &b) : ST_INTERNAL;
		llm_batch_api_free(api);
	}
	if (rc == ST_NOT_FOUND || (rc == 0 && next == 0))
		rc = queue_succeed(&tasks[0]);
	else if (rc == 0 && next > 0)
		rc = queue_defer(&tasks[0], next);
	else {
		bool discarded = false;

		if (rc == 0)
			rc = (int)next;
		queue_fail(&tasks[0], status_title(rc), true, NULL, &discarded);
	}
	log_task(tasks[0].kind, tasks[0].id, tasks[0].attempt,
		 rc < 0	    ? "error"
		 : next > 0 ? "deferred"
			    : "succeeded",
		 now_us() - started, tasks[0].request_id);
	queue_tasks_free(tasks, n);
	return rc < 0 ? rc : 1;
}
