/* Unit tests for req: percent-decoding, query strings, path ids and bodies, all from untrusted input. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "http/req.h"
#include "suite.h"

struct decode_case {
	const char *in;
	size_t len; /* bytes of in to decode; 0: all of it */
	bool plus_is_space;
	const char *out; /* NULL: refused */
};

static const struct decode_case decodes[] = {
	{ "", 0, false, "" },
	{ "plain", 0, false, "plain" },
	{ "a%20b", 0, false, "a b" },
	{ "%41%42%43", 0, false, "ABC" },
	{ "%4a%4A", 0, false, "JJ" },
	{ "%e2%82%ac", 0, false, "\xe2\x82\xac" },
	{ "%2F%3F%26%3D%25", 0, false, "/?&=%" },
	{ "a+b", 0, false, "a+b" },
	{ "a+b", 0, true, "a b" },
	{ "%2B", 0, true, "+" },
	{ "%", 0, false, NULL },
	{ "%4", 0, false, NULL },
	{ "a%", 0, false, NULL },
	{ "%zz", 0, false, NULL },
	{ "%4g", 0, false, NULL },
	{ "%g4", 0, false, NULL },
	{ "% 4", 0, false, NULL },
	{ "%00", 0, false, NULL },
	{ "a%00b", 0, false, NULL },
	/* only len bytes count: an escape cut by the length is malformed */
	{ "ab%41", 2, false, "ab" },
	{ "ab%41", 4, false, NULL },
	{ "ab%41", 5, false, "abA" },
};

START_TEST(test_url_decode)
{
	const struct decode_case *c = &decodes[_i];
	size_t len = c->len ? c->len : strlen(c->in);
	char *got = req_url_decode(c->in, len, c->plus_is_space);

	if (!c->out) {
		ck_assert_msg(!got, "'%s' (%zu bytes) should be refused, got '%s'", c->in, len, got);
	} else {
		ck_assert_msg(got, "'%s' (%zu bytes) was refused", c->in, len);
		ck_assert_str_eq(got, c->out);
	}
	free(got);
}
END_TEST

struct query_case {
	const char *raw;
	int rc;
	int nquery;	   /* pairs parsed */
	const char *name;  /* one to look up, or NULL */
	const char *value; /* its value; NULL: absent */
};

static const struct query_case queries[] = {
	{ "", 0, 0, "a", NULL },
	{ "a=1", 0, 1, "a", "1" },
	{ "a=1&b=x%20y", 0, 2, "b", "x y" },
	{ "q=a+b", 0, 1, "q", "a b" },
	{ "q=a%2Bb", 0, 1, "q", "a+b" },
	{ "flag", 0, 1, "flag", "" },
	{ "flag=", 0, 1, "flag", "" },
	{ "=x", 0, 1, "", "x" },
	{ "a=b=c", 0, 1, "a", "b=c" },
	{ "&&a=1&&", 0, 1, "a", "1" },
	{ "&", 0, 0, "a", NULL },
	{ "a=1&a=2", 0, 2, "a", "1" },
	{ "my%20name=v", 0, 1, "my name", "v" },
	{ "cursor=abc%3D%3D", 0, 1, "cursor", "abc==" },
	{ "a=%zz", ST_BAD_REQUEST, 0, NULL, NULL },
	{ "a=1&b=%", ST_BAD_REQUEST, 1, "a", "1" },
	{ "%zz=1", ST_BAD_REQUEST, 0, NULL, NULL },
	{ "a=%00", ST_BAD_REQUEST, 0, NULL, NULL },
};

START_TEST(test_parse_query)
{
	const struct query_case *c = &queries[_i];
	struct req r;
	int rc;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	rc = req_parse_query(&r, c->raw);
	ck_assert_msg(rc == c->rc, "'%s': expected %d, got %d", c->raw, c->rc, rc);
	ck_assert_int_eq(r.nquery, c->nquery);
	if (rc < 0)
		ck_assert_ptr_nonnull(r.problem_detail);
	if (c->name) {
		const char *v = req_query(&r, c->name);

		if (c->value) {
			ck_assert_msg(v, "'%s': no '%s'", c->raw, c->name);
			ck_assert_str_eq(v, c->value);
		} else {
			ck_assert_ptr_null(v);
		}
	}
	req_reset(&r);
}
END_TEST

