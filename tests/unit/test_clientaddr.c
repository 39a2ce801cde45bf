/* Unit tests for clientaddr: the client address and TLS of a request, X-Forwarded-* believed only from trusted proxies. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/netaddr.h"
#include "base/util.h"
#include "http/clientaddr.h"
#include "suite.h"

/* The trusted proxies of every case. */
#define TRUSTED "127.0.0.1, 10.0.0.0/8, fd00::/8, ::1"

struct addr_case {
	const char *remote, *xff, *xfp;
	bool https;
	int rc;
	const char *client;
	bool tls, ignored, malformed;
};

static const struct addr_case cases[] = {
	/* No headers: the peer, trusted or not. */
	{ "203.0.113.5", NULL, NULL, false, 0, "203.0.113.5", false, false, false },
	{ "127.0.0.1", NULL, NULL, false, 0, "127.0.0.1", false, false, false },
	/* An untrusted peer's headers change nothing, and say so. */
	{ "203.0.113.5", "198.51.100.1", NULL, false, 0, "203.0.113.5", false, true, false },
	{ "203.0.113.5", NULL, "https", false, 0, "203.0.113.5", false, true, false },
	{ "127.0.0.2", "198.51.100.1", "https", false, 0, "127.0.0.2", false, true, false },
	{ "203.0.113.5", "", "", false, 0, "203.0.113.5", false, false, false },
	/* lighttpd's own TLS counts whoever the peer is. */
	{ "203.0.113.5", NULL, "http", true, 0, "203.0.113.5", true, true, false },
	/* A trusted peer: the right-most untrusted entry. */
	{ "127.0.0.1", "198.51.100.1", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "127.0.0.1", "6.6.6.6, 198.51.100.1", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "127.0.0.1", "6.6.6.6, 198.51.100.1, 10.1.2.3", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "10.9.9.9", "6.6.6.6,198.51.100.1,10.1.2.3,127.0.0.1", NULL, false, 0, "198.51.100.1", false, false, false },
	/* Every hop trusted: the left-most. */
	{ "127.0.0.1", "10.0.0.7, 10.0.0.8", NULL, false, 0, "10.0.0.7", false, false, false },
	/* Spaces, tabs and empty entries (two headers joined, one empty). */
	{ "127.0.0.1", "  198.51.100.1\t ,  ,", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "127.0.0.1", ",,,", NULL, false, 0, "127.0.0.1", false, false, false },
	{ "127.0.0.1", "   ", NULL, false, 0, "127.0.0.1", false, false, false },
	/* Ports and brackets. */
	{ "127.0.0.1", "198.51.100.1:4711", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "127.0.0.1", "[2001:db8::1]:443", NULL, false, 0, "2001:db8::1", false, false, false },
	{ "127.0.0.1", "[2001:db8::1]", NULL, false, 0, "2001:db8::1", false, false, false },
	{ "127.0.0.1", "2001:DB8:0:0::1", NULL, false, 0, "2001:db8::1", false, false, false },
	/* IPv6 peers, and IPv4-mapped spellings of trusted and untrusted addresses. */
	{ "::1", "2001:db8::7, fd00::1", NULL, false, 0, "2001:db8::7", false, false, false },
	{ "::ffff:127.0.0.1", "198.51.100.1", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "::ffff:203.0.113.5", "198.51.100.1", NULL, false, 0, "203.0.113.5", false, true, false },
	{ "127.0.0.1", "::ffff:198.51.100.1", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "2001:db8::5", "198.51.100.1", NULL, false, 0, "2001:db8::5", false, true, false },
	/* Garbage stops the walk at the trusted hop that wrote it. */
	{ "127.0.0.1", "unknown", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "198.51.100.1, garbage", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "198.51.100.1, 10.0.0.2, _hidden", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "garbage, 10.0.0.2", NULL, false, 0, "10.0.0.2", false, false, true },
	{ "127.0.0.1", "garbage, 198.51.100.1", NULL, false, 0, "198.51.100.1", false, false, false },
	{ "127.0.0.1", "198.51.100.1:", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "198.51.100.1:port", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "198.51.100.1:123456", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "[2001:db8::1", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "[2001:db8::1]x", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "fe80::1%eth0", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "198.51.100.1/24", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "1.2.3", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "256.1.1.1", NULL, false, 0, "127.0.0.1", false, false, true },
	{ "127.0.0.1", "\"198.51.100.1\"", NULL, false, 0, "127.0.0.1", false, false, true },
	/* X-Forwarded-Proto from a trusted peer: https only when every value says so. */
	{ "127.0.0.1", NULL, "https", false, 0, "127.0.0.1", true, false, false },
	{ "127.0.0.1", NULL, " HTTPS ", false, 0, "127.0.0.1", true, false, false },
	{ "127.0.0.1", NULL, "https, https", false, 0, "127.0.0.1", true, false, false },
	{ "127.0.0.1", NULL, "https, http", false, 0, "127.0.0.1", false, false, false },
	{ "127.0.0.1", NULL, "http", false, 0, "127.0.0.1", false, false, false },
	{ "127.0.0.1", NULL, "httpsx", false, 0, "127.0.0.1", false, false, false },
	{ "127.0.0.1", NULL, " , ", false, 0, "127.0.0.1", false, false, false },
	{ "127.0.0.1", "198.51.100.1", "https", false, 0, "198.51.100.1", true, false, false },
	/* A peer that is no address: nothing is believed. */
	{ NULL, "198.51.100.1", "https", false, -1, "", false, false, false },
	{ "", "198.51.100.1", NULL, false, -1, "", false, false, false },
	{ "unix:/run/sock", "198.51.100.1", NULL, false, -1, "", false, false, false },
	{ "127.0.0.1:80", "198.51.100.1", NULL, false, -1, "", false, false, false },
};

