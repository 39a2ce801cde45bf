/* candidates: batch progress, ranked candidates, a job's summary, candidate detail and decisions, rescoring, the audit trail, cache statistics and dead letters. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "account/auth.h"
#include "base/status.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "http/page.h"
#include "http/resp.h"
#include "intake/download.h"
#include "intake/s3.h"
#include "intake/s3client.h"
#include "llm/llm_cache.h"
#include "queue/queue.h"
#include "score/budget.h"
#include "score/decision.h"
#include "score/jobsummary.h"
#include "score/progress.h"
#include "score/ranking.h"
#include "score/rescore.h"

static int handle_process_status(struct req *r)
{
	cJSON *out = NULL, *estimate = NULL;
	int64_t id;
	int rc = req_param_id(r, "batch_id", &id);

	if (rc < 0)
		return rc;
	rc = progress_batch(r->org_id, id, 0, NULL, &out);
	if (rc == 0)
		rc = budget_batch_estimate(r->org_id, id, &estimate);
	if (rc < 0) {
		cJSON_Delete(out);
		return resp_fail_store(r, rc, "batch", id);
	}
	cJSON_AddItemToObject(out, "estimate", estimate);
	return resp_json_take(r, 200, out);
}

static int handle_candidates_index(struct req *r)
{
	const char *category = req_query(r, "category"), *cursor = req_query(r, "cursor");
	struct ranking_cursor after, next = { 0 };
	char text[RANKING_CURSOR_MAX];
	cJSON *items = NULL, *body;
	int64_t job_id, limit = PAGE_LIMIT_DEFAULT;
	const char *l = req_query(r, "limit");
	bool more = false;
	int rc;

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
	rc = ranking_list(r->org_id, job_id, category, cursor && *cursor ? &after : NULL, (int)limit, &items, &next,
			  &more);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", job_id);
	body = cJSON_CreateObject();
	cJSON_AddItemToObject(body, "items", items);
	if (more) {
		ranking_cursor_format(&next, text);
		cJSON_AddStringToObject(body, "next_cursor", text);
	} else {
		cJSON_AddNullToObject(body, "next_cursor");
	}
	return resp_json_take(r, 200, body);
}

static int handle_job_summary(struct req *r)
{
	cJSON *out = NULL;
	int64_t job_id;
	int rc = req_param_id(r, "id", &job_id);

	if (rc < 0)
		return rc;
	rc = jobsummary_json(r->org_id, job_id, &out);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", job_id);
	return resp_json_take(r, 200, out);
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

static int handle_candidate_get(struct req *r)
{
	cJSON *out = NULL;
	char *key = NULL;
	int64_t id;
	int rc = req_param_id(r, "resume_id", &id);

	if (rc < 0)
		return rc;
	rc = ranking_get(r->org_id, id, &out, &key);
	if (rc < 0)
		return resp_fail_store(r, rc, "candidate", id);
	cJSON_AddItemToObject(out, "download", download_json(key));
	free(key);
	return resp_json_take(r, 200, out);
}

/* Who is acting, for the audit trail. */
static struct audit_actor actor(const struct req *r)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id };

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

static int handle_audit_index(struct req *r)
{
	cJSON *items = NULL;
	int64_t before, next = 0, job_id, resume_id;
	int limit, rc;

	if ((rc = page_params(r, &before, &limit)) < 0 || (rc = query_id(r, "job_id", &job_id)) < 0 ||
	    (rc = query_id(r, "resume_id", &resume_id)) < 0)
		return rc;
	rc = audit_list_json(r->org_id, job_id, resume_id, before, limit, &items, &next);
	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return page_respond(r, items, next);
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
	if (rc < 0)
		return resp_fail_store(r, rc, "rescore batch", batch_id);
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
	{ "GET", "/api/v1/audit", handle_audit_index, ROUTE_AUTH },
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
