/* candidates: batch progress, ranked candidates, a job's summary, candidate detail and decisions, demographics and the bias audit, rescoring, the audit trail, cache statistics and dead letters. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account/auth.h"
#include "account/blindview.h"
#include "account/keystore.h"
#include "base/status.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "http/kept.h"
#include "http/page.h"
#include "http/resp.h"
#include "intake/download.h"
#include "intake/s3.h"
#include "intake/s3client.h"
#include "llm/llm_cache.h"
#include "privacy/erase.h"
#include "privacy/export.h"
#include "privacy/hold.h"
#include "privacy/retention.h"
#include "queue/queue.h"
#include "score/biasaudit.h"
#include "queue/batchapi.h"
#include "score/budget.h"
#include "score/decision.h"
#include "score/demographics.h"
#include "score/jobsummary.h"
#include "score/neardup.h"
#include "score/progress.h"
#include "score/ranking.h"
#include "score/rescore.h"

/* The same for answers that name candidates in passing. Returns 0 or a status. */
static int blind_mask_tree(struct req *r, cJSON *tree)
{
	int rc = blindview_applies_to(r);

	return rc <= 0 ? rc : blindview_mask_tree(r->org_id, tree);
}

static int handle_process_status(struct req *r)
{
	cJSON *out = NULL, *estimate = NULL, *provider = NULL;
	struct answer_slot slot;
	int64_t id, aux;
	int rc = req_param_id(r, "batch_id", &id), blind;

	if (rc < 0)
		return rc;
	blind = blindview_applies_to(r);
	if (blind < 0)
		return resp_fail_store(r, blind, "batch", id);
	if (kept_answer(r, &slot, &aux, "status:%lld:%d", (long long)id, blind) == 1)
		return 0;
	rc = progress_batch(r->org_id, id, 0, NULL, &out);
	if (rc == 0 && blind)
		rc = blindview_mask_tree(r->org_id, out);
	if (rc == 0)
		rc = budget_batch_estimate(r->org_id, id, &estimate);
	if (rc == 0)
		rc = batchapi_status_json(r->org_id, id, &provider);
	if (rc < 0) {
		cJSON_Delete(out);
		cJSON_Delete(estimate);
		return resp_fail_store(r, rc, "batch", id);
	}
	cJSON_AddItemToObject(out, "estimate", estimate);
	cJSON_AddItemToObject(out, "provider_batch", provider);
	return kept_json_take(r, &slot, out, 0);
}

/* Hides candidates' identities when blind (blindview_applies() for this caller), else marks them shown. */
static void blind_mask(int blind, cJSON *candidates, bool array)
{
	cJSON *c;

	if (!array) {
		(blind ? blindview_mask_candidate : blindview_mark_shown)(candidates);
		return;
	}
	cJSON_ArrayForEach(c, candidates)
	{
		(blind ? blindview_mask_candidate : blindview_mark_shown)(c);
	}
}

static int handle_candidates_index(struct req *r)
{
	const char *category = req_query(r, "category"), *cursor = req_query(r, "cursor");
	struct ranking_cursor after, next = { 0 };
	char text[RANKING_CURSOR_MAX];
	cJSON *items = NULL, *body;
	struct answer_slot slot;
	int64_t job_id, limit = PAGE_LIMIT_DEFAULT, aux;
	const char *l = req_query(r, "limit");
	bool more = false;
	int rc, blind;

	rc = req_param_id(r, "id", &job_id);
	if (rc < 0)
		return rc;
	if (category && !*category)
		category = NULL;
	if (category && !ranking_category_valid(category))
		return resp_fail(r, ST_BAD_REQUEST,
				 "category: must be one of shortlist, consider, reject, needs_review, failed");
	if (l && parse_int64(l, 1, PAGE_LIMIT_MAX, &limit) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "limit: must be an integer from 1 to %d", PAGE_LIMIT_MAX);
	rc = cursor && *cursor ? ranking_cursor_parse(cursor, &after) : 0;
	if (rc == -2)
		return resp_fail(r, ST_BAD_REQUEST, "cursor: cursor from an older page; start again");
	if (rc < 0)
		return resp_fail(r, ST_BAD_REQUEST, "cursor: not a cursor this API returned");
	blind = blindview_applies_to(r);
	if (blind < 0)
		return resp_fail_store(r, blind, "job", job_id);
	if (kept_answer(r, &slot, &aux, "candidates:%lld:%s:%s:%lld:%d", (long long)job_id, category ? category : "",
			cursor ? cursor : "", (long long)limit, blind) == 1)
		return 0;
	rc = ranking_list(r->org_id, job_id, category, cursor && *cursor ? &after : NULL, (int)limit, &items, &next,
			  &more);
	if (rc == 0)
		rc = neardup_attach(r->org_id, items);
	if (rc == 0)
		blind_mask(blind, items, true);
	if (rc < 0) {
		cJSON_Delete(items);
		return resp_fail_store(r, rc, "job", job_id);
	}
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "items", items);
	if (more) {
		ranking_cursor_format(&next, text);
		cJSON_AddStringToObject(body, "next_cursor", text);
	} else {
		cJSON_AddNullToObject(body, "next_cursor");
	}
	return kept_json_take(r, &slot, body, 0);
}

