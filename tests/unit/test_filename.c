/* Unit tests for filename: path components, control and invalid bytes, trimming, the length cap, Content-Disposition. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "intake/filename.h"
#include "suite.h"

struct name_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	const char *want;
};

#define FFFD "\xef\xbf\xbd"

static const struct name_case name_cases[] = {
	{ "resume.pdf", 0, "resume.pdf" },
	{ "../../etc/passwd", 0, "passwd" },
	{ "..\\..\\windows\\win.ini", 0, "win.ini" },
	{ "C:\\Users\\Jane\\CV 2024.docx", 0, "CV 2024.docx" },
	{ "dir/sub/", 0, "sub" },
	{ "/", 0, "unnamed" },
	{ "..", 0, "unnamed" },
	{ ".", 0, "unnamed" },
	{ "../", 0, "unnamed" },
	{ "a/..", 0, "unnamed" },
	{ "", 0, "unnamed" },
	{ "   ", 0, "unnamed" },
	{ "evil\r\nX-Injected: 1.pdf", 0, "evilX-Injected: 1.pdf" },
	{ "a\0b.pdf", 7, "ab.pdf" },
	{ "tab\there\x7f\x1b.txt", 0, "tabhere.txt" },
	{ "  .hidden name. . ", 0, "hidden name" },
	{ "trailing dots...", 0, "trailing dots" },
	{ "caf\xe9.pdf", 0, "caf" FFFD ".pdf" },
	{ "\xff\xfe\xfd", 0, FFFD FFFD FFFD },
	{ "cut\xe2\x82", 0, "cut" FFFD },
	{ "cut\xe2\x82.pdf", 0, "cut" FFFD ".pdf" },
	{ "overlong\xc0\xaf.pdf", 0, "overlong" FFFD FFFD ".pdf" },
	{ "surrogate\xed\xa0\x80.pdf", 0, "surrogate" FFFD FFFD FFFD ".pdf" },
	{ "C1\xc2\x85x.pdf", 0, "C1x.pdf" },
	{ "r\xc3\xa9sum\xc3\xa9 \xe5\xb1\xa5\xe6\xad\xb4\xe6\x9b\xb8.pdf", 0,
	  "r\xc3\xa9sum\xc3\xa9 \xe5\xb1\xa5\xe6\xad\xb4\xe6\x9b\xb8.pdf" },
	{ "invoice\xe2\x80\xae"
	  "fdp.exe",
	  0, "invoicefdp.exe" },
	{ "\xef\xbb\xbf"
	  "bom.txt",
	  0, "bom.txt" },
	{ "emoji \xf0\x9f\x98\x80.txt", 0, "emoji \xf0\x9f\x98\x80.txt" },
	{ "a/\x01", 0, "a" },
};

START_TEST(test_sanitize_table)
{
	const struct name_case *c = &name_cases[_i];
	char *got = filename_sanitize(c->in, c->len ? c->len : strlen(c->in));

	ck_assert_msg(strcmp(got, c->want) == 0, "'%s' -> '%s', want '%s'", c->in, got, c->want);
	free(got);
}
END_TEST

START_TEST(test_sanitize_null)
{
	char *got = filename_sanitize(NULL, 0);

	ck_assert_str_eq(got, "unnamed");
	free(got);
}
END_TEST

/* True when s is valid UTF-8 (checked independently of the code under test, by re-sanitizing). */
static void assert_stable(const char *s)
{
	char *again = filename_sanitize(s, strlen(s));

	ck_assert_str_eq(again, s);
	free(again);
}

