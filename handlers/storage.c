/* storage: presigned upload URLs, S3 event notifications and resume download links (none of a hidden candidate's under the blind view). */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account/apilimit.h"
#include "account/auth.h"
#include "account/blindview.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "http/eventsecret.h"
#include "http/resp.h"
#include "intake/arrival.h"
#include "intake/filename.h"
#include "intake/download.h"
#include "intake/s3.h"
#include "intake/s3client.h"
#include "intake/s3event.h"
#include "intake/slotrequest.h"
#include "intake/uploadslot.h"
#include "score/jobstore.h"

/* Most files one upload-urls request may ask for. */
#define MAX_SLOTS_PER_REQUEST 100
/* Most created objects one notification may carry (S3 sends one, an SQS batch ten). */
#define MAX_OBJECTS_PER_EVENT 100

/* The process's S3 client in *s3, or a 500 when the configuration cannot make one. */
static int storage_client(struct req *r, struct s3_client **s3)
{
	struct s3_error e = { 0 };

	if (s3client_get(s3, &e) < 0)
		return resp_fail(r, ST_INTERNAL, "storage is misconfigured: %s", e.message);
	return 0;
}

static void iso8601(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One upload-urls request: whose slots, valid until when, and how many were issued and refused so far. */
struct slot_batch {
	int64_t org_id;
	int64_t job_id;
	int64_t batch_id; /* made with the first slot; 0 until then */
	time_t signed_at;
	time_t expires_at;
	const char *expires_at_iso;
	int issued;
	int refused;
};

/* The slot and signed PUT URL for one checked file, as members of entry. Returns 0 or a failure of the request. */
static int slot_issue(struct req *r, struct s3_client *s3, struct slot_batch *b, const struct slotrequest *want,
		      cJSON *entry)
{
	long ttl = (long)config()->s3_presign_ttl;
	struct uploadslot slot = { 0 };
	struct s3_error e = { 0 };
	char *url = NULL;
	cJSON *headers;
	int rc;

	rc = b->batch_id ? 0 : uploadslot_new_batch(b->org_id, b->job_id, &b->batch_id);
	if (rc == 0)
		rc = uploadslot_create(b->org_id, b->job_id, b->batch_id, want->filename, want->content_type,
				       want->size, b->expires_at, &slot);
	if (rc < 0)
		return resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; try again");
	if (s3_presign_at(s3, "PUT", slot.key, ttl, want->content_type, b->signed_at, &url, &e) < 0) {
		log_error("storage: cannot presign '%s': %s %s", slot.key, e.code, e.message);
		uploadslot_release(&slot);
		return resp_fail(r, ST_INTERNAL, "cannot sign an upload URL: %s", e.message);
	}
	cJSON_AddStringToObject(entry, "status", "issued");
	cJSON_AddStringToObject(entry, "upload_id", slot.upload_id);
	cJSON_AddStringToObject(entry, "key", slot.key);
	cJSON_AddStringToObject(entry, "url", url);
	cJSON_AddStringToObject(entry, "method", "PUT");
	headers = cJSON_AddObjectToObject(entry, "headers");
	if (want->content_type)
		cJSON_AddStringToObject(headers, "Content-Type", want->content_type);
	cJSON_AddStringToObject(entry, "expires_at", b->expires_at_iso);
	free(url);
	uploadslot_release(&slot);
	b->issued++;
	return 0;
}

/* Answers one requested file f in entry: refused with the reason, or issued. Returns 0 or a failure of the request. */
static int slot_answer(struct req *r, struct s3_client *s3, struct slot_batch *b, const cJSON *f, cJSON *entry)
{
	struct slotrequest want;
	char why[200];
	int rc = 0;

	if (slotrequest_parse(f, config()->upload_max_file_bytes, &want, why, sizeof(why)) < 0) {
		if (want.filename)
			cJSON_AddStringToObject(entry, "filename", want.filename);
		cJSON_AddStringToObject(entry, "status", "refused");
		cJSON_AddStringToObject(entry, "reason", why);
		b->refused++;
	} else {
		cJSON_AddStringToObject(entry, "filename", want.filename);
		rc = slot_issue(r, s3, b, &want, entry);
	}
	slotrequest_release(&want);
	return rc;
}

static int handle_upload_urls(struct req *r)
{
	struct slot_batch b = { 0 };
	cJSON *body = NULL, *out = NULL, *list = NULL;
	const cJSON *files, *f;
	struct s3_client *s3;
	char exp[32], why[128];
	int index = 0, n, rc;

	rc = req_param_id(r, "id", &b.job_id);
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
	rc = jobstore_check_open(r->org_id, b.job_id, why, sizeof(why));
	if (rc < 0) {
		rc = resp_fail(r, rc, "%s", why);
		goto out;
	}
	/* Each URL is a file to come: the request's own unit pays for the first, the key's budget for the rest. */
	rc = apilimit_spend(r, n - 1);
	if (rc < 0)
		goto out;
	rc = storage_client(r, &s3);
	if (rc < 0)
		goto out;
	b.org_id = r->org_id;
	b.signed_at = time(NULL);
	b.expires_at = b.signed_at + (time_t)config()->s3_presign_ttl;
	iso8601(b.expires_at, exp);
	b.expires_at_iso = exp;
	list = cJSON_CreateArray();
	cJSON_ArrayForEach(f, files)
	{
		cJSON *entry = cJSON_CreateObject();

		cJSON_AddItemToArray(list, entry);
		cJSON_AddNumberToObject(entry, "index", index++);
		rc = slot_answer(r, s3, &b, f, entry);
		if (rc < 0)
			goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "job_id", (double)b.job_id);
	if (b.batch_id)
		cJSON_AddNumberToObject(out, "batch_id", (double)b.batch_id);
	else
		cJSON_AddNullToObject(out, "batch_id");
	cJSON_AddNumberToObject(out, "issued", b.issued);
	cJSON_AddNumberToObject(out, "refused", b.refused);
	cJSON_AddStringToObject(out, "expires_at", exp);
	cJSON_AddItemToObject(out, "uploads", list);
	list = NULL;
	log_info("storage: job %lld: %d upload URLs issued, %d refused", (long long)b.job_id, b.issued, b.refused);
	rc = resp_json_take(r, b.issued ? 201 : 200, out);
out:
	cJSON_Delete(list);
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

/* What one notification did with its records. */
struct event_tally {
	int accepted;
	int duplicates;
	int rejected;
	int ignored;
};

static void tally_arrival(struct event_tally *t, enum arrival_status status)
{
	switch (status) {
	case ARRIVAL_ACCEPTED:
		t->accepted++;
		break;
	case ARRIVAL_DUPLICATE:
		t->duplicates++;
		break;
	case ARRIVAL_REJECTED:
		t->rejected++;
		break;
	}
}

/* Handles one created object; returns 0 or a status code that fails the whole notification. */
static int handle_created(struct req *r, const struct s3event *ev, cJSON *results, struct event_tally *tally)
{
	const struct config *c = config();
	struct arrival_outcome oc;
	struct s3_client *s3;
	char why[300];
	int rc;

	if (strcmp(ev->bucket, c->s3_bucket) != 0) {
		snprintf(why, sizeof(why), "bucket '%.100s' is not ours", ev->bucket);
		result(results, ev->key, "ignored", 0, why);
		tally->ignored++;
		return 0;
	}
	rc = storage_client(r, &s3);
	if (rc < 0)
		return rc;
	rc = arrival_receive(s3, ev->key, c->upload_max_file_bytes, &oc);
	if (rc == ST_UNAVAILABLE)
		return resp_fail(r, rc, "storage (S3) or the database is unavailable; deliver the notification again");
	if (rc < 0)
		return resp_fail(r, rc, "storage refused a request for '%.200s'", ev->key);
	result(results, ev->key, arrival_status_name(oc.status), oc.resume_id, oc.reason);
	tally_arrival(tally, oc.status);
	return 0;
}

static int handle_s3_events(struct req *r)
{
	const struct config *c = config();
	struct buf body = BUF_INIT(0);
	struct s3event_list events = { 0 };
	cJSON *out = NULL, *results = NULL;
	char err[300], why[200];
	struct event_tally tally = { 0 };
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
			rc = handle_created(r, ev, results, &tally);
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
			tally.ignored++;
			break;
		case S3EVENT_INVALID:
			log_warn("s3 events: unreadable record: %s", ev->reason);
			result(results, ev->key, "rejected", 0, ev->reason);
			tally.rejected++;
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
	log_info("s3 events: %d accepted, %d duplicate, %d rejected, %d ignored", tally.accepted, tally.duplicates,
		 tally.rejected, tally.ignored);
	rc = resp_json_take(r, 200, out);
	out = NULL;
out:
	cJSON_Delete(out);
	s3event_list_release(&events);
	buf_release(&body);
	return rc;
}

/* Under the blind view (blindview.h) the file of a candidate not yet shortlisted is no recruiter's to read. */
static int blind_refusal(struct req *r, int64_t resume_id)
{
	bool revealed = true;
	int rc = blindview_applies_to(r);

	if (rc > 0)
		rc = blindview_resume_revealed(r->org_id, resume_id, &revealed);
	if (rc < 0)
		return resp_fail_store(r, rc, "resume", resume_id);
	if (!revealed)
		return resp_fail(
			r, ST_FORBIDDEN,
			"resume %lld: the organisation's blind view hides it until the candidate is shortlisted",
			(long long)resume_id);
	return 0;
}

static int handle_resume_download(struct req *r)
{
	struct arrival_location loc = { 0 };
	struct download_link link = { 0 };
	struct s3_error e = { 0 };
	struct s3_client *s3;
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
	rc = blind_refusal(r, id);
	if (rc < 0)
		goto out;
	rc = storage_client(r, &s3);
	if (rc < 0)
		goto out;
	if (download_link(s3, loc.key, (long)config()->s3_presign_ttl, time(NULL), &link, &e) < 0) {
		rc = resp_fail(r, ST_INTERNAL, "cannot sign a download URL: %s", e.message);
		goto out;
	}
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "resume_id", (double)id);
	cJSON_AddStringToObject(out, "url", link.url);
	cJSON_AddStringToObject(out, "expires_at", link.expires_at_iso);
	cJSON_AddStringToObject(out, "filename", loc.filename);
	cJSON_AddStringToObject(out, "content_type", loc.content_type);
	{
		struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };
		struct audit_event ev = { "resume.downloaded", 0, id, NULL, 0, NULL };

		/* The link is the file: handing it out is a download, recorded before it leaves. */
		rc = audit_record_now(&who, &ev);
	}
	if (rc < 0) {
		cJSON_Delete(out);
		rc = resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; try again");
		goto out;
	}
	rc = resp_json_take(r, 200, out);
out:
	download_link_release(&link);
	arrival_location_release(&loc);
	return rc;
}

static const struct route routes[] = {
	{ "POST", "/api/v1/jobs/{id}/upload-urls", handle_upload_urls,
	  ROUTE_AUTH | ROUTE_JSON_BODY | ROUTE_KEEPS_ANSWERS },
	{ "POST", "/api/v1/s3/events", handle_s3_events, ROUTE_STORE | ROUTE_IP_NONE },
	{ "GET", "/api/v1/resumes/{id}/download", handle_resume_download, ROUTE_AUTH },
};

int main(int argc, char **argv)
{
	static const struct app app = { "storage", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
