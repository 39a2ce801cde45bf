/* jobs: create, list, read, update and close jobs (/api/v1/jobs), and read, edit and compare their rubric versions. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account/auth.h"
#include "base/status.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/log.h"
#include "extract/jdfile.h"
#include "http/app.h"
#include "http/page.h"
#include "http/resp.h"
#include "queue/batchapi.h"
#include "queue/jobprep.h"
#include "score/budget.h"
#include "score/job.h"
#include "score/jobcounts.h"
#include "score/jobstore.h"
#include "score/rubricstore.h"

static int respond_job(struct req *r, int http, int64_t id)
{
	cJSON *job = NULL;
	cJSON *counts = NULL;
	int rc = jobstore_get_json(r->org_id, id, &job);

	cJSON *prep = NULL;
	bool llm_batch = false;

	if (rc == 0)
		rc = jobcounts_json(id, &counts);
	if (rc == 0)
		rc = jobprep_status_json(r->org_id, id, &prep);
	if (rc == 0)
		rc = batchapi_job_get(r->org_id, id, &llm_batch);
	if (rc < 0) {
		cJSON_Delete(job);
		cJSON_Delete(counts);
		return resp_fail_store(r, rc, "job", id);
	}
	cJSON_AddItemToObject(job, "counts", counts);
	cJSON_AddItemToObject(job, "preparation", prep);
	cJSON_AddBoolToObject(job, "llm_batch", llm_batch);
	if (http == 201)
		resp_headerf(r, "Location", "/api/v1/jobs/%lld", (long long)id);
	return resp_json_take(r, http, job);
}

/*
 * Records a change to a job in the trail, after it committed: "job.created",
 * "job.updated" (details: the members changed, rubric among them), "job.closed".
 */
static int audit_job(struct req *r, const char *action, int64_t id, const cJSON *body)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };
	struct audit_event ev = { action, id, 0, NULL, 0, NULL };
	cJSON *details = cJSON_CreateObject(), *fields = cJSON_AddArrayToObject(details, "fields");
	const cJSON *it;
	int rc;

	cJSON_ArrayForEach(it, body)
	{
		cJSON_AddItemToArray(fields, cJSON_CreateString(it->string));
	}
	if (cJSON_GetObjectItemCaseSensitive(body, "rubric"))
		cJSON_AddBoolToObject(details, "rubric_changed", true);
	ev.details = details;
	rc = audit_record_now(&who, &ev);
	cJSON_Delete(details);
	if (rc < 0)
		log_error("jobs: the audit event '%s' of job %lld was not recorded", action, (long long)id);
	return rc;
}

/*
 * Asks the drainer to prepare the job's company details and templates for
 * its current version (the LLM is never asked here). A failure is logged and
 * the job still answers: its preparation then shows as not requested.
 */
static void warm(struct req *r, int64_t id)
{
	int rc = jobprep_request(r->org_id, id);

	if (rc < 0)
		log_warn("jobs: cannot request the preparation of job %lld (%s)", (long long)id, status_title(rc));
}

static int handle_jobs_create(struct req *r)
{
	cJSON *body = NULL;
	struct job *job = NULL;
	char err[512];
	int64_t id = 0;
	int rc;

	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if (jdfile_apply(body, err, sizeof(err)) < 0 || job_from_json(body, &job, err, sizeof(err)) < 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = jobstore_create(r->org_id, r->user_id, job, &id);
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", 0);
		goto out;
	}
	log_info("jobs: created job %lld", (long long)id);
	audit_job(r, "job.created", id, body);
	warm(r, id);
	rc = respond_job(r, 201, id);
out:
	cJSON_Delete(body);
	job_free(job);
	return rc;
}

static int handle_jobs_list(struct req *r)
{
	cJSON *items = NULL;
	int64_t before, next;
	int limit, rc;

	rc = page_params(r, &before, &limit);
	if (rc < 0)
		return rc;
	rc = jobstore_list_json(r->org_id, before, limit, &items, &next);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", 0);
	return page_respond(r, items, next);
}

