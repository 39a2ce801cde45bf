/*
 * libFuzzer harness: s3_presign_at() with fuzzed client parameters, key, method, content type, expiry and time.
 * What it refuses it refuses with S3_INVALID, a code and no URL; what it signs is a URL whose path decodes back to
 * the key and re-encodes to itself, whose query holds the six SigV4 parameters in canonical form, and whose
 * signature a verifier rebuilding the canonical request from the URL alone computes too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "base/util.h"
#include "core/log.h"
#include "intake/s3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 7

/*
 * The input: 9 bytes of numbers (flags, expiry, time), then key, content
 * type, access key, secret key, region, bucket and endpoint, separated by
 * NUL bytes. A field left out takes a working default.
 */
struct input {
	unsigned flags; /* bit 0: PUT, bit 1: another method, bit 2: path style, bit 3: a content type */
	long expires;
	time_t now;
	const char *f[NFIELDS];
};

static const char *const defaults[NFIELDS] = {
	"uploads/1/2/resume.pdf",
	"application/pdf",
	"AKIDEXAMPLE",
	"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	"us-east-1",
	"shortlist",
	"http://127.0.0.1:9000",
};

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
	       c == '_' || c == '~';
}

static int hex_upper(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Decodes s[0..len) written in SigV4 form (unreserved bytes, '/' when
 * slash_ok, %XX with upper-case hex, and nothing else) into out; false when
 * the text is not in that form, so that decoding and encoding round-trip.
 */
static bool canonical_decode(const char *s, size_t len, bool slash_ok, struct buf *out)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c) || (slash_ok && c == '/')) {
			buf_append_char(out, (char)c);
		} else if (c == '%') {
			int hi = i + 2 < len ? hex_upper((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_upper((unsigned char)s[i + 2]) : -1;
			unsigned char v;

			if (hi < 0 || lo < 0)
				return false;
			v = (unsigned char)(hi * 16 + lo);
			/* An escaped byte that needed no escape would not be canonical. */
			if (is_unreserved(v) || (slash_ok && v == '/'))
				return false;
			buf_append_char(out, (char)v);
			i += 2;
		} else {
			return false;
		}
	}
	return true;
}

static void parse_input(const uint8_t *data, size_t size, struct input *in)
{
	size_t i, start, n = 0;

	memset(in, 0, sizeof(*in));
	if (size >= 9) {
		uint32_t e = (uint32_t)data[1] << 24 | (uint32_t)data[2] << 16 | (uint32_t)data[3] << 8 | data[4];
		uint32_t t = (uint32_t)data[5] << 24 | (uint32_t)data[6] << 16 | (uint32_t)data[7] << 8 | data[8];

		in->flags = data[0];
		/* Mostly valid expiries, sometimes out of range on either side. */
		in->expires = (data[0] & 0x80) ? (long)(int32_t)e : (long)(e % 700000);
		in->now = (time_t)(int32_t)t * ((data[0] & 0x40) ? 1000 : 1);
		data += 9;
		size -= 9;
	} else {
		in->expires = 900;
		in->now = 1700000000;
	}
	for (i = 0, start = 0; i <= size && n < NFIELDS; i++)
		if (i == size || data[i] == 0) {
			in->f[n++] = (const char *)data + start;
			start = i + 1;
		}
}

/* The canonical form of a header value as a verifier makes it: blanks trimmed, inner runs of blanks one space. */
static void canonical_value(const char *s, struct buf *b)
{
	size_t i, len = strlen(s);
	bool pending = false;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (i = 0; i < len && (s[i] == ' ' || s[i] == '\t'); i++)
		;
	for (; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\t') {
			pending = true;
			continue;
		}
		if (pending)
			buf_append_char(b, ' ');
		pending = false;
		buf_append_char(b, s[i]);
	}
}

static void hmac_str(const unsigned char *key, size_t keylen, const char *msg, unsigned char out[SHA256_LEN])
{
	if (sha256_hmac(key, keylen, msg, strlen(msg), out) < 0)
		abort();
}

