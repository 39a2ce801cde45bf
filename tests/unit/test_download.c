/* Unit tests for download links: the cap on their life, and what a link says about its expiry. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "intake/download.h"
#include "intake/s3.h"
#include "suite.h"

#define SIGNED_AT ((time_t)1369353600) /* 2013-05-24T00:00:00Z */

static const struct {
	long configured_s;
	long ttl_s;
} ttls[] = {
	{ 1, 1 }, { 60, 60 }, { 299, 299 }, { 300, 300 }, { 301, 300 }, { 3600, 300 }, { 604800, 300 },
};

START_TEST(test_ttl_is_capped)
{
	ck_assert_int_eq(download_ttl(ttls[_i].configured_s), ttls[_i].ttl_s);
}
END_TEST

static struct s3_client *new_client(void)
{
	struct s3_params p = {
		.endpoint = "http://127.0.0.1:9",
		.region = "us-east-1",
		.bucket = "resumes",
		.access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		.path_style = true,
	};
	struct s3_client *c = NULL;
	struct s3_error err;

	ck_assert_int_eq(s3_client_new(&p, &c, &err), 0);
	return c;
}

START_TEST(test_link_lives_at_most_the_cap)
{
	struct s3_client *c = new_client();
	struct download_link link;
	struct s3_error err = { 0 };

	ck_assert_int_eq(download_link(c, "orgs/1/jobs/2/resumes/a.pdf", 3600, SIGNED_AT, &link, &err), 0);
	ck_assert_ptr_nonnull(link.url);
	ck_assert_ptr_nonnull(strstr(link.url, "/resumes/orgs/1/jobs/2/resumes/a.pdf?"));
	ck_assert_ptr_nonnull(strstr(link.url, "X-Amz-Expires=300&"));
	ck_assert_int_eq((long)(link.expires_at - SIGNED_AT), 300);
	ck_assert_str_eq(link.expires_at_iso, "2013-05-24T00:05:00Z");
	download_link_release(&link);
	ck_assert_ptr_null(link.url);
	download_link_release(&link);
	s3_client_free(c);
}
END_TEST

START_TEST(test_short_configured_life_is_kept)
{
	struct s3_client *c = new_client();
	struct download_link link;
	struct s3_error err = { 0 };

	ck_assert_int_eq(download_link(c, "k.pdf", 60, SIGNED_AT, &link, &err), 0);
	ck_assert_ptr_nonnull(strstr(link.url, "X-Amz-Expires=60&"));
	ck_assert_str_eq(link.expires_at_iso, "2013-05-24T00:01:00Z");
	download_link_release(&link);
	s3_client_free(c);
}
END_TEST

START_TEST(test_unsignable_key_gives_no_link)
{
	struct s3_client *c = new_client();
	struct download_link link;
	struct s3_error err = { 0 };

	ck_assert_int_lt(download_link(c, "", 60, SIGNED_AT, &link, &err), 0);
	ck_assert_ptr_null(link.url);
	download_link_release(&link);
	s3_client_free(c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("download");
	TCase *tc = tcase_create("download");
	int failed;

	tcase_add_loop_test(tc, test_ttl_is_capped, 0, (int)(sizeof(ttls) / sizeof(ttls[0])));
	tcase_add_test(tc, test_link_lives_at_most_the_cap);
	tcase_add_test(tc, test_short_configured_life_is_kept);
	tcase_add_test(tc, test_unsignable_key_gives_no_link);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
