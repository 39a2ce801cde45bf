/* Tests of the s3 client: against the configured S3 server (skipped when none answers) and a scripted fake one. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "base/util.h"
#include "core/config.h"
#include "intake/s3.h"
#include "repofile.h"
#include "suite.h"

#define PYTHON "/usr/bin/python3"
#define REF_SCRIPT "tests/tools/s3_presign_ref.py"
#define MiB (1024 * 1024)

/* ---- the configured server ---- */

static struct s3_client *live;
static char prefix[40];

/* Connects to the S3 server of the configuration; returns NULL (after saying why) when there is none. */
static struct s3_client *live_client(void)
{
	struct s3_client *c = NULL;
	struct s3_error err;
	unsigned char rnd[6];
	char errbuf[256], hex[13];

	if (!getenv("SHORTLIST_CONFIG") && !getenv("SHORTLIST_S3_ENDPOINT")) {
		printf("skip: SHORTLIST_CONFIG and SHORTLIST_S3_ENDPOINT unset; no S3 server to test against\n");
		return NULL;
	}
	if (config_load(NULL, errbuf, sizeof(errbuf)) < 0) {
		printf("skip: configuration does not load: %s\n", errbuf);
		return NULL;
	}
	if (!*config()->s3_endpoint) {
		printf("skip: the configuration points at AWS; these tests only run against a local server\n");
		return NULL;
	}
	if (s3_client_new_from_config(&c, &err) < 0) {
		printf("skip: cannot make an s3 client from the configuration: %s\n", err.message);
		return NULL;
	}
	if (s3_probe(c, 2000, &err) < 0) {
		printf("skip: s3 server '%s' does not answer: %s %s\n", config()->s3_endpoint, err.code, err.message);
		s3_client_free(c);
		return NULL;
	}
	ck_assert_int_eq(random_bytes(rnd, sizeof(rnd)), 0);
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(prefix, sizeof(prefix), "test-s3/%s", hex);
	return c;
}

static void live_setup(void)
{
	live = live_client();
}

static void live_teardown(void)
{
	s3_client_free(live);
	live = NULL;
	if (config_is_loaded())
		config_release();
}

static const char *key_of(struct buf *b, const char *name)
{
	buf_reset(b);
	buf_printf(b, "%s/%s", prefix, name);
	return b->ptr;
}

static const char *meta_value(const struct s3_object_info *info, const char *name)
{
	size_t i;

	for (i = 0; i < info->nmeta; i++)
		if (strcmp(info->meta[i].name, name) == 0)
			return info->meta[i].value;
	return NULL;
}

START_TEST(test_put_head_get_delete_roundtrip)
{
	static const char body[] = "%PDF-1.4\n\0binary\xff\xfe bytes\n";
	const struct s3_meta meta[] = { { "candidate-id", "42" }, { "source", "unit test, with spaces" } };
	static const char *const names[] = { "plain.txt", "dir/r\xc3\xa9sum\xc3\xa9 a+b=c.pdf", "100% sure?#.doc" };
	struct buf key = BUF_INIT(0), got = BUF_INIT(1 * MiB);
	struct s3_object_info info;
	struct s3_error err;
	char etag[S3_ETAG_MAX];
	size_t i;

	if (!live)
		return;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		key_of(&key, names[i]);
		ck_assert_int_eq(s3_put(live, key.ptr, body, sizeof(body), "application/pdf", meta, 2, etag, &err), 0);
		ck_assert_msg(etag[0] != '\0', "no etag for '%s'", names[i]);

		ck_assert_int_eq(s3_head(live, key.ptr, &info, &err), 0);
		ck_assert_int_eq(info.size, (int64_t)sizeof(body));
		ck_assert_str_eq(info.content_type, "application/pdf");
		ck_assert_str_eq(info.etag, etag);
		ck_assert_int_gt(info.last_modified, 0);
		ck_assert_pstr_eq(meta_value(&info, "candidate-id"), "42");
		ck_assert_pstr_eq(meta_value(&info, "source"), "unit test, with spaces");
		s3_object_info_release(&info);

		buf_reset(&got);
		ck_assert_int_eq(s3_get(live, key.ptr, &got, &err), 0);
		ck_assert_uint_eq(got.len, sizeof(body));
		ck_assert_int_eq(memcmp(got.ptr, body, sizeof(body)), 0);

		ck_assert_int_eq(s3_delete(live, key.ptr, &err), 0);
		ck_assert_int_eq(s3_head(live, key.ptr, &info, &err), S3_NOT_FOUND);
		ck_assert_int_eq(err.status, 404);
		ck_assert(!err.unavailable);
		s3_object_info_release(&info);
		/* Deleting again is no error: S3 semantics. */
		ck_assert_int_eq(s3_delete(live, key.ptr, &err), 0);
	}

	/* An empty object with no type or metadata. */
	key_of(&key, "empty");
	ck_assert_int_eq(s3_put(live, key.ptr, NULL, 0, NULL, NULL, 0, NULL, &err), 0);
	ck_assert_int_eq(s3_head(live, key.ptr, &info, &err), 0);
	ck_assert_int_eq(info.size, 0);
	ck_assert_str_eq(info.content_type, "application/octet-stream");
	ck_assert_uint_eq(info.nmeta, 0);
	s3_object_info_release(&info);
	buf_reset(&got);
	ck_assert_int_eq(s3_get(live, key.ptr, &got, &err), 0);
	ck_assert_uint_eq(got.len, 0);
	ck_assert_int_eq(s3_delete(live, key.ptr, &err), 0);
	buf_release(&key);
	buf_release(&got);
}
END_TEST

