/* formupload: one multipart/form-data request of resumes streamed file by file into S3 and recorded. */
#include "intake/formupload.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "base/status.h"
#include "base/util.h"
#include "core/procmetrics.h"
#include "core/log.h"
#include "intake/filename.h"
#include "intake/filetype.h"
#include "intake/multipart.h"
#include "intake/orphans.h"
#include "intake/partpipe.h"
#include "intake/resumestore.h"
#include "intake/s3.h"

#define READ_CHUNK 65536
#define MAX_PARTS_PER_FILE 10000

/*
 * Receiving and storing overlap. Bytes are read into the fill buffer; a
 * full part, or a finished file, is handed with that buffer to a background
 * thread (partpipe) that sends it to S3, and reading goes on into the other
 * buffer. One S3 job is in flight at a time, so at most two part buffers
 * exist. The S3 client is used by the background thread while a job is in
 * flight and by this thread only when the pipe is idle (after settle()),
 * never by both at once.
 *
 * A file whose last bytes were handed over is "pending": its row is written
 * by settle(), after S3 confirms its bytes and before anything else about
 * later files is reported, so results stay in request order and a row never
 * points at bytes that are not stored.
 */

enum file_state { FILE_NONE, FILE_RECEIVING, FILE_SKIPPING };

/* One file: what is known of it, and what of it is in S3. */
struct file {
	size_t index;
	char *filename;
	char *meta_name; /* filename percent-encoded for S3 metadata */
	char key[160];
	enum filetype type;
	char sha_hex[SHA256_HEX_LEN + 1];
	int64_t size;
	bool multipart;	 /* parts were handed over (the job sets upload_id) */
	char *upload_id; /* multipart upload in progress, or NULL */
	struct s3_part *parts;
	size_t nparts;
};

enum job_kind {
	JOB_PUT,    /* the whole file in one PUT */
	JOB_PART,   /* one full part (the upload initiated first when needed) */
	JOB_FINISH, /* the last part, when not empty, then completion */
};

/* What the background thread does; owned by struct upload, read by it only after partpipe_wait(). */
struct job {
	enum job_kind kind;
	struct s3_client *s3;
	struct file *file;
	const char *data;
	size_t len;
	const char *op; /* the S3 operation that failed */
	struct s3_error err;
};

struct upload {
	struct s3_client *s3;
	int64_t org_id, job_id;
	const struct formupload_limits *lim;
	struct formupload_result *res;
	struct partpipe *pipe;
	struct job job;

	struct buf fill;  /* bytes of the file in progress not yet handed over */
	struct buf spare; /* the buffer of the job in flight, or free */

	/* The file in progress. */
	enum file_state state;
	struct file cur;
	bool sniffed;
	struct sha256 sha;
	int64_t nfiles;

	/* The file whose last bytes are being stored (or were, and wait for their row). */
	struct file pend;
};

static void file_release(struct file *f)
{
	free(f->filename);
	free(f->meta_name);
	free(f->upload_id);
	free(f->parts);
	memset(f, 0, sizeof(*f));
}

static cJSON *file_entry(struct upload *u, const struct file *f, const char *status)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "index", (double)f->index);
	cJSON_AddStringToObject(e, "filename", f->filename ? f->filename : "unnamed");
	cJSON_AddStringToObject(e, "status", status);
	cJSON_AddItemToArray(u->res->files, e);
	return e;
}

/* Forgets the file in progress (what it left in S3 must be dealt with first). */
static void forget_cur(struct upload *u)
{
	file_release(&u->cur);
	sha256_release(&u->sha);
	buf_reset(&u->fill);
	u->state = FILE_NONE;
	u->sniffed = false;
}

/*
 * Undoes whatever f left in S3 (best effort: S3 may be the thing that is
 * down). Only while the pipe is idle.
 */
static void discard_stored(struct upload *u, struct file *f)
{
	struct s3_error e = { 0 };

	if (f->upload_id) {
		int rc = s3_multipart_abort(u->s3, f->key, f->upload_id, &e);

		/* Its parts would stay in S3 forever: the drainer retries the abort. */
		if (rc < 0)
			orphans_abort_failed(f->key, f->upload_id, rc, &e);
		free(f->upload_id);
		f->upload_id = NULL;
	}
}

static void delete_object(struct upload *u, const struct file *f)
{
	struct s3_error e = { 0 };

	if (s3_delete(u->s3, f->key, &e) < 0)
		log_warn("upload: cannot delete '%s': %s %s", f->key, e.code, e.message);
}

