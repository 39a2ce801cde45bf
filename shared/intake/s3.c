/* s3: an S3 client (AWS or any SigV4 store) on libcurl, with multipart uploads and presigned URLs. */
#include "intake/s3.h"

#include <ctype.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/sha256.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"

/*
 * Requests are signed by libcurl (CURLOPT_AWS_SIGV4). libcurl 7.88 signs the
 * path and the query exactly as they appear in the URL, so this file writes
 * both in canonical form itself: every key segment URI-encoded, query
 * parameters sorted and written "name=value" (so "uploads=", never a bare
 * "uploads"). It does not add x-amz-content-sha256 either: every request
 * sends the SHA-256 of its body, which holds over plain HTTP too. Bodies go
 * through CURLOPT_POSTFIELDS so that libcurl hashes the same bytes.
 *
 * The XML answers (Error, InitiateMultipartUploadResult,
 * CompleteMultipartUploadResult) are read with libxml2, already linked: a
 * hand scan would have to handle entities (&amp; in messages and keys),
 * namespaces and CDATA to be right, and these bodies are small. Parsing never
 * loads a DTD, never touches the network and never substitutes entities.
 */

#define S3_DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define S3_DEFAULT_TIMEOUT_MS 300000L
#define S3_KEY_MAX 1024
#define S3_XML_BODY_MAX (1024 * 1024)
#define S3_META_MAX 2048
#define S3_PRESIGN_MAX_EXPIRES 604800L
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct s3_client {
	CURL *curl;
	char *scheme;
	char *host;   /* host[:port] of the endpoint */
	char *prefix; /* path of the endpoint, "" or "/x" without a trailing slash */
	char *region;
	char *bucket;
	char *access_key;
	char *secret_key;
	char *sigv4;
	bool path_style;
	long connect_timeout_ms;
	long timeout_ms;
	char curl_error[CURL_ERROR_SIZE];
};

/* One request, described before it is sent. */
struct request {
	const char *method;
	const char *key;   /* NULL: the bucket itself */
	const char *query; /* canonical query, or NULL */
	const void *body;  /* with body_len, for PUT and POST */
	size_t body_len;
	const char *content_type;
	const struct s3_meta *meta;
	size_t nmeta;
	struct buf *out; /* where a 2xx body goes; NULL keeps it in the response */
	long timeout_ms; /* 0: the client's */
	long connect_timeout_ms;
};

/* What came back. */
struct response {
	long status;
	struct buf body; /* the body unless a 2xx body goes to out */
	struct buf *out;
	size_t out_start;
	bool too_large;
	int64_t content_length;
	char etag[S3_ETAG_MAX];
	char content_type[128];
	time_t last_modified;
	struct buf meta; /* "name\0value\0" pairs */
	size_t nmeta;
};

static void err_clear(struct s3_error *err)
{
	err->status = 0;
	err->unavailable = false;
	err->code[0] = '\0';
	err->message[0] = '\0';
}

static void err_set(struct s3_error *err, long status, bool unavailable, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void err_set(struct s3_error *err, long status, bool unavailable, const char *code, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->unavailable = unavailable;
	snprintf(err->code, sizeof(err->code), "%s", code);
	va_start(ap, fmt);
	if (vsnprintf(err->message, sizeof(err->message), fmt, ap) < 0)
		err->message[0] = '\0';
	va_end(ap);
}

const char *s3_strerror(int result)
{
	switch (result) {
	case S3_OK:
		return "ok";
	case S3_ERROR:
		return "request failed";
	case S3_UNAVAILABLE:
		return "unavailable";
	case S3_NOT_FOUND:
		return "not found";
	case S3_TOO_LARGE:
		return "too large";
	case S3_INVALID:
		return "invalid argument";
	default:
		return "unknown error";
	}
}

/* Copies at most dstlen-1 bytes of src (len bytes) and terminates. */
static void copy_trunc(char *dst, size_t dstlen, const char *src, size_t len)
{
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static bool is_unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
	       ch == '.' || ch == '_' || ch == '~';
}

/* SigV4 URI encoding: unreserved bytes as they are, '/' kept when asked, every other byte %XX. */
static void uri_encode(struct buf *b, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++) {
		if (is_unreserved(*p) || (keep_slash && *p == '/')) {
			buf_append_char(b, (char)*p);
		} else {
			char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			buf_append(b, esc, 3);
		}
	}
}

/* A header value must be printable ASCII (tab allowed): nothing may end a header early. */
static bool header_value_ok(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p >= 0x7f)
			return false;
	return true;
}

static bool meta_name_ok(const char *s)
{
	const char *p;

	if (!*s)
		return false;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return false;
	return true;
}

static int check_key(const char *key, struct s3_error *err)
{
	size_t len;

	if (!key || !*key) {
		err_set(err, 0, false, "InvalidArgument", "empty object key");
		return S3_INVALID;
	}
	len = strlen(key);
	if (len > S3_KEY_MAX) {
		err_set(err, 0, false, "InvalidArgument", "object key longer than %d bytes", S3_KEY_MAX);
		return S3_INVALID;
	}
	return 0;
}

static int check_meta(const char *content_type, const struct s3_meta *meta, size_t nmeta, struct s3_error *err)
{
	size_t i, total = 0;

	if (content_type && (!*content_type || !header_value_ok(content_type) || strlen(content_type) > 255)) {
		err_set(err, 0, false, "InvalidArgument", "content type is empty, too long or not printable ascii");
		return S3_INVALID;
	}
	for (i = 0; i < nmeta; i++) {
		if (!meta[i].name || !meta_name_ok(meta[i].name)) {
			err_set(err, 0, false, "InvalidArgument", "metadata name %zu is not made of [a-z0-9-_]", i);
			return S3_INVALID;
		}
		/* libcurl drops a header whose value is blank, so an empty value could not be sent as signed. */
		if (!meta[i].value || !header_value_ok(meta[i].value) || !meta[i].value[strspn(meta[i].value, " \t")]) {
			err_set(err, 0, false, "InvalidArgument", "metadata '%s' is blank or not printable ascii",
				meta[i].name);
			return S3_INVALID;
		}
		total += strlen(meta[i].name) + strlen(meta[i].value);
	}
	if (total > S3_META_MAX) {
		err_set(err, 0, false, "InvalidArgument", "metadata larger than %d bytes", S3_META_MAX);
		return S3_INVALID;
	}
	return 0;
}