START_TEST(test_missing_key_is_404_nosuchkey)
{
	struct buf key = BUF_INIT(0), got = BUF_INIT(0);
	struct s3_error err;

	if (!live)
		return;
	buf_append_str(&got, "kept");
	ck_assert_int_eq(s3_get(live, key_of(&key, "never-written"), &got, &err), S3_NOT_FOUND);
	ck_assert_int_eq(err.status, 404);
	ck_assert_str_eq(err.code, "NoSuchKey");
	ck_assert(err.message[0] != '\0');
	ck_assert(!err.unavailable);
	/* The error body must not leak into the caller's buffer. */
	ck_assert_str_eq(got.ptr, "kept");
	buf_release(&key);
	buf_release(&got);
}
END_TEST

START_TEST(test_get_larger_than_max_fails_clearly)
{
	struct buf key = BUF_INIT(0), small = BUF_INIT(1004), exact = BUF_INIT(1000);
	char data[1000];
	struct s3_error err;

	if (!live)
		return;
	memset(data, 'x', sizeof(data));
	key_of(&key, "thousand");
	ck_assert_int_eq(s3_put(live, key.ptr, data, sizeof(data), "text/plain", NULL, 0, NULL, &err), 0);
	/* 5 bytes already in: 995 left, one short. */
	buf_append_str(&small, "head:");
	ck_assert_int_eq(s3_get(live, key.ptr, &small, &err), S3_TOO_LARGE);
	ck_assert_str_eq(err.code, "TooLarge");
	ck_assert(!err.unavailable);
	ck_assert_str_eq(small.ptr, "head:");
	ck_assert_uint_eq(small.len, 5);
	/* Exactly the maximum fits. */
	ck_assert_int_eq(s3_get(live, key.ptr, &exact, &err), 0);
	ck_assert_uint_eq(exact.len, 1000);
	ck_assert_int_eq(s3_delete(live, key.ptr, &err), 0);
	buf_release(&key);
	buf_release(&small);
	buf_release(&exact);
}
END_TEST

/* Deterministic bytes that differ between parts (a plain LCG is enough to notice swapped parts). */
static void fill_pattern(unsigned char *p, size_t n, uint32_t seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(seed >> 16);
	}
}

START_TEST(test_multipart_12mb_roundtrip)
{
	const size_t total = 12 * 1000 * 1000, part = 5 * MiB;
	const struct s3_meta meta[] = { { "batch", "b-1" } };
	unsigned char *data = xmalloc(total), want[SHA256_LEN], have[SHA256_LEN];
	struct buf key = BUF_INIT(0), got = BUF_INIT(16 * MiB);
	struct s3_part parts[3];
	struct s3_object_info info;
	struct s3_error err;
	char *upload_id = NULL, etag[S3_ETAG_MAX];
	size_t off, n = 0;

	if (!live)
		goto out;
	fill_pattern(data, total, 7);
	key_of(&key, "multipart/big file.bin");
	ck_assert_int_eq(s3_multipart_initiate(live, key.ptr, "application/x-test", meta, 1, &upload_id, &err), 0);
	ck_assert_ptr_nonnull(upload_id);
	for (off = 0; off < total; off += part, n++) {
		size_t len = total - off < part ? total - off : part;

		parts[n].number = (int)n + 1;
		ck_assert_int_eq(s3_multipart_upload_part(live, key.ptr, upload_id, parts[n].number, data + off, len,
							  parts[n].etag, &err),
				 0);
		ck_assert(parts[n].etag[0] != '\0');
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(s3_multipart_complete(live, key.ptr, upload_id, parts, n, etag, &err), 0);
	ck_assert(etag[0] != '\0');

	ck_assert_int_eq(s3_get(live, key.ptr, &got, &err), 0);
	ck_assert_uint_eq(got.len, total);
	ck_assert_int_eq(sha256_digest(data, total, want), 0);
	ck_assert_int_eq(sha256_digest(got.ptr, got.len, have), 0);
	ck_assert_int_eq(memcmp(want, have, SHA256_LEN), 0);

	ck_assert_int_eq(s3_head(live, key.ptr, &info, &err), 0);
	ck_assert_int_eq(info.size, (int64_t)total);
	ck_assert_str_eq(info.content_type, "application/x-test");
	ck_assert_pstr_eq(meta_value(&info, "batch"), "b-1");
	s3_object_info_release(&info);
	ck_assert_int_eq(s3_delete(live, key.ptr, &err), 0);
out:
	free(upload_id);
	free(data);
	buf_release(&key);
	buf_release(&got);
}
END_TEST

START_TEST(test_multipart_abort_leaves_nothing)
{
	const size_t len = 5 * MiB;
	unsigned char *data = xmalloc(len);
	struct buf key = BUF_INIT(0), got = BUF_INIT(0);
	struct s3_part p = { 1, "" };
	struct s3_error err;
	char *upload_id = NULL;
	bool aborted;
	int rc;

	if (!live)
		goto out;
	fill_pattern(data, len, 3);
	key_of(&key, "multipart/aborted");
	ck_assert_int_eq(s3_multipart_initiate(live, key.ptr, NULL, NULL, 0, &upload_id, &err), 0);
	ck_assert_int_eq(s3_multipart_upload_part(live, key.ptr, upload_id, 1, data, len, p.etag, &err), 0);
	rc = s3_multipart_abort(live, key.ptr, upload_id, &err);
	/* s3rver 3 has no AbortMultipartUpload and answers 405; AWS answers 204. */
	aborted = rc == 0;
	if (rc == S3_ERROR && err.status == 405)
		printf("note: the S3 server does not implement AbortMultipartUpload (405 %s)\n", err.code);
	else
		ck_assert_msg(rc == 0, "abort failed: %ld %s %s", err.status, err.code, err.message);
	ck_assert_int_eq(s3_get(live, key.ptr, &got, &err), S3_NOT_FOUND);
	ck_assert_str_eq(err.code, "NoSuchKey");
	if (aborted) {
		/* The upload is gone: completing it now fails. */
		ck_assert_int_lt(s3_multipart_complete(live, key.ptr, upload_id, &p, 1, NULL, &err), 0);
		ck_assert_int_eq(err.status, 404);
		ck_assert_str_eq(err.code, "NoSuchUpload");
	}
out:
	free(upload_id);
	free(data);
	buf_release(&key);
	buf_release(&got);
}
END_TEST

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	return buf_append(userdata, ptr, size * nmemb) == 0 ? size * nmemb : 0;
}