/* Stops the whole request (the first reason wins): S3 or the database is unavailable. */
static int unavailable(struct upload *u, const char *what, size_t index)
{
	if (u->res->status == 0) {
		u->res->status = ST_UNAVAILABLE;
		snprintf(u->res->detail, sizeof(u->res->detail),
			 "%s is unavailable; nothing of file %zu was kept; try again", what, index);
	}
	return -1;
}

/* A job failed: nothing of its file stays, and the request stops. */
static int job_failed(struct upload *u)
{
	struct job *j = &u->job;
	struct file *f = j->file;

	log_error("upload: S3 %s of '%s' failed: %ld %s %s", j->op, f->key, j->err.status, j->err.code, j->err.message);
	discard_stored(u, f);
	if (j->err.unavailable)
		return unavailable(u, "storage (S3)", f->index);
	if (u->res->status == 0) {
		u->res->status = ST_INTERNAL;
		snprintf(u->res->detail, sizeof(u->res->detail), "storage refused file %zu (%s)", f->index,
			 j->err.code);
	}
	return -1;
}

/* Runs on the pipe's thread. */
static int job_run(void *arg)
{
	struct job *j = arg;
	struct file *f = j->file;
	struct s3_meta meta[1] = { { "filename", f->meta_name } };
	const char *mime = filetype_mime(f->type);
	int rc;

	memset(&j->err, 0, sizeof(j->err));
	if (j->kind == JOB_PUT) {
		j->op = "put";
		return s3_put(j->s3, f->key, j->data, j->len, mime, meta, 1, NULL, &j->err);
	}
	if (!f->upload_id) {
		j->op = "initiate";
		rc = s3_multipart_initiate(j->s3, f->key, mime, meta, 1, &f->upload_id, &j->err);
		if (rc < 0)
			return rc;
	}
	if (j->kind == JOB_PART || j->len > 0) {
		j->op = "part upload";
		rc = s3_multipart_upload_part(j->s3, f->key, f->upload_id, (int)f->nparts + 1, j->data, j->len,
					      f->parts[f->nparts].etag, &j->err);
		if (rc < 0)
			return rc;
		f->parts[f->nparts].number = (int)f->nparts + 1;
		f->nparts++;
	}
	if (j->kind == JOB_FINISH) {
		j->op = "complete";
		return s3_multipart_complete(j->s3, f->key, f->upload_id, f->parts, f->nparts, NULL, &j->err);
	}
	return 0;
}

/*
 * Hands the fill buffer to the pipe as a job on f and goes on with the
 * other buffer. The pipe must be idle.
 */
static void hand_over(struct upload *u, enum job_kind kind, struct file *f)
{
	struct buf tmp;

	if (kind != JOB_PUT)
		f->parts = xrealloc(f->parts, (f->nparts + 1) * sizeof(*f->parts));
	u->job.kind = kind;
	u->job.s3 = u->s3;
	u->job.file = f;
	u->job.data = u->fill.ptr;
	u->job.len = u->fill.len;
	tmp = u->fill;
	u->fill = u->spare;
	u->spare = tmp;
	buf_reset(&u->fill);
	/* A whole part up front: growing by doubling would copy, and briefly hold, 1.5 parts. */
	if (u->fill.cap < u->lim->part_size)
		buf_grow(&u->fill, u->lim->part_size);
	partpipe_start(u->pipe, job_run, &u->job);
}

static void report_duplicate(struct upload *u, const struct file *f, int64_t existing)
{
	cJSON *e = file_entry(u, f, "duplicate");

	cJSON_AddNumberToObject(e, "duplicate_of", (double)existing);
	cJSON_AddStringToObject(e, "sha256", f->sha_hex);
	cJSON_AddNumberToObject(e, "size", (double)f->size);
	u->res->duplicates++;
}

