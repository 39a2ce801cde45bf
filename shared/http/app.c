/* app: the FastCGI request loop every handler binary runs, with route matching and error mapping. */
#include "http/app.h"

#include <fcgiapp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/apilimit.h"
#include "base/status.h"
#include "base/util.h"
#include "core/answercache.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/procmetrics.h"
#include "core/signals.h"
#include "http/clientaddr.h"
#include "http/errdoc.h"
#include "http/resp.h"
#include "http/route.h"

bool app_stopping(void)
{
	return signals_stop_requested();
}

/*
 * Whether a path segment of slen bytes at s, percent-decoded, is the pattern's
 * literal segment (plen bytes at p): lighttpd chose the handler from the
 * decoded path, so "%6Beys" must be "keys" here too.
 */
static bool literal_matches(const char *p, size_t plen, const char *s, size_t slen)
{
	char *decoded;
	bool same;

	if (plen == slen && memcmp(p, s, plen) == 0)
		return true;
	if (!memchr(s, '%', slen))
		return false;
	decoded = req_url_decode(s, slen, false);
	same = decoded && strlen(decoded) == plen && memcmp(decoded, p, plen) == 0;
	free(decoded);
	return same;
}

/* "." and "..": lighttpd removed them from the path it routed on, so here they name nothing. */
static bool dot_segment(const char *decoded)
{
	return strcmp(decoded, ".") == 0 || strcmp(decoded, "..") == 0;
}

bool app_route_match(const char *pattern, const char *path, struct req *r)
{
	const char *p = pattern, *s = path;
	int start = r->nparams;

	while (*p && *s) {
		const char *pend, *send;
		size_t plen, slen;

		if (*p != '/' || *s != '/')
			goto fail;
		p++;
		s++;
		pend = strchr(p, '/');
		send = strchr(s, '/');
		plen = pend ? (size_t)(pend - p) : strlen(p);
		slen = send ? (size_t)(send - s) : strlen(s);
		if (plen >= 2 && p[0] == '{' && p[plen - 1] == '}') {
			char *value;

			if (slen == 0 || r->nparams >= REQ_MAX_PARAMS)
				goto fail;
			value = req_url_decode(s, slen, false);
			if (!value || dot_segment(value)) {
				free(value);
				goto fail;
			}
			r->params[r->nparams].name = xstrndup(p + 1, plen - 2);
			r->params[r->nparams].value = value;
			r->nparams++;
		} else if (!literal_matches(p, plen, s, slen)) {
			goto fail;
		}
		p += plen;
		s += slen;
	}
	if (*p == '\0' && *s == '\0')
		return true;
fail:
	while (r->nparams > start) {
		r->nparams--;
		free(r->params[r->nparams].name);
		free(r->params[r->nparams].value);
	}
	return false;
}

enum iplimit_kind app_route_ip_limit(unsigned flags)
{
	if (flags & ROUTE_IP_NONE)
		return IPLIMIT_NONE;
	if (flags & ROUTE_IP_SIGNIN)
		return IPLIMIT_SIGNIN;
	if (flags & ROUTE_IP_READYZ)
		return IPLIMIT_READYZ;
	if (flags & ROUTE_IP_METRICS)
		return IPLIMIT_METRICS;
	return IPLIMIT_UNAUTH;
}

static void drop_params(struct req *r)
{
	while (r->nparams > 0) {
		r->nparams--;
		free(r->params[r->nparams].name);
		free(r->params[r->nparams].value);
	}
}

static bool method_matches(const struct route *rt, const char *method)
{
	if (strcmp(rt->method, method) == 0)
		return true;
	return strcmp(method, "HEAD") == 0 && strcmp(rt->method, "GET") == 0;
}

