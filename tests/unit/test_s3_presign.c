/* Unit tests for s3 presigned URLs: AWS's published example, argument checks, and botocore as a reference signer. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "intake/s3.h"
#include "repofile.h"
#include "suite.h"

#define REF_SCRIPT "tests/tools/s3_presign_ref.py"
#define PYTHON "/usr/bin/python3"

/* From "Authenticating Requests: Using Query Parameters" in the Amazon S3 API reference. */
#define AWS_EXAMPLE_URL \
	"https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" \
	"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" \
	"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" \
	"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
#define AWS_EXAMPLE_TIME ((time_t)1369353600) /* 2013-05-24T00:00:00Z */

static struct s3_client *new_client(const char *endpoint, const char *region, const char *bucket, bool path_style)
{
	struct s3_params p = {
		.endpoint = endpoint,
		.region = region,
		.bucket = bucket,
		.access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
		.path_style = path_style,
	};
	struct s3_client *c = NULL;
	struct s3_error err;

	ck_assert_int_eq(s3_client_new(&p, &c, &err), 0);
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(test_aws_published_example)
{
	struct s3_client *c = new_client("https://s3.amazonaws.com", "us-east-1", "examplebucket", false);
	struct s3_error err;
	char *url = NULL;

	ck_assert_int_eq(s3_presign_at(c, "GET", "test.txt", 86400, NULL, AWS_EXAMPLE_TIME, &url, &err), 0);
	ck_assert_str_eq(url, AWS_EXAMPLE_URL);
	free(url);

	/* One second later, the signature must change. */
	ck_assert_int_eq(s3_presign_at(c, "GET", "test.txt", 86400, NULL, AWS_EXAMPLE_TIME + 1, &url, &err), 0);
	ck_assert_str_ne(url, AWS_EXAMPLE_URL);
	free(url);
	s3_client_free(c);
}
END_TEST

START_TEST(test_wrong_secret_changes_signature)
{
	struct s3_params p = {
		.endpoint = "https://s3.amazonaws.com",
		.region = "us-east-1",
		.bucket = "examplebucket",
		.access_key = "AKIAIOSFODNN7EXAMPLE",
		.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEz",
	};
	struct s3_client *c = NULL;
	struct s3_error err;
	char *url = NULL;

	ck_assert_int_eq(s3_client_new(&p, &c, &err), 0);
	ck_assert_int_eq(s3_presign_at(c, "GET", "test.txt", 86400, NULL, AWS_EXAMPLE_TIME, &url, &err), 0);
	ck_assert_ptr_nonnull(strstr(url, "X-Amz-Signature="));
	ck_assert_ptr_null(strstr(url, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"));
	free(url);
	s3_client_free(c);
}
END_TEST

START_TEST(test_path_style_and_default_endpoint)
{
	struct s3_client *c = new_client("http://127.0.0.1:31999/", "eu-west-1", "shortlist", true);
	struct s3_error err;
	char *url = NULL;

	ck_assert_int_eq(
		s3_presign_at(c, "PUT", "jobs/1/a b+c.pdf", 900, "application/pdf", AWS_EXAMPLE_TIME, &url, &err), 0);
	ck_assert_int_eq(strncmp(url, "http://127.0.0.1:31999/shortlist/jobs/1/a%20b%2Bc.pdf?X-Amz-Algorithm=", 70), 0);
	ck_assert_ptr_nonnull(strstr(url, "&X-Amz-SignedHeaders=content-type%3Bhost&"));
	ck_assert_ptr_nonnull(strstr(url, "%2F20130524%2Feu-west-1%2Fs3%2Faws4_request&"));
	free(url);
	s3_client_free(c);

	/* No endpoint: AWS's regional virtual-host name. */
	c = new_client("", "ap-southeast-2", "shortlist", false);
	ck_assert_int_eq(s3_presign_at(c, "GET", "k", 60, NULL, AWS_EXAMPLE_TIME, &url, &err), 0);
	ck_assert_int_eq(strncmp(url, "https://shortlist.s3.ap-southeast-2.amazonaws.com/k?", 52), 0);
	free(url);
	s3_client_free(c);

	/* The wrapper signs at the current time; only its shape is checked. */
	c = new_client(NULL, "us-east-1", "shortlist", true);
	ck_assert_int_eq(s3_presign(c, "GET", "k", 60, NULL, &url, &err), 0);
	ck_assert_int_eq(strncmp(url, "https://s3.us-east-1.amazonaws.com/shortlist/k?X-Amz-Algorithm=", 63), 0);
	free(url);
	s3_client_free(c);
}
END_TEST

START_TEST(test_presign_rejects_bad_arguments)
{
	static const struct {
		const char *method;
		const char *key;
		long expires;
		const char *content_type;
	} bad[] = {
		{ "DELETE", "k", 60, NULL },	  { "get", "k", 60, NULL },
		{ NULL, "k", 60, NULL },	  { "GET", "", 60, NULL },
		{ "GET", NULL, 60, NULL },	  { "GET", "k", 0, NULL },
		{ "GET", "k", -5, NULL },	  { "GET", "k", 604801, NULL },
		{ "GET", "k", 60, "text/plain" }, { "PUT", "k", 60, "text/plain\r\nx-amz-acl: public-read" },
		{ "PUT", "k", 60, "" },		  { "PUT", "k", 60, "t\xc3\xa9xt/plain" },
	};
	struct s3_client *c = new_client("http://127.0.0.1:31999", "us-east-1", "shortlist", true);
	struct buf longkey = BUF_INIT(0);
	struct s3_error err;
	char *url;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		url = (char *)1;
		ck_assert_msg(s3_presign_at(c, bad[i].method, bad[i].key, bad[i].expires, bad[i].content_type,
					    AWS_EXAMPLE_TIME, &url, &err) == S3_INVALID,
			      "case %zu accepted", i);
		ck_assert_ptr_null(url);
		ck_assert_str_eq(err.code, "InvalidArgument");
		ck_assert_int_eq(err.status, 0);
		ck_assert(!err.unavailable);
	}
	for (i = 0; i < 1025; i++)
		buf_append_char(&longkey, 'k');
	ck_assert_int_eq(s3_presign_at(c, "GET", longkey.ptr, 60, NULL, AWS_EXAMPLE_TIME, &url, &err), S3_INVALID);
	buf_consume(&longkey, 1);
	ck_assert_int_eq(s3_presign_at(c, "GET", longkey.ptr, 60, NULL, AWS_EXAMPLE_TIME, &url, &err), 0);
	free(url);
	ck_assert_int_eq(s3_presign_at(c, "GET", "k", 604800, NULL, AWS_EXAMPLE_TIME, &url, &err), 0);
	free(url);
	buf_release(&longkey);
	s3_client_free(c);
}
END_TEST

START_TEST(test_client_rejects_bad_parameters)
{
	static const struct s3_params bad[] = {
		{ "ftp://host", "us-east-1", "b", "a", "s", true, 0, 0 },
		{ "127.0.0.1:9000", "us-east-1", "b", "a", "s", true, 0, 0 },
		{ "http://", "us-east-1", "b", "a", "s", true, 0, 0 },
		{ "http://user@host", "us-east-1", "b", "a", "s", true, 0, 0 },
		{ "http://host/a b", "us-east-1", "b", "a", "s", true, 0, 0 },
		{ "http://host?x=1", "us-east-1", "b", "a", "s", true, 0, 0 },
		{ "http://host", "", "b", "a", "s", true, 0, 0 },
		{ "http://host", "us east", "b", "a", "s", true, 0, 0 },
		{ "http://host", NULL, "b", "a", "s", true, 0, 0 },
		{ "http://host", "us-east-1", "", "a", "s", true, 0, 0 },
		{ "http://host", "us-east-1", "b/c", "a", "s", true, 0, 0 },
		{ "http://host", "us-east-1", NULL, "a", "s", true, 0, 0 },
		{ "http://host", "us-east-1", "b", "", "s", true, 0, 0 },
		{ "http://host", "us-east-1", "b", "a", "", true, 0, 0 },
		{ "http://host", "us-east-1", "b", "a\nb", "s", true, 0, 0 },
		{ "http://host", "us-east-1", "b", "a", NULL, true, 0, 0 },
	};
	struct s3_client *c;
	struct s3_error err;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		c = (struct s3_client *)1;
		ck_assert_msg(s3_client_new(&bad[i], &c, &err) == S3_INVALID, "case %zu accepted", i);
		ck_assert_ptr_null(c);
		ck_assert_str_eq(err.code, "InvalidArgument");
		ck_assert(err.message[0] != '\0');
	}
}
END_TEST

static void hex_arg(struct buf *line, const char *s)
{
	char *hex = xmalloc(2 * strlen(s) + 1);

	hex_encode((const unsigned char *)s, strlen(s), hex);
	buf_printf(line, " %s", hex);
	free(hex);
}

/*
 * Runs the reference signer once over every request line in input (written
 * to a temporary file); returns 0 with one URL per line in out, 77 when
 * botocore is missing, else -1.
 */
static int reference_urls(const char *script, const struct buf *input, struct buf *out)
{
	struct buf cmd = BUF_INIT(0);
	char tmp[] = P_tmpdir "/s3-presign-ref-XXXXXX";
	char chunk[8192];
	FILE *f = NULL;
	int fd, status, ret = -1;
	size_t n;

	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (write(fd, input->ptr, input->len) != (ssize_t)input->len) {
		close(fd);
		goto out;
	}
	close(fd);
	buf_printf(&cmd, "%s '%s' presign-batch < '%s'", PYTHON, script, tmp);
	f = popen(cmd.ptr, "r");
	if (!f)
		goto out;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	status = pclose(f);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
		ret = 77;
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		ret = 0;
out:
	unlink(tmp);
	buf_release(&cmd);
	return ret;
}

START_TEST(test_matches_botocore)
{
	static const char *const keys[] = {
		"test.txt",
		"resume.pdf",
		"jobs/42/resumes/0001.pdf",
		"a b.pdf",
		"  leading and trailing  ",
		"a+b=c&d.txt",
		"100% sure?.doc",
		"r\xc3\xa9sum\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e.pdf",
		"emoji \xf0\x9f\x98\x80.txt",
		"~tilde_-.dots..",
		"a//b",
		"dir/",
		"x/../y/./z",
		"q'\"<>#[]{}|\\^`,;:@$!*().txt",
		"/leading-slash",
	};
	static const struct {
		const char *endpoint; /* as given to the client; NULL means AWS */
		const char *ref_endpoint;
		const char *region;
		bool path_style;
	} places[] = {
		{ NULL, "https://s3.us-east-1.amazonaws.com", "us-east-1", false },
		{ NULL, "https://s3.eu-west-1.amazonaws.com", "eu-west-1", true },
		{ "https://s3.ap-southeast-2.amazonaws.com", "https://s3.ap-southeast-2.amazonaws.com",
		  "ap-southeast-2", false },
		{ "http://127.0.0.1:31999", "http://127.0.0.1:31999", "us-east-1", true },
		{ "https://minio.example.com:9000", "https://minio.example.com:9000", "eu-central-1", false },
	};
	static const struct {
		const char *method;
		const char *content_type;
		long expires;
		time_t when;
		const char *stamp;
	} ops[] = {
		{ "GET", NULL, 900, 1704110400, "20240101T120000Z" },
		{ "PUT", NULL, 3600, 1709251199, "20240229T235959Z" },
		{ "PUT", "application/pdf", 604800, 1369353600, "20130524T000000Z" },
		{ "PUT", "text/plain;  charset=utf-8", 60, 1704110400, "20240101T120000Z" },
	};
	struct buf input = BUF_INIT(0), ref = BUF_INIT(0), ours = BUF_INIT(0);
	char script[4200];
	const char *r, *o_line;
	size_t k, p, o, compared = 0;
	int rc;

	if (access(PYTHON, X_OK) != 0 || !repo_file(REF_SCRIPT, script, sizeof(script))) {
		printf("skip: %s or %s not found; botocore comparison not run\n", PYTHON, REF_SCRIPT);
		return;
	}
	for (p = 0; p < ARRAY_SIZE(places); p++) {
		struct s3_client *c =
			new_client(places[p].endpoint, places[p].region, "shortlist-bucket", places[p].path_style);

		for (o = 0; o < ARRAY_SIZE(ops); o++) {
			for (k = 0; k < ARRAY_SIZE(keys); k++) {
				struct s3_error err;
				char *url = NULL;

				buf_printf(&input,
					   "%s %s shortlist-bucket AKIAIOSFODNN7EXAMPLE "
					   "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY %s %s",
					   places[p].ref_endpoint, places[p].region,
					   places[p].path_style ? "path" : "virtual", ops[o].method);
				hex_arg(&input, keys[k]);
				buf_printf(&input, " %ld %s", ops[o].expires, ops[o].stamp);
				if (ops[o].content_type)
					hex_arg(&input, ops[o].content_type);
				buf_append_char(&input, '\n');
				ck_assert_int_eq(s3_presign_at(c, ops[o].method, keys[k], ops[o].expires,
							       ops[o].content_type, ops[o].when, &url, &err),
						 0);
				buf_printf(&ours, "%s\n", url);
				free(url);
			}
		}
		s3_client_free(c);
	}
	rc = reference_urls(script, &input, &ref);
	if (rc == 77) {
		printf("skip: python3-botocore is not installed; botocore comparison not run\n");
		goto out;
	}
	ck_assert_msg(rc == 0, "the reference signer failed");
	/* Line by line, so that a failure names the first URL that differs. */
	for (r = ref.ptr, o_line = ours.ptr; *o_line; compared++) {
		size_t rl = strcspn(r, "\n"), ol = strcspn(o_line, "\n");

		ck_assert_msg(rl == ol && memcmp(r, o_line, ol) == 0, "url %zu differs:\n ours %.*s\n ref  %.*s",
			      compared, (int)ol, o_line, (int)rl, r);
		r += rl + (r[rl] ? 1 : 0);
		o_line += ol + 1;
	}
	ck_assert_msg(*r == '\0', "the reference signer printed more urls than asked");
	ck_assert_uint_eq(compared, ARRAY_SIZE(places) * ARRAY_SIZE(ops) * ARRAY_SIZE(keys));
	printf("s3 presign: %zu urls identical to botocore's\n", compared);
out:
	buf_release(&input);
	buf_release(&ref);
	buf_release(&ours);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("s3_presign");
	TCase *tc = tcase_create("core");
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_aws_published_example);
	tcase_add_test(tc, test_wrong_secret_changes_signature);
	tcase_add_test(tc, test_path_style_and_default_endpoint);
	tcase_add_test(tc, test_presign_rejects_bad_arguments);
	tcase_add_test(tc, test_client_rejects_bad_parameters);
	tcase_add_test(tc, test_matches_botocore);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
