/* jobs: create, list, read, update and close jobs (/api/v1/jobs), and read, edit and compare their rubric versions. */
#include <cJSON.h>
#include <stdio.h>

#include "account/auth.h"
#include "base/status.h"
#include "base/util.h"
#include "core/log.h"
#include "extract/jdfile.h"
#include "http/app.h"
#include "http/page.h"
#include "http/resp.h"
#include "score/job.h"
#include "score/jobcounts.h"
#include "score/jobstore.h"
#include "score/rubricstore.h"

static int respond_job(struct req *r, int http, int64_t id)
{
	cJSON *job = NULL;
	cJSON *counts = NULL;
	int rc = jobstore_get_json(r->org_id, id, &job);

	if (rc == 0)
		rc = jobcounts_json(id, &counts);
	if (rc < 0) {
		cJSON_Delete(job);
		return resp_fail_store(r, rc, "job", id);
	}
	cJSON_AddItemToObject(job, "counts", counts);
	if (http == 201)
		resp_headerf(r, "Location", "/api/v1/jobs/%lld", (long long)id);
	return resp_json_take(r, http, job);
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
	cJSON *patch = NULL;
	char err[512] = "";
	int64_t id;
	int rc;

	rc = req_param_id(r, "id", &id);
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &patch);
	if (rc < 0)
		return rc;
	if (jdfile_apply(patch, err, sizeof(err)) < 0) {
		cJSON_Delete(patch);
		return resp_fail(r, ST_BAD_REQUEST, "%s", err);
	}
	rc = jobstore_update(r->org_id, id, patch, err, sizeof(err));
	cJSON_Delete(patch);
	if (rc == ST_BAD_REQUEST || rc == ST_CONFLICT)
		return resp_fail(r, rc, "%s", err);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
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
	return respond_job(r, 200, id);
}

static int handle_rubric_get(struct req *r)
{
	cJSON *out = NULL;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = rubricstore_current_json(r->org_id, id, &out);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
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
	if (changed)
		log_info("jobs: job %lld has a new rubric version from its recruiter", (long long)id);
	return resp_json_take(r, 200, out);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/jobs", handle_jobs_create, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs", handle_jobs_list, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}", handle_jobs_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/jobs/{id}", handle_jobs_update, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/jobs/{id}/close", handle_jobs_close, ROUTE_AUTH },
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