/* The host requests go to: the endpoint's, with the bucket in front for virtual-host style. */
static void request_host(const struct s3_client *c, struct buf *b)
{
	if (!c->path_style) {
		buf_append_str(b, c->bucket);
		buf_append_char(b, '.');
	}
	buf_append_str(b, c->host);
}

/* The canonical (and sent) path of key, or of the bucket when key is NULL. */
static void request_path(const struct s3_client *c, const char *key, struct buf *b)
{
	buf_append_str(b, c->prefix);
	if (c->path_style) {
		buf_append_char(b, '/');
		buf_append_str(b, c->bucket);
		if (!key)
			return;
	}
	buf_append_char(b, '/');
	if (key)
		uri_encode(b, key, true);
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct response *r = userdata;
	size_t n = size * nmemb, len = n, namelen, i;
	const char *colon, *value;
	size_t vlen;

	while (len > 0 && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
		len--;
	if (len > 5 && memcmp(ptr, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): forget the headers of the last one. */
		const char *sp = memchr(ptr, ' ', len);
		int64_t status = 0;

		r->status = 0;
		if (sp && (size_t)(ptr + len - sp) >= 4 && parse_int64_n(sp + 1, 3, 100, 599, &status) == 0)
			r->status = (long)status;
		r->etag[0] = '\0';
		r->content_type[0] = '\0';
		r->content_length = -1;
		r->last_modified = -1;
		buf_reset(&r->meta);
		r->nmeta = 0;
		return n;
	}
	colon = memchr(ptr, ':', len);
	if (!colon)
		return n;
	namelen = (size_t)(colon - ptr);
	value = colon + 1;
	vlen = len - namelen - 1;
	while (vlen > 0 && (*value == ' ' || *value == '\t')) {
		value++;
		vlen--;
	}
	while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
		vlen--;
	if (namelen == 4 && strncasecmp(ptr, "etag", 4) == 0) {
		copy_trunc(r->etag, sizeof(r->etag), value, vlen);
	} else if (namelen == 12 && strncasecmp(ptr, "content-type", 12) == 0) {
		copy_trunc(r->content_type, sizeof(r->content_type), value, vlen);
	} else if (namelen == 14 && strncasecmp(ptr, "content-length", 14) == 0) {
		int64_t cl;

		if (parse_int64_n(value, vlen, 0, INT64_MAX, &cl) == 0)
			r->content_length = cl;
		/* Refuse an object that cannot fit before reading any of it. */
		if (r->out && r->status >= 200 && r->status < 300 && r->out->max &&
		    r->content_length > (int64_t)(r->out->max - r->out->len)) {
			r->too_large = true;
			return 0;
		}
	} else if (namelen == 13 && strncasecmp(ptr, "last-modified", 13) == 0) {
		char date[64];

		copy_trunc(date, sizeof(date), value, vlen);
		r->last_modified = curl_getdate(date, NULL);
	} else if (namelen > 11 && strncasecmp(ptr, "x-amz-meta-", 11) == 0) {
		for (i = 11; i < namelen; i++)
			buf_append_char(&r->meta, (char)tolower((unsigned char)ptr[i]));
		buf_append_char(&r->meta, '\0');
		buf_append(&r->meta, value, vlen);
		if (buf_append_char(&r->meta, '\0') == 0)
			r->nmeta++;
	}
	return n;
}

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct response *r = userdata;
	size_t n = size * nmemb;

	if (r->out && r->status >= 200 && r->status < 300) {
		if (buf_append(r->out, ptr, n) < 0) {
			r->too_large = true;
			return 0;
		}
		return n;
	}
	/* Error bodies are small; anything past the cap is dropped, not fatal. */
	if (r->body.len < S3_XML_BODY_MAX)
		buf_append(&r->body, ptr, n < S3_XML_BODY_MAX - r->body.len ? n : S3_XML_BODY_MAX - r->body.len);
	return n;
}

static void response_init(struct response *r, struct buf *out)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->body, 0);
	buf_init(&r->meta, 0);
	r->out = out;
	r->out_start = out ? out->len : 0;
	r->content_length = -1;
	r->last_modified = -1;
}

static void response_release(struct response *r)
{
	buf_release(&r->body);
	buf_release(&r->meta);
}

/* Parses an XML body; returns the document (xmlFreeDoc) or NULL. */
static xmlDocPtr xml_parse(const struct buf *body)
{
	if (body->len == 0 || body->len > S3_XML_BODY_MAX)
		return NULL;
	return xmlReadMemory(body->ptr, (int)body->len, NULL, NULL,
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
}

static bool xml_name_is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* The text of root's first child element called name, copied to out; false when absent. */
static bool xml_child_text(xmlNodePtr root, const char *name, char *out, size_t outlen)
{
	xmlNodePtr n;

	for (n = root ? root->children : NULL; n; n = n->next) {
		if (xml_name_is(n, name)) {
			xmlChar *text = xmlNodeGetContent(n);

			if (!text)
				return false;
			copy_trunc(out, outlen, (const char *)text, strlen((const char *)text));
			xmlFree(text);
			return true;
		}
	}
	return false;
}

/* Fills err->code and err->message from an <Error> body; returns whether the body was one. */
static bool parse_error_body(const struct buf *body, struct s3_error *err)
{
	xmlDocPtr doc = xml_parse(body);
	xmlNodePtr root;
	bool found = false;

	if (!doc)
		return false;
	root = xmlDocGetRootElement(doc);
	if (xml_name_is(root, "Error")) {
		found = true;
		xml_child_text(root, "Code", err->code, sizeof(err->code));
		xml_child_text(root, "Message", err->message, sizeof(err->message));
	}
	xmlFreeDoc(doc);
	return found;
}

static bool curl_unavailable(CURLcode rc)
{
	switch (rc) {
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_NOT_BUILT_IN:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_WRITE_ERROR:
		return false;
	default:
		return true;
	}
}

static const char *curl_code_name(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return "Timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
		return "NameResolutionFailed";
	case CURLE_COULDNT_CONNECT:
		return "ConnectionRefused";
	default:
		return curl_unavailable(rc) ? "ConnectionFailed" : "ClientError";
	}
}