static int handle_jobs_get(struct req *r)
{
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	return rc < 0 ? rc : respond_job(r, 200, id);
}

static int handle_jobs_update(struct req *r)
{
	cJSON *patch = NULL, *batch;
	char err[512] = "";
	int64_t id;
	int rc;

	rc = req_param_id(r, "id", &id);
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &patch);
	if (rc < 0)
		return rc;
	/* llm_batch is a setting of the job's scoring, not of its description: stored apart (batchapi.h). */
	batch = cJSON_DetachItemFromObjectCaseSensitive(patch, "llm_batch");
	if (batch && !cJSON_IsBool(batch)) {
		cJSON_Delete(batch);
		cJSON_Delete(patch);
		return resp_fail(r, ST_BAD_REQUEST, "llm_batch must be true or false");
	}
	if (jdfile_apply(patch, err, sizeof(err)) < 0) {
		cJSON_Delete(batch);
		cJSON_Delete(patch);
		return resp_fail(r, ST_BAD_REQUEST, "%s", err);
	}
	rc = batch && cJSON_GetArraySize(patch) == 0 ? 0 : jobstore_update(r->org_id, id, patch, err, sizeof(err));
	if (rc == 0 && batch)
		rc = batchapi_job_set(r->org_id, id, cJSON_IsTrue(batch));
	if (rc == 0 && batch)
		cJSON_AddItemToObject(patch, "llm_batch", batch);
	else
		cJSON_Delete(batch);
	if (rc == 0)
		audit_job(r, "job.updated", id, patch);
	cJSON_Delete(patch);
	if (rc == ST_BAD_REQUEST || rc == ST_CONFLICT)
		return resp_fail(r, rc, "%s", err);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	warm(r, id);
	return respond_job(r, 200, id);
}

static int handle_jobs_close(struct req *r)
{
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = jobstore_close(r->org_id, id);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	audit_job(r, "job.closed", id, NULL);
	return respond_job(r, 200, id);
}

static int handle_budget_get(struct req *r)
{
	return resp_store_get(r, "id", "job", budget_job_json);
}

static int handle_rubric_get(struct req *r)
{
	return resp_store_get(r, "id", "job", rubricstore_current_json);
}

static int handle_budget_put(struct req *r)
{
	cJSON *body = NULL, *v, *item;
	double amount = -1;
	int64_t id, woken = 0;
	int rc;

	rc = req_param_id(r, "id", &id);
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	cJSON_ArrayForEach(item, body)
	{
		if (!item->string || strcmp(item->string, "budget_usd") != 0) {
			rc = resp_fail(r, ST_BAD_REQUEST,
				       "unknown field '%.60s': the body is {\"budget_usd\": number or null}",
				       item->string ? item->string : "");
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "budget_usd");
	if (!v) {
		rc = resp_fail(r, ST_BAD_REQUEST, "budget_usd is required (a number of US dollars, or null for none)");
		goto out;
	}
	if (!cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 1000000) {
			rc = resp_fail(r, ST_BAD_REQUEST, "budget_usd must be a number from 0 to 1000000, or null");
			goto out;
		}
		amount = v->valuedouble;
	}
	{
		struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };

		rc = budget_set(&who, id, amount, &woken);
	}
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", id);
		goto out;
	}
	log_info("jobs: budget of job %lld set; %lld resumes waiting for it woken", (long long)id, (long long)woken);
	rc = handle_budget_get(r);
out:
	cJSON_Delete(body);
	return rc;
}

/* Most resume sizes one dry run takes. */
#define ESTIMATE_SIZES_MAX 100000
#define ESTIMATE_BYTES_MAX 1000000000.0