/* A plain libcurl request (no signing of its own): returns the HTTP status, or -1. */
static long plain_request(const char *method, const char *url, const char *content_type, const char *body,
			  struct buf *out)
{
	CURL *h = curl_easy_init();
	struct curl_slist *headers = NULL;
	struct buf line = BUF_INIT(0);
	long status = -1;

	ck_assert_ptr_nonnull(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
	if (strcmp(method, "PUT") == 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		buf_printf(&line, "Content-Type: %s", content_type);
		headers = curl_slist_append(headers, line.ptr);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	}
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(headers);
	curl_easy_cleanup(h);
	buf_release(&line);
	return status;
}

START_TEST(test_presigned_put_and_get_work_with_plain_curl)
{
	static const char body[] = "uploaded straight to the bucket";
	struct buf key = BUF_INIT(0), got = BUF_INIT(0);
	struct s3_object_info info;
	struct s3_error err;
	char *put_url = NULL, *get_url = NULL;

	if (!live)
		return;
	key_of(&key, "presigned/a b+c.txt");
	ck_assert_int_eq(s3_presign(live, "PUT", key.ptr, 300, "text/plain", &put_url, &err), 0);
	ck_assert_int_eq(plain_request("PUT", put_url, "text/plain", body, &got), 200);
	ck_assert_int_eq(s3_head(live, key.ptr, &info, &err), 0);
	ck_assert_int_eq(info.size, (int64_t)strlen(body));
	ck_assert_str_eq(info.content_type, "text/plain");
	s3_object_info_release(&info);

	ck_assert_int_eq(s3_presign(live, "GET", key.ptr, 300, NULL, &get_url, &err), 0);
	buf_reset(&got);
	ck_assert_int_eq(plain_request("GET", get_url, NULL, NULL, &got), 200);
	ck_assert_str_eq(got.ptr, body);
	ck_assert_int_eq(s3_delete(live, key.ptr, &err), 0);
	free(put_url);
	free(get_url);
	buf_release(&key);
	buf_release(&got);
}
END_TEST

/* ---- failures without a server ---- */

static struct s3_client *client_at(const char *endpoint, long connect_ms, long total_ms)
{
	struct s3_params p = {
		.endpoint = endpoint,
		.region = "us-east-1",
		.bucket = "shortlist",
		.access_key = "AKIDTEST",
		.secret_key = "secret/key+test",
		.path_style = true,
		.connect_timeout_ms = connect_ms,
		.timeout_ms = total_ms,
	};
	struct s3_client *c = NULL;
	struct s3_error err;