/* Sets every option of one request; returns 0, or -1 when libcurl refuses one. */
static int setup(struct s3_client *c, const struct request *rq, const char *url, struct curl_slist *headers,
		 struct response *r)
{
	CURL *h = c->curl;
	long timeout = rq->timeout_ms > 0 ? rq->timeout_ms : c->timeout_ms;
	long connect_timeout = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : c->connect_timeout_ms;
	int bad = 0;

	if (connect_timeout > timeout)
		connect_timeout = timeout;
	curl_easy_reset(h);
	c->curl_error[0] = '\0';
	bad |= curl_easy_setopt(h, CURLOPT_URL, url) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_error) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, connect_timeout) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_USERNAME, c->access_key) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret_key) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_HEADERDATA, r) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
	bad |= curl_easy_setopt(h, CURLOPT_WRITEDATA, r) != CURLE_OK;
	if (strcmp(rq->method, "HEAD") == 0) {
		bad |= curl_easy_setopt(h, CURLOPT_NOBODY, 1L) != CURLE_OK;
	} else if (strcmp(rq->method, "GET") == 0) {
		bad |= curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	} else if (strcmp(rq->method, "DELETE") == 0) {
		bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE") != CURLE_OK;
	} else {
		bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len) != CURLE_OK;
		bad |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body_len ? rq->body : "") != CURLE_OK;
		if (strcmp(rq->method, "POST") != 0)
			bad |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method) != CURLE_OK;
	}
	return bad ? -1 : 0;
}

/* Appends the header in line to list and empties line; sets *oom when libcurl cannot. */
static struct curl_slist *add_header(struct curl_slist *list, struct buf *line, bool *oom)
{
	struct curl_slist *next = *oom ? NULL : curl_slist_append(list, line->ptr);

	buf_reset(line);
	if (!next) {
		*oom = true;
		return list;
	}
	return next;
}

/* Appends the request's URL: scheme, host, the key's path and the query, if any. */
static void request_url(const struct s3_client *c, const struct request *rq, struct buf *url)
{
	buf_printf(url, "%s://", c->scheme);
	request_host(c, url);
	request_path(c, rq->key, url);
	if (rq->query) {
		buf_append_char(url, '?');
		buf_append_str(url, rq->query);
	}
}

/*
 * The request's headers: the payload hash, the content type and the
 * metadata. Returns the list (the caller frees it with
 * curl_slist_free_all()), with *oom set when one could not be added.
 */
static struct curl_slist *request_headers(const struct request *rq, const char *payload_hash, bool *oom)
{
	struct buf line = BUF_INIT(0);
	struct curl_slist *headers = NULL;
	size_t i;

	buf_printf(&line, "x-amz-content-sha256: %s", payload_hash);
	headers = add_header(headers, &line, oom);
	if (rq->content_type) {
		buf_printf(&line, "Content-Type: %s", rq->content_type);
		headers = add_header(headers, &line, oom);
	}
	for (i = 0; i < rq->nmeta; i++) {
		buf_printf(&line, "x-amz-meta-%s: %s", rq->meta[i].name, rq->meta[i].value);
		headers = add_header(headers, &line, oom);
	}
	buf_release(&line);
	return headers;
}

/* Classifies a transfer libcurl could not finish: S3_TOO_LARGE (the partial body dropped), S3_UNAVAILABLE or S3_ERROR. */
static int transfer_failure(const struct s3_client *c, const struct request *rq, struct response *r, CURLcode rc,
			    struct s3_error *err)
{
	bool unavailable;

	if (r->too_large) {
		if (r->out) {
			r->out->len = r->out_start;
			if (r->out->ptr)
				r->out->ptr[r->out->len] = '\0';
		}
		err_set(err, r->status, false, "TooLarge", "object is larger than the %zu bytes allowed",
			r->out ? r->out->max : (size_t)0);
		log_warn("s3: %s '%s' refused: object larger than %zu bytes", rq->method, rq->key ? rq->key : "",
			 r->out ? r->out->max : (size_t)0);
		return S3_TOO_LARGE;
	}
	unavailable = curl_unavailable(rc);
	err_set(err, r->status, unavailable, curl_code_name(rc), "%s%s%s", curl_easy_strerror(rc),
		c->curl_error[0] ? ": " : "", c->curl_error);
	log_error("s3: %s '%s' failed: %s", rq->method, rq->key ? rq->key : "", err->message);
	return unavailable ? S3_UNAVAILABLE : S3_ERROR;
}

/* Classifies a completed exchange by its HTTP status: S3_OK (2xx), S3_UNAVAILABLE (5xx), S3_NOT_FOUND or S3_ERROR. */
static int status_result(const struct request *rq, const struct response *r, struct s3_error *err)
{
	if (r->status >= 200 && r->status < 300)
		return S3_OK;
	err->status = r->status;
	err->unavailable = r->status >= 500;
	if (!parse_error_body(&r->body, err)) {
		snprintf(err->code, sizeof(err->code), "%s", r->status == 404 ? "NotFound" : "HttpError");
		snprintf(err->message, sizeof(err->message), "http status %ld", r->status);
	}
	if (r->status >= 500) {
		log_error("s3: %s '%s' failed: %ld %s", rq->method, rq->key ? rq->key : "", r->status, err->code);
		return S3_UNAVAILABLE;
	}
	if (r->status == 404) {
		log_debug("s3: %s '%s' not found: %s", rq->method, rq->key ? rq->key : "", err->code);
		return S3_NOT_FOUND;
	}
	log_warn("s3: %s '%s' refused: %ld %s", rq->method, rq->key ? rq->key : "", r->status, err->code);
	return S3_ERROR;
}

