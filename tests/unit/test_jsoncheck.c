/* Unit tests for jsoncheck: grammar, UTF-8 per RFC 3629, escapes and surrogates, \u0000, duplicate keys, depth, the field and byte named. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/jsoncheck.h"
#include "base/util.h"
#include "suite.h"

struct check_case {
	const char *in;
	size_t len;	  /* 0: strlen(in) */
	const char *want; /* NULL: accepted; else a part of the message */
	const char *also; /* a second part of the message, or NULL */
};

static const struct check_case cases[] = {
	/* Accepted. */
	{ "{}", 0, NULL, NULL },
	{ " [ ] ", 0, NULL, NULL },
	{ "\"s\"", 0, NULL, NULL },
	{ "0", 0, NULL, NULL },
	{ "-0.5e+10", 0, NULL, NULL },
	{ "[true,false,null,1,\"x\",{}]", 0, NULL, NULL },
	{ "{\"title\":\"r\xc3\xa9sum\xc3\xa9 \xe5\xb1\xa5 \xf0\x9f\x98\x80\"}", 0, NULL, NULL },
	{ "{\"t\":\"\\ud83d\\ude00 \\u00e9 \\n\\t\\\"\\\\\\/\\b\\f\\r\"}", 0, NULL, NULL },
	{ "{\"a\":{\"x\":1},\"b\":{\"x\":2}}", 0, NULL, NULL },
	{ "{\"\xef\xbf\xbf\":\"\xf4\x8f\xbf\xbf\"}", 0, NULL, NULL },
	{ "{\"a\":1,\"A\":2,\"a \":3}", 0, NULL, NULL },
	/* Invalid UTF-8: the field and the byte are named. */
	{ "{\"title\":\"ab\xff\"}", 0, "invalid UTF-8 in 'title'", "(byte 12)" },
	{ "{\"title\":\"\xc0\xaf\"}", 0, "invalid UTF-8 in 'title'", "byte 0xC0" },  /* overlong '/' */
	{ "{\"title\":\"\xe0\x80\xaf\"}", 0, "invalid UTF-8 in 'title'", NULL },     /* overlong, 3 bytes */
	{ "{\"title\":\"\xf0\x80\x80\xaf\"}", 0, "invalid UTF-8 in 'title'", NULL }, /* overlong, 4 bytes */
	{ "{\"title\":\"\xed\xa0\x80\"}", 0, "invalid UTF-8 in 'title'", NULL },     /* U+D800 encoded */
	{ "{\"title\":\"\xed\xbf\xbf\"}", 0, "invalid UTF-8 in 'title'", NULL },     /* U+DFFF encoded */
	{ "{\"title\":\"\xf4\x90\x80\x80\"}", 0, "invalid UTF-8 in 'title'", NULL }, /* U+110000 */
	{ "{\"title\":\"\xf5\x80\x80\x80\"}", 0, "invalid UTF-8 in 'title'", NULL }, /* F5 */
	{ "{\"title\":\"\xe2\x82\"}", 0, "invalid UTF-8 in 'title'", NULL },	     /* truncated */
	{ "{\"title\":\"\x80\"}", 0, "invalid UTF-8 in 'title'", NULL },	     /* lone continuation */
	{ "{\"k\":[{\"type\":\"x\"},{\"type\":\"\xfe\"}]}", 0, "in 'k[1].type'", "invalid UTF-8" },
	{ "{\"knockouts\":[{\"type\":\"min\xc3\"}]}", 0, "in 'knockouts[0].type'", "(byte 26)" },
	{ "[\"ok\",\"\xff\"]", 0, "invalid UTF-8 in '[1]'", NULL },
	{ "\"\xff\"", 0, "invalid UTF-8 at line 1, column 2 (byte 1)", NULL },
	{ "{\"ti\xfftle\":1}", 0, "invalid UTF-8 in a key at", "(byte 4)" },
	{ "{\"a\":{\"b\xff\":1}}", 0, "invalid UTF-8 in a key of 'a'", NULL },
	/* \u0000, surrogates, escapes. */
	{ "{\"title\":\"t\\u0000x\"}", 0, "\\u0000 in a string in 'title'", "(byte 11)" },
	{ "{\"t\\u0000\":1}", 0, "\\u0000 in a string in a key", NULL },
	{ "{\"title\":\"\\ud800\"}", 0, "lone surrogate in a string in 'title'", NULL },
	{ "{\"title\":\"\\uDBFF\\u0041\"}", 0, "lone surrogate", "not followed by a low surrogate" },
	{ "{\"title\":\"\\udc00\"}", 0, "lone surrogate", "low surrogate with no high one" },
	{ "{\"title\":\"\\ud800\\ud800\"}", 0, "lone surrogate", NULL },
	{ "{\"title\":\"\\ud800x\"}", 0, "lone surrogate", NULL },
	{ "{\"title\":\"\\u12\"}", 0, "invalid escape", "four hex digits" },
	{ "{\"title\":\"\\x41\"}", 0, "invalid escape", "\\x is not" },
	{ "{\"title\":\"a\nb\"}", 0, "control character in a string in 'title'", "U+000A" },
	{ "{\"title\":\"a\0b\"}", 15, "control character in a string in 'title'", "U+0000" },
	/* Duplicate keys, also when spelt differently. */
	{ "{\"title\":\"t\",\"title\":\"u\"}", 0, "duplicate key in 'title'", "(byte 13)" },
	{ "{\"title\":\"t\",\"ti\\u0074le\":\"u\"}", 0, "duplicate key in 'title'", NULL },
	{ "{\"a\":{\"x\":1,\"y\":2,\"x\":3}}", 0, "duplicate key in 'a.x'", NULL },
	{ "{\"b\":1,\"a\":1,\"c\":1,\"b\":2,\"a\":2}", 0, "duplicate key in 'b'", "(byte 19)" },
	{ "{\"k\":[1,{\"z\":1,\"z\":1}]}", 0, "duplicate key in 'k[1].z'", NULL },
	{ "{\"\":1,\"\":2}", 0, "duplicate key at", NULL },
	/* Grammar cJSON is lenient about, and the usual errors. */
	{ "", 0, "empty body", NULL },
	{ " \n ", 0, "empty body", NULL },
	{ "{\"a\":01}", 0, "expected ',' or '}'", "(byte 6)" },
	{ "{\"a\":-01}", 0, "expected ',' or '}'", NULL },
	{ "{\"a\":1.2.3}", 0, "expected ',' or '}'", NULL },
	{ "{\"a\":1.}", 0, "malformed number", NULL },
	{ "{\"a\":-}", 0, "malformed number", NULL },
	{ "{\"a\":+1}", 0, "expected a value", NULL },
	{ "{\"a\":1e}", 0, "malformed number", NULL },
	{ "{\"a\":.5}", 0, "expected a value", NULL },
	{ "{\"a\":tru}", 0, "expected a value", NULL },
	{ "{\"a\":1,}", 0, "expected a key", NULL },
	{ "[1,]", 0, "expected a value", NULL },
	{ "{a:1}", 0, "expected a key", NULL },
	{ "{\"a\" 1}", 0, "expected ':'", NULL },
	{ "{\"a\":1", 0, "expected ',' or '}'", NULL },
	{ "[1 2]", 0, "expected ',' or ']'", NULL },
	{ "\"abc", 0, "not closed", NULL },
	{ "{} x", 0, "unexpected data after the document", "(byte 3)" },
	{ "\xef\xbb\xbf{}", 0, "expected a value", "(byte 0)" },
	{ "{\"title\": \"x\",\n  \"description\": \"y\",\n  \"company\": }", 0, "line 3, column 14", "in 'company'" },
	{ "[[[[1]]]]", 0, "deeper than 3 levels", "(byte 3)" },
	{ "{\"a\":\"b\"}\0", 10, "unexpected data", "(byte 9)" },
};

