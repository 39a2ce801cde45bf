/* arrival: receiving a resume that arrived in S3 through a presigned upload — fetch, validate, record. */
#include "intake/arrival.h"

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
#include "core/db.h"
#include "core/log.h"
#include "intake/filetype.h"
#include "intake/resumestore.h"
#include "intake/s3.h"
#include "intake/uploadslot.h"
#include "core/counters.h"

static void set_reason(struct arrival_outcome *out, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void set_reason(struct arrival_outcome *out, const char *fmt, va_list ap)
{
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
}

static void delete_object(struct s3_client *s3, const char *key)
{
	struct s3_error e = { 0 };

	if (s3_delete(s3, key, &e) < 0)
		log_warn("objects: cannot delete '%s': %ld %s %s", key, e.status, e.code, e.message);
}

/*
 * Rejects the object: deletes it and marks the slot. A database failure
 * while marking is reported, so the event is retried; the object is then
 * already gone and the retry reports it as not found.
 */
static int reject(struct s3_client *s3, const struct uploadslot *slot, struct arrival_outcome *out, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

static int reject(struct s3_client *s3, const struct uploadslot *slot, struct arrival_outcome *out, const char *fmt,
		  ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_reason(out, fmt, ap);
	va_end(ap);
	out->status = ARRIVAL_REJECTED;
	out->resume_id = 0;
	if (strcmp(slot->state, "received") == 0) {
		/* Written again after it was received: the recorded resume keeps its object and its slot. */
		log_warn("objects: '%s' changed after it was received: %s", slot->key, out->reason);
		return 0;
	}
	log_info("objects: rejected '%s': %s", slot->key, out->reason);
	delete_object(s3, slot->key);
	return uploadslot_mark(slot->id, "rejected", out->reason, 0) < 0 ? ST_UNAVAILABLE : 0;
}

static int s3_failed(const struct s3_error *e, const char *op, const char *key)
{
	log_error("objects: S3 %s of '%s' failed: %ld %s %s", op, key, e->status, e->code, e->message);
	return e->unavailable ? ST_UNAVAILABLE : ST_INTERNAL;
}

/* The key and SHA-256 of a resume (for telling a repeated event from a real duplicate). */
static int resume_identity(int64_t id, char **key, char sha[SHA256_HEX_LEN + 1])
{
	struct db_result *res = NULL;
	char sid[24];
	const char *p[1] = { sid };
	int rc;

	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	rc = db_query("arrival_resume_identity", "SELECT s3_key, sha256 FROM resumes WHERE id = $1", 1, p, &res);
	if (rc < 0)
		return rc;
	if (db_rows(res) == 0) {
		db_result_free(res);
		return ST_NOT_FOUND;
	}
	*key = xstrdup(db_value(res, 0, 0));
	snprintf(sha, SHA256_HEX_LEN + 1, "%s", db_value(res, 0, 1));
	db_result_free(res);
	return 0;
}

/* The object is gone: say what became of it before, without changing the slot. */
static int report_gone(const struct uploadslot *slot, struct arrival_outcome *out)
{
	char sha[SHA256_HEX_LEN + 1];
	char *key = NULL;
	int rc;

	if (strcmp(slot->state, "received") == 0 && slot->resume_id) {
		rc = resume_identity(slot->resume_id, &key, sha);
		if (rc == ST_UNAVAILABLE)
			return rc;
		if (rc == 0) {
			out->status = strcmp(key, slot->key) == 0 ? ARRIVAL_ACCEPTED : ARRIVAL_DUPLICATE;
			out->resume_id = slot->resume_id;
			snprintf(out->reason, sizeof(out->reason), "%s", slot->reason ? slot->reason : "");
			free(key);
			return 0;
		}
	}
	out->status = ARRIVAL_REJECTED;
	if (strcmp(slot->state, "rejected") == 0 && slot->reason)
		snprintf(out->reason, sizeof(out->reason), "%s", slot->reason);
	else
		snprintf(out->reason, sizeof(out->reason), "object not found");
	return 0;
}

/* Records the bytes (already checked) as a resume and settles the slot. */
static int record(struct s3_client *s3, const struct uploadslot *slot, const struct buf *data, enum filetype type,
		  struct arrival_outcome *out)
{
	char sha[SHA256_HEX_LEN + 1], existing_sha[SHA256_HEX_LEN + 1];
	struct resume_new rn;
	int64_t batch_id = slot->batch_id, resume_id = 0, dup = 0;
	char *existing_key = NULL;
	int rc;

	if (sha256_hex(data->ptr, data->len, sha) < 0)
		return ST_INTERNAL;
	rn.org_id = slot->org_id;
	rn.job_id = slot->job_id;
	rn.s3_key = slot->key;
	rn.sha256_hex = sha;
	rn.size = (int64_t)data->len;
	rn.content_type = filetype_mime(type);
	rn.filename = slot->filename;
	rn.source = "presigned";
	rc = resumestore_accept(&rn, &batch_id, &resume_id, &dup);
	if (rc == ST_UNAVAILABLE && resume_id != 0) {
		/*
		 * Cut after its INSERT, perhaps during its COMMIT: when the row is
		 * there the arrival was recorded, and is answered as accepted rather
		 * than as a failure to deliver again. Either way nothing is deleted.
		 */
		int64_t batch = 0;

		if (resumestore_written_after_all(&rn, RESUMESTORE_IN_DOUBT_WAIT_MS, &resume_id, &batch) == 1) {
			log_warn("objects: '%s' was recorded after all (the database went away after its commit)",
				 slot->key);
			rc = 0;
		}
	}
	if (rc < 0)
		return ST_UNAVAILABLE;
	if (rc == 0) {
		out->status = ARRIVAL_ACCEPTED;
		out->resume_id = resume_id;
		log_info("objects: accepted '%s' as resume %lld", slot->key, (long long)resume_id);
		procmetrics_upload((int64_t)data->len);
		return uploadslot_mark(slot->id, "received", NULL, resume_id) < 0 ? ST_UNAVAILABLE : 0;
	}
	rc = resume_identity(dup, &existing_key, existing_sha);
	if (rc < 0)
		return rc == ST_NOT_FOUND ? ST_UNAVAILABLE : rc;
	if (strcmp(existing_key, slot->key) == 0) {
		free(existing_key);
		if (strcmp(existing_sha, sha) != 0) {
			/* Someone wrote the key again after it was received: the first upload stands. */
			out->status = ARRIVAL_REJECTED;
			snprintf(out->reason, sizeof(out->reason),
				 "object was replaced after it was received as resume %lld", (long long)dup);
			log_warn("objects: '%s' was replaced after it was received as resume %lld", slot->key,
				 (long long)dup);
			return 0;
		}
		/* The same event again: same answer, nothing else to do. */
		out->status = ARRIVAL_ACCEPTED;
		out->resume_id = dup;
		return strcmp(slot->state, "received") == 0 ? 0 : uploadslot_mark(slot->id, "received", NULL, dup);
	}
	free(existing_key);
	out->status = ARRIVAL_DUPLICATE;
	out->resume_id = dup;
	snprintf(out->reason, sizeof(out->reason), "duplicate of resume %lld", (long long)dup);
	log_info("objects: '%s' duplicates resume %lld; deleting it", slot->key, (long long)dup);
	delete_object(s3, slot->key);
	return uploadslot_mark(slot->id, "received", out->reason, dup) < 0 ? ST_UNAVAILABLE : 0;
}

int arrival_receive(struct s3_client *s3, const char *key, int64_t max_bytes, struct arrival_outcome *out)
{
	struct uploadslot slot = { 0 };
	struct s3_object_info info;
	struct s3_error e = { 0 };
	struct buf data = BUF_INIT(0);
	char why[FILETYPE_REASON_MAX];
	enum filetype type;
	time_t written;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&info, 0, sizeof(info));
	rc = uploadslot_find_key(key, &slot);
	if (rc < 0)
		return ST_UNAVAILABLE;
	if (rc == 0) {
		out->status = ARRIVAL_REJECTED;
		snprintf(out->reason, sizeof(out->reason), "unknown key");
		log_warn("objects: no upload slot for key '%.200s'", key);
		return 0;
	}
	out->org_id = slot.org_id;
	out->job_id = slot.job_id;

	rc = s3_head(s3, key, &info, &e);
	if (rc == S3_NOT_FOUND) {
		rc = report_gone(&slot, out);
		goto out;
	}
	if (rc < 0) {
		rc = s3_failed(&e, "HEAD", key);
		goto out;
	}
	written = info.last_modified >= 0 ? info.last_modified : time(NULL);
	if (strcmp(slot.state, "received") != 0 && written > slot.expires_at + ARRIVAL_CLOCK_SKEW_SECONDS) {
		rc = reject(s3, &slot, out, "upload slot expired before the object was written");
		goto out;
	}
	if (info.size > max_bytes) {
		rc = reject(s3, &slot, out, "too large: %lld bytes, over the limit of %lld bytes", (long long)info.size,
			    (long long)max_bytes);
		goto out;
	}
	buf_init(&data, (size_t)max_bytes);
	rc = s3_get(s3, key, &data, &e);
	if (rc == S3_TOO_LARGE) {
		/* Rewritten bigger between HEAD and GET. */
		rc = reject(s3, &slot, out, "too large: over the limit of %lld bytes", (long long)max_bytes);
		goto out;
	}
	if (rc == S3_NOT_FOUND) {
		rc = report_gone(&slot, out);
		goto out;
	}
	if (rc < 0) {
		rc = s3_failed(&e, "GET", key);
		goto out;
	}
	if (data.len == 0) {
		rc = reject(s3, &slot, out, "empty file");
		goto out;
	}
	type = filetype_sniff(data.ptr, data.len, true, why, sizeof(why));
	if (type == FILETYPE_UNKNOWN) {
		rc = reject(s3, &slot, out, "unsupported file type: %s", why);
		goto out;
	}
	rc = record(s3, &slot, &data, type, out);
out:
	s3_object_info_release(&info);
	buf_release(&data);
	uploadslot_release(&slot);
	return rc;
}

/* Where an organisation's resume is stored. */
static const char arrival_locate_sql[] =
	"SELECT s3_key, filename, content_type FROM resumes WHERE id = $1 AND org_id = $2";

int arrival_locate(int64_t org_id, int64_t resume_id, struct arrival_location *out)
{
	struct db_result *res = NULL;
	char org[24], id[24];
	const char *p[2] = { id, org };
	int rc;

	memset(out, 0, sizeof(*out));
	snprintf(org, sizeof(org), "%lld", (long long)org_id);
	snprintf(id, sizeof(id), "%lld", (long long)resume_id);
	rc = db_query("arrival_locate", arrival_locate_sql, 2, p, &res);
	if (rc < 0)
		return rc;
	if (db_rows(res) == 0) {
		db_result_free(res);
		return ST_NOT_FOUND;
	}
	out->key = xstrdup(db_value(res, 0, 0));
	out->filename = xstrdup(db_value(res, 0, 1));
	out->content_type = xstrdup(db_value(res, 0, 2));
	db_result_free(res);
	return 0;
}

void arrival_location_release(struct arrival_location *loc)
{
	free(loc->key);
	free(loc->filename);
	free(loc->content_type);
	memset(loc, 0, sizeof(*loc));
}

const char *arrival_status_name(enum arrival_status s)
{
	switch (s) {
	case ARRIVAL_ACCEPTED:
		return "accepted";
	case ARRIVAL_DUPLICATE:
		return "duplicate";
	case ARRIVAL_REJECTED:
		return "rejected";
	}
	return "rejected";
}

/* One stale slot: its object received, or the slot expired. */
static int sweep_one(struct s3_client *s3, const char *key, int64_t max_bytes, struct arrival_sweep *st)
{
	struct s3_object_info info;
	struct s3_error e = { 0 };
	struct arrival_outcome out;
	struct uploadslot slot;
	int rc = s3_head(s3, key, &info, &e);

	if (rc == 0) {
		rc = arrival_receive(s3, key, max_bytes, &out);
		if (rc < 0)
			return rc;
		log_warn("objects: '%s' had no S3 event; received by the sweep: %s%s%s", key,
			 arrival_status_name(out.status), *out.reason ? ": " : "", out.reason);
		st->recovered++;
		return 0;
	}
	if (rc != S3_NOT_FOUND)
		return s3_failed(&e, "HEAD", key);
	rc = uploadslot_find_key(key, &slot);
	if (rc < 0)
		return ST_UNAVAILABLE;
	if (rc == 1 && uploadslot_expire(slot.id, "no file arrived before the upload link expired") < 0)
		rc = ST_UNAVAILABLE;
	else if (rc == 1)
		st->expired++;
	uploadslot_release(&slot);
	return rc < 0 ? rc : 0;
}

int arrival_sweep(struct s3_client *s3, int64_t max_bytes, int after_seconds, int max, struct arrival_sweep *st)
{
	char **keys = NULL;
	int n = 0, i, rc;

	rc = uploadslot_list_stale(after_seconds, max, &keys, &n);
	if (rc < 0)
		return ST_UNAVAILABLE;
	for (i = 0; i < n; i++) {
		rc = sweep_one(s3, keys[i], max_bytes, st);
		if (rc == ST_UNAVAILABLE)
			break;
		rc = 0; /* S3 refused this one (logged): the others go on, and it is tried again next time */
	}
	uploadslot_keys_free(keys, n);
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "arrival_locate", arrival_locate_sql, "RESUME_ID, ORG_ID" },
};

const struct counters_statement *arrival_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