static void add_allow_header(const struct app *app, struct req *r)
{
	struct buf allow = BUF_INIT(1024);
	struct req scratch;
	size_t i;
	bool get = false;

	memset(&scratch, 0, sizeof(scratch));
	for (i = 0; i < app->nroutes; i++) {
		if (!app_route_match(app->routes[i].pattern, r->path, &scratch))
			continue;
		req_reset(&scratch);
		if (allow.ptr && strstr(allow.ptr, app->routes[i].method))
			continue;
		buf_printf(&allow, "%s%s", allow.len ? ", " : "", app->routes[i].method);
		if (strcmp(app->routes[i].method, "GET") == 0)
			get = true;
	}
	if (get)
		buf_append_str(&allow, ", HEAD");
	resp_header(r, "Allow", allow.ptr ? allow.ptr : "");
	buf_release(&allow);
	req_reset(&scratch);
}

void app_dispatch(const struct app *app, struct req *r)
{
	const struct route *found = NULL;
	bool path_known = false;
	size_t i;
	int rc;

	for (i = 0; i < app->nroutes && !found; i++) {
		if (!app_route_match(app->routes[i].pattern, r->path, r))
			continue;
		path_known = true;
		if (method_matches(&app->routes[i], r->method))
			found = &app->routes[i];
		else
			drop_params(r);
	}
	if (!found) {
		if (path_known) {
			add_allow_header(app, r);
			rc = resp_fail(r, ST_METHOD_NOT_ALLOWED, "method %s is not allowed on %s", r->method, r->path);
		} else {
			rc = resp_fail(r, ST_NOT_FOUND, "no route for %s", r->path);
		}
		goto fail;
	}
	r->route = found->pattern;
	r->route_flags = found->flags;
	log_set_context(r->request_id, found->pattern);
	if (!(found->flags & ROUTE_STREAM_BODY) && r->content_length > config()->max_body_bytes) {
		rc = resp_fail(r, ST_TOO_LARGE, "request body of %lld bytes exceeds the limit of %lld bytes",
			       (long long)r->content_length, (long long)config()->max_body_bytes);
		goto fail;
	}
	if (found->flags & ROUTE_AUTH) {
		rc = app->authenticate ? app->authenticate(r)
				       : resp_fail(r, ST_UNAUTHORIZED, "this route needs an API key");
		if (rc == ST_UNAUTHORIZED) {
			int limited = iplimit_auth_failed(r);

			rc = limited < 0 ? limited : rc;
		}
		if (rc < 0)
			goto fail;
		if (!(found->flags & ROUTE_UNMETERED) && (rc = apilimit_check(r)) < 0)
			goto fail;
	} else if ((rc = iplimit_check(r, app_route_ip_limit(found->flags))) < 0) {
		goto fail;
	}
	rc = found->fn(r);
	/* Before the answer goes out, so the caller's next read sees what this request did (answercache.h). */
	if (r->org_id > 0 && strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0 &&
	    !(found->flags & ROUTE_KEEPS_ANSWERS))
		(void)answercache_invalidate(r->org_id);
	if (rc < 0)
		goto fail;
	if (!r->status)
		r->status = 200;
	return;
fail:
	if (rc == ST_INTERNAL && !r->problem_detail)
		resp_fail(r, rc, "internal error; see the logs for request %s", r->request_id);
	if (rc == ST_UNAUTHORIZED)
		resp_header(r, "WWW-Authenticate", "Bearer");
	resp_problem(r, rc, r->problem_detail);
}

static bool valid_request_id(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > REQ_ID_MAX)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

static void set_request_id(struct req *r, const char *given)
{
	unsigned char raw[12];

	if (given && valid_request_id(given)) {
		snprintf(r->request_id, sizeof(r->request_id), "%s", given);
		return;
	}
	if (random_bytes(raw, sizeof(raw)) < 0)
		memset(raw, 0, sizeof(raw));
	hex_encode(raw, sizeof(raw), r->request_id);
}

