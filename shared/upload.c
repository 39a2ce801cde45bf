/* upload: one multipart/form-data request of resumes streamed file by file into S3 and recorded. */
#include "upload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "filename.h"
#include "filetype.h"
#include "log.h"
#include "multipart.h"
#include "resumestore.h"
#include "s3.h"
#include "sha256.h"
#include "status.h"
#include "util.h"

#define READ_CHUNK 65536
#define MAX_PARTS_PER_FILE 10000

enum file_state { FILE_NONE, FILE_RECEIVING, FILE_SKIPPING };

struct upload {
	struct s3_client *s3;
	int64_t org_id, job_id;
	const struct upload_limits *lim;
	struct upload_result *res;

	/* The file in progress. */
	enum file_state state;
	size_t index;
	char *filename;
	char key[160];
	enum filetype type;
	bool sniffed;
	struct sha256 sha;
	int64_t size;
	struct buf part;     /* pending bytes, at most one S3 part */
	char *upload_id;     /* multipart upload in progress, or NULL */
	struct s3_part *parts;
	size_t nparts;
	int64_t nfiles;
};

static cJSON *file_entry(struct upload *u, const char *status)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddNumberToObject(f, "index", (double)u->index);
	cJSON_AddStringToObject(f, "filename", u->filename ? u->filename : "unnamed");
	cJSON_AddStringToObject(f, "status", status);
	cJSON_AddItemToArray(u->res->files, f);
	return f;
}

static void forget_file(struct upload *u)
{
	free(u->filename);
	u->filename = NULL;
	free(u->upload_id);
	u->upload_id = NULL;
	free(u->parts);
	u->parts = NULL;
	u->nparts = 0;
	sha256_release(&u->sha);
	buf_reset(&u->part);
	u->state = FILE_NONE;
	u->sniffed = false;
	u->size = 0;
}

/* Undoes whatever the file in progress left in S3 (best effort: S3 may be the thing that is down). */
static void discard_stored(struct upload *u)
{
	struct s3_error e = { 0 };

	if (u->upload_id) {
		if (s3_multipart_abort(u->s3, u->key, u->upload_id, &e) < 0)
			log_warn("upload: cannot abort multipart upload of '%s': %s %s", u->key, e.code, e.message);
	}
}

static void reject(struct upload *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reject(struct upload *u, const char *fmt, ...)
{
	char reason[300];
	va_list ap;
	cJSON *f;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	discard_stored(u);
	f = file_entry(u, "rejected");
	cJSON_AddStringToObject(f, "reason", reason);
	u->res->rejected++;
	free(u->upload_id);
	u->upload_id = NULL;
	u->state = FILE_SKIPPING;
}

/* Stops the whole request: S3 or the database is unavailable. */
static int unavailable(struct upload *u, const char *what)
{
	discard_stored(u);
	u->res->status = ST_UNAVAILABLE;
	snprintf(u->res->detail, sizeof(u->res->detail), "%s is unavailable; nothing of file %zu was kept; try again",
		 what, u->index);
	return -1;
}

static int s3_failed(struct upload *u, const struct s3_error *e, const char *op)
{
	log_error("upload: S3 %s of '%s' failed: %ld %s %s", op, u->key, e->status, e->code, e->message);
	if (e->unavailable)
		return unavailable(u, "storage (S3)");
	u->res->status = ST_INTERNAL;
	snprintf(u->res->detail, sizeof(u->res->detail), "storage refused file %zu (%s)", u->index, e->code);
	discard_stored(u);
	return -1;
}

static int part_begin(void *ctx, const struct multipart_part *p)
{
	struct upload *u = ctx;
	unsigned char rnd[16];
	char hex[33];

	u->index = p->index;
	if (!p->filename) {
		/* A plain form field, not a file: ignored. */
		u->state = FILE_SKIPPING;
		return 0;
	}
	u->filename = filename_sanitize(p->filename, p->filename_len);
	u->nfiles++;
	if (u->nfiles > u->lim->max_files) {
		reject(u, "too many files in one request (limit %lld)", (long long)u->lim->max_files);
		return 0;
	}
	if (random_bytes(rnd, sizeof(rnd)) < 0 || sha256_init(&u->sha) < 0) {
		u->res->status = ST_INTERNAL;
		snprintf(u->res->detail, sizeof(u->res->detail), "cannot start file %zu", u->index);
		return -1;
	}
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(u->key, sizeof(u->key), "orgs/%lld/jobs/%lld/resumes/%s", (long long)u->org_id, (long long)u->job_id,
		 hex);
	u->state = FILE_RECEIVING;
	return 0;
}

static int sniff(struct upload *u, bool whole)
{
	char why[FILETYPE_REASON_MAX];

	u->type = filetype_sniff(u->part.ptr, u->part.len, whole, why, sizeof(why));
	u->sniffed = true;
	if (u->type == FILETYPE_UNKNOWN) {
		reject(u, "unsupported file type: %s", why);
		return -1;
	}
	return 0;
}

/*
 * S3 metadata travels in HTTP headers, which carry ASCII only: the name is
 * kept percent-encoded (RFC 3986 unreserved characters as they are).
 * Returns a new string; caller frees.
 */
static char *meta_filename(const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	struct buf out = BUF_INIT(0);
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		    *p == '.' || *p == '_' || *p == '~') {
			buf_append_char(&out, (char)*p);
		} else {
			char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };

			buf_append(&out, esc, 3);
		}
	}
	return buf_detach(&out, NULL);
}

