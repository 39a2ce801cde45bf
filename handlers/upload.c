/* upload: POST /api/v1/jobs/{id}/resumes — many resume files in one multipart request, streamed to S3. */
#include <cJSON.h>
#include <stdio.h>

#include "account/apilimit.h"
#include "account/auth.h"
#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "http/app.h"
#include "http/resp.h"
#include "intake/formupload.h"
#include "intake/multipart.h"
#include "intake/s3.h"
#include "intake/s3client.h"
#include "score/jobstore.h"

static ssize_t read_body(void *ctx, void *dst, size_t n)
{
	return req_read(ctx, dst, n);
}

static int handle_upload_resumes(struct req *r)
{
	const struct config *c = config();
	struct formupload_limits lim = { c->upload_max_file_bytes, c->upload_max_files, c->upload_max_total_bytes,
					 (size_t)c->s3_part_size };
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	const char *why = NULL;
	char why_job[128];
	struct formupload_result res;
	struct s3_error e = { 0 };
	struct s3_client *s3;
	cJSON *body;
	int64_t job_id;
	int rc;

	rc = req_param_id(r, "id", &job_id);
	if (rc < 0)
		return rc;
	if (r->content_length > c->upload_max_total_bytes)
		return resp_fail(r, ST_TOO_LARGE, "request body of %lld bytes exceeds the limit of %lld bytes",
				 (long long)r->content_length, (long long)c->upload_max_total_bytes);
	if (multipart_boundary_parse(req_header(r, "CONTENT_TYPE"), boundary, &why) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "%s", why);
	rc = jobstore_check_open(r->org_id, job_id, why_job, sizeof(why_job));
	if (rc < 0)
		return resp_fail(r, rc, "%s", why_job);
	if (s3client_get(&s3, &e) < 0)
		return resp_fail(r, ST_INTERNAL, "storage is misconfigured: %s", e.message);

	formupload_run(s3, r->org_id, job_id, boundary, &lim, read_body, r, &res);
	/* Each file is work: the request's own unit paid for the first, the key's budget pays for the rest. */
	apilimit_charge(r, (int64_t)res.accepted + res.duplicates + res.rejected - 1);
	log_info("upload: job %lld: %d accepted, %d duplicate, %d rejected%s%s", (long long)job_id, res.accepted,
		 res.duplicates, res.rejected, res.status ? "; stopped: " : "", res.status ? res.detail : "");
	if (res.status != 0) {
		if (r->read_timed_out)
			rc = resp_fail(r, ST_TIMEOUT, "the request body stopped arriving for %lld ms (%s)",
				       (long long)c->body_idle_timeout_ms, res.detail);
		else
			rc = resp_fail(r, res.status, "%s", res.detail);
		formupload_result_release(&res);
		return rc;
	}
	body = cJSON_CreateObject();
	if (res.batch_id)
		cJSON_AddNumberToObject(body, "batch_id", (double)res.batch_id);
	else
		cJSON_AddNullToObject(body, "batch_id");
	cJSON_AddNumberToObject(body, "job_id", (double)job_id);
	cJSON_AddNumberToObject(body, "accepted", res.accepted);
	cJSON_AddNumberToObject(body, "duplicates", res.duplicates);
	cJSON_AddNumberToObject(body, "rejected", res.rejected);
	cJSON_AddItemToObject(body, "files", res.files);
	res.files = NULL;
	if (res.batch_id)
		resp_headerf(r, "Location", "/api/v1/process/status/%lld", (long long)res.batch_id);
	return resp_json_take(r, res.accepted ? 201 : 200, body);
}

static const struct route routes[] = {
	{ "POST", "/api/v1/jobs/{id}/resumes", handle_upload_resumes,
	  ROUTE_AUTH | ROUTE_STREAM_BODY | ROUTE_KEEPS_ANSWERS },
};

int main(int argc, char **argv)
{
	static const struct app app = { "upload", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