static int handle_estimate(struct req *r)
{
	cJSON *body = NULL, *out = NULL, *sizes, *item, *v;
	const char *model = NULL;
	int64_t id, *list = NULL;
	size_t n = 0;
	int rc;

	rc = req_param_id(r, "id", &id);
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	cJSON_ArrayForEach(item, body)
	{
		if (!item->string || (strcmp(item->string, "sizes") != 0 && strcmp(item->string, "resumes") != 0 &&
				      strcmp(item->string, "bytes_each") != 0 && strcmp(item->string, "model") != 0)) {
			rc = resp_fail(
				r, ST_BAD_REQUEST,
				"unknown field '%.60s': the body is {\"sizes\": [bytes, ...]} or {\"resumes\": N, "
				"\"bytes_each\": B}, with an optional \"model\"",
				item->string ? item->string : "");
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(body, "model");
	if (v) {
		if (!cJSON_IsString(v) || !*v->valuestring || strlen(v->valuestring) > 100) {
			rc = resp_fail(r, ST_BAD_REQUEST, "model must be a model name of 1 to 100 characters");
			goto out;
		}
		model = v->valuestring;
	}
	sizes = cJSON_GetObjectItemCaseSensitive(body, "sizes");
	if (sizes) {
		int count = cJSON_GetArraySize(sizes), i = 0;

		if (!cJSON_IsArray(sizes) || count < 1 || count > ESTIMATE_SIZES_MAX ||
		    cJSON_GetObjectItemCaseSensitive(body, "resumes")) {
			rc = resp_fail(
				r, ST_BAD_REQUEST,
				"sizes must be an array of 1 to %d text sizes in bytes (and not given with resumes)",
				ESTIMATE_SIZES_MAX);
			goto out;
		}
		list = xcalloc((size_t)count, sizeof(*list));
		cJSON_ArrayForEach(item, sizes)
		{
			if (!cJSON_IsNumber(item) ||
			    !(item->valuedouble >= 0 && item->valuedouble <= ESTIMATE_BYTES_MAX) ||
			    item->valuedouble != floor(item->valuedouble)) {
				rc = resp_fail(r, ST_BAD_REQUEST,
					       "sizes[%d] must be a whole number of bytes from 0 to %.0f", i,
					       ESTIMATE_BYTES_MAX);
				goto out;
			}
			list[i++] = (int64_t)item->valuedouble;
		}
		n = (size_t)count;
	} else {
		cJSON *nr = cJSON_GetObjectItemCaseSensitive(body, "resumes");
		cJSON *each = cJSON_GetObjectItemCaseSensitive(body, "bytes_each");
		size_t i;

		if (!cJSON_IsNumber(nr) || !(nr->valuedouble >= 1 && nr->valuedouble <= ESTIMATE_SIZES_MAX) ||
		    nr->valuedouble != floor(nr->valuedouble) || !cJSON_IsNumber(each) ||
		    !(each->valuedouble >= 0 && each->valuedouble <= ESTIMATE_BYTES_MAX) ||
		    each->valuedouble != floor(each->valuedouble)) {
			rc = resp_fail(
				r, ST_BAD_REQUEST,
				"give sizes (an array of text sizes in bytes), or resumes (1 to %d) and bytes_each "
				"(0 to %.0f), both whole numbers",
				ESTIMATE_SIZES_MAX, ESTIMATE_BYTES_MAX);
			goto out;
		}
		n = (size_t)nr->valuedouble;
		list = xcalloc(n, sizeof(*list));
		for (i = 0; i < n; i++)
			list[i] = (int64_t)each->valuedouble;
	}
	rc = budget_dry_run(r->org_id, id, list, n, model, &out);
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", id);
		goto out;
	}
	rc = resp_json_take(r, 200, out);
out:
	free(list);
	cJSON_Delete(body);
	return rc;
}

static int handle_spend(struct req *r)
{
	cJSON *out = NULL;
	int rc = budget_spend_json(r->org_id, 0, &out);

	if (rc < 0)
		return resp_fail_store(r, rc, "organisation", r->org_id);
	return resp_json_take(r, 200, out);
}

static int handle_rubric_versions(struct req *r)
{
	cJSON *items = NULL, *out;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = rubricstore_versions_json(r->org_id, id, &items);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	out = cJSON_CreateObject();
	cJSON_AddItemToObject(out, "items", items);
	return resp_json_take(r, 200, out);
}

/* An optional version number in the query: 0 when absent; false when it is not a number from 1. */
static bool version_param(struct req *r, const char *name, int *out)
{
	const char *v = req_query(r, name);
	int64_t n = 0;

	*out = 0;
	if (!v)
		return true;
	if (parse_int64(v, 1, 1000000, &n) < 0)
		return false;
	*out = (int)n;
	return true;
}

static int handle_rubric_diff(struct req *r)
{
	cJSON *out = NULL;
	char err[256] = "";
	int64_t id;
	int from, to, rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	if (!version_param(r, "from", &from))
		return resp_fail(r, ST_BAD_REQUEST, "from: must be a version number from 1");
	if (!version_param(r, "to", &to))
		return resp_fail(r, ST_BAD_REQUEST, "to: must be a version number from 1");
	rc = rubricstore_diff_json(r->org_id, id, from, to, &out, err, sizeof(err));
	if (rc == ST_BAD_REQUEST)
		return resp_fail(r, rc, "%s", err);
	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "job %lld or the rubric version asked for not found", (long long)id);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	return resp_json_take(r, 200, out);
}

