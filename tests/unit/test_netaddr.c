/* Unit tests for netaddr: addresses and CIDR lists parsed, printed canonically and matched; iplimit's buckets built on them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/iplimit.h"
#include "base/netaddr.h"
#include "base/util.h"
#include "suite.h"

struct parse_case {
	const char *text;
	int rc;
	const char *canonical;
};

static const struct parse_case parses[] = {
	{ "192.0.2.1", 0, "192.0.2.1" },
	{ "0.0.0.0", 0, "0.0.0.0" },
	{ "2001:DB8::0:1", 0, "2001:db8::1" },
	{ "::1", 0, "::1" },
	{ "::ffff:192.0.2.1", 0, "192.0.2.1" },
	{ "::ffff:c000:201", 0, "192.0.2.1" },
	{ "", -1, "" },
	{ "192.0.2", -1, "" },
	{ "192.0.2.1.5", -1, "" },
	{ "192.0.2.256", -1, "" },
	{ " 192.0.2.1", -1, "" },
	{ "192.0.2.1:80", -1, "" },
	{ "[::1]", -1, "" },
	{ "fe80::1%lo", -1, "" },
	{ "localhost", -1, "" },
	{ "1:2:3:4:5:6:7:8:9", -1, "" },
	{ "01234567890123456789012345678901234567890123456789", -1, "" },
};

START_TEST(test_parse)
{
	const struct parse_case *c = &parses[_i];
	struct netaddr a;
	char text[NETADDR_TEXT_MAX] = "";

	ck_assert_msg(netaddr_parse(c->text, strlen(c->text), &a) == c->rc, "'%s'", c->text);
	if (c->rc == 0) {
		netaddr_format(&a, text);
		ck_assert_str_eq(text, c->canonical);
	}
}
END_TEST

START_TEST(test_parse_stops_at_len)
{
	struct netaddr a;
	char text[NETADDR_TEXT_MAX];

	ck_assert_int_eq(netaddr_parse("10.1.2.3,junk", 8, &a), 0);
	netaddr_format(&a, text);
	ck_assert_str_eq(text, "10.1.2.3");
	ck_assert_int_eq(netaddr_parse("10.1\0.2.3", 9, &a), -1);
}
END_TEST

struct list_case {
	const char *list;
	int rc;
	size_t n;
	const char *in, *out; /* an address inside, one outside (NULL: none to try) */
	const char *err;      /* part of the message when rc is -1 */
};

static const struct list_case lists[] = {
	{ "", 0, 0, NULL, "127.0.0.1", NULL },
	{ " , ,", 0, 0, NULL, "127.0.0.1", NULL },
	{ "127.0.0.1", 0, 1, "127.0.0.1", "127.0.0.2", NULL },
	{ "10.0.0.0/8, 192.0.2.0/24", 0, 2, "10.200.3.4", "11.0.0.1", NULL },
	{ "10.0.0.0/8,192.0.2.0/24", 0, 2, "192.0.2.255", "192.0.3.0", NULL },
	{ "0.0.0.0/0", 0, 1, "198.51.100.1", "2001:db8::1", NULL },
	{ "fd00::/8", 0, 1, "fd12:3456::1", "fe00::1", NULL },
	{ "::/0", 0, 1, "2001:db8::1", "192.0.2.1", NULL },
	{ "192.0.2.0/24", 0, 1, "::ffff:192.0.2.9", "::ffff:192.0.3.9", NULL },
	{ "2001:db8::/32 , 127.0.0.1/32", 0, 2, "2001:db8:ffff::1", "2001:db9::1", NULL },
	{ "10.0.0.1/8", -1, 0, NULL, NULL, "bits set past its /8 prefix" },
	{ "10.0.0.0/33", -1, 0, NULL, NULL, "prefix length must be 0 to 32" },
	{ "fd00::/129", -1, 0, NULL, NULL, "prefix length must be 0 to 128" },
	{ "10.0.0.0/", -1, 0, NULL, NULL, "prefix length" },
	{ "10.0.0.0/+8", -1, 0, NULL, NULL, "prefix length" },
	{ "10.0.0.0/8/8", -1, 0, NULL, NULL, "prefix length" },
	{ "127.0.0.1, proxy.example.com", -1, 0, NULL, NULL, "'proxy.example.com' is not an IPv4 or IPv6" },
	{ "127.0.0.1 10.0.0.1", -1, 0, NULL, NULL, "is not an IPv4" },
};

START_TEST(test_list)
{
	const struct list_case *c = &lists[_i];
	struct netaddr_list list;
	struct netaddr a;
	char err[256] = "";

	ck_assert_msg(netaddr_list_parse(c->list, &list, err, sizeof(err)) == c->rc, "'%s': %s", c->list, err);
	if (c->rc < 0) {
		ck_assert_msg(strstr(err, c->err) != NULL, "'%s': message '%s'", c->list, err);
		return;
	}
	ck_assert_uint_eq(list.n, c->n);
	if (c->in) {
		ck_assert_int_eq(netaddr_parse(c->in, strlen(c->in), &a), 0);
		ck_assert_msg(netaddr_list_contains(&list, &a), "'%s' should hold %s", c->list, c->in);
	}
	if (c->out) {
		ck_assert_int_eq(netaddr_parse(c->out, strlen(c->out), &a), 0);
		ck_assert_msg(!netaddr_list_contains(&list, &a), "'%s' should not hold %s", c->list, c->out);
	}
}
END_TEST

START_TEST(test_list_bounded)
{
	struct netaddr_list list;
	char text[NETADDR_LIST_MAX * 16 + 32] = "", err[128];
	size_t len = 0;
	int i;

	for (i = 0; i <= NETADDR_LIST_MAX; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s10.0.0.%d", i ? "," : "", i);
	ck_assert_int_eq(netaddr_list_parse(text, &list, err, sizeof(err)), -1);
	ck_assert(strstr(err, "more than") != NULL);
}
END_TEST

START_TEST(test_buckets)
{
	char b[IPLIMIT_BUCKET_MAX];

	iplimit_bucket("192.0.2.7", b);
	ck_assert_str_eq(b, "192.0.2.7");
	iplimit_bucket("2001:db8:1:2:3:4:5:6", b);
	ck_assert_str_eq(b, "2001:db8:1:2::/64");
	iplimit_bucket("2001:db8:1:2:ffff::9", b);
	ck_assert_str_eq(b, "2001:db8:1:2::/64");
	iplimit_bucket("::ffff:192.0.2.7", b);
	ck_assert_str_eq(b, "192.0.2.7");
	iplimit_bucket("", b);
	ck_assert_str_eq(b, "");
	iplimit_bucket("nonsense", b);
	ck_assert_str_eq(b, "");
	ck_assert_str_eq(iplimit_name(IPLIMIT_SIGNIN), "signin-per-ip");
	ck_assert_str_eq(iplimit_name(IPLIMIT_UNAUTH), "unauth-per-ip");
	ck_assert_ptr_null(iplimit_name(IPLIMIT_NONE));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netaddr");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_add_loop_test(tc, test_parse, 0, (int)ARRAY_SIZE(parses));
	tcase_add_test(tc, test_parse_stops_at_len);
	tcase_add_loop_test(tc, test_list, 0, (int)ARRAY_SIZE(lists));
	tcase_add_test(tc, test_list_bounded);
	tcase_add_test(tc, test_buckets);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
