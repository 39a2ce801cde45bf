/* Unit tests for multipart: boundaries split at every byte, content that looks like a boundary, limits, errors. */
#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "intake/multipart.h"
#include "suite.h"

/* Records every callback as text: <name|filename|type> data </> so a whole parse compares as one string. */
struct rec {
	struct buf out;
	size_t begins, ends;
	size_t max_data_len;
	int abort_begin_at; /* 1-based part index whose part_begin fails, 0 = never */
	int abort_data;
	int abort_end;
};

static int rec_begin(void *ctx, const struct multipart_part *p)
{
	struct rec *r = ctx;

	r->begins++;
	if (r->abort_begin_at && (size_t)r->abort_begin_at == r->begins)
		return 1;
	buf_append_str(&r->out, "<");
	buf_append_str(&r->out, p->name);
	buf_append_str(&r->out, "|");
	if (p->filename)
		buf_append(&r->out, p->filename, p->filename_len);
	else
		buf_append_str(&r->out, "-");
	buf_append_str(&r->out, "|");
	buf_append_str(&r->out, p->content_type ? p->content_type : "-");
	buf_append_str(&r->out, ">");
	return 0;
}

static int rec_data(void *ctx, const void *data, size_t len)
{
	struct rec *r = ctx;

	ck_assert_uint_gt(len, 0);
	if (len > r->max_data_len)
		r->max_data_len = len;
	if (r->abort_data)
		return 1;
	buf_append(&r->out, data, len);
	return 0;
}

static int rec_end(void *ctx)
{
	struct rec *r = ctx;

	r->ends++;
	if (r->abort_end)
		return -1;
	buf_append_str(&r->out, "</>");
	return 0;
}

static const struct multipart_callbacks rec_cb = { rec_begin, rec_data, rec_end };

struct result {
	int rc;
	uint64_t offset;
	char msg[256];
	char *events;
	size_t events_len;
};

static void result_release(struct result *res)
{
	free(res->events);
	res->events = NULL;
}

/*
 * Parses body with the given boundary, feeding it in pieces: split > 0 makes
 * two chunks cut at split, step > 0 makes chunks of step bytes, otherwise one
 * chunk. Stops feeding at the first error, like a caller would.
 */
static void parse(const char *boundary, const struct multipart_limits *lim, const char *body, size_t len, size_t split,
		  size_t step, struct rec *r, struct result *res)
{
	struct multipart *mp = multipart_new(boundary, lim, &rec_cb, r);
	size_t pos = 0;
	int rc = 0;

	ck_assert_ptr_nonnull(mp);
	while (pos < len && rc == 0) {
		size_t n = len - pos;

		if (step)
			n = n < step ? n : step;
		else if (split && pos < split)
			n = split - pos;
		rc = multipart_feed(mp, body + pos, n);
		pos += n;
	}
	if (rc == 0)
		rc = multipart_finish(mp);
	res->rc = rc;
	res->offset = multipart_error_offset(mp);
	snprintf(res->msg, sizeof(res->msg), "%s", multipart_error(mp));
	res->events = buf_detach(&r->out, &res->events_len);
	multipart_free(mp);
}

static void parse_simple(const char *boundary, const char *body, size_t len, size_t split, size_t step,
			 struct result *res)
{
	struct rec r = { 0 };

	parse(boundary, NULL, body, len, split, step, &r, res);
}

/* Runs body whole, cut at every position, and in 1-byte chunks; every run must give the same result. */
static void check_all_splits(const char *boundary, const char *body, size_t len, int want_rc, const char *want_events,
			     uint64_t want_offset, const char *want_msg)
{
	struct result res;
	size_t split;

	for (split = 0; split <= len + 1; split++) {
		size_t step = split == len + 1 ? 1 : 0;

		parse_simple(boundary, body, len, split, step, &res);
		ck_assert_msg(res.rc == want_rc, "split %zu: rc %d, want %d (%s)", split, res.rc, want_rc, res.msg);
		if (want_rc == 0) {
			ck_assert_msg(res.events_len == strlen(want_events) &&
					      memcmp(res.events, want_events, res.events_len) == 0,
				      "split %zu: events '%.*s', want '%s'", split, (int)res.events_len, res.events,
				      want_events);
			ck_assert_str_eq(res.msg, "");
		} else {
			ck_assert_msg(res.offset == want_offset, "split %zu: offset %llu, want %llu (%s)", split,
				      (unsigned long long)res.offset, (unsigned long long)want_offset, res.msg);
			ck_assert_msg(strstr(res.msg, want_msg) != NULL, "split %zu: message '%s' lacks '%s'", split,
				      res.msg, want_msg);
		}
		result_release(&res);
	}
}