static int handle_job_summary(struct req *r)
{
	return resp_store_get(r, "id", "job", jobsummary_json);
}

/* A short-lived GET link to the stored file, or null when storage cannot sign one (logged). */
static cJSON *download_json(const char *key)
{
	struct download_link link;
	struct s3_error e = { 0 };
	struct s3_client *s3;
	cJSON *o;

	if (s3client_get(&s3, &e) < 0) {
		log_error("candidates: storage is misconfigured: %s", e.message);
		return cJSON_CreateNull();
	}
	if (download_link(s3, key, (long)config()->s3_presign_ttl, time(NULL), &link, &e) < 0)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "url", link.url);
	cJSON_AddStringToObject(o, "expires_at", link.expires_at_iso);
	download_link_release(&link);
	return o;
}

/* Records that the caller was shown candidate id of job_id: a person saw personal data. Returns 0 or a status. */
static int record_viewed(struct req *r, int64_t job_id, int64_t id)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };
	struct audit_event ev = { "resume.viewed", job_id, id, NULL, 0, NULL };

	return audit_record_now(&who, &ev);
}

static int handle_candidate_get(struct req *r)
{
	struct answer_slot slot;
	cJSON *out = NULL, *links = NULL;
	const cJSON *job;
	char *key = NULL;
	int64_t id, job_id;
	int rc = req_param_id(r, "resume_id", &id), blind;

	if (rc < 0)
		return rc;
	blind = blindview_applies_to(r);
	if (blind < 0)
		return resp_fail_store(r, blind, "candidate", id);
	/* A kept answer was seen all the same: the view is recorded either way, and the answer waits for it. */
	if (kept_answer(r, &slot, &job_id, "candidate:%lld:%d", (long long)id, blind) == 1) {
		rc = record_viewed(r, job_id, id);
		return rc < 0 ? resp_fail_store(r, rc, "candidate", id) : 0;
	}
	rc = ranking_get(r->org_id, id, &out, &key);
	if (rc < 0)
		return resp_fail_store(r, rc, "candidate", id);
	/* Viewing offers the download link; kept answers are far younger than its lifetime. */
	cJSON_AddItemToObject(out, "download", download_json(key));
	free(key);
	rc = neardup_links(r->org_id, id, &links);
	cJSON_AddItemToObject(out, "near_duplicates", links ? links : cJSON_CreateArray());
	if (rc == 0)
		blind_mask(blind, out, false);
	job = cJSON_GetObjectItemCaseSensitive(out, "job_id");
	job_id = cJSON_IsNumber(job) ? (int64_t)job->valuedouble : 0;
	if (rc == 0)
		rc = record_viewed(r, job_id, id);
	if (rc < 0) {
		cJSON_Delete(out);
		return resp_fail_store(r, rc, "candidate", id);
	}
	return kept_json_take(r, &slot, out, job_id);
}

/* Who is acting, for the audit trail. */
static struct audit_actor actor(const struct req *r)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };

	return who;
}