/*
 * Sends one request and classifies the answer. On S3_OK the response holds
 * the status and headers (and the body when rq->out is NULL).
 */
static int perform(struct s3_client *c, const struct request *rq, struct response *r, struct s3_error *err)
{
	struct buf url = BUF_INIT(0);
	struct curl_slist *headers = NULL;
	bool oom = false;
	char hash[SHA256_HEX_LEN + 1];
	CURLcode rc;
	int ret = S3_ERROR;

	err_clear(err);
	if (rq->body_len ? sha256_hex(rq->body, rq->body_len, hash) < 0 : sha256_hex("", 0, hash) < 0) {
		err_set(err, 0, false, "ClientError", "cannot hash the request body");
		goto out;
	}
	request_url(c, rq, &url);
	headers = request_headers(rq, hash, &oom);
	if (oom) {
		err_set(err, 0, false, "ClientError", "out of memory building headers");
		goto out;
	}
	if (setup(c, rq, url.ptr, headers, r) < 0) {
		err_set(err, 0, false, "ClientError", "libcurl refused an option");
		goto out;
	}
	rc = curl_easy_perform(c->curl);
	ret = rc != CURLE_OK ? transfer_failure(c, rq, r, rc, err) : status_result(rq, r, err);
out:
	curl_slist_free_all(headers);
	buf_release(&url);
	return ret;
}

static bool chars_in(const char *s, const char *extra)
{
	const char *p;

	for (p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
			return false;
	return true;
}

/* Splits endpoint into scheme, host[:port] and path prefix; returns 0 or -1. */
static int parse_endpoint(struct s3_client *c, const char *endpoint, struct s3_error *err)
{
	const char *rest, *slash;
	size_t hostlen, plen;

	if (!endpoint || !*endpoint) {
		struct buf host = BUF_INIT(0);

		buf_printf(&host, "s3.%s.amazonaws.com", c->region);
		c->scheme = xstrdup("https");
		c->host = buf_detach(&host, NULL);
		c->prefix = xstrdup("");
		return 0;
	}
	if (strncmp(endpoint, "https://", 8) == 0) {
		c->scheme = xstrdup("https");
		rest = endpoint + 8;
	} else if (strncmp(endpoint, "http://", 7) == 0) {
		c->scheme = xstrdup("http");
		rest = endpoint + 7;
	} else {
		err_set(err, 0, false, "InvalidArgument", "endpoint must start with http:// or https://");
		return -1;
	}
	slash = strchr(rest, '/');
	hostlen = slash ? (size_t)(slash - rest) : strlen(rest);
	c->host = xstrndup(rest, hostlen);
	if (!*c->host || !chars_in(c->host, ".-:[]")) {
		err_set(err, 0, false, "InvalidArgument", "endpoint host is empty or has characters not allowed");
		return -1;
	}
	c->prefix = xstrdup(slash ? slash : "");
	plen = strlen(c->prefix);
	while (plen > 0 && c->prefix[plen - 1] == '/')
		c->prefix[--plen] = '\0';
	if (!chars_in(c->prefix, "/-._~")) {
		err_set(err, 0, false, "InvalidArgument", "endpoint path may hold only unreserved characters and '/'");
		return -1;
	}
	return 0;
}

int s3_client_new(const struct s3_params *p, struct s3_client **out, struct s3_error *err)
{
	struct s3_error dummy;
	struct s3_client *c = NULL;
	struct buf sig = BUF_INIT(0);
	int ret = S3_INVALID;

	if (!err)
		err = &dummy;
	err_clear(err);
	*out = NULL;
	if (!p->region || !*p->region || !chars_in(p->region, "-")) {
		err_set(err, 0, false, "InvalidArgument", "region is empty or not made of [a-z0-9-]");
		goto out;
	}
	if (!p->bucket || !*p->bucket || strlen(p->bucket) > 63 || !chars_in(p->bucket, ".-_")) {
		err_set(err, 0, false, "InvalidArgument",
			"bucket name is empty, too long or has characters not allowed");
		goto out;
	}
	if (!p->access_key || !*p->access_key || !p->secret_key || !*p->secret_key) {
		err_set(err, 0, false, "InvalidArgument", "access key and secret key must not be empty");
		goto out;
	}
	if (!header_value_ok(p->access_key) || strchr(p->access_key, ' ') || !header_value_ok(p->secret_key)) {
		err_set(err, 0, false, "InvalidArgument", "credentials have characters not allowed");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(err, 0, false, "ClientError", "libcurl initialisation failed");
		ret = S3_ERROR;
		goto out;
	}
	xmlInitParser();
	c = xcalloc(1, sizeof(*c));
	c->region = xstrdup(p->region);
	c->bucket = xstrdup(p->bucket);
	c->access_key = xstrdup(p->access_key);
	c->secret_key = xstrdup(p->secret_key);
	c->path_style = p->path_style;
	if (parse_endpoint(c, p->endpoint, err) < 0)
		goto out;
	buf_printf(&sig, "aws:amz:%s:s3", c->region);
	c->sigv4 = buf_detach(&sig, NULL);
	s3_client_set_timeouts(c, p->connect_timeout_ms, p->timeout_ms);
	c->curl = curl_easy_init();
	if (!c->curl) {
		err_set(err, 0, false, "ClientError", "cannot create a curl handle");
		ret = S3_ERROR;
		goto out;
	}
	*out = c;
	c = NULL;
	ret = S3_OK;
out:
	if (ret != S3_OK)
		log_error("s3: cannot create client: %s", err->message);
	s3_client_free(c);
	buf_release(&sig);
	return ret;
}

int s3_client_new_from_config(struct s3_client **out, struct s3_error *err)
{
	const struct config *cfg = config();
	struct s3_params p = {
		.endpoint = cfg->s3_endpoint,
		.region = cfg->s3_region,
		.bucket = cfg->s3_bucket,
		.access_key = cfg->s3_access_key,
		.secret_key = cfg->s3_secret_key,
		.path_style = cfg->s3_path_style,
	};

	return s3_client_new(&p, out, err);
}

void s3_client_free(struct s3_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->scheme);
	free(c->host);
	free(c->prefix);
	free(c->region);
	free(c->bucket);
	free(c->access_key);
	if (c->secret_key) {
		volatile char *s = c->secret_key;

		while (*s)
			*s++ = '\0';
	}
	free(c->secret_key);
	free(c->sigv4);
	free(c);
	/* Balances the curl_global_init() of s3_client_new (libcurl counts them). */
	curl_global_cleanup();
}