static int flush_part(struct upload *u)
{
	struct s3_error e = { 0 };
	char *meta_name = meta_filename(u->filename);
	struct s3_meta meta[1] = { { "filename", meta_name } };
	int rc;

	if (!u->upload_id) {
		rc = s3_multipart_initiate(u->s3, u->key, filetype_mime(u->type), meta, 1, &u->upload_id, &e);
		free(meta_name);
		if (rc < 0)
			return s3_failed(u, &e, "initiate");
	} else {
		free(meta_name);
	}
	if (u->nparts >= MAX_PARTS_PER_FILE) {
		reject(u, "file needs more than %d parts", MAX_PARTS_PER_FILE);
		return 0;
	}
	u->parts = xrealloc(u->parts, (u->nparts + 1) * sizeof(*u->parts));
	u->parts[u->nparts].number = (int)u->nparts + 1;
	rc = s3_multipart_upload_part(u->s3, u->key, u->upload_id, (int)u->nparts + 1, u->part.ptr, u->part.len,
				      u->parts[u->nparts].etag, &e);
	if (rc < 0)
		return s3_failed(u, &e, "part upload");
	u->nparts++;
	buf_reset(&u->part);
	return 0;
}

static int part_data(void *ctx, const void *data, size_t len)
{
	struct upload *u = ctx;
	const char *p = data;

	if (u->state != FILE_RECEIVING)
		return 0;
	if (u->size + (int64_t)len > u->lim->max_file_bytes) {
		reject(u, "file is larger than the limit of %lld bytes", (long long)u->lim->max_file_bytes);
		return 0;
	}
	u->size += (int64_t)len;
	sha256_update(&u->sha, data, len);
	while (len > 0) {
		size_t room = u->lim->part_size - u->part.len;
		size_t n = len < room ? len : room;

		buf_append(&u->part, p, n);
		p += n;
		len -= n;
		if (!u->sniffed && u->part.len >= FILETYPE_SNIFF_BYTES && sniff(u, false) < 0)
			return 0;
		if (u->part.len == u->lim->part_size) {
			if (flush_part(u) < 0)
				return -1;
			if (u->state != FILE_RECEIVING)
				return 0;
		}
	}
	return 0;
}

/* Puts the last bytes in S3: one PUT for a small file, or the last part and completion. */
static int store_rest(struct upload *u)
{
	struct s3_error e = { 0 };
	int rc;

	if (!u->upload_id) {
		char *meta_name = meta_filename(u->filename);
		struct s3_meta meta[1] = { { "filename", meta_name } };

		rc = s3_put(u->s3, u->key, u->part.ptr, u->part.len, filetype_mime(u->type), meta, 1, NULL, &e);
		free(meta_name);
		return rc < 0 ? s3_failed(u, &e, "put") : 0;
	}
	if (u->part.len > 0 && flush_part(u) < 0)
		return -1;
	rc = s3_multipart_complete(u->s3, u->key, u->upload_id, u->parts, u->nparts, NULL, &e);
	if (rc < 0)
		return s3_failed(u, &e, "complete");
	free(u->upload_id);
	u->upload_id = NULL;
	return 0;
}

static void delete_object(struct upload *u)
{
	struct s3_error e = { 0 };

	if (s3_delete(u->s3, u->key, &e) < 0)
		log_warn("upload: cannot delete '%s': %s %s", u->key, e.code, e.message);
}

static void report_duplicate(struct upload *u, const char *sha_hex, int64_t existing)
{
	cJSON *f = file_entry(u, "duplicate");

	cJSON_AddNumberToObject(f, "duplicate_of", (double)existing);
	cJSON_AddStringToObject(f, "sha256", sha_hex);
	cJSON_AddNumberToObject(f, "size", (double)u->size);
	u->res->duplicates++;
}