	ck_assert_int_eq(s3_client_new(&p, &c, &err), 0);
	return c;
}

/* A loopback TCP socket on a free port; returns the fd and sets *port. */
static int listen_any(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	ck_assert_int_ge(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

START_TEST(test_closed_port_is_unavailable)
{
	struct s3_client *c;
	struct s3_error err;
	struct buf url = BUF_INIT(0), got = BUF_INIT(0);
	struct s3_object_info info;
	char *upload_id = NULL;
	int port, fd = listen_any(&port);

	/* The port was free a moment ago and nothing listens once it is closed. */
	close(fd);
	buf_printf(&url, "http://127.0.0.1:%d", port);
	c = client_at(url.ptr, 2000, 5000);
	ck_assert_int_eq(s3_put(c, "k", "x", 1, NULL, NULL, 0, NULL, &err), S3_UNAVAILABLE);
	ck_assert(err.unavailable);
	ck_assert_int_eq(err.status, 0);
	ck_assert_str_eq(err.code, "ConnectionRefused");
	ck_assert(err.message[0] != '\0');
	ck_assert_int_eq(s3_get(c, "k", &got, &err), S3_UNAVAILABLE);
	ck_assert(err.unavailable);
	ck_assert_int_eq(s3_head(c, "k", &info, &err), S3_UNAVAILABLE);
	s3_object_info_release(&info);
	ck_assert_int_eq(s3_delete(c, "k", &err), S3_UNAVAILABLE);
	ck_assert_int_eq(s3_multipart_initiate(c, "k", NULL, NULL, 0, &upload_id, &err), S3_UNAVAILABLE);
	ck_assert_ptr_null(upload_id);
	ck_assert_int_eq(s3_probe(c, 500, &err), S3_UNAVAILABLE);
	ck_assert(err.unavailable);
	s3_client_free(c);
	buf_release(&url);
	buf_release(&got);
}
END_TEST

START_TEST(test_silent_server_times_out)
{
	struct s3_client *c;
	struct s3_error err;
	struct buf url = BUF_INIT(0), got = BUF_INIT(0);
	int port, fd = listen_any(&port);

	/* The kernel completes the connection; nobody ever answers. */
	buf_printf(&url, "http://127.0.0.1:%d", port);
	c = client_at(url.ptr, 200, 300);
	ck_assert_int_eq(s3_get(c, "k", &got, &err), S3_UNAVAILABLE);
	ck_assert(err.unavailable);
	ck_assert_int_eq(err.status, 0);
	ck_assert_str_eq(err.code, "Timeout");
	ck_assert_int_eq(s3_probe(c, 100, &err), S3_UNAVAILABLE);
	ck_assert_str_eq(err.code, "Timeout");
	close(fd);
	s3_client_free(c);
	buf_release(&url);
	buf_release(&got);
}
END_TEST

START_TEST(test_bad_arguments_send_nothing)
{
	/* A closed endpoint: anything that reached the network would come back unavailable, not invalid. */
	struct s3_client *c = client_at("http://127.0.0.1:9", 500, 500);
	const struct s3_meta bad_name[] = { { "Upper", "v" } };
	const struct s3_meta bad_value[] = { { "ok", "line\r\nx-amz-acl: public-read" } };
	const struct s3_meta non_ascii[] = { { "ok", "r\xc3\xa9sum\xc3\xa9" } };
	const struct s3_meta blank[] = { { "ok", "fine" }, { "empty", " " } };
	struct s3_part parts[2] = { { 2, "\"a\"" }, { 1, "\"b\"" } };
	struct buf got = BUF_INIT(0);
	struct s3_error err;
	char *id = NULL, etag[S3_ETAG_MAX];

	ck_assert_int_eq(s3_put(c, "", "x", 1, NULL, NULL, 0, NULL, &err), S3_INVALID);
	ck_assert_str_eq(err.code, "InvalidArgument");
	ck_assert_int_eq(s3_put(c, "k", "x", 1, "text/plain\n", NULL, 0, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_put(c, "k", "x", 1, NULL, bad_name, 1, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_put(c, "k", "x", 1, NULL, bad_value, 1, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_put(c, "k", "x", 1, NULL, non_ascii, 1, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_put(c, "k", "x", 1, NULL, blank, 2, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_put(c, "k", NULL, 1, NULL, NULL, 0, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_get(c, NULL, &got, &err), S3_INVALID);
	ck_assert_int_eq(s3_multipart_initiate(c, "k", NULL, bad_name, 1, &id, &err), S3_INVALID);
	ck_assert_ptr_null(id);
	ck_assert_int_eq(s3_multipart_upload_part(c, "k", "id", 0, "x", 1, etag, &err), S3_INVALID);
	ck_assert_int_eq(s3_multipart_upload_part(c, "k", "id", 10001, "x", 1, etag, &err), S3_INVALID);
	ck_assert_int_eq(s3_multipart_upload_part(c, "k", "", 1, "x", 1, etag, &err), S3_INVALID);
	ck_assert_int_eq(s3_multipart_complete(c, "k", "id", parts, 0, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_multipart_complete(c, "k", "id", parts, 2, NULL, &err), S3_INVALID);
	ck_assert_int_eq(s3_multipart_abort(c, "k", NULL, &err), S3_INVALID);
	ck_assert_str_eq(err.code, "InvalidArgument");
	ck_assert(!err.unavailable);
	ck_assert_str_eq(s3_strerror(S3_UNAVAILABLE), "unavailable");
	s3_client_free(c);
	buf_release(&got);
}
END_TEST

/* ---- a scripted fake server: canned answers, and the requests it saw ---- */

struct fake {
	int fd;
	int port;
	pthread_t thread;
	pthread_mutex_t lock;
	struct buf answer; /* the whole response, sent for every request */
	struct buf heads;  /* every request head received, each ending with an empty line */
	struct buf last_body;
};

/* Reads until the end of a request head; returns its length (including CRLFCRLF), 0 at EOF. */
static size_t read_head(int fd, struct buf *in)
{
	char chunk[4096];
	char *end;
	ssize_t n;

	while (!(end = in->ptr ? strstr(in->ptr, "\r\n\r\n") : NULL)) {
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0)
			return 0;
		buf_append(in, chunk, (size_t)n);
	}
	return (size_t)(end - in->ptr) + 4;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	int conn;

	while ((conn = accept(f->fd, NULL, NULL)) >= 0) {
		struct buf in = BUF_INIT(0);
		size_t head;

		while ((head = read_head(conn, &in)) > 0) {
			int64_t clen = 0;
			const char *cl = strcasestr(in.ptr, "\r\ncontent-length:");
			char chunk[4096];

			if (cl && cl < in.ptr + head)
				parse_int64_n(cl + 17 + strspn(cl + 17, " "),
					      strcspn(cl + 17 + strspn(cl + 17, " "), "\r"), 0, INT64_MAX, &clen);
			if (strcasestr(in.ptr, "\r\nexpect: 100-continue") && (size_t)clen + head > in.len &&
			    write(conn, "HTTP/1.1 100 Continue\r\n\r\n", 25) != 25)
				break;
			while (in.len < head + (size_t)clen) {
				ssize_t n = read(conn, chunk, sizeof(chunk));

				if (n <= 0)
					break;
				buf_append(&in, chunk, (size_t)n);
			}
			pthread_mutex_lock(&f->lock);
			buf_append(&f->heads, in.ptr, head);
			buf_reset(&f->last_body);
			buf_append(&f->last_body, in.ptr + head, (size_t)clen);
			if (write(conn, f->answer.ptr, f->answer.len) != (ssize_t)f->answer.len) {
				pthread_mutex_unlock(&f->lock);
				break;
			}
			pthread_mutex_unlock(&f->lock);
			buf_consume(&in, head + (size_t)clen < in.len ? head + (size_t)clen : in.len);
		}
		buf_release(&in);
		close(conn);
	}
	return NULL;
}

static void fake_start(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->fd = listen_any(&f->port);
	buf_append_str(&f->answer, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

/* Sets the answer to every later request: a status line, extra header lines (each ending CRLF) and a body. */
static void fake_answer(struct fake *f, const char *status, const char *headers, const char *body)
{
	pthread_mutex_lock(&f->lock);
	buf_reset(&f->answer);
	buf_printf(&f->answer, "HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n\r\n%s", status, headers, strlen(body), body);
	buf_reset(&f->heads);
	pthread_mutex_unlock(&f->lock);
}

static void fake_stop(struct fake *f)
{
	shutdown(f->fd, SHUT_RDWR);
	close(f->fd);
	pthread_join(f->thread, NULL);
	pthread_mutex_destroy(&f->lock);
	buf_release(&f->heads);
	buf_release(&f->last_body);
	buf_release(&f->answer);
}

static struct s3_client *fake_client(const struct fake *f)
{
	struct buf url = BUF_INIT(0);
	struct s3_client *c;

	buf_printf(&url, "http://127.0.0.1:%d", f->port);
	c = client_at(url.ptr, 2000, 5000);
	buf_release(&url);
	return c;
}

START_TEST(test_error_answers_are_classified)
{
	struct s3_part part = { 1, "\"e\"" };
	struct buf got = BUF_INIT(8);
	struct s3_error err;
	struct fake f;
	struct s3_client *c;
	char *id = NULL;

	fake_start(&f);
	c = fake_client(&f);

	fake_answer(&f, "503 Slow Down", "",
		    "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>");
	ck_assert_int_eq(s3_put(c, "k", "x", 1, NULL, NULL, 0, NULL, &err), S3_UNAVAILABLE);
	ck_assert_int_eq(err.status, 503);
	ck_assert(err.unavailable);
	ck_assert_str_eq(err.code, "SlowDown");
	ck_assert_str_eq(err.message, "Please reduce your request rate.");

	fake_answer(&f, "403 Forbidden", "Content-Type: application/xml\r\n",
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code>"
		    "<Message>Access &amp; Denied</Message><RequestId>1</RequestId></Error>");
	ck_assert_int_eq(s3_get(c, "k", &got, &err), S3_ERROR);
	ck_assert_int_eq(err.status, 403);
	ck_assert(!err.unavailable);
	ck_assert_str_eq(err.code, "AccessDenied");
	ck_assert_str_eq(err.message, "Access & Denied");
	ck_assert_uint_eq(got.len, 0);

	fake_answer(&f, "500 Internal Server Error", "", "oops! <Error><Code>");
	ck_assert_int_eq(s3_delete(c, "k", &err), S3_UNAVAILABLE);
	ck_assert_int_eq(err.status, 500);
	ck_assert_str_eq(err.code, "HttpError");

	fake_answer(&f, "200 OK", "",
		    "<Error><Code>InternalError</Code><Message>We encountered an error.</Message></Error>");
	ck_assert_int_eq(s3_multipart_complete(c, "k", "id", &part, 1, NULL, &err), S3_UNAVAILABLE);
	ck_assert_int_eq(err.status, 200);
	ck_assert_str_eq(err.code, "InternalError");

	fake_answer(&f, "200 OK", "", "<InitiateMultipartUploadResult></InitiateMultipartUploadResult>");
	ck_assert_int_eq(s3_multipart_initiate(c, "k", NULL, NULL, 0, &id, &err), S3_ERROR);
	ck_assert_ptr_null(id);
	ck_assert_str_eq(err.code, "MalformedResponse");

	/* Content-Length says 10 into a buffer of 8: refused before the body is read. */
	fake_answer(&f, "200 OK", "", "0123456789");
	buf_append_str(&got, "ab");
	ck_assert_int_eq(s3_get(c, "k", &got, &err), S3_TOO_LARGE);
	ck_assert_str_eq(got.ptr, "ab");
	/* The client is still usable after an aborted transfer. */
	fake_answer(&f, "200 OK", "", "xyz");
	ck_assert_int_eq(s3_get(c, "k", &got, &err), 0);
	ck_assert_str_eq(got.ptr, "abxyz");

	s3_client_free(c);
	fake_stop(&f);
	buf_release(&got);
}
END_TEST

/* The request line of the last request the fake saw ("GET /shortlist?... HTTP/1.1"), copied to out. */
static void last_request_line(struct fake *f, char *out, size_t len)
{
	const char *start, *end;

	pthread_mutex_lock(&f->lock);
	out[0] = '\0';
	for (start = f->heads.ptr; start && (end = strstr(start, "\r\n\r\n")) && end + 4 < f->heads.ptr + f->heads.len;)
		start = end + 4;
	if (start) {
		end = strstr(start, "\r\n");
		snprintf(out, len, "%.*s", end ? (int)(end - start) : 0, start);
	}
	pthread_mutex_unlock(&f->lock);
}

START_TEST(test_multipart_list_reads_pages)
{
	struct s3_upload_page page;
	struct s3_error err;
	struct fake f;
	struct s3_client *c;
	char line[1024];

	fake_start(&f);
	c = fake_client(&f);

	/* First page: truncated, with the markers of the next one; keys with entities; one entry lacking its id. */
	fake_answer(&f, "200 OK", "Content-Type: application/xml\r\n",
		    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
		    "<Bucket>shortlist</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>"
		    "<NextKeyMarker>orgs/2/b</NextKeyMarker><NextUploadIdMarker>id-2</NextUploadIdMarker>"
		    "<Prefix>orgs/</Prefix><MaxUploads>2</MaxUploads><IsTruncated>true</IsTruncated>"
		    "<Upload><Key>orgs/1/a&amp;b</Key><UploadId>id-1</UploadId>"
		    "<Initiated>2010-11-10T20:48:33.000Z</Initiated></Upload>"
		    "<Upload><Key>orgs/2/b</Key><UploadId>id-2</UploadId><Initiated>not a date</Initiated></Upload>"
		    "<Upload><Key>orgs/3/c</Key></Upload>"
		    "</ListMultipartUploadsResult>");
	ck_assert_int_eq(s3_multipart_list(c, "orgs/", NULL, NULL, &page, &err), 0);
	last_request_line(&f, line, sizeof(line));
	ck_assert_str_eq(line, "GET /shortlist?key-marker=&prefix=orgs%2F&upload-id-marker=&uploads= HTTP/1.1");
	ck_assert_uint_eq(page.n, 2);
	ck_assert_str_eq(page.uploads[0].key, "orgs/1/a&b");
	ck_assert_str_eq(page.uploads[0].upload_id, "id-1");
	ck_assert_int_eq((long long)page.uploads[0].initiated, 1289422113LL);
	ck_assert_str_eq(page.uploads[1].key, "orgs/2/b");
	ck_assert_int_eq((long long)page.uploads[1].initiated, -1);
	ck_assert(page.truncated);
	ck_assert_str_eq(page.next_key_marker, "orgs/2/b");
	ck_assert_str_eq(page.next_upload_id_marker, "id-2");

	/* The next page is asked for from the markers, and is the last. */
	fake_answer(&f, "200 OK", "",
		    "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>"
		    "<Upload><Key>orgs/4/d</Key><UploadId>id 4</UploadId>"
		    "<Initiated>2024-02-29T23:59:59Z</Initiated></Upload></ListMultipartUploadsResult>");
	{
		struct s3_upload_page next;

		ck_assert_int_eq(
			s3_multipart_list(c, "orgs/", page.next_key_marker, page.next_upload_id_marker, &next, &err),
			0);
		last_request_line(&f, line, sizeof(line));
		ck_assert_str_eq(line,
				 "GET /shortlist?key-marker=orgs%2F2%2Fb&prefix=orgs%2F&upload-id-marker=id-2&uploads= "
				 "HTTP/1.1");
		ck_assert_uint_eq(next.n, 1);
		ck_assert_str_eq(next.uploads[0].upload_id, "id 4");
		ck_assert_int_eq((long long)next.uploads[0].initiated, 1709251199LL);
		ck_assert(!next.truncated);
		ck_assert_ptr_null(next.next_key_marker);
		s3_upload_page_release(&next);
	}
	s3_upload_page_release(&page);

	/* An empty bucket. */
	fake_answer(&f, "200 OK", "",
		    "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>");
	ck_assert_int_eq(s3_multipart_list(c, "orgs/", NULL, NULL, &page, &err), 0);
	ck_assert_uint_eq(page.n, 0);
	s3_upload_page_release(&page);

	/* Truncated without a next marker: nobody could ask for the next page. */
	fake_answer(&f, "200 OK", "",
		    "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated></ListMultipartUploadsResult>");
	ck_assert_int_eq(s3_multipart_list(c, "orgs/", NULL, NULL, &page, &err), S3_ERROR);
	ck_assert_str_eq(err.code, "MalformedResponse");
	ck_assert_uint_eq(page.n, 0);
	s3_upload_page_release(&page);

	/* Not a listing at all. */
	fake_answer(&f, "200 OK", "", "<ListBucketResult></ListBucketResult>");
	ck_assert_int_eq(s3_multipart_list(c, NULL, NULL, NULL, &page, &err), S3_ERROR);
	s3_upload_page_release(&page);

	/* s3rver's answer: not implemented. */
	fake_answer(
		&f, "501 Not Implemented", "Content-Type: application/xml\r\n",
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NotImplemented</Code><Message>A parameter "
		"you provided implies functionality that is not implemented</Message></Error>");
	ck_assert_int_eq(s3_multipart_list(c, "orgs/", NULL, NULL, &page, &err), S3_UNAVAILABLE);
	ck_assert_str_eq(err.code, "NotImplemented");
	ck_assert(s3_error_unsupported(&err));
	s3_upload_page_release(&page);

	s3_client_free(c);
	fake_stop(&f);
}
END_TEST

START_TEST(test_multipart_abort_answers)
{
	struct s3_error err;
	struct fake f;
	struct s3_client *c;
	char line[1024];

	fake_start(&f);
	c = fake_client(&f);

	fake_answer(&f, "204 No Content", "", "");
	ck_assert_int_eq(s3_multipart_abort(c, "orgs/1/k", "up/1=", &err), 0);
	last_request_line(&f, line, sizeof(line));
	ck_assert_str_eq(line, "DELETE /shortlist/orgs/1/k?uploadId=up%2F1%3D HTTP/1.1");

	fake_answer(&f, "404 Not Found", "",
		    "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>");
	ck_assert_int_eq(s3_multipart_abort(c, "orgs/1/k", "u", &err), S3_NOT_FOUND);
	ck_assert_str_eq(err.code, "NoSuchUpload");
	ck_assert(!s3_error_unsupported(&err));

	fake_answer(&f, "405 Method Not Allowed", "",
		    "<Error><Code>MethodNotAllowed</Code><Message>The specified method is not allowed against this "
		    "resource.</Message><Method>DELETE</Method><ResourceType>UPLOADID</ResourceType></Error>");
	ck_assert_int_eq(s3_multipart_abort(c, "orgs/1/k", "u", &err), S3_ERROR);
	ck_assert_int_eq(err.status, 405);
	ck_assert_str_eq(err.code, "MethodNotAllowed");
	ck_assert(s3_error_unsupported(&err));

	fake_answer(&f, "403 Forbidden", "", "<Error><Code>AccessDenied</Code><Message>no</Message></Error>");
	ck_assert_int_eq(s3_multipart_abort(c, "orgs/1/k", "u", &err), S3_ERROR);
	ck_assert(!s3_error_unsupported(&err));

	s3_client_free(c);
	fake_stop(&f);
}
END_TEST

/* Re-signs a captured request head with botocore; returns 0 with its Authorization value in out, 77, or -1. */
static int reference_authorization(const char *script, const char *head, size_t len, struct buf *out)
{
	struct buf cmd = BUF_INIT(0);
	char tmp[] = P_tmpdir "/s3-sign-ref-XXXXXX", line[4096];
	FILE *f = NULL;
	int fd, status, ret = -1;

	if ((fd = mkstemp(tmp)) < 0)
		return -1;
	if (write(fd, head, len) != (ssize_t)len) {
		close(fd);
		goto out;
	}
	close(fd);
	buf_printf(&cmd, "%s '%s' sign http us-east-1 AKIDTEST 'secret/key+test' < '%s'", PYTHON, script, tmp);
	if (!(f = popen(cmd.ptr, "r")))
		goto out;
	buf_reset(out);
	while (fgets(line, sizeof(line), f))
		buf_append_str(out, line);
	status = pclose(f);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		ret = 77;
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		goto out;
	while (out->len && out->ptr[out->len - 1] == '\n')
		out->ptr[--out->len] = '\0';
	ret = 0;
out:
	unlink(tmp);
	buf_release(&cmd);
	return ret;
}

/* The value of header name in a request head, copied to out. */
static void head_value(const char *head, const char *name, struct buf *out)
{
	struct buf pat = BUF_INIT(0);
	const char *p;

	buf_reset(out);
	buf_printf(&pat, "\r\n%s:", name);
	p = strcasestr(head, pat.ptr);
	if (p) {
		p += pat.len;
		p += strspn(p, " ");
		buf_append(out, p, strcspn(p, "\r"));
	}
	buf_release(&pat);
}

/*
 * libcurl signs the requests; s3rver checks no signature. So every kind of
 * request is captured here and signed again by botocore: the Authorization
 * headers must be identical, and the declared payload hash must be the body's.
 */
START_TEST(test_requests_are_signed_like_botocore)
{
	const struct s3_meta meta[] = { { "candidate-id", "42" }, { "note", "  two  spaces " } };
	struct s3_part part = { 1, "\"p1\"" };
	struct buf got = BUF_INIT(0), ref = BUF_INIT(0), sent = BUF_INIT(0), hash = BUF_INIT(0);
	struct s3_object_info info;
	struct s3_error err;
	struct fake f;
	struct s3_client *c;
	char script[4200], body_hash[SHA256_HEX_LEN + 1], etag[S3_ETAG_MAX], *id = NULL;
	int step, checked = 0, rc = 0;

	if (access(PYTHON, X_OK) != 0 || !repo_file(REF_SCRIPT, script, sizeof(script))) {
		printf("skip: %s or %s not found; signature comparison not run\n", PYTHON, REF_SCRIPT);
		return;
	}
	fake_start(&f);
	c = fake_client(&f);
	for (step = 0; step < 9; step++) {
		if (step == 4)
			fake_answer(&f, "200 OK", "",
				    "<InitiateMultipartUploadResult><UploadId>a+b/c=d~e</UploadId></"
				    "InitiateMultipartUploadResult>");
		else
			fake_answer(&f, "200 OK", "ETag: \"p1\"\r\n", "");
		switch (step) {
		case 0:
			rc = s3_put(c, "dir/r\xc3\xa9sum\xc3\xa9 a+b=c.pdf", "%PDF", 4, "application/pdf", meta, 2,
				    etag, &err);
			break;
		case 1:
			rc = s3_get(c, "100% sure?.doc", &got, &err);
			break;
		case 2:
			rc = s3_head(c, "~tilde/x", &info, &err);
			s3_object_info_release(&info);
			break;
		case 3:
			rc = s3_delete(c, "a//b", &err);
			break;
		case 4:
			rc = s3_multipart_initiate(c, "big file", "text/plain", NULL, 0, &id, &err);
			ck_assert_pstr_eq(id, "a+b/c=d~e");
			break;
		case 5:
			rc = s3_multipart_upload_part(c, "big file", id, 1, "part", 4, etag, &err);
			ck_assert_str_eq(etag, "\"p1\"");
			break;
		case 6:
			rc = s3_multipart_complete(c, "big file", id, &part, 1, NULL, &err);
			break;
		case 7:
			rc = s3_multipart_abort(c, "big file", id, &err);
			break;
		case 8:
			rc = s3_probe(c, 1000, &err);
			break;
		}
		ck_assert_msg(rc == 0, "step %d failed: %s %s", step, err.code, err.message);
		pthread_mutex_lock(&f.lock);
		ck_assert_msg(f.heads.len > 0, "step %d sent nothing", step);
		buf_reset(&sent);
		buf_append(&sent, f.heads.ptr, f.heads.len);
		ck_assert_int_eq(sha256_hex(f.last_body.ptr ? f.last_body.ptr : "", f.last_body.len, body_hash), 0);
		pthread_mutex_unlock(&f.lock);

		head_value(sent.ptr, "x-amz-content-sha256", &hash);
		ck_assert_msg(strcmp(hash.ptr, body_hash) == 0, "step %d: declared hash %s, body hash %s", step,
			      hash.ptr, body_hash);
		rc = reference_authorization(script, sent.ptr, sent.len, &ref);
		if (rc == 77) {
			printf("skip: python3-botocore is not installed; signature comparison not run\n");
			break;
		}
		ck_assert_int_eq(rc, 0);
		head_value(sent.ptr, "authorization", &hash);
		ck_assert_msg(strcmp(hash.ptr, ref.ptr) == 0, "step %d signature differs:\n%s\n curl %s\n ref  %s",
			      step, sent.ptr, hash.ptr, ref.ptr);
		checked++;
	}
	if (checked)
		printf("s3: %d signed requests identical to botocore's signature\n", checked);
	free(id);
	s3_client_free(c);
	fake_stop(&f);
	buf_release(&got);
	buf_release(&ref);
	buf_release(&sent);
	buf_release(&hash);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("s3");
	TCase *server = tcase_create("server");
	TCase *offline = tcase_create("offline");
	int failed;

	tcase_add_checked_fixture(server, live_setup, live_teardown);
	tcase_set_timeout(server, 120);
	tcase_add_test(server, test_put_head_get_delete_roundtrip);
	tcase_add_test(server, test_missing_key_is_404_nosuchkey);
	tcase_add_test(server, test_get_larger_than_max_fails_clearly);
	tcase_add_test(server, test_multipart_12mb_roundtrip);
	tcase_add_test(server, test_multipart_abort_leaves_nothing);
	tcase_add_test(server, test_presigned_put_and_get_work_with_plain_curl);
	tcase_set_timeout(offline, 60);
	tcase_add_test(offline, test_closed_port_is_unavailable);
	tcase_add_test(offline, test_silent_server_times_out);
	tcase_add_test(offline, test_bad_arguments_send_nothing);
	tcase_add_test(offline, test_error_answers_are_classified);
	tcase_add_test(offline, test_multipart_list_reads_pages);
	tcase_add_test(offline, test_multipart_abort_answers);
	tcase_add_test(offline, test_requests_are_signed_like_botocore);
	suite_add_tcase(s, server);
	suite_add_tcase(s, offline);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
