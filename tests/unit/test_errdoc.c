/* Unit tests for errdoc: the answer to a request lighttpd refused, from its own documents, with the request's id. */
#include <check.h>
#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "http/errdoc.h"
#include "http/req.h"
#include "repofile.h"
#include "suite.h"

struct errdoc_case {
	const char *redirect_status; /* REDIRECT_STATUS, NULL when absent */
	bool answered;
	int status;
	const char *detail_part; /* a part of the detail, from lighttpd/errors/ */
};

static const struct errdoc_case cases[] = {
	{ "411", true, 411, "Content-Length: 0" },
	{ "413", true, 413, "SHORTLIST_MAX_BODY_BYTES" },
	{ "400", true, 400, "framing" },
	{ "404", true, 404, "/api/v1/" },
	{ "503", true, 503, "try again" },
	{ "418", true, 418, NULL }, /* no document: the reason phrase alone */
	{ NULL, false, 0, NULL },
	{ "", false, 0, NULL },
	{ "200", false, 0, NULL },
	{ "399", false, 0, NULL },
	{ "600", false, 0, NULL },
	{ "41x", false, 0, NULL },
	{ "-411", false, 0, NULL },
};

START_TEST(test_errdoc_answer)
{
	const struct errdoc_case *c = &cases[_i];
	struct req r;
	cJSON *doc;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	r.path = "/api/v1/jobs";
	snprintf(r.request_id, sizeof(r.request_id), "%s", "id-123");
	ck_assert_int_eq(errdoc_answer(&r, c->redirect_status), c->answered);
	if (!c->answered) {
		ck_assert_int_eq(r.status, 0);
		ck_assert_uint_eq(r.body.len, 0);
		req_reset(&r);
		return;
	}
	ck_assert_int_eq(r.status, c->status);
	doc = cJSON_ParseWithLength(r.body.ptr, r.body.len);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(cJSON_GetObjectItem(doc, "status")->valueint, c->status);
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "request_id")->valuestring, "id-123");
	ck_assert_str_eq(cJSON_GetObjectItem(doc, "instance")->valuestring, "/api/v1/jobs");
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(doc, "title"));
	if (c->detail_part)
		ck_assert_ptr_nonnull(strstr(cJSON_GetObjectItem(doc, "detail")->valuestring, c->detail_part));
	ck_assert_ptr_nonnull(strstr(r.headers.ptr, "application/problem+json"));
	if (c->status == 503)
		ck_assert_ptr_nonnull(strstr(r.headers.ptr, "Retry-After:"));
	cJSON_Delete(doc);
	req_reset(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("errdoc");
	TCase *tc = tcase_create("core");
	char dir[4096], *slash;

	if (!repo_file("lighttpd/errors/status-411.html", dir, sizeof(dir))) {
		printf("skip: lighttpd/errors/ not found\n");
		return EXIT_SUCCESS;
	}
	slash = strrchr(dir, '/');
	*slash = '\0';
	setenv("SHORTLIST_ERRORS_DIR", dir, 1);
	tcase_add_loop_test(tc, test_errdoc_answer, 0, (int)ARRAY_SIZE(cases));
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