/* Writes the pending file's row and task, now that its bytes are in S3. */
static int record_pending(struct upload *u)
{
	struct file *f = &u->pend;
	struct resume_new rn;
	int64_t resume_id = 0, dup = 0;
	bool keep = false;
	int rc;

	free(f->upload_id);
	f->upload_id = NULL;
	rn.org_id = u->org_id;
	rn.job_id = u->job_id;
	rn.s3_key = f->key;
	rn.sha256_hex = f->sha_hex;
	rn.size = f->size;
	rn.content_type = filetype_mime(f->type);
	rn.filename = f->filename;
	rn.source = "upload";
	rc = resumestore_accept(&rn, &u->res->batch_id, &resume_id, &dup);
	if (rc == ST_UNAVAILABLE && resume_id != 0) {
		/*
		 * Cut after its INSERT, perhaps during its COMMIT: the row may be
		 * there, and then its object must stay. (A database that was not
		 * there from the start leaves resume_id 0: nothing was written.)
		 */
		int64_t batch = 0;
		int written = resumestore_written_after_all(&rn, RESUMESTORE_IN_DOUBT_WAIT_MS, &resume_id, &batch);

		if (written == 1) {
			log_warn("upload: '%s' was recorded after all (the database went away after its commit)",
				 f->key);
			if (u->res->batch_id == 0)
				u->res->batch_id = batch;
			rc = 0;
		} else if (written < 0) {
			log_error("upload: '%s' may or may not be recorded (the database went away during its commit);"
				  " its object stays in S3",
				  f->key);
			keep = true;
		}
	}
	if (rc < 0) {
		if (!keep)
			delete_object(u, f);
		rc = unavailable(u, "the database", f->index);
	} else if (rc == 1) {
		delete_object(u, f);
		report_duplicate(u, f, dup);
		rc = 0;
	} else {
		cJSON *e = file_entry(u, f, "accepted");

		cJSON_AddNumberToObject(e, "resume_id", (double)resume_id);
		cJSON_AddStringToObject(e, "sha256", f->sha_hex);
		cJSON_AddNumberToObject(e, "size", (double)f->size);
		cJSON_AddStringToObject(e, "content_type", rn.content_type);
		u->res->accepted++;
		procmetrics_upload(f->size);
	}
	file_release(f);
	return rc;
}

/*
 * Waits for the job in flight and finishes what it was for: a failure
 * stops the request with nothing of its file left; a pending file's row is
 * written. Afterwards the pipe is idle. Returns 0, or -1 when the request
 * must stop (res->status set).
 */
static int settle(struct upload *u)
{
	int rc;

	if (!partpipe_wait(u->pipe, &rc))
		return 0;
	if (rc < 0) {
		rc = job_failed(u);
		if (u->job.file == &u->pend)
			file_release(&u->pend);
		return rc;
	}
	if (u->job.file == &u->pend)
		return record_pending(u);
	return 0;
}