static int handle_decision_set(struct req *r)
{
	struct audit_actor who = actor(r);
	struct decision_input in;
	cJSON *body = NULL, *out = NULL;
	char err[256];
	int64_t job_id, resume_id;
	int rc;

	if ((rc = req_param_id(r, "id", &job_id)) < 0 || (rc = req_param_id(r, "resume_id", &resume_id)) < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if (decision_from_json(body, &in, err, sizeof(err)) < 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = decision_set(&who, job_id, resume_id, &in, &out);
	if (rc == ST_NOT_FOUND)
		rc = resp_fail(r, rc, "candidate %lld not found in job %lld", (long long)resume_id, (long long)job_id);
	else if (rc < 0)
		rc = resp_fail_store(r, rc, "candidate", resume_id);
	else
		rc = resp_json_take(r, 200, out);
out:
	cJSON_Delete(body);
	return rc;
}

static int handle_decision_withdraw(struct req *r)
{
	struct audit_actor who = actor(r);
	int64_t job_id, resume_id;
	int rc;

	if ((rc = req_param_id(r, "id", &job_id)) < 0 || (rc = req_param_id(r, "resume_id", &resume_id)) < 0)
		return rc;
	rc = decision_withdraw(&who, job_id, resume_id);
	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "candidate %lld of job %lld has no decision to withdraw", (long long)resume_id,
				 (long long)job_id);
	if (rc < 0)
		return resp_fail_store(r, rc, "candidate", resume_id);
	r->status = 204;
	return 0;
}

/* Demographic answers and the bias audit are for admins only: 0 when the caller is one, else the answer sent. */
static int admin_only(struct req *r, const char *what)
{
	int rc = keystore_may_manage(r->org_id, r->user_id, r->key_id);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	if (rc == 0)
		return resp_fail(r, ST_FORBIDDEN, "%s: only an admin of the organisation (or its organisation key) may",
				 what);
	return 0;
}

static int handle_demographics_get(struct req *r)
{
	cJSON *out = NULL;
	int64_t id;
	int rc;

	if ((rc = req_param_id(r, "resume_id", &id)) < 0 || (rc = admin_only(r, "demographics")) < 0)
		return rc;
	rc = demographics_get(r->org_id, id, &out);
	if (rc < 0)
		return resp_fail_store(r, rc, "candidate", id);
	return resp_json_take(r, 200, out);
}

static int handle_demographics_set(struct req *r)
{
	struct audit_actor who = actor(r);
	struct demographics_input in;
	cJSON *body = NULL, *out = NULL;
	char err[400];
	int64_t id;
	int rc;

	if ((rc = req_param_id(r, "resume_id", &id)) < 0 || (rc = admin_only(r, "demographics")) < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if (demographics_from_json(body, &in, err, sizeof(err)) < 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = demographics_set(&who, id, &in, "admin", &out);
	if (rc < 0)
		rc = resp_fail_store(r, rc, "candidate", id);
	else
		rc = resp_json_take(r, 200, out);
out:
	cJSON_Delete(body);
	return rc;
}

/* The bias audit of a job (job_id > 0) or of the organisation, as JSON or CSV (?format=). */
static int bias_audit(struct req *r, int64_t job_id)
{
	const char *format = req_query(r, "format"), *mg = req_query(r, "min_group");
	struct buf csv = BUF_INIT(1 << 20);
	int64_t min_group = BIASAUDIT_MIN_GROUP_DEFAULT;
	cJSON *report = NULL;
	bool as_csv;
	int rc;

	if ((rc = admin_only(r, "bias audit")) < 0)
		return rc;
	if (format && *format && strcmp(format, "json") != 0 && strcmp(format, "csv") != 0)
		return resp_fail(r, ST_BAD_REQUEST, "format: must be json or csv");
	as_csv = format && strcmp(format, "csv") == 0;
	if (mg && *mg && parse_int64(mg, 1, BIASAUDIT_MIN_GROUP_MAX, &min_group) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "min_group: must be an integer from 1 to %d",
				 BIASAUDIT_MIN_GROUP_MAX);
	rc = biasaudit_scope(r->org_id, job_id, (int)min_group, &report);
	if (rc < 0)
		return resp_fail_store(r, rc, job_id ? "job" : "organisation", job_id ? job_id : r->org_id);
	if (!as_csv)
		return resp_json_take(r, 200, report);
	if (biasaudit_csv(report, &csv) < 0) {
		rc = resp_fail(r, ST_INTERNAL, "bias audit: the CSV is larger than its limit");
	} else {
		resp_headerf(r, "Content-Disposition", "attachment; filename=\"bias-audit-%s-%lld.csv\"",
			     job_id ? "job" : "org", (long long)(job_id ? job_id : r->org_id));
		rc = resp_raw(r, 200, "text/csv; charset=utf-8", csv.ptr, csv.len);
	}
	buf_release(&csv);
	cJSON_Delete(report);
	return rc;
}

static int handle_job_bias_audit(struct req *r)
{
	int64_t job_id;
	int rc = req_param_id(r, "id", &job_id);

	return rc < 0 ? rc : bias_audit(r, job_id);
}

static int handle_org_bias_audit(struct req *r)
{
	return bias_audit(r, 0);
}

/* An optional positive id in the query; 0 when absent. */
static int query_id(struct req *r, const char *name, int64_t *out)
{
	const char *v = req_query(r, name);

	*out = 0;
	if (!v || !*v)
		return 0;
	if (parse_int64(v, 1, INT64_MAX, out) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "%s: must be a positive integer", name);
	return 0;
}

/* The trail's filters from the query: job_id, resume_id, action, since, until. */
static int audit_filter_params(struct req *r, struct audit_filter *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = query_id(r, "job_id", &f->job_id)) < 0 || (rc = query_id(r, "resume_id", &f->resume_id)) < 0)
		return rc;
	f->action = req_query(r, "action");
	if (f->action && strlen(f->action) > 64)
		return resp_fail(r, ST_BAD_REQUEST, "action: at most 64 characters");
	f->since = req_query(r, "since");
	f->until = req_query(r, "until");
	if (f->since && !*f->since)
		f->since = NULL;
	if (f->until && !*f->until)
		f->until = NULL;
	return 0;
}

static int handle_audit_index(struct req *r)
{
	struct audit_filter f;
	cJSON *items = NULL;
	int64_t before, next = 0;
	int limit, rc;

	if ((rc = page_params(r, &before, &limit)) < 0 || (rc = audit_filter_params(r, &f)) < 0)
		return rc;
	rc = audit_list_filtered(r->org_id, &f, before, limit, &items, &next);
	if (rc == ST_BAD_REQUEST)
		return resp_fail(r, rc, "since, until: must be RFC 3339 times (2026-01-31T00:00:00Z)");
	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return page_respond(r, items, next);
}

/* Most events one export holds; X-Next-Cursor continues after them. */
#define AUDIT_EXPORT_MAX 20000

/* The whole (filtered) trail, newest first, as CSV (format=csv, the default) or a JSON array (format=json). */
static int handle_audit_export(struct req *r)
{
	const char *format = req_query(r, "format");
	struct buf out = BUF_INIT(64u << 20);
	struct audit_filter f;
	int64_t before, next = 0;
	int limit, n = 0, rc;
	bool csv;

	if ((rc = page_params(r, &before, &limit)) < 0 || (rc = audit_filter_params(r, &f)) < 0)
		return rc;
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0)
		return resp_fail(r, ST_BAD_REQUEST, "format: csv or json");
	csv = !format || strcmp(format, "csv") == 0;
	buf_append_str(&out, csv ? export_audit_csv_header : "[");
	do {
		cJSON *items = NULL, *it;

		rc = audit_list_filtered(r->org_id, &f, before, 100, &items, &next);
		if (rc < 0)
			break;
		if (csv) {
			rc = export_audit_csv(items, &out) < 0 ? ST_TOO_LARGE : 0;
		} else {
			cJSON_ArrayForEach(it, items)
			{
				char *text = cJSON_PrintUnformatted(it);

				rc = !text || (n && buf_append_char(&out, ',') < 0) || buf_append_str(&out, text) < 0
					     ? ST_TOO_LARGE
					     : 0;
				free(text);
				n++;
				if (rc < 0)
					break;
			}
		}
		if (csv)
			n += cJSON_GetArraySize(items);
		cJSON_Delete(items);
		before = next;
	} while (rc == 0 && next > 0 && n < AUDIT_EXPORT_MAX);
	(void)limit;
	if (rc == 0 && !csv)
		rc = buf_append_char(&out, ']') < 0 ? ST_TOO_LARGE : 0;
	if (rc == ST_BAD_REQUEST) {
		buf_release(&out);
		return resp_fail(r, rc, "since, until: must be RFC 3339 times (2026-01-31T00:00:00Z)");
	}
	if (rc < 0) {
		buf_release(&out);
		return rc == ST_TOO_LARGE
			       ? resp_fail(r, rc, "the export is too large for one response; narrow it with filters")
			       : resp_fail_store(r, rc, "organisation", r->org_id);
	}
	if (next > 0)
		resp_headerf(r, "X-Next-Cursor", "%lld", (long long)next);
	resp_headerf(r, "Content-Disposition", "attachment; filename=\"audit.%s\"", csv ? "csv" : "json");
	rc = resp_raw(r, 200, csv ? "text/csv; charset=utf-8" : "application/json", out.ptr, out.len);
	buf_release(&out);
	return rc;
}