/* Recomputes the signature from what the URL says and the secret, as S3 does when the URL is used. */
static void verify_signature(const char *method, const char *host, const char *path, const char *query,
			     size_t query_len, const char *content_type, const char *date, const char *amz_date,
			     const char *region, const char *secret, const char *sig)
{
	struct buf creq = BUF_INIT(0), sts = BUF_INIT(0), key = BUF_INIT(0);
	unsigned char k[SHA256_LEN], k2[SHA256_LEN];
	char hash[SHA256_HEX_LEN + 1], hex[SHA256_HEX_LEN + 1];

	buf_printf(&creq, "%s\n%s\n", method, path);
	buf_append(&creq, query, query_len);
	buf_append_char(&creq, '\n');
	if (content_type) {
		buf_append_str(&creq, "content-type:");
		canonical_value(content_type, &creq);
		buf_append_char(&creq, '\n');
	}
	buf_printf(&creq, "host:%s\n\n%s\nUNSIGNED-PAYLOAD", host, content_type ? "content-type;host" : "host");
	if (sha256_hex(creq.ptr, creq.len, hash) < 0)
		abort();
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date, date, region, hash);
	buf_printf(&key, "AWS4%s", secret);
	hmac_str((const unsigned char *)key.ptr, key.len, date, k);
	hmac_str(k, SHA256_LEN, region, k2);
	hmac_str(k2, SHA256_LEN, "s3", k);
	hmac_str(k, SHA256_LEN, "aws4_request", k2);
	if (sha256_hmac(k2, SHA256_LEN, sts.ptr, sts.len, k) < 0)
		abort();
	hex_encode(k, SHA256_LEN, hex);
	if (strcmp(hex, sig) != 0)
		abort(); /* a verifier would refuse the URL */
	buf_release(&creq);
	buf_release(&sts);
	buf_release(&key);
}

/* One query parameter: checks its name and canonical value and returns the decoded value (caller frees). */
static char *query_param(const char **q, const char *name)
{
	struct buf v = BUF_INIT(0);
	size_t n = strlen(name), vlen;
	const char *amp;

	if (strncmp(*q, name, n) != 0 || (*q)[n] != '=')
		abort();
	*q += n + 1;
	amp = strchr(*q, '&');
	vlen = amp ? (size_t)(amp - *q) : strlen(*q);
	if (!canonical_decode(*q, vlen, false, &v))
		abort();
	*q += vlen + (amp ? 1 : 0);
	buf_append_char(&v, '\0');
	return buf_detach(&v, NULL);
}

