/* req: one HTTP request as a handler sees it — method, path parameters, query, headers, body, identity. */
#include "http/req.h"

#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "http/resp.h"

const char *req_param(const struct req *r, const char *name)
{
	int i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].name, name) == 0)
			return r->params[i].value;
	return NULL;
}

int req_param_id(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_param(r, name);

	if (!v || parse_int64(v, 1, INT64_MAX, out) < 0 || v[0] == '+')
		return resp_fail(r, ST_NOT_FOUND, "no resource with %s '%s'", name, v ? v : "");
	return 0;
}

const char *req_query(const struct req *r, const char *name)
{
	int i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value;
	return NULL;
}

const char *req_header(const struct req *r, const char *cgi_name)
{
	FCGX_Request *rq = r->fcgi;

	if (!rq)
		return NULL;
	return FCGX_GetParam(cgi_name, rq->envp);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *req_url_decode(const char *s, size_t len, bool plus_is_space)
{
	char *out = xmalloc(len + 1);
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			int hi, lo;

			if (i + 2 >= len)
				goto bad;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				goto bad;
			out[o] = (char)(hi * 16 + lo);
			if (out[o] == '\0')
				goto bad;
			o++;
			i += 2;
		} else if (s[i] == '+' && plus_is_space) {
			out[o++] = ' ';
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int req_parse_query(struct req *r, const char *raw)
{
	const char *p = raw;

	while (p && *p) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t nlen = eq ? (size_t)(eq - p) : len;
		char *name, *value;

		if (len > 0) {
			if (r->nquery >= REQ_MAX_QUERY)
				return resp_fail(r, ST_BAD_REQUEST, "too many query parameters (at most %d)",
						 REQ_MAX_QUERY);
			name = req_url_decode(p, nlen, true);
			value = eq ? req_url_decode(eq + 1, len - nlen - 1, true) : xstrdup("");
			if (!name || !value) {
				free(name);
				free(value);
				return resp_fail(r, ST_BAD_REQUEST, "malformed percent-encoding in the query string");
			}
			r->query[r->nquery].name = name;
			r->query[r->nquery].value = value;
			r->nquery++;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

ssize_t req_read(struct req *r, void *dst, size_t n)
{
	FCGX_Request *rq = r->fcgi;
	int got;

	if (!rq)
		return 0;
	if (n > (size_t)INT32_MAX)
		n = INT32_MAX;
	got = FCGX_GetStr(dst, (int)n, rq->in);
	if (got < 0 || FCGX_GetError(rq->in) != 0)
		return -1;
	return got;
}

int req_read_body(struct req *r, struct buf *out, size_t max)
{
	char chunk[16384];

	if (r->content_length > 0 && (uint64_t)r->content_length > max)
		return resp_fail(r, ST_TOO_LARGE, "request body of %lld bytes exceeds the limit of %zu bytes",
				 (long long)r->content_length, max);
	for (;;) {
		ssize_t got = req_read(r, chunk, sizeof(chunk));

		if (got < 0)
			return resp_fail(r, ST_BAD_REQUEST, "request body could not be read");
		if (got == 0)
			break;
		if (out->len + (size_t)got > max || buf_append(out, chunk, (size_t)got) < 0)
			return resp_fail(r, ST_TOO_LARGE, "request body exceeds the limit of %zu bytes", max);
	}
	if (r->content_length >= 0 && out->len != (size_t)r->content_length)
		return resp_fail(r, ST_BAD_REQUEST, "request body ended after %zu of %lld bytes", out->len,
				 (long long)r->content_length);
	return 0;
}

static bool is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	return str_has_prefix(ct, "application/json") && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int req_json_body(struct req *r, cJSON **out)
{
	struct buf body = BUF_INIT(0);
	char err[256];
	size_t max = (size_t)config()->max_body_bytes;
	int rc;

	*out = NULL;
	if (r->route && !(r->route_flags & ROUTE_JSON_BODY)) {
		log_error("route %s %s reads a JSON body but lacks ROUTE_JSON_BODY", r->method, r->route);
		rc = ST_INTERNAL;
		goto out;
	}
	if (!is_json_type(req_header(r, "CONTENT_TYPE"))) {
		rc = resp_fail(r, ST_UNSUPPORTED_MEDIA, "expected Content-Type application/json");
		goto out;
	}
	rc = req_read_body(r, &body, max);
	if (rc < 0)
		goto out;
	*out = json_parse(body.ptr ? body.ptr : "", body.len, (int)config()->max_json_depth, err, sizeof(err));
	if (!*out) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = 0;
out:
	buf_release(&body);
	return rc;
}

void req_reset(struct req *r)
{
	int i;
	size_t hmax = r->headers.max, bmax = r->body.max;

	for (i = 0; i < r->nparams; i++) {
		free(r->params[i].name);
		free(r->params[i].value);
	}
	for (i = 0; i < r->nquery; i++) {
		free(r->query[i].name);
		free(r->query[i].value);
	}
	buf_release(&r->headers);
	buf_release(&r->body);
	free(r->problem_detail);
	memset(r, 0, sizeof(*r));
	buf_init(&r->headers, hmax);
	buf_init(&r->body, bmax);
	r->content_length = -1;
}