#define CD "Content-Disposition: form-data"

struct ok_case {
	const char *what;
	const char *body;
	const char *events;
};

#define SP16 "                "
#define SP64 SP16 SP16 SP16 SP16

static const struct ok_case ok_cases[] = {
	{ "one field", "--XyZ\r\n" CD "; name=\"a\"\r\n\r\nhello\r\n--XyZ--", "<a|-|->hello</>" },
	{ "field and file",
	  "--XyZ\r\n" CD "; name=\"a\"\r\n\r\n1\r\n--XyZ\r\n" CD "; name=\"f\"; filename=\"cv.pdf\"\r\n"
	  "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\nxx\r\n--XyZ--\r\n",
	  "<a|-|->1</><f|cv.pdf|application/pdf>%PDF-1.4\r\nxx</>" },
	{ "preamble and epilogue ignored",
	  "preamble\r\n--XyZ\r\n" CD "; name=a\r\n\r\nv\r\n--XyZ--\r\nepilogue --XyZ\r\n", "<a|-|->v</>" },
	{ "preamble that starts like a boundary", "--XyZW\r\n--XyZ\r\n" CD "; name=a\r\n\r\nv\r\n--XyZ--",
	  "<a|-|->v</>" },
	{ "empty part body", "--XyZ\r\n" CD "; name=a\r\n\r\n\r\n--XyZ--", "<a|-|-></>" },
	{ "no parts", "--XyZ--\r\n", "" },
	{ "boundary text not after CRLF is content", "--XyZ\r\n" CD "; name=a\r\n\r\nx--XyZ\n--XyZ\r\n--XyZ--",
	  "<a|-|->x--XyZ\n--XyZ</>" },
	{ "delimiter with another continuation is content",
	  "--XyZ\r\n" CD "; name=a\r\n\r\nA\r\n--XyZX\r\n--XyZ-x\r\n--XyZ \tq\r\n--XyZ\rz\r\n--XyZ--",
	  "<a|-|->A\r\n--XyZX\r\n--XyZ-x\r\n--XyZ \tq\r\n--XyZ\rz</>" },
	{ "near misses and CR runs", "--XyZ\r\n" CD "; name=a\r\n\r\n\r\r\n\r\n-\r\n--X\r\n--Xy\r\r\n--XyZ--",
	  "<a|-|->\r\r\n\r\n-\r\n--X\r\n--Xy\r</>" },
	{ "transport padding after boundaries",
	  "--XyZ \t \r\n" CD "; name=a\r\n\r\nv\r\n--XyZ  \r\n" CD "; name=b\r\n\r\nw\r\n--XyZ--  \r\n",
	  "<a|-|->v</><b|-|->w</>" },
	{ "64 bytes of padding is still a delimiter",
	  "--XyZ\r\n" CD "; name=a\r\n\r\nA\r\n--XyZ" SP64 "\r\n" CD "; name=b\r\n\r\nB\r\n--XyZ--",
	  "<a|-|->A</><b|-|->B</>" },
	{ "65 bytes of padding is content", "--XyZ\r\n" CD "; name=a\r\n\r\nA\r\n--XyZ " SP64 "\r\n\r\n--XyZ--",
	  "<a|-|->A\r\n--XyZ " SP64 "\r\n</>" },
	{ "header names case-insensitive, other headers ignored",
	  "--XyZ\r\ncontent-disposition:form-data;name=\"a\";filename=\"b c.txt\"\r\nCONTENT-TYPE:  text/plain  \r\n"
	  "X-Other: 1\r\n\r\nv\r\n--XyZ--",
	  "<a|b c.txt|text/plain>v</>" },
	{ "filename* preferred over filename",
	  "--XyZ\r\n" CD "; name=f; filename=\"r?sum?.pdf\"; "
	  "filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\n\r\nv\r\n--XyZ--",
	  "<f|r\xc3\xa9sum\xc3\xa9.pdf|->v</>" },
	{ "filename* alone, lower-case charset and a language",
	  "--XyZ\r\n" CD "; name=f; filename*=utf-8'en'a%20b.txt\r\n"
	  "\r\nv\r\n--XyZ--",
	  "<f|a b.txt|->v</>" },
	{ "filename* in another charset falls back to filename",
	  "--XyZ\r\n" CD "; name=f; filename=\"x.pdf\"; "
	  "filename*=iso-8859-1''%E9.pdf\r\n\r\nv\r\n--XyZ--",
	  "<f|x.pdf|->v</>" },
	{ "escaped quote and Windows path in filename",
	  "--XyZ\r\n" CD "; name=f; filename=\"C:\\Users\\a \\\"b\\\".pdf\"\r\n"
	  "\r\nv\r\n--XyZ--",
	  "<f|C:\\Users\\a \"b\".pdf|->v</>" },
	{ "path traversal filename passed raw",
	  "--XyZ\r\n" CD "; name=f; filename=\"../../etc/passwd\"\r\n\r\nv\r\n--XyZ--", "<f|../../etc/passwd|->v</>" },
	{ "non-UTF-8 filename passed raw", "--XyZ\r\n" CD "; name=f; filename=\"\xff\xfe.pdf\"\r\n\r\nv\r\n--XyZ--",
	  "<f|\xff\xfe.pdf|->v</>" },
	{ "empty filename", "--XyZ\r\n" CD "; name=f; filename=\"\"\r\n\r\n\r\n--XyZ--", "<f||-></>" },
	{ "trailing semicolon tolerated", "--XyZ\r\n" CD "; name=a;\r\n\r\nv\r\n--XyZ--", "<a|-|->v</>" },
	{ "content after the closing boundary ignored",
	  "--XyZ\r\n" CD "; name=a\r\n\r\nv\r\n--XyZ--junk\r\n--XyZ\r\n" CD "; name=b\r\n\r\n", "<a|-|->v</>" },
};

