/* storage: presigned upload URLs, S3 event notifications and resume download links. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account/auth.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "http/app.h"
#include "http/eventsecret.h"
#include "http/resp.h"
#include "intake/arrival.h"
#include "intake/filename.h"
#include "intake/s3.h"
#include "intake/s3event.h"
#include "intake/uploadslot.h"
#include "score/jobstore.h"

/* Most files one upload-urls request may ask for. */
#define MAX_SLOTS_PER_REQUEST 100
/* Most created objects one notification may carry (S3 sends one, an SQS batch ten). */
#define MAX_OBJECTS_PER_EVENT 100
/* Download links live at most this long, whatever s3_presign_ttl says. */
#define DOWNLOAD_TTL_MAX 300
#define MEDIA_TYPE_MAX 127

static struct s3_client *s3;

static int storage_client(struct req *r)
{
	struct s3_error e = { 0 };

	if (!s3 && s3_client_new_from_config(&s3, &e) < 0)
		return resp_fail(r, ST_INTERNAL, "storage is misconfigured: %s", e.message);
	return 0;
}

static void iso8601(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A media type as a signed header may carry it: type/subtype[; params], printable ASCII, no quotes needed. */
static bool media_type_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > MEDIA_TYPE_MAX || !strchr(s, '/') || s[0] == '/')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	}
	return true;
}

static cJSON *refuse(cJSON *entry, const char *reason, int *refused)
{
	cJSON_AddStringToObject(entry, "status", "refused");
	cJSON_AddStringToObject(entry, "reason", reason);
	(*refused)++;
	return entry;
}

/*
 * Checks one requested file. Returns 0 and sets *filename (caller frees),
 * *content_type (borrowed from the request, may be NULL) and *size (-1 when
 * not given), or -1 with the reason in why.
 */
static int check_file(const cJSON *f, int64_t max_bytes, char **filename, const char **content_type, int64_t *size,
		      char *why, size_t whylen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "filename");
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(f, "content_type");
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(f, "size");

	*filename = NULL;
	*content_type = NULL;
	*size = -1;
	if (!cJSON_IsObject(f)) {
		snprintf(why, whylen, "entry is not an object");
		return -1;
	}
	if (!cJSON_IsString(name) || !*name->valuestring) {
		snprintf(why, whylen, "filename is required (a non-empty string)");
		return -1;
	}
	if (ct && !cJSON_IsNull(ct)) {
		if (!cJSON_IsString(ct) || !media_type_ok(ct->valuestring)) {
			snprintf(why, whylen, "content_type is not a media type such as application/pdf");
			return -1;
		}
		*content_type = ct->valuestring;
	}
	if (sz && !cJSON_IsNull(sz)) {
		if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9.0e15 ||
		    sz->valuedouble != (double)(int64_t)sz->valuedouble) {
			snprintf(why, whylen, "size must be a whole number of bytes");
			return -1;
		}
		*size = (int64_t)sz->valuedouble;
		if (*size == 0) {
			snprintf(why, whylen, "empty file");
			return -1;
		}
		if (*size > max_bytes) {
			snprintf(why, whylen, "file of %lld bytes is larger than the limit of %lld bytes",
				 (long long)*size, (long long)max_bytes);
			return -1;
		}
	}
	*filename = filename_sanitize(name->valuestring, strlen(name->valuestring));
	return 0;
}