void s3_client_set_timeouts(struct s3_client *c, long connect_timeout_ms, long timeout_ms)
{
	c->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : S3_DEFAULT_CONNECT_TIMEOUT_MS;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : S3_DEFAULT_TIMEOUT_MS;
}

static void copy_etag(char etag[S3_ETAG_MAX], const struct response *r)
{
	if (etag)
		snprintf(etag, S3_ETAG_MAX, "%s", r->etag);
}

int s3_put(struct s3_client *c, const char *key, const void *data, size_t len, const char *content_type,
	   const struct s3_meta *meta, size_t nmeta, char etag[S3_ETAG_MAX], struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = {
		.method = "PUT", .key = key, .body = data, .body_len = len, .meta = meta, .nmeta = nmeta
	};
	struct response r;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0 || (ret = check_meta(content_type, meta, nmeta, err)) < 0)
		return ret;
	if (len && !data) {
		err_set(err, 0, false, "InvalidArgument", "no data");
		return S3_INVALID;
	}
	rq.content_type = content_type ? content_type : "application/octet-stream";
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	if (ret == S3_OK)
		copy_etag(etag, &r);
	response_release(&r);
	return ret;
}

static int check_upload_id(const char *upload_id, struct s3_error *err)
{
	if (!upload_id || !*upload_id || strlen(upload_id) > 1024) {
		err_set(err, 0, false, "InvalidArgument", "empty or overlong upload id");
		return S3_INVALID;
	}
	return 0;
}

int s3_multipart_initiate(struct s3_client *c, const char *key, const char *content_type, const struct s3_meta *meta,
			  size_t nmeta, char **upload_id, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "POST", .key = key, .query = "uploads=", .meta = meta, .nmeta = nmeta };
	struct response r;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	char id[1025];
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	*upload_id = NULL;
	if ((ret = check_key(key, err)) < 0 || (ret = check_meta(content_type, meta, nmeta, err)) < 0)
		return ret;
	rq.content_type = content_type ? content_type : "application/octet-stream";
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	if (ret != S3_OK)
		goto out;
	doc = xml_parse(&r.body);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!xml_name_is(root, "InitiateMultipartUploadResult") || !xml_child_text(root, "UploadId", id, sizeof(id)) ||
	    !*id) {
		err_set(err, r.status, false, "MalformedResponse", "no UploadId in the initiate answer");
		log_error("s3: initiate multipart '%s' failed: no upload id in the answer", key);
		ret = S3_ERROR;
		goto out;
	}
	*upload_id = xstrdup(id);
out:
	if (doc)
		xmlFreeDoc(doc);
	response_release(&r);
	return ret;
}

int s3_multipart_upload_part(struct s3_client *c, const char *key, const char *upload_id, int number, const void *data,
			     size_t len, char etag[S3_ETAG_MAX], struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "PUT", .key = key, .body = data, .body_len = len };
	struct buf query = BUF_INIT(0);
	struct response r;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0 || (ret = check_upload_id(upload_id, err)) < 0)
		return ret;
	if (number < 1 || number > 10000 || (len && !data)) {
		err_set(err, 0, false, "InvalidArgument", "part number %d is outside 1..10000 or has no data", number);
		return S3_INVALID;
	}
	/* Sorted by name, as the canonical query must be. */
	buf_printf(&query, "partNumber=%d&uploadId=", number);
	uri_encode(&query, upload_id, false);
	rq.query = query.ptr;
	rq.content_type = "application/octet-stream";
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	if (ret == S3_OK && !r.etag[0]) {
		err_set(err, r.status, false, "MalformedResponse", "no ETag in the upload part answer");
		log_error("s3: upload part %d of '%s' failed: no etag in the answer", number, key);
		ret = S3_ERROR;
	}
	if (ret == S3_OK)
		copy_etag(etag, &r);
	response_release(&r);
	buf_release(&query);
	return ret;
}

static void xml_escape(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			buf_append_str(b, "&amp;");
			break;
		case '<':
			buf_append_str(b, "&lt;");
			break;
		case '>':
			buf_append_str(b, "&gt;");
			break;
		case '"':
			buf_append_str(b, "&quot;");
			break;
		case '\'':
			buf_append_str(b, "&apos;");
			break;
		default:
			buf_append_char(b, *s);
		}
	}
}