static int part_end(void *ctx)
{
	struct upload *u = ctx;
	unsigned char digest[SHA256_LEN];
	char sha_hex[SHA256_HEX_LEN + 1];
	struct resume_new rn;
	int64_t resume_id = 0, dup = 0;
	int rc;

	if (u->state != FILE_RECEIVING)
		goto done;
	if (u->size == 0) {
		reject(u, "empty file");
		goto done;
	}
	if (!u->sniffed && sniff(u, true) < 0)
		goto done;
	sha256_final(&u->sha, digest);
	hex_encode(digest, sizeof(digest), sha_hex);
	if (!u->upload_id) {
		/* The whole file is in memory: a known duplicate need not be stored at all. */
		rc = resumestore_find_sha(u->org_id, u->job_id, sha_hex, &dup);
		if (rc < 0)
			return unavailable(u, "the database");
		if (rc == 1) {
			report_duplicate(u, sha_hex, dup);
			goto done;
		}
	}
	if (store_rest(u) < 0)
		return -1;
	rn.org_id = u->org_id;
	rn.job_id = u->job_id;
	rn.s3_key = u->key;
	rn.sha256_hex = sha_hex;
	rn.size = u->size;
	rn.content_type = filetype_mime(u->type);
	rn.filename = u->filename;
	rn.source = "upload";
	rc = resumestore_accept(&rn, &u->res->batch_id, &resume_id, &dup);
	if (rc < 0) {
		delete_object(u);
		return unavailable(u, "the database");
	}
	if (rc == 1) {
		delete_object(u);
		report_duplicate(u, sha_hex, dup);
	} else {
		cJSON *f = file_entry(u, "accepted");

		cJSON_AddNumberToObject(f, "resume_id", (double)resume_id);
		cJSON_AddStringToObject(f, "sha256", sha_hex);
		cJSON_AddNumberToObject(f, "size", (double)u->size);
		cJSON_AddStringToObject(f, "content_type", rn.content_type);
		u->res->accepted++;
	}
done:
	forget_file(u);
	return 0;
}

void upload_run(struct s3_client *s3, int64_t org_id, int64_t job_id, const char *boundary,
		const struct upload_limits *limits, upload_read_fn read, void *read_ctx, struct upload_result *out)
{
	static const struct multipart_callbacks cb = { part_begin, part_data, part_end };
	struct multipart_limits ml = { 0, 0 };
	struct upload u;
	struct multipart *mp = NULL;
	char *chunk = xmalloc(READ_CHUNK);
	int64_t total = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->files = cJSON_CreateArray();
	memset(&u, 0, sizeof(u));
	u.s3 = s3;
	u.org_id = org_id;
	u.job_id = job_id;
	u.lim = limits;
	u.res = out;
	buf_init(&u.part, limits->part_size);
	/* One allocation of a whole part up front: growing by doubling would copy, and briefly hold, 1.5 parts. */
	buf_grow(&u.part, limits->part_size);
	/* Empty parts still cost a little; allow a few per file, and never more than the parser's own cap. */
	ml.max_parts = (size_t)(limits->max_files * 4 + 16);
	if (ml.max_parts > MULTIPART_DEFAULT_MAX_PARTS)
		ml.max_parts = MULTIPART_DEFAULT_MAX_PARTS;
	mp = multipart_new(boundary, &ml, &cb, &u);
	for (;;) {
		ssize_t got = read(read_ctx, chunk, READ_CHUNK);

		if (got < 0) {
			out->status = ST_BAD_REQUEST;
			snprintf(out->detail, sizeof(out->detail), "the request body could not be read to its end");
			break;
		}
		if (got == 0) {
			rc = multipart_finish(mp);
			break;
		}
		total += got;
		if (total > limits->max_total_bytes) {
			out->status = ST_TOO_LARGE;
			snprintf(out->detail, sizeof(out->detail), "request body exceeds the limit of %lld bytes",
				 (long long)limits->max_total_bytes);
			break;
		}
		rc = multipart_feed(mp, chunk, (size_t)got);
		if (rc < 0)
			break;
	}
	if (rc < 0 && out->status == 0) {
		out->status = ST_BAD_REQUEST;
		snprintf(out->detail, sizeof(out->detail), "%s", multipart_error(mp));
	}
	if (out->status != 0)
		discard_stored(&u);
	else if (u.nfiles == 0) {
		out->status = ST_BAD_REQUEST;
		snprintf(out->detail, sizeof(out->detail), "no files in the request (send multipart/form-data file parts)");
	}
	forget_file(&u);
	buf_release(&u.part);
	multipart_free(mp);
	free(chunk);
}

void upload_result_release(struct upload_result *res)
{
	cJSON_Delete(res->files);
	res->files = NULL;
}