/* The reason of a body {"reason": ...}: 0 with *reason borrowed from *body (caller frees *body), or the response. */
static int reason_body(struct req *r, cJSON **body, const char **reason)
{
	char err[256];
	int rc = req_json_body(r, body);

	if (rc < 0)
		return rc;
	if (privacy_reason_from_json(*body, reason, err, sizeof(err)) < 0) {
		cJSON_Delete(*body);
		*body = NULL;
		return resp_fail(r, ST_BAD_REQUEST, "%s", err);
	}
	return 0;
}

/* An erasure's outcome as the response: 200 with what went, or the problem. */
static int erase_respond(struct req *r, int rc, const char *what, int64_t id, const struct erase_report *rep,
			 const char *err)
{
	cJSON *out;

	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "%s %lld not found", what, (long long)id);
	if (rc == ST_CONFLICT || rc == ST_UNAVAILABLE)
		return resp_fail(r, rc, "%s", err);
	if (rc < 0)
		return resp_fail_store(r, rc, what, id);
	out = cJSON_CreateObject();
	cJSON_AddStringToObject(out, what, "erased");
	cJSON_AddNumberToObject(out, "id", (double)id);
	cJSON_AddItemToObject(out, "erased", erase_report_json(rep));
	return resp_json_take(r, 200, out);
}