static int handle_upload_urls(struct req *r)
{
	const struct config *c = config();
	cJSON *body = NULL, *out = NULL, *list;
	const cJSON *files, *f;
	int64_t job_id, batch_id = 0;
	time_t now = time(NULL), expires_at = now + (time_t)c->s3_presign_ttl;
	char exp[32], why[200];
	int issued = 0, refused = 0, index = 0, n, rc;

	rc = req_param_id(r, "id", &job_id);
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	files = cJSON_GetObjectItemCaseSensitive(body, "files");
	n = cJSON_IsArray(files) ? cJSON_GetArraySize(files) : -1;
	if (n < 1 || n > MAX_SLOTS_PER_REQUEST) {
		rc = resp_fail(r, ST_BAD_REQUEST, "files must be an array of 1 to %d entries", MAX_SLOTS_PER_REQUEST);
		goto out;
	}
	rc = jobstore_check_open(r->org_id, job_id);
	if (rc == ST_NOT_FOUND || rc == ST_CONFLICT) {
		rc = resp_fail(r, rc,
			       rc == ST_NOT_FOUND ? "job %lld not found"
						  : "job %lld is closed: it takes no more resumes",
			       (long long)job_id);
		goto out;
	}
	if (rc < 0) {
		rc = resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; try again");
		goto out;
	}
	rc = storage_client(r);
	if (rc < 0)
		goto out;
	iso8601(expires_at, exp);
	out = cJSON_CreateObject();
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(f, files)
	{
		cJSON *entry = cJSON_CreateObject();
		struct uploadslot slot = { 0 };
		struct s3_error e = { 0 };
		const char *ct;
		char *name = NULL, *url = NULL;
		int64_t size;
		cJSON *headers;

		cJSON_AddItemToArray(list, entry);
		cJSON_AddNumberToObject(entry, "index", index++);
		if (check_file(f, c->upload_max_file_bytes, &name, &ct, &size, why, sizeof(why)) < 0) {
			const char *given = cJSON_IsObject(f) ? json_str(f, "filename", NULL) : NULL;

			if (given) {
				name = filename_sanitize(given, strlen(given));
				cJSON_AddStringToObject(entry, "filename", name);
				free(name);
			}
			refuse(entry, why, &refused);
			continue;
		}
		cJSON_AddStringToObject(entry, "filename", name);
		rc = batch_id ? 0 : uploadslot_new_batch(r->org_id, job_id, &batch_id);
		if (rc == 0)
			rc = uploadslot_create(r->org_id, job_id, batch_id, name, ct, size, expires_at, &slot);
		free(name);
		if (rc < 0) {
			rc = resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; try again");
			goto out;
		}
		if (s3_presign_at(s3, "PUT", slot.key, (long)c->s3_presign_ttl, ct, now, &url, &e) < 0) {
			log_error("storage: cannot presign '%s': %s %s", slot.key, e.code, e.message);
			uploadslot_release(&slot);
			rc = resp_fail(r, ST_INTERNAL, "cannot sign an upload URL: %s", e.message);
			goto out;
		}
		cJSON_AddStringToObject(entry, "status", "issued");
		cJSON_AddStringToObject(entry, "upload_id", slot.upload_id);
		cJSON_AddStringToObject(entry, "key", slot.key);
		cJSON_AddStringToObject(entry, "url", url);
		cJSON_AddStringToObject(entry, "method", "PUT");
		headers = cJSON_AddObjectToObject(entry, "headers");
		if (ct)
			cJSON_AddStringToObject(headers, "Content-Type", ct);
		cJSON_AddStringToObject(entry, "expires_at", exp);
		free(url);
		uploadslot_release(&slot);
		issued++;
	}
	cJSON_AddNumberToObject(out, "job_id", (double)job_id);
	if (batch_id)
		cJSON_AddNumberToObject(out, "batch_id", (double)batch_id);
	else
		cJSON_AddNullToObject(out, "batch_id");
	cJSON_AddNumberToObject(out, "issued", issued);
	cJSON_AddNumberToObject(out, "refused", refused);
	cJSON_AddStringToObject(out, "expires_at", exp);
	cJSON_AddItemToObject(out, "uploads", list);
	log_info("storage: job %lld: %d upload URLs issued, %d refused", (long long)job_id, issued, refused);
	resp_header(r, "Cache-Control", "no-store");
	rc = resp_json_take(r, issued ? 201 : 200, out);
	out = NULL;
out:
	cJSON_Delete(out);
	cJSON_Delete(body);
	return rc;
}

