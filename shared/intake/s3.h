/* s3: an S3 client (AWS or any SigV4 store) on libcurl, with multipart uploads and presigned URLs. */
#ifndef SHORTLIST_S3_H
#define SHORTLIST_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/buf.h"

/*
 * Results of S3 calls: 0 is success, every failure is negative. They start at -100 so that one can never be taken
 * for a status_code (ST_*): a caller maps them to ST_ codes itself
 * (S3_UNAVAILABLE is ST_UNAVAILABLE, S3_NOT_FOUND a not-found of its own).
 */
enum s3_result {
	S3_OK = 0,
	S3_ERROR = -101,       /* S3 refused the request (4xx) or answered something unreadable */
	S3_UNAVAILABLE = -102, /* no answer (refused, timeout, DNS, reset) or a 5xx: callers answer 503 */
	S3_NOT_FOUND = -103,   /* 404: no such key (or bucket, or upload) */
	S3_TOO_LARGE = -104,   /* the object is larger than the caller's maximum */
	S3_INVALID = -105,     /* a bad argument, found before anything was sent */
};

#define S3_ETAG_MAX 128
#define S3_CODE_MAX 64
#define S3_MESSAGE_MAX 256

/*
 * What went wrong with the last call. status is the HTTP status (0 when no
 * response arrived); code and message come from the S3 XML error body when
 * there is one (code "NotFound" is filled in for a 404 without a body, and
 * local failures use codes such as "InvalidArgument", "TooLarge",
 * "ConnectionFailed"). unavailable is set for refused connections, timeouts
 * and 5xx answers. The struct owns no memory.
 */
struct s3_error {
	long status;
	bool unavailable;
	char code[S3_CODE_MAX];
	char message[S3_MESSAGE_MAX];
};

/* One user metadata pair: name without the "x-amz-meta-" prefix. */
struct s3_meta {
	const char *name;
	const char *value;
};

/* One uploaded part, as given to s3_multipart_complete(). */
struct s3_part {
	int number;
	char etag[S3_ETAG_MAX];
};

/*
 * What s3_head() reports. meta points into memory the struct owns (names
 * lower case, without the prefix); free it with s3_object_info_release().
 * last_modified is the epoch time, or -1 when absent or unreadable.
 */
struct s3_object_info {
	int64_t size;
	char content_type[128];
	char etag[S3_ETAG_MAX];
	time_t last_modified;
	struct s3_meta *meta;
	size_t nmeta;
	char *meta_storage;
};

/*
 * How to reach a bucket. endpoint is a base URL (scheme://host[:port]) or
 * NULL/"" for AWS (https://s3.REGION.amazonaws.com). Path style puts the
 * bucket in the path (ENDPOINT/BUCKET/KEY), virtual-host style in the host
 * name (scheme://BUCKET.host/KEY; over https that needs a bucket name
 * without dots). Timeouts of 0 mean 10 s to connect and
 * 300 s per request. Every string is copied.
 */
struct s3_params {
	const char *endpoint;
	const char *region;
	const char *bucket;
	const char *access_key;
	const char *secret_key;
	bool path_style;
	long connect_timeout_ms;
	long timeout_ms;
};

struct s3_client;

/*
 * Creates a client (one reused curl handle: use it from one thread at a
 * time). Returns 0 and sets *out (free with s3_client_free()), or
 * S3_INVALID with err filled when a parameter is missing or malformed.
 */
int s3_client_new(const struct s3_params *p, struct s3_client **out, struct s3_error *err);
/* Same, from config(): s3_endpoint, s3_region, s3_bucket, s3_access_key, s3_secret_key, s3_path_style. */
int s3_client_new_from_config(struct s3_client **out, struct s3_error *err);
/* Frees the client and its connection; accepts NULL. */
void s3_client_free(struct s3_client *c);
/* Changes the timeouts of later requests (0 keeps the default, see struct s3_params). */
void s3_client_set_timeouts(struct s3_client *c, long connect_timeout_ms, long timeout_ms);

/*
 * Stores len bytes under key. content_type NULL means
 * application/octet-stream; meta is nmeta user metadata pairs (names of
 * [a-z0-9-_], non-blank printable ASCII values, 2 KiB in all). Bad
 * arguments return S3_INVALID before anything is sent. On success copies the ETag (as the
 * server sent it, quotes included) to etag when etag is not NULL.
 */
int s3_put(struct s3_client *c, const char *key, const void *data, size_t len, const char *content_type,
	   const struct s3_meta *meta, size_t nmeta, char etag[S3_ETAG_MAX], struct s3_error *err);

/*
 * Starts a multipart upload of key with the object's content type and
 * metadata. Returns 0 and sets *upload_id to a newly allocated string
 * (caller frees).
 */
int s3_multipart_initiate(struct s3_client *c, const char *key, const char *content_type, const struct s3_meta *meta,
			  size_t nmeta, char **upload_id, struct s3_error *err);