/* Rejects the file in progress with a reason; -1 when the request must stop. */
static int reject(struct upload *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int reject(struct upload *u, const char *fmt, ...)
{
	char reason[300];
	va_list ap;
	cJSON *e;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	/* Earlier files are reported first, and the pipe must be idle to undo this one's parts. */
	if (settle(u) < 0)
		return -1;
	discard_stored(u, &u->cur);
	e = file_entry(u, &u->cur, "rejected");
	cJSON_AddStringToObject(e, "reason", reason);
	u->res->rejected++;
	u->state = FILE_SKIPPING;
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
	if (!out.ptr)
		return xstrdup("");
	return buf_detach(&out, NULL);
}

static int part_begin(void *ctx, const struct multipart_part *p)
{
	struct upload *u = ctx;
	unsigned char rnd[16];
	char hex[33];

	u->cur.index = p->index;
	if (!p->filename) {
		/* A plain form field, not a file: ignored. */
		u->state = FILE_SKIPPING;
		return 0;
	}
	u->cur.filename = filename_sanitize(p->filename, p->filename_len);
	u->nfiles++;
	if (u->nfiles > u->lim->max_files)
		return reject(u, "too many files in one request (limit %lld)", (long long)u->lim->max_files);
	if (random_bytes(rnd, sizeof(rnd)) < 0 || sha256_init(&u->sha) < 0) {
		u->res->status = ST_INTERNAL;
		snprintf(u->res->detail, sizeof(u->res->detail), "cannot start file %zu", u->cur.index);
		return -1;
	}
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(u->cur.key, sizeof(u->cur.key), "orgs/%lld/jobs/%lld/resumes/%s", (long long)u->org_id,
		 (long long)u->job_id, hex);
	u->cur.meta_name = meta_filename(u->cur.filename);
	u->state = FILE_RECEIVING;
	return 0;
}

/* 0 when the type is known; 1 when the file was rejected; -1 when the request must stop. */
static int sniff(struct upload *u, bool whole)
{
	char why[FILETYPE_REASON_MAX];

	u->cur.type = filetype_sniff(u->fill.ptr, u->fill.len, whole, why, sizeof(why));
	u->sniffed = true;
	if (u->cur.type == FILETYPE_UNKNOWN)
		return reject(u, "unsupported file type: %s", why) < 0 ? -1 : 1;
	return 0;
}

/* The fill buffer holds a whole part of the file in progress: off it goes. */
static int send_part(struct upload *u)
{
	if (settle(u) < 0)
		return -1;
	if (u->cur.nparts >= MAX_PARTS_PER_FILE)
		return reject(u, "file needs more than %d parts", MAX_PARTS_PER_FILE);
	u->cur.multipart = true;
	hand_over(u, JOB_PART, &u->cur);
	return 0;
}

static int part_data(void *ctx, const void *data, size_t len)
{
	struct upload *u = ctx;
	const char *p = data;
	int rc;

	if (u->state != FILE_RECEIVING)
		return 0;
	if (u->cur.size + (int64_t)len > u->lim->max_file_bytes)
		return reject(u, "file is larger than the limit of %lld bytes", (long long)u->lim->max_file_bytes);
	u->cur.size += (int64_t)len;
	sha256_update(&u->sha, data, len);
	while (len > 0) {
		size_t room = u->lim->part_size - u->fill.len;
		size_t n = len < room ? len : room;

		buf_append(&u->fill, p, n);
		p += n;
		len -= n;
		if (!u->sniffed && u->fill.len >= FILETYPE_SNIFF_BYTES) {
			rc = sniff(u, false);
			if (rc != 0)
				return rc < 0 ? -1 : 0;
		}
		if (u->fill.len == u->lim->part_size) {
			if (send_part(u) < 0)
				return -1;
			if (u->state != FILE_RECEIVING)
				return 0;
		}
	}
	return 0;
}

/* The file in progress becomes the pending one, its last bytes handed over. */
static void send_last(struct upload *u)
{
	u->pend = u->cur;
	memset(&u->cur, 0, sizeof(u->cur));
	hand_over(u, u->pend.multipart ? JOB_FINISH : JOB_PUT, &u->pend);
}

static int part_end(void *ctx)
{
	struct upload *u = ctx;
	unsigned char digest[SHA256_LEN];
	int64_t dup = 0;
	int rc = 0;

	if (u->state != FILE_RECEIVING)
		goto done;
	if (u->cur.size == 0) {
		rc = reject(u, "empty file");
		goto done;
	}
	if (!u->sniffed) {
		rc = sniff(u, true);
		if (rc != 0) {
			rc = rc < 0 ? -1 : 0;
			goto done;
		}
	}
	sha256_final(&u->sha, digest);
	hex_encode(digest, sizeof(digest), u->cur.sha_hex);
	/* Earlier files first: their rows are written before this one is looked up or stored. */
	rc = settle(u);
	if (rc < 0)
		goto done;
	if (!u->cur.multipart) {
		/* The whole file is in memory: a known duplicate need not be stored at all. */
		rc = resumestore_find_sha(u->org_id, u->job_id, u->cur.sha_hex, &dup);
		if (rc < 0) {
			rc = unavailable(u, "the database", u->cur.index);
			goto done;
		}
		if (rc == 1) {
			report_duplicate(u, &u->cur, dup);
			rc = 0;
			goto done;
		}
	}
	send_last(u);
done:
	if (rc < 0)
		return -1; /* formupload_run() cleans up */
	forget_cur(u);
	return 0;
}

void formupload_run(struct s3_client *s3, int64_t org_id, int64_t job_id, const char *boundary,
		    const struct formupload_limits *limits, formupload_read_fn read, void *read_ctx,
		    struct formupload_result *out)
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
	u.pipe = partpipe_new();
	buf_init(&u.fill, limits->part_size);
	buf_init(&u.spare, limits->part_size);
	/* One allocation of a whole part up front (the second buffer is made when first needed). */
	buf_grow(&u.fill, limits->part_size);
	/* Empty parts still cost a little; allow a few per file, and never more than the parser's own cap. */
	ml.max_parts = (size_t)(limits->max_files * 4 + 16);
	if (ml.max_parts > MULTIPART_DEFAULT_MAX_PARTS)
		ml.max_parts = MULTIPART_DEFAULT_MAX_PARTS;
	mp = multipart_new(boundary, &ml, &cb, &u);
	for (;;) {
		ssize_t got = read(read_ctx, chunk, READ_CHUNK);

		if (got < 0) {
			if (out->status == 0) {
				out->status = ST_BAD_REQUEST;
				snprintf(out->detail, sizeof(out->detail),
					 "the request body could not be read to its end");
			}
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
	/*
	 * The last pending file is recorded even when the request stops: like
	 * every file before it, it was received whole and stored (a retry
	 * reports it as a duplicate).
	 */
	settle(&u);
	if (out->status != 0)
		discard_stored(&u, &u.cur);
	else if (u.nfiles == 0) {
		out->status = ST_BAD_REQUEST;
		snprintf(out->detail, sizeof(out->detail),
			 "no files in the request (send multipart/form-data file parts)");
	}
	partpipe_free(u.pipe);
	forget_cur(&u);
	file_release(&u.pend);
	buf_release(&u.fill);
	buf_release(&u.spare);
	multipart_free(mp);
	free(chunk);
}

void formupload_result_release(struct formupload_result *res)
{
	cJSON_Delete(res->files);
	res->files = NULL;
}