START_TEST(test_table)
{
	const struct check_case *c = &cases[_i];
	size_t len = c->len ? c->len : strlen(c->in);
	char err[512] = "";
	int rc = jsoncheck_validate(c->in, len, 3, err, sizeof(err));

	if (!c->want) {
		ck_assert_msg(rc == 0, "case %d refused: %s", _i, err);
		return;
	}
	ck_assert_msg(rc == -1, "case %d accepted", _i);
	ck_assert_msg(strstr(err, c->want) != NULL, "case %d: '%s' lacks '%s'", _i, err, c->want);
	ck_assert_msg(!c->also || strstr(err, c->also) != NULL, "case %d: '%s' lacks '%s'", _i, err, c->also);
}
END_TEST

/* Depth is the configured one: exactly max_depth levels pass. */
START_TEST(test_depth_bound)
{
	char text[2 * 40 + 1], err[256];
	int d;

	for (d = 1; d <= 40; d++) {
		memset(text, '[', (size_t)d);
		memset(text + d, ']', (size_t)d);
		text[2 * d] = '\0';
		ck_assert_int_eq(jsoncheck_validate(text, (size_t)(2 * d), 32, err, sizeof(err)), d <= 32 ? 0 : -1);
	}
}
END_TEST

/* A long path is cut with "..." and the message still fits the buffer. */
START_TEST(test_long_path)
{
	char *text = xmalloc(4 * 1000 + 64), err[JSONCHECK_PATH_MAX + 256];
	size_t n = 0;
	int i;

	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, 64, "{\"%s\":", "a-rather-long-field-name");
	n += (size_t)snprintf(text + n, 64, "\"\xff\"");
	for (i = 0; i < 20; i++)
		text[n++] = '}';
	ck_assert_int_eq(jsoncheck_validate(text, n, 32, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "...'") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "invalid UTF-8 in 'a-rather-long-field-name.a-rather") == err, "%s", err);
	free(text);
}
END_TEST

/* Many keys in one object: duplicates found wherever they are. */
START_TEST(test_many_keys)
{
	size_t cap = 20000 * 16, n = 0;
	char *text = xmalloc(cap), err[512];
	int i;

	text[n++] = '{';
	for (i = 0; i < 20000; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s\"k%d\":1", i ? "," : "", i);
	text[n++] = '}';
	ck_assert_int_eq(jsoncheck_validate(text, n, 32, err, sizeof(err)), 0);
	n--;
	n += (size_t)snprintf(text + n, cap - n, ",\"k12345\":2}");
	ck_assert_int_eq(jsoncheck_validate(text, n, 32, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "duplicate key in 'k12345'") != NULL, "%s", err);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("jsoncheck");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_table, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(tc, test_depth_bound);
	tcase_add_test(tc, test_long_path);
	tcase_add_test(tc, test_many_keys);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