static int check_event_secret(struct req *r)
{
	return eventsecret_check(r, config()->s3_event_secret, "SHORTLIST_S3_EVENT_SECRET", "s3 events");
}

static cJSON *result(cJSON *results, const char *key, const char *status, int64_t resume_id, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	if (key)
		cJSON_AddStringToObject(o, "key", key);
	else
		cJSON_AddNullToObject(o, "key");
	cJSON_AddStringToObject(o, "status", status);
	if (resume_id)
		cJSON_AddNumberToObject(o, "resume_id", (double)resume_id);
	else
		cJSON_AddNullToObject(o, "resume_id");
	if (reason && *reason)
		cJSON_AddStringToObject(o, "reason", reason);
	else
		cJSON_AddNullToObject(o, "reason");
	cJSON_AddItemToArray(results, o);
	return o;
}

/* Handles one created object; returns 0 or a status code that fails the whole notification. */
static int handle_created(struct req *r, const struct s3event *ev, cJSON *results, int *counts)
{
	const struct config *c = config();
	struct arrival_outcome oc;
	char why[300];
	int rc;

	if (strcmp(ev->bucket, c->s3_bucket) != 0) {
		snprintf(why, sizeof(why), "bucket '%.100s' is not ours", ev->bucket);
		result(results, ev->key, "ignored", 0, why);
		counts[3]++;
		return 0;
	}
	rc = storage_client(r);
	if (rc < 0)
		return rc;
	rc = arrival_receive(s3, ev->key, c->upload_max_file_bytes, &oc);
	if (rc == ST_UNAVAILABLE)
		return resp_fail(r, rc, "storage (S3) or the database is unavailable; deliver the notification again");
	if (rc < 0)
		return resp_fail(r, rc, "storage refused a request for '%.200s'", ev->key);
	result(results, ev->key, arrival_status_name(oc.status), oc.resume_id, oc.reason);
	counts[oc.status]++;
	return 0;
}