static int handle_candidate_erase(struct req *r)
{
	struct audit_actor who = actor(r);
	struct erase_report rep;
	const char *reason;
	cJSON *body = NULL;
	char err[400] = "";
	int64_t id;
	int rc;

	if ((rc = req_param_id(r, "resume_id", &id)) < 0 || (rc = reason_body(r, &body, &reason)) < 0)
		return rc;
	rc = erase_candidate(&who, id, reason, &rep, err, sizeof(err));
	cJSON_Delete(body);
	return erase_respond(r, rc, "candidate", id, &rep, err);
}

static int handle_job_erase(struct req *r)
{
	struct audit_actor who = actor(r);
	struct erase_report rep;
	const char *reason;
	cJSON *body = NULL;
	char err[400] = "";
	int64_t id;
	int rc;

	if ((rc = req_param_id(r, "id", &id)) < 0 || (rc = reason_body(r, &body, &reason)) < 0)
		return rc;
	rc = erase_job(&who, id, reason, false, &rep, err, sizeof(err));
	cJSON_Delete(body);
	return erase_respond(r, rc, "job", id, &rep, err);
}

static int handle_candidate_export(struct req *r)
{
	struct audit_actor who = actor(r);
	cJSON *out = NULL;
	int64_t id;
	int rc = req_param_id(r, "resume_id", &id);

	if (rc < 0)
		return rc;
	rc = export_candidate_json(r->org_id, id, &out);
	if (rc == 0) {
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(out, "candidate");
		const cJSON *job = cJSON_GetObjectItemCaseSensitive(c, "job_id");
		struct audit_event ev = {
			"candidate.exported", cJSON_IsNumber(job) ? (int64_t)job->valuedouble : 0, id, NULL, 0, NULL
		};

		rc = audit_record_now(&who, &ev);
	}
	if (rc < 0) {
		cJSON_Delete(out);
		return resp_fail_store(r, rc, "candidate", id);
	}
	resp_headerf(r, "Content-Disposition", "attachment; filename=\"candidate-%lld.json\"", (long long)id);
	return resp_json_take(r, 200, out);
}