int s3_multipart_complete(struct s3_client *c, const char *key, const char *upload_id, const struct s3_part *parts,
			  size_t nparts, char etag[S3_ETAG_MAX], struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "POST", .key = key, .content_type = "application/xml" };
	struct buf query = BUF_INIT(0), body = BUF_INIT(0);
	struct response r;
	xmlDocPtr doc = NULL;
	xmlNodePtr root;
	size_t i;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0 || (ret = check_upload_id(upload_id, err)) < 0)
		return ret;
	if (nparts == 0 || nparts > 10000) {
		err_set(err, 0, false, "InvalidArgument", "a multipart upload needs 1..10000 parts, not %zu", nparts);
		return S3_INVALID;
	}
	for (i = 0; i < nparts; i++) {
		if (parts[i].number < 1 || parts[i].number > 10000 || (i && parts[i].number <= parts[i - 1].number) ||
		    !parts[i].etag[0]) {
			err_set(err, 0, false, "InvalidArgument", "part %zu is out of order or has no etag", i);
			return S3_INVALID;
		}
	}
	buf_append_str(&query, "uploadId=");
	uri_encode(&query, upload_id, false);
	buf_append_str(&body, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
	for (i = 0; i < nparts; i++) {
		buf_printf(&body, "<Part><PartNumber>%d</PartNumber><ETag>", parts[i].number);
		xml_escape(&body, parts[i].etag);
		buf_append_str(&body, "</ETag></Part>");
	}
	buf_append_str(&body, "</CompleteMultipartUpload>");
	rq.query = query.ptr;
	rq.body = body.ptr;
	rq.body_len = body.len;
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	if (ret != S3_OK)
		goto out;
	/* S3 may answer 200 and still fail: the body then is an <Error>. */
	if (parse_error_body(&r.body, err)) {
		err->status = r.status;
		err->unavailable = strcmp(err->code, "InternalError") == 0 || strcmp(err->code, "SlowDown") == 0;
		ret = err->unavailable ? S3_UNAVAILABLE : S3_ERROR;
		log_error("s3: complete multipart '%s' failed: %s", key, err->code);
		goto out;
	}
	if (etag) {
		etag[0] = '\0';
		doc = xml_parse(&r.body);
		root = doc ? xmlDocGetRootElement(doc) : NULL;
		if (!xml_name_is(root, "CompleteMultipartUploadResult") ||
		    !xml_child_text(root, "ETag", etag, S3_ETAG_MAX))
			copy_etag(etag, &r);
	}
out:
	if (doc)
		xmlFreeDoc(doc);
	response_release(&r);
	buf_release(&query);
	buf_release(&body);
	return ret;
}

int s3_multipart_abort(struct s3_client *c, const char *key, const char *upload_id, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "DELETE", .key = key };
	struct buf query = BUF_INIT(0);
	struct response r;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0 || (ret = check_upload_id(upload_id, err)) < 0)
		return ret;
	buf_append_str(&query, "uploadId=");
	uri_encode(&query, upload_id, false);
	rq.query = query.ptr;
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	response_release(&r);
	buf_release(&query);
	return ret;
}

/* Reads an ISO 8601 UTC date as S3 writes it (2010-11-10T20:48:33.000Z); -1 when it is not one. */
static time_t parse_iso_date(const char *s)
{
	static const size_t at[6] = { 0, 5, 8, 11, 14, 17 }, len[6] = { 4, 2, 2, 2, 2, 2 };
	static const int64_t lo[6] = { 1970, 1, 1, 0, 0, 0 }, hi[6] = { 9999, 12, 31, 23, 59, 60 };
	int64_t v[6];
	struct tm tm;
	size_t i;

	if (strlen(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	for (i = 0; i < 6; i++)
		if (parse_int64_n(s + at[i], len[i], lo[i], hi[i], &v[i]) < 0)
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	return timegm(&tm);
}

/* A newly allocated copy of the text of root's first child element called name, or NULL when absent. */
static char *xml_child_dup(xmlNodePtr root, const char *name)
{
	xmlNodePtr n;

	for (n = root ? root->children : NULL; n; n = n->next) {
		if (xml_name_is(n, name)) {
			xmlChar *text = xmlNodeGetContent(n);
			char *copy = text ? xstrdup((const char *)text) : NULL;

			xmlFree(text);
			return copy;
		}
	}
	return NULL;
}

/* Fills page from a ListMultipartUploadsResult; returns whether the document was one. */
static bool parse_upload_page(xmlNodePtr root, struct s3_upload_page *page)
{
	char truncated[8] = "", date[64];
	size_t cap = 0;
	xmlNodePtr n;

	if (!xml_name_is(root, "ListMultipartUploadsResult"))
		return false;
	for (n = root->children; n; n = n->next) {
		struct s3_upload *u;

		if (!xml_name_is(n, "Upload"))
			continue;
		if (page->n == cap) {
			cap = cap ? cap * 2 : 16;
			page->uploads = xrealloc(page->uploads, cap * sizeof(*page->uploads));
		}
		u = &page->uploads[page->n];
		u->key = xml_child_dup(n, "Key");
		u->upload_id = xml_child_dup(n, "UploadId");
		u->initiated = xml_child_text(n, "Initiated", date, sizeof(date)) ? parse_iso_date(date) : -1;
		if (!u->key || !*u->key || !u->upload_id || !*u->upload_id) {
			free(u->key);
			free(u->upload_id);
			continue; /* an entry without its names cannot be acted on */
		}
		page->n++;
	}
	xml_child_text(root, "IsTruncated", truncated, sizeof(truncated));
	page->truncated = strcmp(truncated, "true") == 0;
	if (page->truncated) {
		page->next_key_marker = xml_child_dup(root, "NextKeyMarker");
		page->next_upload_id_marker = xml_child_dup(root, "NextUploadIdMarker");
		if (!page->next_key_marker || !*page->next_key_marker || !page->next_upload_id_marker)
			return false; /* a next page nobody can ask for */
	}
	return true;
}

int s3_multipart_list(struct s3_client *c, const char *prefix, const char *key_marker, const char *upload_id_marker,
		      struct s3_upload_page *page, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "GET" };
	struct buf query = BUF_INIT(0);
	struct response r;
	xmlDocPtr doc = NULL;
	int ret;

	memset(page, 0, sizeof(*page));
	if (!err)
		err = &dummy;
	err_clear(err);
	if ((prefix && strlen(prefix) > S3_KEY_MAX) || (key_marker && strlen(key_marker) > S3_KEY_MAX) ||
	    (upload_id_marker && strlen(upload_id_marker) > 1024)) {
		err_set(err, 0, false, "InvalidArgument", "prefix or marker too long");
		return S3_INVALID;
	}
	/* Sorted by name, as the canonical query must be ('-' sorts before 's'). */
	buf_append_str(&query, "key-marker=");
	uri_encode(&query, key_marker ? key_marker : "", false);
	buf_append_str(&query, "&prefix=");
	uri_encode(&query, prefix ? prefix : "", false);
	buf_append_str(&query, "&upload-id-marker=");
	uri_encode(&query, upload_id_marker ? upload_id_marker : "", false);
	buf_append_str(&query, "&uploads=");
	rq.query = query.ptr;
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	if (ret != S3_OK)
		goto out;
	doc = xml_parse(&r.body);
	if (!doc || !parse_upload_page(xmlDocGetRootElement(doc), page)) {
		err_set(err, r.status, false, "MalformedResponse", "not a readable ListMultipartUploadsResult");
		log_error("s3: list multipart uploads under '%s' failed: unreadable answer", prefix ? prefix : "");
		s3_upload_page_release(page);
		ret = S3_ERROR;
	}
out:
	if (doc)
		xmlFreeDoc(doc);
	response_release(&r);
	buf_release(&query);
	return ret;
}

void s3_upload_page_release(struct s3_upload_page *page)
{
	size_t i;

	if (!page)
		return;
	for (i = 0; i < page->n; i++) {
		free(page->uploads[i].key);
		free(page->uploads[i].upload_id);
	}
	free(page->uploads);
	free(page->next_key_marker);
	free(page->next_upload_id_marker);
	memset(page, 0, sizeof(*page));
}

bool s3_error_unsupported(const struct s3_error *err)
{
	return err->status == 405 || err->status == 501 || strcmp(err->code, "NotImplemented") == 0 ||
	       strcmp(err->code, "MethodNotAllowed") == 0;
}

int s3_get(struct s3_client *c, const char *key, struct buf *out, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "GET", .key = key, .out = out };
	struct response r;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0)
		return ret;
	response_init(&r, out);
	ret = perform(c, &rq, &r, err);
	response_release(&r);
	return ret;
}