/* The cap on pairs: REQ_MAX_QUERY parse, one more is refused with a detail naming the cap. */
START_TEST(test_query_cap)
{
	struct buf q = BUF_INIT(0);
	struct req r;
	int i;

	for (i = 0; i < REQ_MAX_QUERY; i++)
		buf_printf(&q, "%sk%d=%d", i ? "&" : "", i, i);
	memset(&r, 0, sizeof(r));
	req_reset(&r);
	ck_assert_int_eq(req_parse_query(&r, q.ptr), 0);
	ck_assert_int_eq(r.nquery, REQ_MAX_QUERY);
	ck_assert_str_eq(req_query(&r, "k31"), "31");
	req_reset(&r);
	/* empty pairs do not count towards it */
	buf_append_str(&q, "&&&");
	ck_assert_int_eq(req_parse_query(&r, q.ptr), 0);
	req_reset(&r);
	buf_append_str(&q, "&one=more");
	ck_assert_int_eq(req_parse_query(&r, q.ptr), ST_BAD_REQUEST);
	ck_assert_int_eq(r.nquery, REQ_MAX_QUERY);
	ck_assert_ptr_nonnull(strstr(r.problem_detail, "32"));
	req_reset(&r);
	ck_assert_int_eq(r.nquery, 0);
	buf_release(&q);
}
END_TEST

struct id_case {
	const char *value; /* the {id} parameter; NULL: the route has none */
	int rc;
	int64_t id;
};

static const struct id_case ids[] = {
	{ "7", 0, 7 },
	{ "9223372036854775807", 0, INT64_MAX },
	{ "9223372036854775808", ST_NOT_FOUND, 0 },
	{ "0", ST_NOT_FOUND, 0 },
	{ "-1", ST_NOT_FOUND, 0 },
	{ "+7", ST_NOT_FOUND, 0 },
	{ " 7", ST_NOT_FOUND, 0 },
	{ "7 ", ST_NOT_FOUND, 0 },
	{ "7a", ST_NOT_FOUND, 0 },
	{ "0x7", ST_NOT_FOUND, 0 },
	{ "", ST_NOT_FOUND, 0 },
	{ NULL, ST_NOT_FOUND, 0 },
};

START_TEST(test_param_id)
{
	const struct id_case *c = &ids[_i];
	struct req r;
	int64_t id = 0;
	int rc;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	if (c->value) {
		r.params[0].name = xstrdup("id");
		r.params[0].value = xstrdup(c->value);
		r.nparams = 1;
	}
	rc = req_param_id(&r, "id", &id);
	ck_assert_msg(rc == c->rc, "'%s': expected %d, got %d", c->value ? c->value : "(none)", c->rc, rc);
	if (rc == 0)
		ck_assert_int_eq(id, c->id);
	else
		ck_assert_ptr_nonnull(r.problem_detail);
	req_reset(&r);
}
END_TEST

/* With no body to read, a body announced as longer ends early (400), one over the cap is 413 unread. */
START_TEST(test_read_body_limits)
{
	struct buf body = BUF_INIT(0);
	struct req r;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	r.content_length = 10;
	ck_assert_int_eq(req_read_body(&r, &body, 100), ST_BAD_REQUEST);
	r.content_length = 101;
	ck_assert_int_eq(req_read_body(&r, &body, 100), ST_TOO_LARGE);
	ck_assert_uint_eq(body.len, 0);
	r.content_length = 0;
	ck_assert_int_eq(req_read_body(&r, &body, 100), 0);
	r.content_length = -1;
	ck_assert_int_eq(req_read_body(&r, &body, 100), 0);
	buf_release(&body);
	req_reset(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("req");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_url_decode, 0, (int)ARRAY_SIZE(decodes));
	tcase_add_loop_test(tc, test_parse_query, 0, (int)ARRAY_SIZE(queries));
	tcase_add_test(tc, test_query_cap);
	tcase_add_loop_test(tc, test_param_id, 0, (int)ARRAY_SIZE(ids));
	tcase_add_test(tc, test_read_body_limits);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