static int handle_holds_list(struct req *r)
{
	cJSON *items = NULL;
	int64_t before, next = 0;
	int limit, rc;

	if ((rc = page_params(r, &before, &limit)) < 0)
		return rc;
	rc = hold_list_json(r->org_id, before, limit, &items, &next);
	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return page_respond(r, items, next);
}

static int handle_hold_place(struct req *r)
{
	struct audit_actor who = actor(r);
	const cJSON *it, *reason, *job, *resume;
	cJSON *body = NULL, *out = NULL;
	int64_t job_id = 0, resume_id = 0;
	int rc = req_json_body(r, &body);

	if (rc < 0)
		return rc;
	if (!cJSON_IsObject(body)) {
		rc = resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, body)
	{
		if (strcmp(it->string, "job_id") != 0 && strcmp(it->string, "resume_id") != 0 &&
		    strcmp(it->string, "reason") != 0) {
			rc = resp_fail(r, ST_BAD_REQUEST, "%s: unknown member (job_id or resume_id, and reason)",
				       it->string);
			goto out;
		}
	}
	job = cJSON_GetObjectItemCaseSensitive(body, "job_id");
	resume = cJSON_GetObjectItemCaseSensitive(body, "resume_id");
	reason = cJSON_GetObjectItemCaseSensitive(body, "reason");
	if ((job != NULL) == (resume != NULL)) {
		rc = resp_fail(r, ST_BAD_REQUEST, "job_id, resume_id: exactly one of them names what is held");
		goto out;
	}
	it = job ? job : resume;
	if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 9007199254740991.0 ||
	    it->valuedouble != (double)(int64_t)it->valuedouble) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s: must be a positive integer", job ? "job_id" : "resume_id");
		goto out;
	}
	*(job ? &job_id : &resume_id) = (int64_t)it->valuedouble;
	{
		cJSON *only = cJSON_CreateObject();
		const char *why;
		char err[256];

		if (reason)
			cJSON_AddItemReferenceToObject(only, "reason", (cJSON *)reason);
		if (privacy_reason_from_json(only, &why, err, sizeof(err)) < 0) {
			cJSON_Delete(only);
			rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
			goto out;
		}
		cJSON_Delete(only);
	}
	rc = hold_place(&who, job_id, resume_id, reason->valuestring, &out);
	if (rc == ST_NOT_FOUND)
		rc = resp_fail(r, rc, "%s %lld not found", job ? "job" : "candidate",
			       (long long)(job ? job_id : resume_id));
	else if (rc < 0)
		rc = resp_fail_store(r, rc, "legal hold", 0);
	else
		rc = resp_json_take(r, 201, out);
out:
	cJSON_Delete(body);
	return rc;
}

static int handle_hold_release(struct req *r)
{
	struct audit_actor who = actor(r);
	const char *reason;
	cJSON *body = NULL;
	int64_t id;
	int rc;

	if ((rc = req_param_id(r, "id", &id)) < 0 || (rc = reason_body(r, &body, &reason)) < 0)
		return rc;
	rc = hold_release(&who, id, reason);
	cJSON_Delete(body);
	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "legal hold %lld is not an active hold of this organisation", (long long)id);
	if (rc < 0)
		return resp_fail_store(r, rc, "legal hold", id);
	r->status = 204;
	return 0;
}

/* Retention is an organisation's admins' business: a user with the admin role, or an organisation key. */
static int require_admin(struct req *r)
{
	int rc = keystore_may_manage(r->org_id, r->user_id, r->key_id);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	if (rc == 0)
		return resp_fail(r, ST_FORBIDDEN,
				 "only an organisation's admins (or an organisation key) see and set its retention");
	return 0;
}

/* The policy and the dry-run report of the organisation's sweep: what it would erase now. */
static int handle_retention_get(struct req *r)
{
	cJSON *policy = NULL, *report = NULL, *out;
	int rc;

	if ((rc = require_admin(r)) < 0)
		return rc;
	rc = retention_policy_json(r->org_id, &policy);
	if (rc == 0)
		rc = retention_sweep(r->org_id, true, &report);
	if (rc < 0) {
		cJSON_Delete(policy);
		return resp_fail_store(r, rc, "organisation", r->org_id);
	}
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "policy", policy);
	cJSON_AddItemToObject(out, "dry_run", report);
	return resp_json_take(r, 200, out);
}