START_TEST(test_resolve)
{
	const struct addr_case *c = &cases[_i];
	struct netaddr_list trusted;
	struct clientaddr ca;
	char err[128];
	int rc;

	ck_assert_int_eq(netaddr_list_parse(TRUSTED, &trusted, err, sizeof(err)), 0);
	rc = clientaddr_resolve(&trusted, c->remote, c->xff, c->xfp, c->https, &ca);
	ck_assert_msg(rc == c->rc, "case %d: rc %d", _i, rc);
	ck_assert_msg(strcmp(ca.addr, c->client) == 0, "case %d (xff '%s'): client '%s', expected '%s'", _i,
		      c->xff ? c->xff : "(none)", ca.addr, c->client);
	ck_assert_msg(ca.tls == c->tls, "case %d: tls %d", _i, ca.tls);
	ck_assert_msg(ca.forwarded_ignored == c->ignored, "case %d: ignored %d", _i, ca.forwarded_ignored);
	ck_assert_msg(ca.forwarded_malformed == c->malformed, "case %d: malformed %d", _i, ca.forwarded_malformed);
}
END_TEST

/* With no trusted proxy (the default), the headers are never believed. */
START_TEST(test_nobody_trusted)
{
	struct netaddr_list none;
	struct clientaddr ca;
	char err[128];

	ck_assert_int_eq(netaddr_list_parse("", &none, err, sizeof(err)), 0);
	ck_assert_int_eq(clientaddr_resolve(&none, "127.0.0.1", "198.51.100.1", "https", false, &ca), 0);
	ck_assert_str_eq(ca.addr, "127.0.0.1");
	ck_assert(!ca.tls && ca.forwarded_ignored);
}
END_TEST

/* A long header of trusted hops is walked to its end, not beyond. */
START_TEST(test_long_chain)
{
	struct netaddr_list trusted;
	struct clientaddr ca;
	char err[128], *xff = xmalloc(16 * 1000 + 32);
	size_t len = 0;
	int i;

	ck_assert_int_eq(netaddr_list_parse(TRUSTED, &trusted, err, sizeof(err)), 0);
	len += (size_t)snprintf(xff, 32, "198.51.100.9");
	for (i = 0; i < 1000; i++)
		len += (size_t)snprintf(xff + len, 16, ", 10.0.%d.%d", i / 250, i % 250);
	ck_assert_int_eq(clientaddr_resolve(&trusted, "127.0.0.1", xff, NULL, false, &ca), 0);
	ck_assert_str_eq(ca.addr, "198.51.100.9");
	free(xff);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("clientaddr");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_resolve, 0, (int)ARRAY_SIZE(cases));
	tcase_add_test(tc, test_nobody_trusted);
	tcase_add_test(tc, test_long_chain);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