static int handle_s3_events(struct req *r)
{
	const struct config *c = config();
	struct buf body = BUF_INIT(0);
	struct s3event_list events = { 0 };
	cJSON *out = NULL, *results = NULL;
	char err[300], why[200];
	int counts[4] = { 0 }; /* accepted, duplicate, rejected (arrival_status order), ignored */
	bool subscription = false, test = false;
	size_t i, created = 0;
	int rc;

	rc = check_event_secret(r);
	if (rc < 0)
		return rc;
	buf_init(&body, (size_t)c->max_body_bytes);
	rc = req_read_body(r, &body, (size_t)c->max_body_bytes);
	if (rc < 0)
		goto out;
	if (s3event_parse(body.ptr ? body.ptr : "", body.len, (int)c->max_json_depth, &events, err, sizeof(err)) < 0) {
		log_warn("s3 events: unreadable notification: %s", err);
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	for (i = 0; i < events.n; i++)
		created += events.items[i].kind == S3EVENT_CREATED;
	if (created > MAX_OBJECTS_PER_EVENT) {
		rc = resp_fail(r, ST_TOO_LARGE, "%zu objects in one notification; the limit is %d", created,
			       MAX_OBJECTS_PER_EVENT);
		goto out;
	}
	out = cJSON_CreateObject();
	results = cJSON_AddArrayToObject(out, "results");
	for (i = 0; i < events.n; i++) {
		const struct s3event *ev = &events.items[i];

		switch (ev->kind) {
		case S3EVENT_CREATED:
			rc = handle_created(r, ev, results, counts);
			if (rc < 0)
				goto out;
			break;
		case S3EVENT_OTHER:
			if (ev->topic_arn) {
				log_info("s3 events: SNS topic '%s' ended the subscription", ev->topic_arn);
				break;
			}
			snprintf(why, sizeof(why), "event '%.100s' is not handled", ev->name ? ev->name : "");
			result(results, ev->key, "ignored", 0, why);
			counts[3]++;
			break;
		case S3EVENT_INVALID:
			log_warn("s3 events: unreadable record: %s", ev->reason);
			result(results, ev->key, "rejected", 0, ev->reason);
			counts[ARRIVAL_REJECTED]++;
			break;
		case S3EVENT_TEST:
			log_info("s3 events: test event for bucket '%s'", ev->bucket ? ev->bucket : "");
			test = true;
			break;
		case S3EVENT_SUBSCRIPTION:
			/* Confirming is an operator's decision: the URL is logged, never fetched. */
			log_info("s3 events: SNS subscription to topic '%s' awaits confirmation at '%s'",
				 ev->topic_arn ? ev->topic_arn : "", ev->subscribe_url ? ev->subscribe_url : "");
			subscription = true;
			break;
		}
	}
	if (subscription && cJSON_GetArraySize(results) == 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(out, "results");
		cJSON_AddStringToObject(out, "subscription", "pending confirmation");
	} else if (test) {
		cJSON_AddBoolToObject(out, "test_event", true);
	}
	log_info("s3 events: %d accepted, %d duplicate, %d rejected, %d ignored", counts[ARRIVAL_ACCEPTED],
		 counts[ARRIVAL_DUPLICATE], counts[ARRIVAL_REJECTED], counts[3]);
	rc = resp_json_take(r, 200, out);
	out = NULL;
out:
	cJSON_Delete(out);
	s3event_list_release(&events);
	buf_release(&body);
	return rc;
}

static int handle_resume_download(struct req *r)
{
	const struct config *c = config();
	struct arrival_location loc = { 0 };
	struct s3_error e = { 0 };
	long ttl = c->s3_presign_ttl < DOWNLOAD_TTL_MAX ? (long)c->s3_presign_ttl : DOWNLOAD_TTL_MAX;
	time_t now = time(NULL);
	char *url = NULL, exp[32];
	int64_t id;
	cJSON *out;
	int rc;

	rc = req_param_id(r, "id", &id);
	if (rc < 0)
		return rc;
	rc = arrival_locate(r->org_id, id, &loc);
	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "resume %lld not found", (long long)id);
	if (rc < 0)
		return resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; try again");
	rc = storage_client(r);
	if (rc < 0)
		goto out;
	if (s3_presign_at(s3, "GET", loc.key, ttl, NULL, now, &url, &e) < 0) {
		log_error("storage: cannot presign a download of '%s': %s %s", loc.key, e.code, e.message);
		rc = resp_fail(r, ST_INTERNAL, "cannot sign a download URL: %s", e.message);
		goto out;
	}
	iso8601(now + ttl, exp);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "resume_id", (double)id);
	cJSON_AddStringToObject(out, "url", url);
	cJSON_AddStringToObject(out, "expires_at", exp);
	cJSON_AddStringToObject(out, "filename", loc.filename);
	cJSON_AddStringToObject(out, "content_type", loc.content_type);
	resp_header(r, "Cache-Control", "no-store");
	rc = resp_json_take(r, 200, out);
out:
	free(url);
	arrival_location_release(&loc);
	return rc;
}

static const struct route routes[] = {
	{ "POST", "/api/v1/jobs/{id}/upload-urls", handle_upload_urls, ROUTE_AUTH },
	{ "POST", "/api/v1/s3/events", handle_s3_events, ROUTE_PUBLIC },
	{ "GET", "/api/v1/resumes/{id}/download", handle_resume_download, ROUTE_AUTH },
};

static void release(void)
{
	s3_client_free(s3);
}

int main(int argc, char **argv)
{
	static const struct app app = { "storage", routes, ARRAY_SIZE(routes), auth_request, NULL, release };

	(void)argc;
	return app_main(&app, argv);
}
