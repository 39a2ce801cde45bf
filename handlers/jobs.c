/* jobs: create, list, read, update and close jobs (/api/v1/jobs). */
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
#include "queue/jobprep.h"
#include "score/job.h"
#include "score/jobcounts.h"
#include "score/jobstore.h"

static int respond_job(struct req *r, int http, int64_t id)
{
	cJSON *job = NULL;
	cJSON *counts = NULL;
	int rc = jobstore_get_json(r->org_id, id, &job);

	cJSON *prep = NULL;

	if (rc == 0)
		rc = jobcounts_json(id, &counts);
	if (rc == 0)
		rc = jobprep_status_json(r->org_id, id, &prep);
	if (rc < 0) {
		cJSON_Delete(job);
		cJSON_Delete(counts);
		return resp_fail_store(r, rc, "job", id);
	}
	cJSON_AddItemToObject(job, "counts", counts);
	cJSON_AddItemToObject(job, "preparation", prep);
	if (http == 201)
		resp_headerf(r, "Location", "/api/v1/jobs/%lld", (long long)id);
	return resp_json_take(r, http, job);
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
	return respond_job(r, 200, id);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/jobs", handle_jobs_create, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs", handle_jobs_list, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}", handle_jobs_get, ROUTE_AUTH },
	{ "PATCH", "/api/v1/jobs/{id}", handle_jobs_update, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/jobs/{id}/close", handle_jobs_close, ROUTE_AUTH },
};

int main(int argc, char **argv)
{
	static const struct app app = { "jobs", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
