/* Unit tests for app: route matching on untrusted paths, 404 and 405 with Allow, HEAD, the JSON body flag. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "http/app.h"
#include "http/req.h"
#include "http/route.h"
#include "suite.h"

struct match_case {
	const char *pattern;
	const char *path;
	bool matches;
	const char *param; /* name of the parameter to check, or NULL */
	const char *value; /* its decoded value */
	int nparams;	   /* parameters filled on a match */
};

static const struct match_case matches[] = {
	{ "/api/v1/jobs", "/api/v1/jobs", true, NULL, NULL, 0 },
	{ "/healthz", "/healthz", true, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/7", true, "id", "7", 1 },
	{ "/api/v1/jobs/{id}/templates/{kind}", "/api/v1/jobs/7/templates/invite", true, "kind", "invite", 2 },
	/* trailing and doubled slashes, empty segments */
	{ "/api/v1/jobs", "/api/v1/jobs/", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/7/", false, NULL, NULL, 0 },
	{ "/api/v1/jobs", "/api/v1//jobs", false, NULL, NULL, 0 },
	{ "/api/v1/jobs", "//api/v1/jobs", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}/close", "/api/v1/jobs//close", false, NULL, NULL, 0 },
	{ "/healthz", "", false, NULL, NULL, 0 },
	{ "/healthz", "/", false, NULL, NULL, 0 },
	{ "/healthz", "healthz", false, NULL, NULL, 0 },
	/* shorter, longer, different */
	{ "/api/v1/jobs", "/api/v1", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/7/close", false, NULL, NULL, 0 },
	{ "/api/v1/jobs", "/api/v1/jobsx", false, NULL, NULL, 0 },
	{ "/api/v1/jobs", "/api/v1/Jobs", false, NULL, NULL, 0 },
	/* percent-decoding of parameters */
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/a%20b", true, "id", "a b", 1 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/a+b", true, "id", "a+b", 1 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/%41%62", true, "id", "Ab", 1 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/a%2Fb", true, "id", "a/b", 1 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/%e2%82%ac", true, "id", "\xe2\x82\xac", 1 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/%zz", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/7%", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/7%4", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/7%00", false, NULL, NULL, 0 },
	/* literal segments match their decoded equal, as lighttpd routed them */
	{ "/api/v1/keys", "/api/v1/%6Beys", true, NULL, NULL, 0 },
	{ "/api/v1/rate-limit", "/api/v1/rate%2Dlimit", true, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}/close", "/api/v1/jobs/7/%63lose", true, "id", "7", 1 },
	{ "/api/v1/jobs", "/api/v1/jobs%2F", false, NULL, NULL, 0 },
	{ "/api/v1/jobs", "/api/v1/job%zz", false, NULL, NULL, 0 },
	/* dot segments name nothing (lighttpd removed them before routing) */
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/..", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/.", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/%2E%2E", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}/close", "/api/v1/jobs/../close", false, NULL, NULL, 0 },
	{ "/api/v1/jobs/{id}", "/api/v1/jobs/...", true, "id", "...", 1 },
	/* the parameter cap */
	{ "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}", "/1/2/3/4/5/6/7/8", true, "h", "8", 8 },
	{ "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}", "/1/2/3/4/5/6/7/8/9", false, NULL, NULL, 0 },
};

START_TEST(test_route_match)
{
	const struct match_case *c = &matches[_i];
	struct req r;
	bool got;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	got = app_route_match(c->pattern, c->path, &r);
	ck_assert_msg(got == c->matches, "%s against %s: expected %s", c->path, c->pattern,
		      c->matches ? "a match" : "no match");
	ck_assert_int_eq(r.nparams, got ? c->nparams : 0);
	if (got && c->param) {
		const char *v = req_param(&r, c->param);

		ck_assert_ptr_nonnull(v);
		ck_assert_str_eq(v, c->value);
	}
	req_reset(&r);
}
END_TEST

/* A failed match leaves the parameters already there, and only those. */
START_TEST(test_failed_match_keeps_earlier_params)
{
	struct req r;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	ck_assert(app_route_match("/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5", &r));
	ck_assert_int_eq(r.nparams, 5);
	/* three more fit, a fourth does not: nothing of this match stays */
	ck_assert(!app_route_match("/{f}/{g}/{h}/{i}", "/6/7/8/9", &r));
	ck_assert_int_eq(r.nparams, 5);
	ck_assert(!app_route_match("/x/{f}/y", "/x/6/z", &r));
	ck_assert_int_eq(r.nparams, 5);
	ck_assert(app_route_match("/{f}/{g}/{h}", "/6/7/8", &r));
	ck_assert_int_eq(r.nparams, REQ_MAX_PARAMS);
	ck_assert_str_eq(req_param(&r, "h"), "8");
	req_reset(&r);
	ck_assert_int_eq(r.nparams, 0);
}
END_TEST

static int calls;

static int answer_ok(struct req *r)
{
	calls++;
	r->status = 204;
	return 0;
}

static int read_json(struct req *r)
{
	cJSON *body = NULL;
	int rc = req_json_body(r, &body);

	calls++;
	cJSON_Delete(body);
	return rc;
}

static const struct route test_routes[] = {
	{ "GET", "/things", answer_ok, ROUTE_PUBLIC },
	{ "POST", "/things", answer_ok, ROUTE_PUBLIC },
	{ "GET", "/things/{id}", answer_ok, ROUTE_PUBLIC },
	{ "PATCH", "/things/{id}", read_json, ROUTE_JSON_BODY },
	{ "DELETE", "/things/{id}", answer_ok, ROUTE_PUBLIC },
	{ "POST", "/things/{id}/unflagged", read_json, ROUTE_PUBLIC },
	{ "POST", "/things/{id}/stream", answer_ok, ROUTE_STREAM_BODY },
	{ "PUT", "/private", answer_ok, ROUTE_AUTH },
};
static const struct app test_app = { "test", test_routes, ARRAY_SIZE(test_routes), NULL, NULL, NULL };

struct dispatch_case {
	const char *method;
	const char *path;
	int64_t content_length;
	int status;	   /* the HTTP status answered */
	int calls;	   /* route functions called */
	const char *allow; /* the Allow header, or NULL when there must be none */
};

static const struct dispatch_case dispatches[] = {
	{ "GET", "/things", -1, 204, 1, NULL },
	{ "HEAD", "/things", -1, 204, 1, NULL },
	{ "HEAD", "/things/7", -1, 204, 1, NULL },
	{ "PUT", "/things", 0, 405, 0, "GET, POST, HEAD" },
	{ "OPTIONS", "/things/7", -1, 405, 0, "GET, PATCH, DELETE, HEAD" },
	{ "HEAD", "/things/7/stream", -1, 405, 0, "POST" },
	{ "GET", "/things/7/unflagged", -1, 405, 0, "POST" },
	{ "GET", "/nothing", -1, 404, 0, NULL },
	{ "HEAD", "/nothing", -1, 404, 0, NULL },
	{ "GET", "/things/", -1, 404, 0, NULL },
	{ "GET", "/things/..", -1, 404, 0, NULL },
	/* a body over the JSON limit is refused before the route runs, unless it streams */
	{ "POST", "/things", 2000, 413, 0, NULL },
	{ "POST", "/things/7/stream", 2000, 204, 1, NULL },
	/* a JSON route without Content-Type: 415; a route lacking the flag cannot read JSON */
	{ "PATCH", "/things/7", 2, 415, 1, NULL },
	{ "POST", "/things/7/unflagged", 2, 500, 1, NULL },
	/* no authenticate hook: refused, the function not called */
	{ "PUT", "/private", 0, 401, 0, NULL },
};

/* The value of the header name in r's extra headers, newly allocated, or NULL. */
static char *header_of(const struct req *r, const char *name)
{
	const char *h = r->headers.ptr, *end;
	size_t n = strlen(name);

	while (h && *h) {
		end = strstr(h, "\r\n");
		if (!end)
			break;
		if (strncasecmp(h, name, n) == 0 && h[n] == ':')
			return xstrndup(h + n + 2, (size_t)(end - h) - n - 2);
		h = end + 2;
	}
	return NULL;
}

START_TEST(test_dispatch)
{
	const struct dispatch_case c = dispatches[_i];
	struct req r;
	char *allow;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	r.method = c.method;
	r.head = strcmp(c.method, "HEAD") == 0;
	r.path = c.path;
	r.raw_query = "";
	r.content_length = c.content_length;
	calls = 0;
	app_dispatch(&test_app, &r);
	ck_assert_msg(r.status == c.status, "%s %s: expected %d, got %d", c.method, c.path, c.status, r.status);
	ck_assert_int_eq(calls, c.calls);
	allow = header_of(&r, "Allow");
	if (c.allow) {
		ck_assert_ptr_nonnull(allow);
		ck_assert_str_eq(allow, c.allow);
	} else {
		ck_assert_msg(!allow, "%s %s: unexpected Allow: %s", c.method, c.path, allow);
	}
	free(allow);
	if (c.status >= 400)
		ck_assert_ptr_nonnull(strstr(r.body.ptr, "\"status\""));
	req_reset(&r);
}
END_TEST

struct status_case {
	struct route route;
	const char *statuses; /* what route_statuses() lists, comma-separated */
};

static const struct status_case statuses[] = {
	{ { "GET", "/healthz", answer_ok, ROUTE_PUBLIC | ROUTE_IP_NONE }, "" },
	{ { "GET", "/readyz", answer_ok, ROUTE_STORE | ROUTE_IP_READYZ }, "429,503" },
	{ { "GET", "/metrics", answer_ok, ROUTE_PUBLIC | ROUTE_IP_METRICS }, "429" },
	{ { "GET", "/public", answer_ok, ROUTE_PUBLIC | ROUTE_IP_READYZ }, "429" },
	{ { "DELETE", "/api/v1/session", answer_ok, ROUTE_STORE }, "429,503" },
	{ { "POST", "/api/v1/s3/events", answer_ok, ROUTE_STORE | ROUTE_IP_NONE }, "411,413,503" },
	{ { "GET", "/api/v1/jobs", answer_ok, ROUTE_AUTH }, "401,429,503" },
	{ { "GET", "/api/v1/rate-limit", answer_ok, ROUTE_AUTH | ROUTE_UNMETERED }, "401,429,503" },
	{ { "POST", "/api/v1/jobs", answer_ok, ROUTE_AUTH | ROUTE_JSON_BODY }, "400,401,403,411,413,415,429,503" },
	{ { "PATCH", "/api/v1/jobs/{id}", answer_ok, ROUTE_AUTH | ROUTE_JSON_BODY }, "400,401,403,413,415,429,503" },
	{ { "DELETE", "/api/v1/keys/{id}", answer_ok, ROUTE_AUTH }, "401,403,429,503" },
	{ { "POST", "/api/v1/session", answer_ok, ROUTE_JSON_BODY | ROUTE_STORE | ROUTE_IP_SIGNIN },
	  "400,411,413,415,429,503" },
	{ { "POST", "/api/v1/jobs/{id}/resumes", answer_ok, ROUTE_AUTH | ROUTE_STREAM_BODY },
	  "401,403,411,413,429,503" },
	{ { "PUT", "/x", answer_ok, ROUTE_PUBLIC }, "413,429,503" },
};

START_TEST(test_route_statuses)
{
	const struct status_case *c = &statuses[_i];
	int got[ROUTE_MAX_STATUSES];
	char text[128] = "";
	size_t i, n = route_statuses(&c->route, got, ROUTE_MAX_STATUSES), len = 0;

	ck_assert_uint_le(n, ROUTE_MAX_STATUSES);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%d", i ? "," : "", got[i]);
	ck_assert_msg(strcmp(text, c->statuses) == 0, "%s %s: expected %s, got %s", c->route.method, c->route.pattern,
		      c->statuses, text);
	/* a short output array gets the first ones and the full count */
	if (n > 2) {
		int few[2];

		ck_assert_uint_eq(route_statuses(&c->route, few, 2), n);
		ck_assert_int_eq(few[0], got[0]);
		ck_assert_int_eq(few[1], got[1]);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("app_route");
	TCase *tc = tcase_create("core");
	char err[256];

	setenv("SHORTLIST_MAX_BODY_BYTES", "1024", 1);
	if (config_load(NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "config: %s\n", err);
		return EXIT_FAILURE;
	}
	tcase_add_loop_test(tc, test_route_match, 0, (int)ARRAY_SIZE(matches));
	tcase_add_test(tc, test_failed_match_keeps_earlier_params);
	tcase_add_loop_test(tc, test_dispatch, 0, (int)ARRAY_SIZE(dispatches));
	tcase_add_loop_test(tc, test_route_statuses, 0, (int)ARRAY_SIZE(statuses));
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
