/* resp: building the response to a request — JSON, problem details, headers. */
#include "http/resp.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "core/procmetrics.h"

static bool header_safe(const char *s)
{
	return strpbrk(s, "\r\n") == NULL;
}

void resp_header(struct req *r, const char *name, const char *value)
{
	if (!header_safe(name) || !header_safe(value))
		return;
	buf_printf(&r->headers, "%s: %s\r\n", name, value);
}

bool resp_has_header(const struct req *r, const char *name)
{
	size_t n = strlen(name);
	const char *line = r->headers.ptr, *end = line ? line + r->headers.len : NULL;

	while (line && line < end) {
		const char *next = memchr(line, '\n', (size_t)(end - line));

		if ((size_t)(end - line) > n && line[n] == ':' && strncasecmp(line, name, n) == 0)
			return true;
		line = next ? next + 1 : NULL;
	}
	return false;
}

void resp_cache_default(struct req *r)
{
	if (!resp_has_header(r, "Cache-Control"))
		resp_header(r, "Cache-Control", "no-store");
}

void resp_header_remove(struct req *r, const char *name)
{
	size_t n = strlen(name), at = 0;

	while (r->headers.ptr && at < r->headers.len) {
		char *line = r->headers.ptr + at;
		char *nl = memchr(line, '\n', r->headers.len - at);
		size_t len = nl ? (size_t)(nl + 1 - line) : r->headers.len - at;

		if (len > n && line[n] == ':' && strncasecmp(line, name, n) == 0) {
			memmove(line, line + len, r->headers.len - at - len);
			r->headers.len -= len;
			r->headers.ptr[r->headers.len] = '\0';
		} else {
			at += len;
		}
	}
}

void resp_headerf(struct req *r, const char *name, const char *fmt, ...)
{
	struct buf v = BUF_INIT(8192);
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&v, fmt, ap) == 0)
		resp_header(r, name, v.ptr ? v.ptr : "");
	va_end(ap);
	buf_release(&v);
}

int resp_raw(struct req *r, int http_status, const char *content_type, const void *body, size_t len)
{
	r->status = http_status;
	buf_reset(&r->body);
	if (content_type)
		resp_header(r, "Content-Type", content_type);
	if (len && buf_append(&r->body, body, len) < 0)
		return ST_INTERNAL;
	return 0;
}

int resp_json(struct req *r, int http_status, const cJSON *item)
{
	char *text = json_print(item);
	int rc = resp_raw(r, http_status, "application/json", text, strlen(text));

	free(text);
	return rc;
}

int resp_json_take(struct req *r, int http_status, cJSON *item)
{
	int rc = resp_json(r, http_status, item);

	cJSON_Delete(item);
	return rc;
}

int resp_fail(struct req *r, int code, const char *fmt, ...)
{
	struct buf d = BUF_INIT(4096);
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&d, fmt, ap) < 0)
		buf_append_str(&d, "(detail too long)");
	va_end(ap);
	free(r->problem_detail);
	r->problem_detail = buf_detach(&d, NULL);
	return code;
}

int resp_fail_store(struct req *r, int rc, const char *what, int64_t id)
{
	switch (rc) {
	case ST_NOT_FOUND:
		return resp_fail(r, rc, "%s %lld not found", what, (long long)id);
	case ST_UNAVAILABLE:
		return resp_fail(r, rc, "the database is unavailable; try again");
	default:
		return rc;
	}
}

int resp_store_get(struct req *r, const char *param, const char *what,
		   int (*get)(int64_t org_id, int64_t id, cJSON **out))
{
	cJSON *out = NULL;
	int64_t id;
	int rc = req_param_id(r, param, &id);

	if (rc < 0)
		return rc;
	rc = get(r->org_id, id, &out);
	if (rc < 0)
		return resp_fail_store(r, rc, what, id);
	return resp_json_take(r, 200, out);
}

void resp_problem(struct req *r, int code, const char *detail)
{
	cJSON *p = cJSON_CreateObject();
	int http = status_http(code);
	const char *title = status_title(code);
	char *text;

	/* Problems are distinguished by status alone, which RFC 9457 spells "about:blank". */
	cJSON_AddStringToObject(p, "type", "about:blank");
	cJSON_AddStringToObject(p, "title", title);
	cJSON_AddNumberToObject(p, "status", http);
	if (detail)
		cJSON_AddStringToObject(p, "detail", detail);
	if (r->path)
		cJSON_AddStringToObject(p, "instance", r->path);
	cJSON_AddStringToObject(p, "request_id", r->request_id);
	if (http == 429 && r->problem_limit) {
		cJSON_AddStringToObject(p, "limit", r->problem_limit);
		procmetrics_count(PM_RATELIMIT_REFUSALS, procmetrics_limit_of(r->problem_limit), 0, 0, 1);
	}
	text = json_print(p);
	resp_raw(r, http, "application/problem+json", text, strlen(text));
	free(text);
	cJSON_Delete(p);
	if ((http == 503 || http == 429) && !resp_has_header(r, "Retry-After"))
		resp_header(r, "Retry-After", "5");
}