int s3_head(struct s3_client *c, const char *key, struct s3_object_info *info, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "HEAD", .key = key };
	struct response r;
	size_t i, off;
	int ret;

	memset(info, 0, sizeof(*info));
	info->size = -1;
	info->last_modified = -1;
	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0)
		return ret;
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	if (ret != S3_OK)
		goto out;
	info->size = r.content_length;
	snprintf(info->content_type, sizeof(info->content_type), "%s", r.content_type);
	snprintf(info->etag, sizeof(info->etag), "%s", r.etag);
	info->last_modified = r.last_modified;
	if (r.nmeta) {
		info->meta_storage = buf_detach(&r.meta, NULL);
		info->meta = xcalloc(r.nmeta, sizeof(*info->meta));
		for (i = 0, off = 0; i < r.nmeta; i++) {
			info->meta[i].name = info->meta_storage + off;
			off += strlen(info->meta[i].name) + 1;
			info->meta[i].value = info->meta_storage + off;
			off += strlen(info->meta[i].value) + 1;
		}
		info->nmeta = r.nmeta;
	}
out:
	response_release(&r);
	return ret;
}

void s3_object_info_release(struct s3_object_info *info)
{
	if (!info)
		return;
	free(info->meta);
	free(info->meta_storage);
	info->meta = NULL;
	info->meta_storage = NULL;
	info->nmeta = 0;
}

int s3_delete(struct s3_client *c, const char *key, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "DELETE", .key = key };
	struct response r;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	if ((ret = check_key(key, err)) < 0)
		return ret;
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	response_release(&r);
	return ret;
}

int s3_probe(struct s3_client *c, long timeout_ms, struct s3_error *err)
{
	return s3_probe_within(c, timeout_ms, timeout_ms, err);
}

bool s3_error_transient(const struct s3_error *err)
{
	return err->status >= 500 || strcmp(err->code, "Timeout") == 0 || strcmp(err->code, "ConnectionFailed") == 0;
}

int s3_probe_within(struct s3_client *c, long connect_timeout_ms, long timeout_ms, struct s3_error *err)
{
	struct s3_error dummy;
	struct request rq = { .method = "HEAD", .timeout_ms = timeout_ms, .connect_timeout_ms = connect_timeout_ms };
	struct response r;
	int ret;

	if (!err)
		err = &dummy;
	response_init(&r, NULL);
	ret = perform(c, &rq, &r, err);
	response_release(&r);
	return ret;
}

/* Appends the header value with leading and trailing blanks removed and inner runs of blanks made one space. */
static void canonical_value(struct buf *b, const char *s)
{
	bool space = false, started = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t') {
			space = started;
			continue;
		}
		if (space)
			buf_append_char(b, ' ');
		buf_append_char(b, *s);
		space = false;
		started = true;
	}
}

static int hmac(const void *key, size_t keylen, const char *data, unsigned char out[SHA256_LEN])
{
	return sha256_hmac(key, keylen, data, strlen(data), out);
}

/* Checks what a presigned URL is asked for. Returns S3_OK, or S3_INVALID (err says why). */
static int presign_check(const char *method, const char *key, long expires, const char *content_type,
			 struct s3_error *err)
{
	int ret = check_key(key, err);