static void send_response(const struct app *app, FCGX_Request *rq, struct req *r)
{
	struct buf head = BUF_INIT(0);

	resp_cache_default(r);
	/* Formatted here, not with FCGX_FPrintF, which knows no size_t conversions. The handler's
	 * name tells which pool lighttpd chose (tests/t0195-lighttpd-routes.sh). */
	buf_printf(&head, "Status: %d %s\r\nX-Request-Id: %s\r\nX-Shortlist-Handler: %s\r\n", r->status,
		   status_reason(r->status), r->request_id, app->name);
	if (r->headers.len)
		buf_append(&head, r->headers.ptr, r->headers.len);
	buf_printf(&head, "Content-Length: %zu\r\n\r\n", r->body.len);
	FCGX_PutStr(head.ptr, (int)head.len, rq->out);
	if (!r->head && r->body.len)
		FCGX_PutStr(r->body.ptr, (int)r->body.len, rq->out);
	buf_release(&head);
}

static void handle(const struct app *app, FCGX_Request *rq, struct req *r)
{
	const char *uri = FCGX_GetParam("REQUEST_URI", rq->envp);
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", rq->envp);
	const char *q;
	char *path = NULL;
	int64_t n;

	r->fcgi = rq;
	r->started_us = now_us();
	r->method = FCGX_GetParam("REQUEST_METHOD", rq->envp);
	if (!r->method)
		r->method = "GET";
	r->head = strcmp(r->method, "HEAD") == 0;
	set_request_id(r, FCGX_GetParam("HTTP_X_REQUEST_ID", rq->envp));
	log_set_context(r->request_id, NULL);
	clientaddr_fill(r);
	if (!uri)
		uri = "/";
	q = strchr(uri, '?');
	path = q ? xstrndup(uri, (size_t)(q - uri)) : xstrdup(uri);
	r->path = path;
	r->raw_query = q ? q + 1 : "";
	r->content_length = -1;
	if (errdoc_answer(r, FCGX_GetParam("REDIRECT_STATUS", rq->envp)))
		goto send;
	if (cl && *cl) {
		if (parse_int64(cl, 0, INT64_MAX, &n) < 0) {
			resp_problem(r, resp_fail(r, ST_BAD_REQUEST, "malformed Content-Length"), r->problem_detail);
			goto send;
		}
		r->content_length = n;
	}
	if (req_parse_query(r, r->raw_query) < 0) {
		resp_problem(r, ST_BAD_REQUEST, r->problem_detail);
		goto send;
	}
	app_dispatch(app, r);
send:
	send_response(app, rq, r);
	log_access(r->method, r->path, r->status, now_us() - r->started_us, r->client_addr);
	procmetrics_http(r->route, r->method, r->status, now_us() - r->started_us);
	log_clear_context();
	if (app->after_request)
		app->after_request();
	r->path = NULL;
	free(path);
}

int app_run(const struct app *app)
{
	FCGX_Request rq;
	struct req r;

	signals_install(FCGX_ShutdownPending);
	if (FCGX_Init() != 0) {
		log_error("fastcgi: cannot initialise");
		return 1;
	}
	if (FCGX_InitRequest(&rq, 0, 0) != 0) {
		log_error("fastcgi: cannot initialise the request");
		return 1;
	}
	memset(&r, 0, sizeof(r));
	req_reset(&r);
	log_info("%s: serving", app->name);
	while (!signals_stop_requested() && FCGX_Accept_r(&rq) >= 0) {
		handle(app, &rq, &r);
		FCGX_Finish_r(&rq);
		req_reset(&r);
	}
	FCGX_Free(&rq, 1);
	log_info("%s: stopped", app->name);
	return 0;
}

int app_main(const struct app *app, char **argv)
{
	int rc;

	if (argv[1] && strcmp(argv[1], "--routes") == 0 && !argv[2]) {
		route_print(app, stdout);
		return 0;
	}
	config_load_or_die(NULL);
	log_init(argv[0]);
	procmetrics_open(app->name);
	rc = app_run(app);
	if (app->release)
		app->release();
	procmetrics_close();
	cache_close();
	db_close();
	config_release();
	return rc;
}