/*
 * Uploads part number (1..10000) from memory; every part but the last must
 * be at least 5 MiB. Copies the part's ETag to etag.
 */
int s3_multipart_upload_part(struct s3_client *c, const char *key, const char *upload_id, int number, const void *data,
			     size_t len, char etag[S3_ETAG_MAX], struct s3_error *err);
/*
 * Completes the upload from nparts parts in ascending number order. Copies
 * the object's ETag to etag when etag is not NULL. A 200 answer carrying an
 * Error body is a failure.
 */
int s3_multipart_complete(struct s3_client *c, const char *key, const char *upload_id, const struct s3_part *parts,
			  size_t nparts, char etag[S3_ETAG_MAX], struct s3_error *err);
/* Aborts the upload and drops its parts. */
int s3_multipart_abort(struct s3_client *c, const char *key, const char *upload_id, struct s3_error *err);

/* One incomplete multipart upload, as ListMultipartUploads names it. */
struct s3_upload {
	char *key;
	char *upload_id;
	time_t initiated; /* epoch seconds of its Initiated date, -1 when absent or unreadable */
};

/*
 * One page of incomplete multipart uploads. Every string is owned by the
 * page (s3_upload_page_release() frees them). When truncated, the next page
 * starts at next_key_marker and next_upload_id_marker (both set, never NULL
 * then); otherwise both are NULL.
 */
struct s3_upload_page {
	struct s3_upload *uploads;
	size_t n;
	bool truncated;
	char *next_key_marker;
	char *next_upload_id_marker;
};

/*
 * Lists one page (at most 1000) of the incomplete multipart uploads whose
 * keys start with prefix (NULL or "": all), after key_marker and
 * upload_id_marker (NULL or "" for the first page; pass a page's next_*
 * markers for the one after it). Fills page (release it even on failure).
 * Returns 0, S3_INVALID for bad arguments, S3_ERROR for a refusal or an
 * answer that is not a ListMultipartUploadsResult (a truncated page without
 * markers included), S3_UNAVAILABLE as every call does (a store that does not
 * implement the request answers 501: see s3_error_unsupported()).
 */
int s3_multipart_list(struct s3_client *c, const char *prefix, const char *key_marker, const char *upload_id_marker,
		      struct s3_upload_page *page, struct s3_error *err);
void s3_upload_page_release(struct s3_upload_page *page);

/*
 * Whether a failure says the store does not implement the request at all
 * (405 MethodNotAllowed, 501 NotImplemented: s3rver answers these to
 * AbortMultipartUpload and ListMultipartUploads), so retrying soon is useless.
 */
bool s3_error_unsupported(const struct s3_error *err);

/*
 * Appends the object to out, whose max bounds the size: S3_TOO_LARGE (out
 * left as it was) when the object does not fit. S3_NOT_FOUND for a missing key.
 */
int s3_get(struct s3_client *c, const char *key, struct buf *out, struct s3_error *err);
/* Reads the object's size, type, ETag, date and metadata into info (release it even on failure). */
int s3_head(struct s3_client *c, const char *key, struct s3_object_info *info, struct s3_error *err);
void s3_object_info_release(struct s3_object_info *info);
/* Deletes key; deleting a missing key succeeds (S3 semantics). */
int s3_delete(struct s3_client *c, const char *key, struct s3_error *err);
/*
 * An authenticated HEAD of the bucket bounded by timeout_ms in total, for
 * health checks. Returns 0 when the bucket answers 2xx.
 */
int s3_probe(struct s3_client *c, long timeout_ms, struct s3_error *err);
/*
 * The same probe with its own connect timeout (at most timeout_ms), so a
 * server that accepts but answers slowly gets the whole timeout_ms while one
 * nobody listens on fails fast. A refused connection leaves err->code
 * "ConnectionRefused", a timeout "Timeout", an unresolvable host
 * "NameResolutionFailed".
 */
int s3_probe_within(struct s3_client *c, long connect_timeout_ms, long timeout_ms, struct s3_error *err);
/* Whether a failure may pass by itself: a 5xx, a timeout, a connection reset or cut (not a refusal, a bad name or a 4xx). */
bool s3_error_transient(const struct s3_error *err);

/*
 * A SigV4 query-string presigned URL for method "GET" or "PUT" on key,
 * valid expires seconds (1..604800) from now. For PUT, a non-NULL
 * content_type becomes a signed header the uploader must send unchanged.
 * Returns 0 and sets *url to a newly allocated string (caller frees).
 * s3_presign_at() takes the signing time (for tests); s3_presign() uses the clock.
 */
int s3_presign_at(const struct s3_client *c, const char *method, const char *key, long expires,
		  const char *content_type, time_t now, char **url, struct s3_error *err);
int s3_presign(const struct s3_client *c, const char *method, const char *key, long expires, const char *content_type,
	       char **url, struct s3_error *err);

/* A short text for a result code ("unavailable", "not found" ...). */
const char *s3_strerror(int result);

#endif