START_TEST(test_length_cap)
{
	char in[1200], *got;
	size_t i;

	/* 300 ASCII bytes and an extension: the extension survives, the total is 255. */
	memset(in, 'a', 300);
	memcpy(in + 300, ".pdf", 5);
	got = filename_sanitize(in, strlen(in));
	ck_assert_uint_eq(strlen(got), 255);
	ck_assert_str_eq(got + 251, ".pdf");
	free(got);

	/* Two-byte characters: the cut must not split one. */
	for (i = 0; i < 200; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	in[400] = '\0';
	got = filename_sanitize(in, 400);
	ck_assert_uint_eq(strlen(got), 254);
	assert_stable(got);
	free(got);

	/* Three-byte characters and an extension: 4 + 3 * 83 = 253 bytes. */
	for (i = 0; i < 300; i++)
		memcpy(in + 3 * i, "\xe5\xb1\xa5", 3);
	memcpy(in + 900, ".txt", 5);
	got = filename_sanitize(in, strlen(in));
	ck_assert_uint_eq(strlen(got), 253);
	ck_assert_str_eq(got + 249, ".txt");
	assert_stable(got);
	free(got);

	/* A long "extension" is not kept: a plain cut. */
	memset(in, 'b', 100);
	in[100] = '.';
	memset(in + 101, 'c', 300);
	in[401] = '\0';
	got = filename_sanitize(in, 401);
	ck_assert_uint_eq(strlen(got), 255);
	ck_assert_int_eq(got[100], '.');
	free(got);

	/* The cut stem loses trailing dots and spaces. */
	memset(in, 'd', 240);
	memset(in + 240, ' ', 60);
	memcpy(in + 300, ".pdf", 5);
	got = filename_sanitize(in, strlen(in));
	ck_assert_uint_eq(strlen(got), 244);
	ck_assert_str_eq(got + 240, ".pdf");
	free(got);

	/* Exactly 255 is untouched. */
	memset(in, 'e', 255);
	in[255] = '\0';
	got = filename_sanitize(in, 255);
	ck_assert_str_eq(got, in);
	free(got);
}
END_TEST

struct cd_case {
	const char *in;
	bool as_inline;
	const char *want;
};

static const struct cd_case cd_cases[] = {
	{ "resume.pdf", false, "attachment; filename=\"resume.pdf\"; filename*=UTF-8''resume.pdf" },
	{ "my cv (final).pdf", true,
	  "inline; filename=\"my cv (final).pdf\"; filename*=UTF-8''my%20cv%20%28final%29.pdf" },
	{ "r\xc3\xa9sum\xc3\xa9.pdf", false,
	  "attachment; filename=\"r_sum_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf" },
	{ "a\"b\\c%d;e.txt", false, "attachment; filename=\"c_d;e.txt\"; filename*=UTF-8''c%25d%3Be.txt" },
	{ "q\"uote.txt", false, "attachment; filename=\"q_uote.txt\"; filename*=UTF-8''q%22uote.txt" },
	{ "x\r\nSet-Cookie: a=b", false,
	  "attachment; filename=\"xSet-Cookie: a=b\"; filename*=UTF-8''xSet-Cookie%3A%20a%3Db" },
	{ "", false, "attachment; filename=\"unnamed\"; filename*=UTF-8''unnamed" },
	{ "\xe5\xb1\xa5\xe6\xad\xb4\xe6\x9b\xb8", false,
	  "attachment; filename=\"___\"; filename*=UTF-8''%E5%B1%A5%E6%AD%B4%E6%9B%B8" },
};

START_TEST(test_content_disposition)
{
	const struct cd_case *c = &cd_cases[_i];
	char *got = filename_content_disposition(c->in, strlen(c->in), c->as_inline);

	ck_assert_str_eq(got, c->want);
	/* Never a CR, LF or NUL in a header value. */
	ck_assert_ptr_null(strpbrk(got, "\r\n"));
	free(got);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("filename");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_sanitize_table, 0, (int)ARRAY_SIZE(name_cases));
	tcase_add_test(tc, test_sanitize_null);
	tcase_add_test(tc, test_length_cap);
	tcase_add_loop_test(tc, test_content_disposition, 0, (int)ARRAY_SIZE(cd_cases));
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