/* Reads an optional month count of the policy body: 0 when absent, -1 when not an integer. */
static int months_of(const cJSON *body, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble || v->valuedouble < 1 ||
	    v->valuedouble > 100000)
		return -1;
	return (int)v->valuedouble;
}

static int handle_retention_put(struct req *r)
{
	struct audit_actor who = actor(r);
	cJSON *body = NULL, *policy = NULL;
	const cJSON *it;
	char err[256];
	int rm, am, rc;

	if ((rc = require_admin(r)) < 0 || (rc = req_json_body(r, &body)) < 0)
		return rc;
	if (!cJSON_IsObject(body)) {
		rc = resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(it, body)
	{
		if (strcmp(it->string, "retention_months") != 0 && strcmp(it->string, "audit_retention_months") != 0) {
			rc = resp_fail(r, ST_BAD_REQUEST,
				       "%s: unknown member (retention_months, audit_retention_months)", it->string);
			goto out;
		}
	}
	rm = months_of(body, "retention_months");
	am = months_of(body, "audit_retention_months");
	if (rm < 0 || am < 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s: must be a whole number of months",
			       rm < 0 ? "retention_months" : "audit_retention_months");
		goto out;
	}
	if (rm == 0 && am == 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "retention_months, audit_retention_months: give at least one");
		goto out;
	}
	rc = retention_policy_set(&who, rm, am, err, sizeof(err));
	if (rc == ST_BAD_REQUEST) {
		rc = resp_fail(r, rc, "%s", err);
		goto out;
	}
	if (rc == 0)
		rc = retention_policy_json(r->org_id, &policy);
	rc = rc < 0 ? resp_fail_store(r, rc, "organisation", r->org_id) : resp_json_take(r, 200, policy);
out:
	cJSON_Delete(body);
	return rc;
}

static int handle_rescore_post(struct req *r)
{
	struct rescore_result res;
	cJSON *out;
	int64_t job_id;
	int rc = req_param_id(r, "id", &job_id);

	if (rc < 0)
		return rc;
	rc = rescore_start(r->org_id, job_id, &res);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", job_id);
	out = cJSON_CreateObject();
	if (res.batch_id)
		cJSON_AddNumberToObject(out, "batch_id", (double)res.batch_id);
	else
		cJSON_AddNullToObject(out, "batch_id");
	cJSON_AddNumberToObject(out, "job_id", (double)job_id);
	cJSON_AddStringToObject(out, "rubric_version", res.rubric_version);
	cJSON_AddNumberToObject(out, "queued", (double)res.queued);
	cJSON_AddNumberToObject(out, "resumes", (double)res.resumes);
	if (res.batch_id)
		resp_headerf(r, "Location", "/api/v1/process/status/%lld", (long long)res.batch_id);
	return resp_json_take(r, res.created ? 202 : 200, out);
}

static int handle_rescore_get(struct req *r)
{
	cJSON *out = NULL;
	int64_t job_id, batch_id;
	int rc = req_param_id(r, "id", &job_id);

	if (rc < 0)
		return rc;
	rc = req_param_id(r, "batch_id", &batch_id);
	if (rc < 0)
		return rc;
	rc = progress_batch(r->org_id, batch_id, job_id, "rescore", &out);
	if (rc == 0)
		rc = blind_mask_tree(r, out);
	if (rc < 0) {
		cJSON_Delete(out);
		return resp_fail_store(r, rc, "rescore batch", batch_id);
	}
	return resp_json_take(r, 200, out);
}

static int handle_cache_stats(struct req *r)
{
	cJSON *analyses = NULL, *out;
	int rc = ranking_analysis_stats(r->org_id, &analyses);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "llm_cache", llm_cache_org_stats_json(r->org_id));
	cJSON_AddItemToObject(out, "analyses", analyses);
	return resp_json_take(r, 200, out);
}