static void check_url(const struct input *in, const char *method, const char *key, const char *content_type,
		      const char *url)
{
	const char *ak = in->f[2], *secret = in->f[3], *region = in->f[4], *bucket = in->f[5], *endpoint = in->f[6];
	bool path_style = in->flags & 4;
	struct buf base = BUF_INIT(0), aws = BUF_INIT(0), want_prefix = BUF_INIT(0), decoded = BUF_INIT(0);
	struct buf cred = BUF_INIT(0);
	const char *p, *host, *path, *qmark, *q, *query, *sigp, *ep_host;
	char amz_date[17], date[9], *v;
	size_t ep_host_len;
	struct tm tm;

	/* scheme://host as the endpoint says (AWS's when there is none), the bucket in front for virtual-host style. */
	if (*endpoint) {
		p = strstr(endpoint, "://");
		if (!p)
			abort();
		buf_append(&base, endpoint, (size_t)(p - endpoint) + 3);
		ep_host = p + 3;
	} else {
		buf_append_str(&base, "https://");
		buf_printf(&aws, "s3.%s.amazonaws.com", region);
		ep_host = aws.ptr;
	}
	ep_host_len = strcspn(ep_host, "/");
	if (!path_style)
		buf_printf(&base, "%s.", bucket);
	buf_append(&base, ep_host, ep_host_len);
	buf_append_char(&base, '\0');
	if (strncmp(url, base.ptr, strlen(base.ptr)) != 0)
		abort();
	path = url + strlen(base.ptr);
	host = strstr(base.ptr, "://") + 3;
	qmark = strchr(path, '?');
	if (!qmark || strchr(qmark + 1, '?') || strchr(url, '#'))
		abort();

	/* The path: the endpoint's prefix, the bucket for path style, then the key, decoding to itself. */
	buf_append_str(&want_prefix, ep_host + ep_host_len);
	while (want_prefix.len > 0 && want_prefix.ptr[want_prefix.len - 1] == '/')
		want_prefix.len--;
	if (path_style)
		buf_printf(&want_prefix, "/%s", bucket);
	buf_append_char(&want_prefix, '/');
	if ((size_t)(qmark - path) < want_prefix.len || memcmp(path, want_prefix.ptr, want_prefix.len) != 0)
		abort();
	if (!canonical_decode(path + want_prefix.len, (size_t)(qmark - path) - want_prefix.len, true, &decoded))
		abort();
	if (decoded.len != strlen(key) || memcmp(decoded.ptr, key, decoded.len) != 0)
		abort(); /* the canonical URI does not round-trip to the key */

	/* The query: the six parameters in byte order of their names, each value canonical. */
	if (!gmtime_r(&in->now, &tm) || strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16)
		abort(); /* signed a time it cannot write */
	memcpy(date, amz_date, 8);
	date[8] = '\0';
	query = q = qmark + 1;
	v = query_param(&q, "X-Amz-Algorithm");
	if (strcmp(v, "AWS4-HMAC-SHA256") != 0)
		abort();
	free(v);
	v = query_param(&q, "X-Amz-Credential");
	buf_printf(&cred, "%s/%s/%s/s3/aws4_request", ak, date, region);
	if (strcmp(v, cred.ptr) != 0)
		abort();
	free(v);
	v = query_param(&q, "X-Amz-Date");
	if (strcmp(v, amz_date) != 0)
		abort();
	free(v);
	v = query_param(&q, "X-Amz-Expires");
	if (strtol(v, NULL, 10) != in->expires)
		abort();
	free(v);
	v = query_param(&q, "X-Amz-SignedHeaders");
	if (strcmp(v, content_type ? "content-type;host" : "host") != 0)
		abort();
	free(v);
	sigp = q;
	v = query_param(&q, "X-Amz-Signature");
	if (*q || strlen(v) != SHA256_HEX_LEN || strspn(v, "0123456789abcdef") != SHA256_HEX_LEN)
		abort();
	buf_release(&decoded);
	buf_append(&decoded, path, (size_t)(qmark - path));
	buf_append_char(&decoded, '\0');
	verify_signature(method, host, decoded.ptr, query, (size_t)(sigp - 1 - query), content_type, date, amz_date,
			 region, secret, v);
	free(v);
	buf_release(&base);
	buf_release(&aws);
	buf_release(&want_prefix);
	buf_release(&decoded);
	buf_release(&cred);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "GET", "PUT", "get", "DELETE", "POST", "" };
	struct input in;
	struct s3_params p;
	struct s3_client *c = NULL;
	struct s3_error err;
	const char *method, *content_type;
	char *fields, *url = NULL;
	size_t i;
	int rc;

	log_set_level((enum log_level)(LOG_ERROR + 1)); /* refusals are expected: keep the output readable */
	/* A copy whose NUL separators end each field as a C string. */
	fields = xmalloc(size + 1);
	memcpy(fields, data, size);
	fields[size] = '\0';
	parse_input((const uint8_t *)fields, size, &in);
	for (i = 0; i < NFIELDS; i++)
		if (!in.f[i])
			in.f[i] = defaults[i];

	memset(&p, 0, sizeof(p));
	p.access_key = in.f[2];
	p.secret_key = in.f[3];
	p.region = in.f[4];
	p.bucket = in.f[5];
	p.endpoint = in.f[6];
	p.path_style = in.flags & 4;
	if (s3_client_new(&p, &c, &err) < 0) {
		if (c || !err.code[0] || !memchr(err.message, '\0', sizeof(err.message)))
			abort();
		goto out;
	}
	method = (in.flags & 2) ? methods[2 + (in.flags >> 4) % 4] : (in.flags & 1) ? "PUT" : "GET";
	content_type = (in.flags & 8) ? in.f[1] : NULL;
	rc = s3_presign_at(c, method, in.f[0], in.expires, content_type, in.now, &url, &err);
	if (rc != S3_OK) {
		if (rc != S3_INVALID || url || !err.code[0] || !memchr(err.message, '\0', sizeof(err.message)))
			abort();
		goto out;
	}
	if (!url || strlen(url) > 16384 || (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0) ||
	    (content_type && strcmp(method, "PUT") != 0))
		abort();
	check_url(&in, method, in.f[0], content_type, url);
out:
	free(url);
	s3_client_free(c);
	free(fields);
	return 0;
}