/* Records a recruiter's new rubric version in the trail ("rubric.changed": its number and hash), after it committed. */
static void audit_rubric(struct req *r, int64_t id, const cJSON *current)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };
	struct audit_event ev = { "rubric.changed", id, 0, NULL, 0, NULL };
	const cJSON *number = cJSON_GetObjectItemCaseSensitive(current, "number");
	const cJSON *version = cJSON_GetObjectItemCaseSensitive(current, "version");
	cJSON *details = cJSON_CreateObject();

	if (cJSON_IsNumber(number))
		cJSON_AddNumberToObject(details, "number", number->valuedouble);
	if (cJSON_IsString(version))
		cJSON_AddStringToObject(details, "rubric_version", version->valuestring);
	ev.details = details;
	if (audit_record_now(&who, &ev) < 0)
		log_error("jobs: the audit event 'rubric.changed' of job %lld was not recorded", (long long)id);
	cJSON_Delete(details);
}

static int handle_rubric_put(struct req *r)
{
	cJSON *body = NULL, *out = NULL, *diff = NULL;
	char err[512] = "";
	bool changed = false;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	rc = rubricstore_put(r->org_id, id, r->user_id, body, &changed, err, sizeof(err));
	cJSON_Delete(body);
	if (rc == ST_BAD_REQUEST || rc == ST_CONFLICT)
		return resp_fail(r, rc, "%s", err);
	if (rc == 0)
		rc = rubricstore_current_json(r->org_id, id, &out);
	if (rc == 0 && changed)
		rc = rubricstore_diff_json(r->org_id, id, 0, 0, &diff, err, sizeof(err));
	if (rc < 0) {
		cJSON_Delete(out);
		return resp_fail_store(r, rc, "job", id);
	}
	cJSON_AddBoolToObject(out, "changed", changed);
	if (diff)
		cJSON_AddItemToObject(out, "diff", diff);
	else
		cJSON_AddNullToObject(out, "diff");
	if (changed) {
		log_info("jobs: job %lld has a new rubric version from its recruiter", (long long)id);
		audit_rubric(r, id, out);
	}
	return resp_json_take(r, 200, out);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/jobs", handle_jobs_create, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs", handle_jobs_list, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}", handle_jobs_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/jobs/{id}", handle_jobs_update, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/jobs/{id}/close", handle_jobs_close, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/budget", handle_budget_get, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/budget", handle_budget_put, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/jobs/{id}/estimate", handle_estimate, ROUTE_AUTH | ROUTE_JSON_BODY | ROUTE_KEEPS_ANSWERS },
	{ "GET", "/api/v1/spend", handle_spend, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/rubric", handle_rubric_get, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/rubric", handle_rubric_put, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs/{id}/rubric/versions", handle_rubric_versions, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/rubric/diff", handle_rubric_diff, ROUTE_AUTH },
};

int main(int argc, char **argv)
{
	static const struct app app = { "jobs", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
