/* Unit tests for mime: headers, encoded-words, CRLF, line limits, injection refusal, multipart and quoted-printable. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "mail/mime.h"
#include "suite.h"

static struct mime_message base_message(void)
{
	struct mime_message m = {
		.from = { "Acme Recruiting", "jobs@acme.example" },
		.to = { "Jane Doe", "jane.doe@example.org" },
		.subject = "Your application",
		.date = 1700000000,
		.message_id = "<0123456789abcdef@acme.example>",
		.text = "Hello Jane,\n\nThank you.\n",
	};
	return m;
}

static char *build_ok(const struct mime_message *m)
{
	struct buf b = BUF_INIT(0);
	char err[256] = "";
	size_t len;
	int rc = mime_build(m, &b, err, sizeof(err));

	ck_assert_msg(rc == 0, "mime_build failed: %s", err);
	return buf_detach(&b, &len);
}

/* Every line ends in CRLF, no bare CR or LF, no line over max bytes. */
static void assert_lines(const char *s, size_t max)
{
	size_t col = 0;

	for (; *s; s++) {
		if (*s == '\r') {
			ck_assert_msg(s[1] == '\n', "bare CR");
			s++;
			col = 0;
			continue;
		}
		ck_assert_msg(*s != '\n', "bare LF");
		col++;
		ck_assert_msg(col <= max, "line longer than %zu", max);
	}
	ck_assert_msg(col == 0, "message does not end with CRLF");
}

/* The header block only. */
static char *headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	ck_assert_ptr_nonnull(end);
	return xstrndup(msg, (size_t)(end - msg) + 2);
}

/* The unfolded value of the first header named name, newly allocated, or NULL. */
static char *header_value(const char *msg, const char *name)
{
	char *hdrs = headers_of(msg), *p = hdrs, *res = NULL;
	size_t nl = strlen(name);
	struct buf b = BUF_INIT(0);
	size_t len;

	while (*p) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			for (;;) {
				char *eol = strstr(p, "\r\n");

				buf_append(&b, p, (size_t)(eol - p));
				p = eol + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			res = buf_detach(&b, &len);
			break;
		}
		p = strstr(p, "\r\n") + 2;
	}
	buf_release(&b);
	free(hdrs);
	return res;
}

static int b64_val(char c)
{
	const char *a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(a, c);

	return c && p ? (int)(p - a) : -1;
}

static void b64_decode(struct buf *out, const char *s, size_t len)
{
	unsigned acc = 0;
	int bits = 0;
	size_t i;

	for (i = 0; i < len && s[i] != '='; i++) {
		int v = b64_val(s[i]);

		ck_assert_int_ge(v, 0);
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_append_char(out, (char)((acc >> bits) & 0xff));
		}
	}
}

/*
 * A small RFC 2047 decoder for unstructured text: B-encoded UTF-8 words,
 * whitespace between adjacent encoded-words dropped, other text verbatim.
 */