START_TEST(test_ok_cases_every_split)
{
	const struct ok_case *c = &ok_cases[_i];

	(void)c->what;
	check_all_splits("XyZ", c->body, strlen(c->body), 0, c->events, 0, NULL);
}
END_TEST

struct err_case {
	const char *what;
	const char *body;
	int rc;
	uint64_t offset;
	const char *msg;
	size_t len; /* 0: strlen(body) */
};

#define NUL_BODY "--XyZ\r\n" CD "; name=a\0\r\n\r\nv\r\n--XyZ--"

static const struct err_case err_cases[] = {
	{ "empty body", "", MULTIPART_ERR_TRUNCATED, 0, "truncated body at byte 0: no boundary found", 0 },
	{ "no boundary in body", "hello world\r\n", MULTIPART_ERR_TRUNCATED, 13, "no boundary found", 0 },
	{ "truncated in a part", "--XyZ\r\n" CD "; name=a\r\n\r\nhello\r\n--Xy", MULTIPART_ERR_TRUNCATED, 60,
	  "truncated body at byte 60: closing boundary not found", 0 },
	{ "truncated in headers", "--XyZ\r\n" CD "; na", MULTIPART_ERR_TRUNCATED, 41, "closing boundary not found", 0 },
	{ "truncated after boundary", "--XyZ", MULTIPART_ERR_TRUNCATED, 5, "truncated body", 0 },
	{ "truncated after a complete part's delimiter", "--XyZ\r\n" CD "; name=a\r\n\r\nv\r\n--XyZ\r\n",
	  MULTIPART_ERR_TRUNCATED, 59, "closing boundary not found", 0 },
	{ "LF-only first boundary", "--XyZ\n" CD "; name=a\n\nv\n--XyZ--\n", MULTIPART_ERR_MALFORMED, 5,
	  "malformed multipart at byte 5: expected CRLF after boundary", 0 },
	{ "LF-only header line", "--XyZ\r\n" CD "; name=a\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 45, "bare LF",
	  0 },
	{ "bare LF after a later boundary", "--XyZ\r\n" CD "; name=a\r\n\r\nv\r\n--XyZ  \n", MULTIPART_ERR_MALFORMED,
	  59, "expected CRLF after boundary", 0 },
	{ "folded header", "--XyZ\r\n" CD ";\r\n name=a\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 40, "folded",
	  0 },
	{ "no Content-Disposition", "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 7,
	  "no Content-Disposition", 0 },
	{ "empty header block", "--XyZ\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 7, "no Content-Disposition", 0 },
	{ "not form-data", "--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--XyZ--",
	  MULTIPART_ERR_MALFORMED, 7, "not form-data", 0 },
	{ "no name", "--XyZ\r\n" CD "; filename=\"a.pdf\"\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 7,
	  "no name parameter", 0 },
	{ "duplicate name", "--XyZ\r\n" CD "; name=a; name=b\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 7,
	  "duplicate name", 0 },
	{ "duplicate Content-Disposition", "--XyZ\r\n" CD "; name=a\r\n" CD "; name=b\r\n\r\nv\r\n--XyZ--",
	  MULTIPART_ERR_MALFORMED, 47, "duplicate Content-Disposition", 0 },
	{ "bad percent in filename*", "--XyZ\r\n" CD "; name=a; filename*=UTF-8''%zz.pdf\r\n\r\nv\r\n--XyZ--",
	  MULTIPART_ERR_MALFORMED, 7, "malformed filename*", 0 },
	{ "filename* without quotes", "--XyZ\r\n" CD "; name=a; filename*=a.pdf\r\n\r\nv\r\n--XyZ--",
	  MULTIPART_ERR_MALFORMED, 7, "malformed filename*", 0 },
	{ "CR inside a header value", "--XyZ\r\n" CD "; name=a; filename=\"a\rb\"\r\n\r\nv\r\n--XyZ--",
	  MULTIPART_ERR_MALFORMED, 58, "control character", 0 },
	{ "NUL inside a header", NUL_BODY, MULTIPART_ERR_MALFORMED, 45, "control character", sizeof(NUL_BODY) - 1 },
	{ "header line without colon", "--XyZ\r\n" CD "; name=a\r\nbogus\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED,
	  47, "malformed part header line", 0 },
	{ "unterminated quoted string", "--XyZ\r\n" CD "; name=\"a\r\n\r\nv\r\n--XyZ--", MULTIPART_ERR_MALFORMED, 7,
	  "malformed Content-Disposition parameters", 0 },
};

START_TEST(test_error_cases_every_split)
{
	const struct err_case *c = &err_cases[_i];

	(void)c->what;
	check_all_splits("XyZ", c->body, c->len ? c->len : strlen(c->body), c->rc, NULL, c->offset, c->msg);
}
END_TEST

static char *make_headers_body(size_t header_block, size_t *len)
{
	/* One part whose header block (including its final empty line) is exactly header_block bytes. */
	static const char first[] = CD "; name=a\r\n";
	size_t pad, n = 0;
	char *b = xmalloc(header_block + 64);

	ck_assert_uint_ge(header_block, sizeof(first) - 1 + 2 + 8);
	memcpy(b, "--XyZ\r\n", 7);
	n = 7;
	memcpy(b + n, first, sizeof(first) - 1);
	n += sizeof(first) - 1;
	pad = header_block - (sizeof(first) - 1) - 2;
	while (pad > 0) {
		/* "X-Pad: vvv\r\n" lines of at most 4000 bytes. */
		size_t line = pad > 4000 ? 4000 : pad;

		if (pad - line > 0 && pad - line < 10)
			line -= 10;
		memcpy(b + n, "X-Pad: ", 7);
		memset(b + n + 7, 'v', line - 9);
		memcpy(b + n + line - 2, "\r\n", 2);
		n += line;
		pad -= line;
	}
	memcpy(b + n, "\r\nv\r\n--XyZ--", 12);
	n += 12;
	*len = n;
	return b;
}

START_TEST(test_header_limit)
{
	struct result res;
	size_t len;
	char *body;

	body = make_headers_body(16384, &len);
	parse_simple("XyZ", body, len, 0, 0, &res);
	ck_assert_msg(res.rc == 0, "%s", res.msg);
	result_release(&res);
	parse_simple("XyZ", body, len, 0, 7, &res);
	ck_assert_msg(res.rc == 0, "%s", res.msg);
	result_release(&res);
	free(body);

	body = make_headers_body(16385, &len);
	parse_simple("XyZ", body, len, 0, 0, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_HEADERS_TOO_LARGE);
	ck_assert_str_eq(res.msg, "part headers exceed 16384 bytes at byte 16391");
	ck_assert_uint_eq(res.offset, 7 + 16384);
	result_release(&res);
	parse_simple("XyZ", body, len, 0, 1000, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_HEADERS_TOO_LARGE);
	ck_assert_uint_eq(res.offset, 7 + 16384);
	result_release(&res);
	free(body);

	/* A caller's lower limit. */
	body = make_headers_body(2000, &len);
	{
		struct multipart_limits lim = { 1999, 0 };
		struct rec r = { 0 };

		parse("XyZ", &lim, body, len, 0, 0, &r, &res);
		ck_assert_int_eq(res.rc, MULTIPART_ERR_HEADERS_TOO_LARGE);
		ck_assert_str_eq(res.msg, "part headers exceed 1999 bytes at byte 2006");
		result_release(&res);
		lim.max_header_bytes = 2000;
		parse("XyZ", &lim, body, len, 0, 0, &r, &res);
		ck_assert_int_eq(res.rc, 0);
		result_release(&res);
	}
	free(body);
}
END_TEST

START_TEST(test_header_line_limit)
{
	struct buf b = BUF_INIT(0);
	struct result res;
	size_t step;

	buf_append_str(&b, "--XyZ\r\n" CD "; name=a\r\nX-Long: ");
	while (b.len < 7 + 8192 + 100)
		buf_append_char(&b, 'z');
	buf_append_str(&b, "\r\n\r\nv\r\n--XyZ--");
	for (step = 0; step < 3; step++) {
		parse_simple("XyZ", b.ptr, b.len, 0, step ? step * 997 : 0, &res);
		ck_assert_int_eq(res.rc, MULTIPART_ERR_HEADERS_TOO_LARGE);
		ck_assert_msg(strstr(res.msg, "part header line exceeds 8192 bytes") != NULL, "%s", res.msg);
		/* The line starts at byte 47; its 8195th byte is the first too many. */
		ck_assert_uint_eq(res.offset, 47 + 8194);
		result_release(&res);
	}
	buf_release(&b);
}
END_TEST

static char *make_parts_body(size_t parts, size_t *len)
{
	struct buf b = BUF_INIT(0);
	size_t i;

	for (i = 0; i < parts; i++)
		buf_append_str(&b, "--XyZ\r\n" CD "; name=p\r\n\r\n\r\n");
	buf_append_str(&b, "--XyZ--\r\n");
	return buf_detach(&b, len);
}

START_TEST(test_part_limit)
{
	struct multipart_limits lim = { 0, 0 };
	struct result res;
	struct rec r = { 0 };
	size_t len;
	char *body = make_parts_body(10000, &len);

	parse("XyZ", NULL, body, len, 0, 0, &r, &res);
	ck_assert_msg(res.rc == 0, "%s", res.msg);
	ck_assert_uint_eq(r.begins, 10000);
	ck_assert_uint_eq(r.ends, 10000);
	result_release(&res);

	memset(&r, 0, sizeof(r));
	lim.max_parts = 9999;
	parse("XyZ", &lim, body, len, 0, 4096, &r, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_TOO_MANY_PARTS);
	ck_assert_uint_eq(r.begins, 9999);
	/* Each part is 51 bytes; the 10,000th delimiter line ends at 9999 * 51 + 7. */
	ck_assert_uint_eq(res.offset, 9999 * 51 + 7);
	ck_assert_msg(strstr(res.msg, "more than 9999 parts") != NULL, "%s", res.msg);
	result_release(&res);
	free(body);

	body = make_parts_body(10001, &len);
	memset(&r, 0, sizeof(r));
	parse("XyZ", NULL, body, len, 0, 0, &r, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_TOO_MANY_PARTS);
	ck_assert_str_eq(res.msg, "more than 10000 parts at byte 510007");
	result_release(&res);
	free(body);
}
END_TEST

START_TEST(test_callbacks_abort)
{
	static const char body[] = "--XyZ\r\n" CD "; name=a\r\n\r\nv\r\n--XyZ\r\n" CD "; name=b\r\n\r\nw\r\n--XyZ--";
	struct result res;
	struct rec r = { 0 };

	r.abort_begin_at = 2;
	parse("XyZ", NULL, body, sizeof(body) - 1, 0, 0, &r, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_ABORTED);
	ck_assert_str_eq(res.events, "<a|-|->v</>");
	ck_assert_str_eq(res.msg, "multipart parse stopped by part_begin at byte 101");
	result_release(&res);

	memset(&r, 0, sizeof(r));
	r.abort_data = 1;
	parse("XyZ", NULL, body, sizeof(body) - 1, 0, 0, &r, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_ABORTED);
	ck_assert_str_eq(res.msg, "multipart parse stopped by part_data at byte 49");
	ck_assert_uint_eq(r.ends, 0);
	result_release(&res);

	memset(&r, 0, sizeof(r));
	r.abort_end = 1;
	parse("XyZ", NULL, body, sizeof(body) - 1, 0, 1, &r, &res);
	ck_assert_int_eq(res.rc, MULTIPART_ERR_ABORTED);
	ck_assert_uint_eq(r.ends, 1);
	ck_assert_uint_eq(r.begins, 1);
	result_release(&res);
}
END_TEST

START_TEST(test_error_is_sticky)
{
	static const char bad[] = "--XyZ\n";
	struct rec r = { 0 };
	struct multipart *mp = multipart_new("XyZ", NULL, &rec_cb, &r);

	ck_assert_int_eq(multipart_feed(mp, bad, sizeof(bad) - 1), MULTIPART_ERR_MALFORMED);
	ck_assert_int_eq(multipart_feed(mp, "--XyZ--", 7), MULTIPART_ERR_MALFORMED);
	ck_assert_int_eq(multipart_finish(mp), MULTIPART_ERR_MALFORMED);
	ck_assert_str_eq(multipart_error(mp),
			 "malformed multipart at byte 5: expected CRLF after boundary, found a bare LF");
	multipart_free(mp);
	buf_release(&r.out);
	multipart_free(NULL);
}
END_TEST

struct boundary_case {
	const char *content_type;
	const char *boundary; /* NULL: an error containing why */
	const char *why;
};

static const struct boundary_case boundary_cases[] = {
	{ "multipart/form-data; boundary=abc", "abc", NULL },
	{ "Multipart/Form-Data;boundary=\"a b'()+_,-./:=?\"", "a b'()+_,-./:=?", NULL },
	{ "multipart/form-data; charset=utf-8; BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW ",
	  "----WebKitFormBoundary7MA4YWxkTrZu0gW", NULL },
	{ "multipart/form-data; boundary=\"0123456789012345678901234567890123456789012345678901234567890123456789\"",
	  "0123456789012345678901234567890123456789012345678901234567890123456789", NULL },
	{ "multipart/form-data; boundary=01234567890123456789012345678901234567890123456789012345678901234567890", NULL,
	  "longer than 70" },
	{ "multipart/form-data", NULL, "multipart/form-data content type has no boundary parameter" },
	{ "multipart/form-data; charset=utf-8", NULL, "no boundary" },
	{ "multipart/form-data; boundary=", NULL, "malformed parameters" },
	{ "multipart/form-data; boundary=\"\"", NULL, "boundary is empty" },
	{ "multipart/form-data; boundary=\"abc \"", NULL, "ends with a space" },
	{ "multipart/form-data; boundary=ab@c", NULL, "not allowed by RFC 2046" },
	{ "multipart/form-data; boundary=\"ab\\\"c\"", NULL, "not allowed by RFC 2046" },
	{ "multipart/form-data; boundary=a; boundary=b", NULL, "more than one boundary" },
	{ "multipart/form-data; boundary=\"abc", NULL, "malformed parameters" },
	{ "multipart/mixed; boundary=abc", NULL, "not multipart/form-data" },
	{ "multipart/form-datax; boundary=abc", NULL, "not multipart/form-data" },
	{ "application/json", NULL, "not multipart/form-data" },
	{ "", NULL, "no content type" },
	{ NULL, NULL, "no content type" },
};

START_TEST(test_boundary_parse)
{
	const struct boundary_case *c = &boundary_cases[_i];
	char out[MULTIPART_BOUNDARY_MAX + 1];
	const char *why = NULL;
	int rc = multipart_boundary_parse(c->content_type, out, &why);

	if (c->boundary) {
		ck_assert_msg(rc == 0, "'%s': %s", c->content_type, why);
		ck_assert_str_eq(out, c->boundary);
		ck_assert(multipart_boundary_valid(out));
	} else {
		ck_assert_int_eq(rc, -1);
		ck_assert_ptr_nonnull(why);
		ck_assert_msg(strstr(why, c->why) != NULL, "'%s': '%s' lacks '%s'", c->content_type, why, c->why);
		ck_assert_str_eq(out, "");
	}
}
END_TEST

START_TEST(test_new_rejects_bad_boundary)
{
	ck_assert_ptr_null(multipart_new("", NULL, &rec_cb, NULL));
	ck_assert_ptr_null(multipart_new(NULL, NULL, &rec_cb, NULL));
	ck_assert_ptr_null(multipart_new("a\rb", NULL, &rec_cb, NULL));
	ck_assert_ptr_null(multipart_new("trailing ", NULL, &rec_cb, NULL));
	ck_assert_ptr_null(multipart_new("0123456789012345678901234567890123456789012345678901234567890123456789x",
					 NULL, &rec_cb, NULL));
	ck_assert(!multipart_boundary_valid("a\"b"));
	ck_assert(multipart_boundary_valid("a b"));
}
END_TEST

/* xorshift64*: reproducible pseudo-random bytes for the large round trips. */
static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void rng_fill(uint64_t *s, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)(rng_next(s) >> 56);
}

