/* llm_batch: the OpenAI Batch API client — upload a JSONL file, create, find, poll and cancel a batch, download its results. */
#include "llm/llm_batch.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "llm/llm.h"

/* Largest JSON answer read (a batch object or a page of 100 of them). */
#define ANSWER_MAX (4 * 1024 * 1024)
#define FIND_PAGES 10

struct llm_batch_api {
	CURL *easy;
	char *base_url;
	char *api_key;
	int timeout_ms;
};

struct llm_batch_api *llm_batch_api_new(const char *base_url, const char *api_key, int timeout_ms)
{
	struct llm_batch_api *a;
	size_t n;

	if (!base_url || !api_key)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->easy = curl_easy_init();
	if (!a->easy) {
		free(a);
		return NULL;
	}
	a->base_url = xstrdup(base_url);
	n = strlen(a->base_url);
	while (n > 0 && a->base_url[n - 1] == '/')
		a->base_url[--n] = '\0';
	a->api_key = xstrdup(api_key);
	a->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
	return a;
}

void llm_batch_api_free(struct llm_batch_api *a)
{
	if (!a)
		return;
	curl_easy_cleanup(a->easy);
	free(a->base_url);
	free(a->api_key);
	free(a);
}

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct buf *b = userdata;

	return buf_append(b, data, size * n) == 0 ? size * n : 0;
}

/* The provider's error.message of a refusal, or the status alone. */
static void refusal(long status, const struct buf *body, char *err, size_t errlen)
{
	cJSON *o = body->ptr ? cJSON_ParseWithLength(body->ptr, body->len) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
	const char *msg = json_str(e, "message", NULL);

	if (msg)
		snprintf(err, errlen, "provider answered %ld: %s", status, msg);
	else
		snprintf(err, errlen, "provider answered %ld", status);
	cJSON_Delete(o);
}

/*
 * One call: method GET or POST to path (appended to the base URL), with a
 * JSON body, a multipart form, or nothing. The answer goes to out.
 */