static cJSON *dead_json(const struct queue_dead *d)
{
	cJSON *o = cJSON_CreateObject(), *payload = cJSON_Parse(d->payload ? d->payload : "{}");

	cJSON_AddNumberToObject(o, "id", (double)d->id);
	cJSON_AddStringToObject(o, "kind", d->kind);
	cJSON_AddStringToObject(o, "idempotency_key", d->idempotency_key);
	cJSON_AddItemToObject(o, "payload", payload ? payload : cJSON_CreateObject());
	cJSON_AddNumberToObject(o, "attempts", d->attempts);
	if (d->last_error)
		cJSON_AddStringToObject(o, "last_error", d->last_error);
	else
		cJSON_AddNullToObject(o, "last_error");
	if (d->finished_at)
		cJSON_AddStringToObject(o, "finished_at", d->finished_at);
	else
		cJSON_AddNullToObject(o, "finished_at");
	return o;
}

static int handle_tasks_dead(struct req *r)
{
	struct queue_dead *dead = NULL;
	cJSON *items;
	int64_t before, next = 0;
	int limit, n = 0, i, rc;

	rc = page_params(r, &before, &limit);
	if (rc < 0)
		return rc;
	/* One more than asked tells whether another page follows. */
	rc = queue_list_dead(r->org_id, before, limit + 1, &dead, &n);
	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	items = cJSON_CreateArray();
	for (i = 0; i < n && i < limit; i++)
		cJSON_AddItemToArray(items, dead_json(&dead[i]));
	if (n > limit)
		next = dead[limit - 1].id;
	queue_dead_free(dead, n);
	return page_respond(r, items, next);
}

static int handle_task_retry(struct req *r)
{
	cJSON *out;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = queue_retry_dead(r->org_id, id);
	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "task %lld is not a dead letter of this organisation", (long long)id);
	if (rc < 0)
		return resp_fail_store(r, rc, "task", id);
	log_info("candidates: dead task %lld queued again", (long long)id);
	out = cJSON_CreateObject();
	cJSON_AddNumberToObject(out, "id", (double)id);
	cJSON_AddStringToObject(out, "state", "queued");
	return resp_json_take(r, 202, out);
}

static const struct route routes[] = {
	{ "GET", "/api/v1/process/status/{batch_id}", handle_process_status, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/candidates", handle_candidates_index, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/summary", handle_job_summary, ROUTE_AUTH },
	{ "GET", "/api/v1/candidates/{resume_id}", handle_candidate_get, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/candidates/{resume_id}/decision", handle_decision_set,
	  ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "DELETE", "/api/v1/jobs/{id}/candidates/{resume_id}/decision", handle_decision_withdraw, ROUTE_AUTH },
	{ "GET", "/api/v1/candidates/{resume_id}/demographics", handle_demographics_get, ROUTE_AUTH },
	{ "PUT", "/api/v1/candidates/{resume_id}/demographics", handle_demographics_set, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs/{id}/bias-audit", handle_job_bias_audit, ROUTE_AUTH },
	{ "GET", "/api/v1/bias-audit", handle_org_bias_audit, ROUTE_AUTH },
	{ "GET", "/api/v1/audit", handle_audit_index, ROUTE_AUTH },
	{ "GET", "/api/v1/audit/export", handle_audit_export, ROUTE_AUTH },
	{ "POST", "/api/v1/candidates/{resume_id}/erase", handle_candidate_erase, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/candidates/{resume_id}/export", handle_candidate_export, ROUTE_AUTH },
	{ "POST", "/api/v1/jobs/{id}/erase", handle_job_erase, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/legal-holds", handle_holds_list, ROUTE_AUTH },
	{ "POST", "/api/v1/legal-holds", handle_hold_place, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/legal-holds/{id}/release", handle_hold_release, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/retention", handle_retention_get, ROUTE_AUTH },
	{ "PUT", "/api/v1/retention", handle_retention_put, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/jobs/{id}/rescore", handle_rescore_post, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/rescore/{batch_id}", handle_rescore_get, ROUTE_AUTH },
	{ "GET", "/api/v1/cache/stats", handle_cache_stats, ROUTE_AUTH },
	{ "GET", "/api/v1/tasks/dead", handle_tasks_dead, ROUTE_AUTH },
	{ "POST", "/api/v1/tasks/{id}/retry", handle_task_retry, ROUTE_AUTH },
};

int main(int argc, char **argv)
{
	static const struct app app = { "candidates", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