	if (ret < 0)
		return ret;
	if (!method || (strcmp(method, "GET") != 0 && strcmp(method, "PUT") != 0)) {
		err_set(err, 0, false, "InvalidArgument", "presigned urls are for GET or PUT");
		return S3_INVALID;
	}
	if (content_type && strcmp(method, "PUT") != 0) {
		err_set(err, 0, false, "InvalidArgument", "a content type is only signed into PUT urls");
		return S3_INVALID;
	}
	if ((ret = check_meta(content_type, NULL, 0, err)) < 0)
		return ret;
	if (expires < 1 || expires > S3_PRESIGN_MAX_EXPIRES) {
		err_set(err, 0, false, "InvalidArgument", "expiry must be 1..%ld seconds", S3_PRESIGN_MAX_EXPIRES);
		return S3_INVALID;
	}
	return S3_OK;
}

/*
 * The SigV4 signature of string_to_sign for the day date (YYYYMMDD), as hex:
 * the signing key is derived from the secret through the date, region,
 * service and "aws4_request", and every key on the way is wiped. Returns 0,
 * or -1 when HMAC-SHA256 fails.
 */
static int presign_signature(const struct s3_client *c, const char *date, const struct buf *string_to_sign,
			     char sig_hex[SHA256_HEX_LEN + 1])
{
	struct buf secret = BUF_INIT(0);
	unsigned char k1[SHA256_LEN], k2[SHA256_LEN], k3[SHA256_LEN], k4[SHA256_LEN], sig[SHA256_LEN];
	int ret = -1;

	buf_printf(&secret, "AWS4%s", c->secret_key);
	if (hmac(secret.ptr, secret.len, date, k1) < 0 || hmac(k1, SHA256_LEN, c->region, k2) < 0 ||
	    hmac(k2, SHA256_LEN, "s3", k3) < 0 || hmac(k3, SHA256_LEN, "aws4_request", k4) < 0 ||
	    sha256_hmac(k4, SHA256_LEN, string_to_sign->ptr, string_to_sign->len, sig) < 0)
		goto out;
	hex_encode(sig, SHA256_LEN, sig_hex);
	ret = 0;
out:
	if (secret.ptr)
		memset(secret.ptr, 0, secret.len);
	memset(k1, 0, sizeof(k1));
	memset(k2, 0, sizeof(k2));
	memset(k3, 0, sizeof(k3));
	memset(k4, 0, sizeof(k4));
	buf_release(&secret);
	return ret;
}

/* Appends the X-Amz-* parameters of the URL, in byte order of their names as the canonical query must be. */
static void presign_query(const struct s3_client *c, const char *amz_date, const char *date, long expires,
			  const char *signed_headers, struct buf *query)
{
	struct buf cred = BUF_INIT(0);

	buf_printf(&cred, "%s/%s/%s/s3/aws4_request", c->access_key, date, c->region);
	buf_append_str(query, "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
	uri_encode(query, cred.ptr, false);
	buf_printf(query, "&X-Amz-Date=%s&X-Amz-Expires=%ld&X-Amz-SignedHeaders=", amz_date, expires);
	uri_encode(query, signed_headers, false);
	buf_release(&cred);
}

/* Appends the canonical request: method, path, query, the signed headers (content-type, host), UNSIGNED-PAYLOAD. */
static void presign_canonical_request(const char *method, const struct buf *host, const struct buf *path,
				      const struct buf *query, const char *content_type, const char *signed_headers,
				      struct buf *creq)
{
	buf_printf(creq, "%s\n%s\n%s\n", method, path->ptr, query->ptr);
	if (content_type) {
		buf_append_str(creq, "content-type:");
		canonical_value(creq, content_type);
		buf_append_char(creq, '\n');
	}
	buf_printf(creq, "host:%s\n\n%s\nUNSIGNED-PAYLOAD", host->ptr, signed_headers);
}

int s3_presign_at(const struct s3_client *c, const char *method, const char *key, long expires,
		  const char *content_type, time_t now, char **url, struct s3_error *err)
{
	struct s3_error dummy;
	struct buf host = BUF_INIT(0), path = BUF_INIT(0), query = BUF_INIT(0), creq = BUF_INIT(0);
	struct buf sts = BUF_INIT(0), out = BUF_INIT(0);
	char creq_hash[SHA256_HEX_LEN + 1], sig_hex[SHA256_HEX_LEN + 1], amz_date[17], date[9];
	const char *signed_headers = content_type ? "content-type;host" : "host";
	struct tm tm;
	int ret;

	if (!err)
		err = &dummy;
	err_clear(err);
	*url = NULL;
	if ((ret = presign_check(method, key, expires, content_type, err)) < 0)
		goto out;
	ret = S3_INVALID;
	if (!gmtime_r(&now, &tm) || strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm) != 16) {
		err_set(err, 0, false, "InvalidArgument", "signing time out of range");
		goto out;
	}
	memcpy(date, amz_date, 8);
	date[8] = '\0';

	request_host(c, &host);
	request_path(c, key, &path);
	presign_query(c, amz_date, date, expires, signed_headers, &query);
	presign_canonical_request(method, &host, &path, &query, content_type, signed_headers, &creq);

	ret = S3_ERROR;
	if (sha256_hex(creq.ptr, creq.len, creq_hash) < 0)
		goto crypto;
	buf_printf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s", amz_date, date, c->region, creq_hash);
	if (presign_signature(c, date, &sts, sig_hex) < 0)
		goto crypto;

	buf_printf(&out, "%s://%s%s?%s&X-Amz-Signature=%s", c->scheme, host.ptr, path.ptr, query.ptr, sig_hex);
	*url = buf_detach(&out, NULL);
	ret = S3_OK;
	goto out;
crypto:
	err_set(err, 0, false, "ClientError", "hmac-sha256 failed");
	log_error("s3: cannot presign: hmac-sha256 failed");
out:
	buf_release(&host);
	buf_release(&path);
	buf_release(&query);
	buf_release(&creq);
	buf_release(&sts);
	buf_release(&out);
	return ret;
}

int s3_presign(const struct s3_client *c, const char *method, const char *key, long expires, const char *content_type,
	       char **url, struct s3_error *err)
{
	return s3_presign_at(c, method, key, expires, content_type, time(NULL), url, err);
}