static char *decode_words(const char *s)
{
	struct buf b = BUF_INIT(0);
	bool prev_word = false;
	size_t len;

	while (*s) {
		if (strncmp(s, "=?UTF-8?B?", 10) == 0) {
			const char *end = strstr(s + 10, "?=");

			ck_assert_ptr_nonnull(end);
			ck_assert_msg(end + 2 - s <= 75, "encoded-word longer than 75 characters");
			b64_decode(&b, s + 10, (size_t)(end - s - 10));
			s = end + 2;
			prev_word = true;
			continue;
		}
		if (*s == ' ' && prev_word) {
			const char *q = s;

			while (*q == ' ')
				q++;
			if (strncmp(q, "=?", 2) == 0) {
				s = q;
				continue;
			}
		}
		buf_append_char(&b, *s++);
		prev_word = false;
	}
	return buf_detach(&b, &len);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes quoted-printable with CRLF hard breaks to LF. */
static char *qp_decode(const char *s, size_t len)
{
	struct buf b = BUF_INIT(0);
	size_t i, outlen;

	for (i = 0; i < len; i++) {
		if (s[i] == '=' && i + 2 < len && s[i + 1] == '\r' && s[i + 2] == '\n') {
			i += 2;
		} else if (s[i] == '=') {
			ck_assert_msg(i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0, "bad QP escape");
			buf_append_char(&b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
		} else if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			buf_append_char(&b, '\n');
			i++;
		} else {
			buf_append_char(&b, s[i]);
		}
	}
	return buf_detach(&b, &outlen);
}

START_TEST(test_headers_present_and_well_formed)
{
	struct mime_message m = base_message();
	char *msg, *v;

	m.reply_to.addr = "recruiter@acme.example";
	m.reply_to.name = "Sam Smith";
	m.list_unsubscribe = "<https://acme.example/u?t=1>, <mailto:unsub@acme.example>";
	m.list_unsubscribe_post = true;
	msg = build_ok(&m);
	assert_lines(msg, 998);
	v = header_value(msg, "From");
	ck_assert_str_eq(v, "\"Acme Recruiting\" <jobs@acme.example>");
	free(v);
	v = header_value(msg, "To");
	ck_assert_str_eq(v, "\"Jane Doe\" <jane.doe@example.org>");
	free(v);
	v = header_value(msg, "Reply-To");
	ck_assert_str_eq(v, "\"Sam Smith\" <recruiter@acme.example>");
	free(v);
	v = header_value(msg, "Subject");
	ck_assert_str_eq(v, "Your application");
	free(v);
	v = header_value(msg, "Date");
	ck_assert_str_eq(v, "Tue, 14 Nov 2023 22:13:20 +0000");
	free(v);
	v = header_value(msg, "Message-ID");
	ck_assert_str_eq(v, "<0123456789abcdef@acme.example>");
	free(v);
	v = header_value(msg, "MIME-Version");
	ck_assert_str_eq(v, "1.0");
	free(v);
	v = header_value(msg, "List-Unsubscribe");
	ck_assert_str_eq(v, "<https://acme.example/u?t=1>, <mailto:unsub@acme.example>");
	free(v);
	v = header_value(msg, "List-Unsubscribe-Post");
	ck_assert_str_eq(v, "List-Unsubscribe=One-Click");
	free(v);
	v = header_value(msg, "Content-Type");
	ck_assert_str_eq(v, "text/plain; charset=UTF-8");
	free(v);
	v = header_value(msg, "Content-Transfer-Encoding");
	ck_assert_str_eq(v, "quoted-printable");
	free(v);
	ck_assert_ptr_nonnull(strstr(msg, "\r\n\r\nHello Jane,\r\n\r\nThank you.\r\n"));
	free(msg);
}
END_TEST

START_TEST(test_optional_headers_absent)
{
	struct mime_message m = base_message();
	char *msg, *v;

	m.from.name = NULL;
	m.list_unsubscribe_post = true; /* ignored without List-Unsubscribe */
	msg = build_ok(&m);
	v = header_value(msg, "From");
	ck_assert_str_eq(v, "jobs@acme.example");
	free(v);
	ck_assert_ptr_null(header_value(msg, "Reply-To"));
	ck_assert_ptr_null(header_value(msg, "List-Unsubscribe"));
	ck_assert_ptr_null(header_value(msg, "List-Unsubscribe-Post"));
	free(msg);
}
END_TEST

START_TEST(test_ascii_name_quoting)
{
	struct mime_message m = base_message();
	char *msg, *v;

	m.to.name = "Doe, Jane \"JJ\" \\o/";
	msg = build_ok(&m);
	v = header_value(msg, "To");
	ck_assert_str_eq(v, "\"Doe, Jane \\\"JJ\\\" \\\\o/\" <jane.doe@example.org>");
	free(v);
	free(msg);
}
END_TEST

static const struct {
	const char *name;
	const char *encoded;
} known_names[] = {
	{ "José Müller", "=?UTF-8?B?Sm9zw6kgTcO8bGxlcg==?=" },
	{ "李雷", "=?UTF-8?B?5p2O6Zu3?=" },
};

START_TEST(test_encoded_word_names)
{
	struct mime_message m = base_message();
	char *msg, *v, *dec, expect[128];

	m.to.name = known_names[_i].name;
	m.from.name = known_names[_i].name;
	msg = build_ok(&m);
	assert_lines(msg, 78);
	v = header_value(msg, "To");
	snprintf(expect, sizeof(expect), "%s <jane.doe@example.org>", known_names[_i].encoded);
	ck_assert_str_eq(v, expect);
	dec = decode_words(v);
	snprintf(expect, sizeof(expect), "%s <jane.doe@example.org>", known_names[_i].name);
	ck_assert_str_eq(dec, expect);
	free(dec);
	free(v);
	free(msg);
}
END_TEST

START_TEST(test_long_utf8_subject_folds_and_decodes)
{
	struct mime_message m = base_message();
	struct buf s = BUF_INIT(0);
	char *msg, *hdrs, *v, *dec;
	int i;

	for (i = 0; i < 40; i++)
		buf_append_str(&s, i % 3 ? "é李 " : "Müller ");
	buf_append_str(&s, "🙂 end");
	m.subject = s.ptr;
	msg = build_ok(&m);
	hdrs = headers_of(msg);
	assert_lines(hdrs, 76);
	v = header_value(msg, "Subject");
	ck_assert_ptr_nonnull(strstr(v, "=?UTF-8?B?"));
	dec = decode_words(v);
	ck_assert_str_eq(dec, s.ptr);
	free(dec);
	free(v);
	free(hdrs);
	free(msg);
	buf_release(&s);
}
END_TEST

START_TEST(test_long_ascii_subject_folds)
{
	struct mime_message m = base_message();
	struct buf s = BUF_INIT(0);
	char *msg, *hdrs, *v;
	int i;

	for (i = 0; i < 30; i++)
		buf_append_str(&s, i ? " word" : "Subject");
	m.subject = s.ptr;
	msg = build_ok(&m);
	hdrs = headers_of(msg);
	assert_lines(hdrs, 78);
	ck_assert_ptr_nonnull(strstr(hdrs, "\r\n word"));
	v = header_value(msg, "Subject");
	ck_assert_str_eq(v, s.ptr);
	free(v);
	free(hdrs);
	free(msg);
	buf_release(&s);
}
END_TEST

START_TEST(test_ascii_that_looks_encoded_is_encoded)
{
	struct mime_message m = base_message();
	char *msg, *v, *dec;

	m.subject = "=?UTF-8?B?SGk=?= not a word";
	msg = build_ok(&m);
	v = header_value(msg, "Subject");
	ck_assert_str_ne(v, m.subject);
	dec = decode_words(v);
	ck_assert_str_eq(dec, m.subject);
	free(dec);
	free(v);
	free(msg);
}
END_TEST

enum field { F_SUBJECT, F_TO_NAME, F_FROM_NAME, F_TO_ADDR, F_REPLY_NAME, F_MSGID, F_UNSUB };

static const struct {
	enum field field;
	const char *value;
	const char *err;
} bad_inputs[] = {
	{ F_SUBJECT, "Hello\r\nBcc: victim@example.org", "subject contains a line break" },
	{ F_SUBJECT, "Hello\nBcc: victim@example.org", "subject contains a line break" },
	{ F_SUBJECT, "Hello\rX", "subject contains a line break" },
	{ F_SUBJECT, "tab\there", "subject contains a control character" },
	{ F_SUBJECT, "bad \xc3\x28 utf8", "subject is not valid UTF-8" },
	{ F_SUBJECT, "overlong \xc0\xaf", "subject is not valid UTF-8" },
	{ F_TO_NAME, "Jane\r\nBcc: victim@example.org", "To contains a line break" },
	{ F_FROM_NAME, "Acme\n", "From contains a line break" },
	{ F_REPLY_NAME, "Sam\r\n", "Reply-To contains a line break" },
	{ F_TO_ADDR, "jane@example.org\r\nBcc: victim@example.org", "To address is not valid" },
	{ F_TO_ADDR, "jane@example.org>\r\nX: y", "To address is not valid" },
	{ F_MSGID, "<a@b>\r\nBcc: victim@example.org", "message id contains a line break" },
	{ F_MSGID, "no-brackets@b", "message id is not of the form <left@right>" },
	{ F_MSGID, "<two@at@b>", "message id is not of the form <left@right>" },
	{ F_UNSUB, "<https://x/u>\r\nBcc: v@example.org", "list-unsubscribe contains a line break" },
	{ F_UNSUB, "https://x/u", "list-unsubscribe must be ASCII <uri> entries" },
};

START_TEST(test_header_injection_refused)
{
	struct mime_message m = base_message();
	struct buf b = BUF_INIT(0);
	char err[256] = "";

	m.reply_to.addr = "r@acme.example";
	switch (bad_inputs[_i].field) {
	case F_SUBJECT:
		m.subject = bad_inputs[_i].value;
		break;
	case F_TO_NAME:
		m.to.name = bad_inputs[_i].value;
		break;
	case F_FROM_NAME:
		m.from.name = bad_inputs[_i].value;
		break;
	case F_TO_ADDR:
		m.to.addr = bad_inputs[_i].value;
		break;
	case F_REPLY_NAME:
		m.reply_to.name = bad_inputs[_i].value;
		break;
	case F_MSGID:
		m.message_id = bad_inputs[_i].value;
		break;
	case F_UNSUB:
		m.list_unsubscribe = bad_inputs[_i].value;
		break;
	}
	buf_append_str(&b, "keep");
	ck_assert_int_eq(mime_build(&m, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, bad_inputs[_i].err);
	ck_assert_str_eq(b.ptr, "keep");
	buf_release(&b);
}
END_TEST

START_TEST(test_missing_parts_refused)
{
	struct mime_message m = base_message();
	struct buf b = BUF_INIT(0);
	char err[256];

	m.text = NULL;
	ck_assert_int_eq(mime_build(&m, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "text body is missing");
	m = base_message();
	m.text = "bad \xff body";
	ck_assert_int_eq(mime_build(&m, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "text body is not valid UTF-8");
	m = base_message();
	m.html = "<p>\xed\xa0\x80</p>"; /* a UTF-16 surrogate */
	ck_assert_int_eq(mime_build(&m, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "html body is not valid UTF-8");
	m = base_message();
	m.date = -1;
	ck_assert_int_eq(mime_build(&m, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "date is out of range");
	ck_assert_uint_eq(b.len, 0);
	buf_release(&b);
}
END_TEST

START_TEST(test_buffer_limit_leaves_output_unchanged)
{
	struct mime_message m = base_message();
	struct buf b = BUF_INIT(300);
	char err[256];

	buf_append_str(&b, "prefix");
	ck_assert_int_eq(mime_build(&m, &b, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "message is too large");
	ck_assert_str_eq(b.ptr, "prefix");
	buf_release(&b);
}
END_TEST

static const char *const good_addrs[] = {
	"a@b", "jane.doe@example.org", "first+tag@sub.example.co.uk", "o'brien@example.ie", "x_y-z@a-b.example",
};

static const char *const bad_addrs[] = {
	"",
	"plain",
	"@example.org",
	"jane@",
	"jane doe@example.org",
	"jane@exa mple.org",
	".jane@example.org",
	"jane.@example.org",
	"ja..ne@example.org",
	"jane@-example.org",
	"jane@example-.org",
	"jane@example..org",
	"jane@example.org.",
	"\"jane\"@example.org",
	"jane<x>@example.org",
	"jané@example.org",
	"jane@exämple.org",
	"jane@example.org\n",
	"jane@[127.0.0.1]",
};

START_TEST(test_address_validation)
{
	char buf[400];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good_addrs); i++)
		ck_assert_msg(mime_address_valid(good_addrs[i]), "should accept '%s'", good_addrs[i]);
	for (i = 0; i < ARRAY_SIZE(bad_addrs); i++)
		ck_assert_msg(!mime_address_valid(bad_addrs[i]), "should refuse '%s'", bad_addrs[i]);
	ck_assert(!mime_address_valid(NULL));
	/* Length limits: 64-byte local part passes, 65 does not; 254 in all passes, 255 does not. */
	memset(buf, 'a', 64);
	snprintf(buf + 64, sizeof(buf) - 64, "@example.org");
	ck_assert(mime_address_valid(buf));
	memset(buf, 'a', 65);
	snprintf(buf + 65, sizeof(buf) - 65, "@example.org");
	ck_assert(!mime_address_valid(buf));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "a@", 2);
	for (i = 2; i < 254; i++)
		buf[i] = (i - 2) % 50 == 49 ? '.' : 'b';
	ck_assert(mime_address_valid(buf));
	buf[254] = 'b';
	ck_assert(!mime_address_valid(buf));
	/* A label of 64 bytes is too long. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "a@", 2);
	memset(buf + 2, 'c', 64);
	ck_assert(!mime_address_valid(buf));
}
END_TEST

START_TEST(test_multipart_structure)
{
	struct mime_message m = base_message();
	char *msg, *v, *boundary, delim[128], *p, *text_part, *html_part, *end;
	int count = 0;

	m.html = "<p>Hello <b>Jane</b></p>\n";
	msg = build_ok(&m);
	assert_lines(msg, 998);
	v = header_value(msg, "Content-Type");
	ck_assert_msg(strncmp(v, "multipart/alternative; boundary=\"", 33) == 0, "content type '%s'", v);
	boundary = xstrndup(v + 33, strlen(v) - 34);
	ck_assert_uint_ge(strlen(boundary), 20);
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	for (p = msg; (p = strstr(p, delim)) != NULL; p += strlen(delim))
		count++;
	ck_assert_int_eq(count, 3);
	text_part =
		strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable");
	html_part =
		strstr(msg, "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable");
	ck_assert_ptr_nonnull(text_part);
	ck_assert_ptr_nonnull(html_part);
	ck_assert(text_part < html_part);
	snprintf(delim, sizeof(delim), "\r\n--%s--\r\n", boundary);
	end = strstr(msg, delim);
	ck_assert_ptr_nonnull(end);
	ck_assert_str_eq(end + strlen(delim), "");
	ck_assert_ptr_nonnull(strstr(html_part, "<p>Hello <b>Jane</b></p>"));
	free(boundary);
	free(v);
	free(msg);
	/* Two builds use two different boundaries. */
	msg = build_ok(&m);
	v = header_value(msg, "Content-Type");
	ck_assert_ptr_null(strstr(v, delim + 4));
	free(v);
	free(msg);
}
END_TEST

START_TEST(test_qp_wraps_long_lines_and_round_trips)
{
	struct buf in = BUF_INIT(0), out = BUF_INIT(0);
	const char *p;
	char *dec;
	size_t col = 0;
	int i;

	for (i = 0; i < 300; i++)
		buf_append_str(&in, i % 7 == 0 ? "é=" : "ab ");
	buf_append_str(&in, "trailing space \nline two\t\r\nlast");
	ck_assert_int_eq(mime_qp_encode(&out, in.ptr, in.len), 0);
	for (p = out.ptr; *p; p++) {
		if (*p == '\r') {
			col = 0;
			p++;
			continue;
		}
		ck_assert_msg((unsigned char)*p < 0x80 && *p != '\n', "raw byte in QP output");
		col++;
		ck_assert_uint_le(col, 76);
	}
	ck_assert_ptr_nonnull(strstr(out.ptr, "=C3=A9=3D"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "space=20\r\n"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "two=09\r\n"));
	ck_assert_ptr_nonnull(strstr(out.ptr, "=\r\n"));
	dec = qp_decode(out.ptr, out.len);
	/* The decoder turns CRLF into LF, so compare with the input's CRLF normalised. */
	ck_assert_ptr_nonnull(strstr(in.ptr, "\t\r\n"));
	memmove(strstr(in.ptr, "\t\r\n") + 1, strstr(in.ptr, "\t\r\n") + 2, strlen(strstr(in.ptr, "\t\r\n") + 2) + 1);
	ck_assert_str_eq(dec, in.ptr);
	free(dec);
	buf_release(&in);
	buf_release(&out);
}
END_TEST

START_TEST(test_long_body_line_within_998)
{
	struct mime_message m = base_message();
	char *body = xmalloc(5001), *msg, *start, *dec;

	memset(body, 'x', 5000);
	body[5000] = '\0';
	m.text = body;
	msg = build_ok(&m);
	assert_lines(msg, 998);
	start = strstr(msg, "\r\n\r\n") + 4;
	dec = qp_decode(start, strlen(start));
	ck_assert_uint_eq(strlen(dec), 5001); /* the body plus the final line break */
	ck_assert_int_eq(strncmp(dec, body, 5000), 0);
	free(dec);
	free(msg);
	free(body);
}
END_TEST

START_TEST(test_date_format)
{
	char d[64];

	ck_assert_int_eq(mime_format_date(0, d, sizeof(d)), 0);
	ck_assert_str_eq(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	ck_assert_int_eq(mime_format_date(1700000000, d, sizeof(d)), 0);
	ck_assert_str_eq(d, "Tue, 14 Nov 2023 22:13:20 +0000");
	ck_assert_int_eq(mime_format_date(951782400, d, sizeof(d)), 0);
	ck_assert_str_eq(d, "Tue, 29 Feb 2000 00:00:00 +0000");
	ck_assert_int_eq(mime_format_date(0, d, 10), -1);
	ck_assert_int_eq(mime_format_date(-5, d, sizeof(d)), -1);
}
END_TEST

START_TEST(test_message_id_new)
{
	char a[128], b[128], small[20];
	size_t i;

	ck_assert_int_eq(mime_message_id_new("shortlist.example", a, sizeof(a)), 0);
	ck_assert_int_eq(mime_message_id_new("shortlist.example", b, sizeof(b)), 0);
	ck_assert_str_ne(a, b);
	ck_assert_uint_eq(strlen(a), 1 + 32 + 1 + 17 + 1);
	ck_assert_int_eq(a[0], '<');
	for (i = 1; i <= 32; i++)
		ck_assert_msg(strchr("0123456789abcdef", a[i]) != NULL, "not hex");
	ck_assert_str_eq(a + 33, "@shortlist.example>");
	ck_assert_int_eq(mime_message_id_new("bad domain", a, sizeof(a)), -1);
	ck_assert_int_eq(mime_message_id_new("x.org>\r\nBcc: y", a, sizeof(a)), -1);
	ck_assert_int_eq(mime_message_id_new(NULL, a, sizeof(a)), -1);
	ck_assert_int_eq(mime_message_id_new("shortlist.example", small, sizeof(small)), -1);
}
END_TEST

static const struct {
	const char *in;
	int rc;
	const char *name;
	const char *addr;
} mailboxes[] = {
	{ "Shortlist <noreply@shortlist.localhost>", 0, "Shortlist", "noreply@shortlist.localhost" },
	{ "  \"Doe, Jane\"   <jane@example.org>  ", 0, "Doe, Jane", "jane@example.org" },
	{ "\"A \\\"B\\\"\" <a@b.example>", 0, "A \"B\"", "a@b.example" },
	{ "jane@example.org", 0, "", "jane@example.org" },
	{ "<jane@example.org>", 0, "", "jane@example.org" },
	{ "José <jose@example.es>", 0, "José", "jose@example.es" },
	{ "Jane <jane@example.org", -1, NULL, NULL },
	{ "Jane <jane@example.org> x", -1, NULL, NULL },
	{ "Jane <not an address>", -1, NULL, NULL },
	{ "Jane\r\n <jane@example.org>", -1, NULL, NULL },
	{ "", -1, NULL, NULL },
};

START_TEST(test_mailbox_parse)
{
	char *name = (char *)"x", *addr = (char *)"y";

	ck_assert_int_eq(mime_mailbox_parse(mailboxes[_i].in, &name, &addr), mailboxes[_i].rc);
	if (mailboxes[_i].rc == 0) {
		ck_assert_str_eq(name, mailboxes[_i].name);
		ck_assert_str_eq(addr, mailboxes[_i].addr);
	} else {
		ck_assert_ptr_null(name);
		ck_assert_ptr_null(addr);
	}
	free(name);
	free(addr);
}
END_TEST

START_TEST(test_header_text_encoder_rejects_bad_input)
{
	struct buf b = BUF_INIT(0);

	ck_assert_int_eq(mime_encode_header_text(&b, "ok", 9), 0);
	ck_assert_str_eq(b.ptr, "ok");
	ck_assert_int_eq(mime_encode_header_text(&b, "a\r\nb", 9), -1);
	ck_assert_int_eq(mime_encode_header_text(&b, "\xe2\x82", 9), -1);
	ck_assert_str_eq(b.ptr, "ok");
	buf_release(&b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_test(tc, test_headers_present_and_well_formed);
	tcase_add_test(tc, test_optional_headers_absent);
	tcase_add_test(tc, test_ascii_name_quoting);
	tcase_add_loop_test(tc, test_encoded_word_names, 0, (int)ARRAY_SIZE(known_names));
	tcase_add_test(tc, test_long_utf8_subject_folds_and_decodes);
	tcase_add_test(tc, test_long_ascii_subject_folds);
	tcase_add_test(tc, test_ascii_that_looks_encoded_is_encoded);
	tcase_add_loop_test(tc, test_header_injection_refused, 0, (int)ARRAY_SIZE(bad_inputs));
	tcase_add_test(tc, test_missing_parts_refused);
	tcase_add_test(tc, test_buffer_limit_leaves_output_unchanged);
	tcase_add_test(tc, test_address_validation);
	tcase_add_test(tc, test_multipart_structure);
	tcase_add_test(tc, test_qp_wraps_long_lines_and_round_trips);
	tcase_add_test(tc, test_long_body_line_within_998);
	tcase_add_test(tc, test_date_format);
	tcase_add_test(tc, test_message_id_new);
	tcase_add_loop_test(tc, test_mailbox_parse, 0, (int)ARRAY_SIZE(mailboxes));
	tcase_add_test(tc, test_header_text_encoder_rejects_bad_input);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