#define RT_PARTS 7

struct hash_rec {
	EVP_MD_CTX *md[RT_PARTS];
	unsigned char got[RT_PARTS][32];
	size_t part;
	size_t ends;
	size_t max_len;
	int in_part;
};

static int hash_begin(void *ctx, const struct multipart_part *p)
{
	struct hash_rec *h = ctx;

	ck_assert_uint_lt(p->index, RT_PARTS);
	ck_assert(!h->in_part);
	h->part = p->index;
	h->in_part = 1;
	ck_assert_int_eq(EVP_DigestInit_ex(h->md[h->part], EVP_sha256(), NULL), 1);
	return 0;
}

static int hash_data(void *ctx, const void *data, size_t len)
{
	struct hash_rec *h = ctx;

	ck_assert(h->in_part);
	if (len > h->max_len)
		h->max_len = len;
	EVP_DigestUpdate(h->md[h->part], data, len);
	return 0;
}

static int hash_end(void *ctx)
{
	struct hash_rec *h = ctx;

	EVP_DigestFinal_ex(h->md[h->part], h->got[h->part], NULL);
	h->in_part = 0;
	h->ends++;
	return 0;
}

START_TEST(test_random_50mb_round_trip)
{
	static const char bnd[] = "RtB0undary-8f3a";
	static const struct multipart_callbacks cb = { hash_begin, hash_data, hash_end };
	const size_t total = 50u << 20;
	unsigned char want[RT_PARTS][32];
	struct hash_rec h = { 0 };
	struct buf body = BUF_INIT(0);
	uint64_t seed = 0x5eed5eed12345678ULL;
	struct multipart *mp;
	size_t i, pos = 0, calls = 0;

	for (i = 0; i < RT_PARTS; i++)
		h.md[i] = EVP_MD_CTX_new();
	buf_append_str(&body, "preamble\r\n");
	for (i = 0; i < RT_PARTS; i++) {
		/* Sizes 0, then ~total/6 each; near-miss delimiters are planted in the content. */
		size_t size = i == 0 ? 0 : total / (RT_PARTS - 1) + (size_t)(rng_next(&seed) % 1000);
		size_t start, k;

		buf_printf(&body, "--%s\r\n" CD "; name=\"f%zu\"; filename=\"f%zu.bin\"\r\n\r\n", bnd, i, i);
		start = body.len;
		ck_assert_int_eq(buf_grow(&body, size), 0);
		rng_fill(&seed, (unsigned char *)body.ptr + start, size);
		body.len += size;
		for (k = 0; size > 64 && k < 200; k++) {
			size_t at = start + (size_t)(rng_next(&seed) % (size - 40));
			size_t cut = (size_t)(rng_next(&seed) % (sizeof(bnd) - 1));

			memcpy(body.ptr + at, "\r\n--", 4);
			memcpy(body.ptr + at + 4, bnd, cut);
			if (k % 3 == 0) {
				/* Whole delimiter followed by something that is not a continuation. */
				memcpy(body.ptr + at + 4, bnd, sizeof(bnd) - 1);
				body.ptr[at + 4 + sizeof(bnd) - 1] = 'x';
			}
		}
		ck_assert_int_eq(EVP_Digest(body.ptr + start, size, want[i], NULL, EVP_sha256(), NULL), 1);
		buf_append_str(&body, "\r\n");
	}
	buf_printf(&body, "--%s--\r\n", bnd);

	mp = multipart_new(bnd, NULL, &cb, &h);
	while (pos < body.len) {
		size_t n = 1 + (size_t)(rng_next(&seed) % 65536);

		if (n > body.len - pos)
			n = body.len - pos;
		ck_assert_int_eq(multipart_feed(mp, body.ptr + pos, n), 0);
		pos += n;
		calls++;
	}
	ck_assert_int_eq(multipart_finish(mp), 0);
	ck_assert_uint_eq(h.ends, RT_PARTS);
	for (i = 0; i < RT_PARTS; i++)
		ck_assert_msg(memcmp(want[i], h.got[i], 32) == 0, "part %zu differs", i);
	/* Nothing is buffered beyond one chunk. */
	ck_assert_uint_le(h.max_len, 65536);
	printf("multipart: %zu bytes in %zu random chunks round-tripped (%d parts, SHA-256 equal)\n", body.len, calls,
	       RT_PARTS);
	multipart_free(mp);
	buf_release(&body);
	for (i = 0; i < RT_PARTS; i++)
		EVP_MD_CTX_free(h.md[i]);
}
END_TEST

