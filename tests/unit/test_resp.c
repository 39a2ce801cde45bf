/* Unit tests for resp: the cache rule every API answer follows (resp_cache_default). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/req.h"
#include "http/resp.h"
#include "suite.h"

struct cache_case {
	const char *set_name;  /* a header the route set first, NULL for none */
	const char *set_value; /* its value */
	int calls;	       /* how many times the runner's rule runs */
	const char *expected;  /* the one Cache-Control line the answer must carry */
};

static const struct cache_case cases[] = {
	{ NULL, NULL, 1, "Cache-Control: no-store\r\n" },
	{ NULL, NULL, 2, "Cache-Control: no-store\r\n" }, /* again: still one line */
	{ "Cache-Control", "public, max-age=60", 1, "Cache-Control: public, max-age=60\r\n" },
	{ "cache-control", "private, max-age=5", 1, "cache-control: private, max-age=5\r\n" }, /* any case */
	{ "X-Cache-Control-Note", "x", 1, "Cache-Control: no-store\r\n" }, /* another header is not it */
	{ "Content-Type", "application/json", 1, "Cache-Control: no-store\r\n" },
};

/* How many header lines name Cache-Control, in any case. */
static int cache_lines(const struct req *r)
{
	const char *p = r->headers.ptr, *end = p ? p + r->headers.len : NULL;
	int n = 0;

	while (p && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (strncasecmp(p, "Cache-Control:", 14) == 0)
			n++;
		p = eol ? eol + 1 : NULL;
	}
	return n;
}

START_TEST(test_cache_default)
{
	const struct cache_case *c = &cases[_i];
	struct req r;
	int i;

	memset(&r, 0, sizeof(r));
	req_reset(&r);
	if (c->set_name)
		resp_header(&r, c->set_name, c->set_value);
	for (i = 0; i < c->calls; i++)
		resp_cache_default(&r);
	ck_assert_int_eq(cache_lines(&r), 1);
	ck_assert_ptr_nonnull(r.headers.ptr);
	ck_assert_ptr_nonnull(strstr(r.headers.ptr, c->expected));
	req_reset(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resp");
	TCase *tc = tcase_create("cache");

	tcase_add_loop_test(tc, test_cache_default, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