static int call(struct llm_batch_api *a, const char *path, const char *json, curl_mime *form, struct buf *out,
		char *err, size_t errlen)
{
	struct curl_slist *headers = NULL;
	struct buf url = BUF_INIT(8192), auth = BUF_INIT(4096);
	long status = 0;
	CURLcode rc;
	int ret;

	curl_easy_reset(a->easy);
	if (buf_printf(&url, "%s%s", a->base_url, path) < 0 ||
	    buf_printf(&auth, "Authorization: Bearer %s", a->api_key) < 0) {
		snprintf(err, errlen, "request URL too long");
		ret = ST_BAD_REQUEST;
		goto out;
	}
	headers = curl_slist_append(headers, auth.ptr);
	if (json) {
		headers = curl_slist_append(headers, "Content-Type: application/json");
		curl_easy_setopt(a->easy, CURLOPT_POSTFIELDS, json);
		curl_easy_setopt(a->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(json));
	} else if (form) {
		curl_easy_setopt(a->easy, CURLOPT_MIMEPOST, form);
	} else if (strstr(path, "/cancel")) {
		curl_easy_setopt(a->easy, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(a->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	curl_easy_setopt(a->easy, CURLOPT_URL, url.ptr);
	curl_easy_setopt(a->easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(a->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(a->easy, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(a->easy, CURLOPT_TIMEOUT_MS, (long)a->timeout_ms);
	curl_easy_setopt(a->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(a->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(a->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(a->easy);
	if (rc != CURLE_OK) {
		snprintf(err, errlen,
			 rc == CURLE_WRITE_ERROR ? "provider answer too large" : "provider unreachable: %s",
			 curl_easy_strerror(rc));
		ret = rc == CURLE_WRITE_ERROR ? ST_BAD_REQUEST : ST_UNAVAILABLE;
		goto out;
	}
	curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300) {
		ret = 0;
	} else {
		refusal(status, out, err, errlen);
		ret = status == 404							 ? ST_NOT_FOUND
		      : status == 408 || status == 409 || status == 429 || status >= 500 ? ST_UNAVAILABLE
											 : ST_BAD_REQUEST;
	}
out:
	curl_slist_free_all(headers);
	buf_release(&url);
	buf_release(&auth);
	return ret;
}

static void copy_str(char *dst, size_t size, const cJSON *o, const char *name)
{
	const char *v = json_str(o, name, "");

	snprintf(dst, size, "%s", v ? v : "");
}

/* Reads a batch object; -1 when it is not one. */
static int read_batch(const cJSON *o, struct llm_batch_info *out)
{
	const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "request_counts");

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsObject(o) || strcmp(json_str(o, "object", ""), "batch") != 0 || !*json_str(o, "id", "") ||
	    !*json_str(o, "status", ""))
		return -1;
	copy_str(out->id, sizeof(out->id), o, "id");
	copy_str(out->status, sizeof(out->status), o, "status");
	copy_str(out->input_file_id, sizeof(out->input_file_id), o, "input_file_id");
	copy_str(out->output_file_id, sizeof(out->output_file_id), o, "output_file_id");
	copy_str(out->error_file_id, sizeof(out->error_file_id), o, "error_file_id");
	out->total = json_int(counts, "total", 0);
	out->completed = json_int(counts, "completed", 0);
	out->failed = json_int(counts, "failed", 0);
	return 0;
}

static int call_batch(struct llm_batch_api *a, const char *path, const char *json, struct llm_batch_info *out,
		      char *err, size_t errlen)
{
	struct buf body = BUF_INIT(ANSWER_MAX);
	cJSON *o = NULL;
	int rc = call(a, path, json, NULL, &body, err, errlen);

	if (rc == 0) {
		o = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
		if (read_batch(o, out) < 0) {
			snprintf(err, errlen, "provider answer is not a batch object");
			rc = ST_BAD_REQUEST;
		}
	}
	cJSON_Delete(o);
	buf_release(&body);
	return rc;
}

int llm_batch_upload(struct llm_batch_api *a, const char *name, const char *data, size_t len, char **file_id, char *err,
		     size_t errlen)
{
	struct buf body = BUF_INIT(ANSWER_MAX);
	curl_mime *form;
	curl_mimepart *part;
	cJSON *o = NULL;
	int rc;

	*file_id = NULL;
	if (len > LLM_BATCH_FILE_MAX) {
		snprintf(err, errlen, "batch input file of %zu bytes is over %d", len, LLM_BATCH_FILE_MAX);
		return ST_BAD_REQUEST;
	}
	form = curl_mime_init(a->easy);
	part = curl_mime_addpart(form);
	curl_mime_name(part, "purpose");
	curl_mime_data(part, "batch", CURL_ZERO_TERMINATED);
	part = curl_mime_addpart(form);
	curl_mime_name(part, "file");
	curl_mime_filename(part, name);
	curl_mime_type(part, "application/jsonl");
	curl_mime_data(part, data, len);
	rc = call(a, "/files", NULL, form, &body, err, errlen);
	if (rc == 0) {
		o = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
		if (strcmp(json_str(o, "object", ""), "file") != 0 || !*json_str(o, "id", "")) {
			snprintf(err, errlen, "provider answer is not a file object");
			rc = ST_BAD_REQUEST;
		} else {
			*file_id = xstrdup(json_str(o, "id", ""));
		}
	}
	cJSON_Delete(o);
	curl_mime_free(form);
	buf_release(&body);
	return rc;
}

int llm_batch_create(struct llm_batch_api *a, const char *input_file_id, const char *tag, struct llm_batch_info *out,
		     char *err, size_t errlen)
{
	cJSON *req = cJSON_CreateObject(), *meta;
	char *json;
	int rc;

	cJSON_AddStringToObject(req, "input_file_id", input_file_id);
	cJSON_AddStringToObject(req, "endpoint", "/v1/chat/completions");
	cJSON_AddStringToObject(req, "completion_window", "24h");
	meta = cJSON_AddObjectToObject(req, "metadata");
	cJSON_AddStringToObject(meta, "shortlist_batch", tag);
	json = json_print(req);
	rc = call_batch(a, "/batches", json, out, err, errlen);
	free(json);
	cJSON_Delete(req);
	return rc;
}

/* Ids are the provider's; anything outside [A-Za-z0-9_-] would change the path, so it is refused. */
static bool safe_id(const char *id)
{
	const char *p;

	if (!id || !*id || strlen(id) > 120)
		return false;
	for (p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
		      *p == '-'))
			return false;
	return true;
}

int llm_batch_get(struct llm_batch_api *a, const char *id, struct llm_batch_info *out, char *err, size_t errlen)
{
	char path[200];

	if (!safe_id(id)) {
		snprintf(err, errlen, "bad batch id");
		return ST_BAD_REQUEST;
	}
	snprintf(path, sizeof(path), "/batches/%s", id);
	return call_batch(a, path, NULL, out, err, errlen);
}

int llm_batch_cancel(struct llm_batch_api *a, const char *id, struct llm_batch_info *out, char *err, size_t errlen)
{
	char path[220];

	if (!safe_id(id)) {
		snprintf(err, errlen, "bad batch id");
		return ST_BAD_REQUEST;
	}
	snprintf(path, sizeof(path), "/batches/%s/cancel", id);
	return call_batch(a, path, NULL, out, err, errlen);
}

int llm_batch_find(struct llm_batch_api *a, const char *input_file_id, struct llm_batch_info *out, char *err,
		   size_t errlen)
{
	char after[128] = "", path[300];
	int page, rc = ST_NOT_FOUND;

	for (page = 0; page < FIND_PAGES; page++) {
		struct buf body = BUF_INIT(ANSWER_MAX);
		const cJSON *data, *b;
		cJSON *o;
		bool more;

		if (*after)
			snprintf(path, sizeof(path), "/batches?limit=100&after=%s", after);
		else
			snprintf(path, sizeof(path), "/batches?limit=100");
		rc = call(a, path, NULL, NULL, &body, err, errlen);
		if (rc < 0) {
			buf_release(&body);
			return rc;
		}
		o = cJSON_ParseWithLength(body.ptr ? body.ptr : "", body.len);
		buf_release(&body);
		data = cJSON_GetObjectItemCaseSensitive(o, "data");
		if (!cJSON_IsArray(data)) {
			cJSON_Delete(o);
			snprintf(err, errlen, "provider answer is not a list of batches");
			return ST_BAD_REQUEST;
		}
		cJSON_ArrayForEach(b, data)
		{
			if (strcmp(json_str(b, "input_file_id", ""), input_file_id) == 0 && read_batch(b, out) == 0) {
				cJSON_Delete(o);
				return 0;
			}
		}
		more = json_bool(o, "has_more", false);
		snprintf(after, sizeof(after), "%s", json_str(o, "last_id", ""));
		cJSON_Delete(o);
		if (!more || !safe_id(after))
			break;
	}
	snprintf(err, errlen, "no batch made from file '%s'", input_file_id);
	return ST_NOT_FOUND;
}

int llm_batch_download(struct llm_batch_api *a, const char *file_id, struct buf *out, char *err, size_t errlen)
{
	char path[220];

	if (!safe_id(file_id)) {
		snprintf(err, errlen, "bad file id");
		return ST_BAD_REQUEST;
	}
	snprintf(path, sizeof(path), "/files/%s/content", file_id);
	return call(a, path, NULL, NULL, out, err, errlen);
}

bool llm_batch_status_final(const char *status)
{
	static const char *const final[] = { "completed", "failed", "expired", "cancelled" };
	size_t i;

	for (i = 0; i < sizeof(final) / sizeof(final[0]); i++)
		if (status && strcmp(status, final[i]) == 0)
			return true;
	return false;
}

int64_t llm_batch_cost_microusd(const char *model, int64_t prompt_tokens, int64_t cached_tokens,
				int64_t completion_tokens)
{
	int64_t full = llm_openai_cost_microusd(model, prompt_tokens, cached_tokens, completion_tokens);

	return full * LLM_BATCH_PRICE_PERCENT / 100;
}