static int count_data(void *ctx, const void *data, size_t len)
{
	(void)data;
	*(size_t *)ctx += len;
	return 0;
}

/* Measures throughput on a 200 MB body in 64 KiB chunks; prints it, asserts only correctness. */
static void bench(const char *what, int text)
{
	static const struct multipart_callbacks cb = { NULL, count_data, NULL };
	const size_t total = 200u << 20, chunk = 65536, block = 1u << 20;
	unsigned char *data = xmalloc(block);
	uint64_t seed = 42;
	char head[160];
	size_t got = 0, sent = 0, i;
	struct multipart *mp = multipart_new("----WebKitFormBoundary7MA4YWxkTrZu0gW", NULL, &cb, &got);
	int64_t t0;
	double secs;
	int n;

	rng_fill(&seed, data, block);
	if (text)
		for (i = 0; i < block; i++)
			data[i] = i % 72 == 70 ? '\r' : i % 72 == 71 ? '\n' : (unsigned char)('a' + data[i] % 26);
	n = snprintf(head, sizeof(head),
		     "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n" CD "; name=\"f\"; filename=\"big.bin\"\r\n\r\n");
	t0 = now_us();
	ck_assert_int_eq(multipart_feed(mp, head, (size_t)n), 0);
	while (sent < total) {
		ck_assert_int_eq(multipart_feed(mp, data + sent % block, chunk), 0);
		sent += chunk;
	}
	ck_assert_int_eq(multipart_feed(mp, "\r\n------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n", 45), 0);
	ck_assert_int_eq(multipart_finish(mp), 0);
	secs = (double)(now_us() - t0) / 1e6;
	ck_assert_uint_eq(got, total);
	printf("multipart throughput (%s, 200 MB, 64 KiB chunks): %.0f MB/s\n", what, secs > 0 ? 200.0 / secs : 0.0);
	multipart_free(mp);
	free(data);
}

START_TEST(test_throughput)
{
	bench("random bytes", 0);
	bench("text with CRLF every 72 bytes", 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("multipart");
	TCase *tc = tcase_create("core");
	TCase *big = tcase_create("large");
	int failed;

	tcase_add_loop_test(tc, test_ok_cases_every_split, 0, (int)ARRAY_SIZE(ok_cases));
	tcase_add_loop_test(tc, test_error_cases_every_split, 0, (int)ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_header_limit);
	tcase_add_test(tc, test_header_line_limit);
	tcase_add_test(tc, test_part_limit);
	tcase_add_test(tc, test_callbacks_abort);
	tcase_add_test(tc, test_error_is_sticky);
	tcase_add_loop_test(tc, test_boundary_parse, 0, (int)ARRAY_SIZE(boundary_cases));
	tcase_add_test(tc, test_new_rejects_bad_boundary);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tcase_add_test(big, test_random_50mb_round_trip);
	tcase_add_test(big, test_throughput);
	tcase_set_timeout(big, 600);
	suite_add_tcase(s, big);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
