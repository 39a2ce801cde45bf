/* progress: how far a batch of resumes has got — counts by state and category, percent, ETA and failures. */
#include "score/progress.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "score/rescore.h"

/*
 * One row per resume of the batch ($1 organisation, $2 batch): its task's
 * state and error, when it finished, the resume's own status and reason, and
 * its current analysis. An upload's task is found by its key, a rescore's
 * by the batch in its payload.
 */
#define ITEMS_UPLOAD \
	"SELECT r.id AS resume_id, r.filename, t.state AS tstate, t.last_error," \
	" COALESCE(t.finished_at, r.updated_at) AS fin, r.status AS rstatus, r.status_reason, a.category, a.result" \
	" FROM resumes r" \
	" LEFT JOIN tasks t ON t.kind = 'process_resume' AND t.idempotency_key = 'resume:' || r.id" \
	" LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current" \
	" WHERE r.org_id = $1 AND r.batch_id = $2::bigint"

#define ITEMS_RESCORE \
	"SELECT r.id AS resume_id, r.filename, t.state AS tstate, t.last_error," \
	" COALESCE(t.finished_at, r.updated_at) AS fin, r.status AS rstatus, r.status_reason, a.category, a.result" \
	" FROM tasks t" \
	" JOIN resumes r ON r.org_id = $1 AND r.id = (t.payload->>'resume_id')::bigint" \
	" LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current" \
	" WHERE t.org_id = $1 AND t.kind = 'process_resume' AND t.payload->>'batch_id' = $2::text"

/* Each resume's state in the batch and the reason for a failure or a review. */
#define CLASSIFIED(items) \
	"WITH i AS (" items "), c AS (SELECT resume_id, filename, fin, category," \
	" CASE WHEN tstate = 'discarded' THEN 'failed' WHEN tstate = 'queued' THEN 'queued'" \
	"  WHEN tstate = 'running' THEN 'processing'" \
	"  WHEN tstate = 'succeeded' AND category IN ('shortlist', 'consider', 'reject') THEN 'scored'" \
	"  WHEN tstate = 'succeeded' AND category IS NOT NULL THEN category ELSE rstatus END AS state," \
	" CASE WHEN tstate = 'discarded' THEN COALESCE(last_error, 'gave up after the last attempt')" \
	"  ELSE COALESCE(status_reason, NULLIF(result->>'reason', ''), NULLIF(result->>'summary', '')) END AS reason" \
	" FROM i)"

#define COUNTS_SQL(items) \
	CLASSIFIED(items) \
	" SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'processing')," \
	" count(*) FILTER (WHERE state = 'scored'), count(*) FILTER (WHERE state = 'needs_review')," \
	" count(*) FILTER (WHERE state = 'failed')," \
	" count(*) FILTER (WHERE state = 'scored' AND category = 'shortlist')," \
	" count(*) FILTER (WHERE state = 'scored' AND category = 'consider')," \
	" count(*) FILTER (WHERE state = 'scored' AND category = 'reject')," \
	" count(*), to_jsonb(max(fin))#>>'{}' FROM c"

#define FAILURES_SQL(items) \
	CLASSIFIED(items) \
	" SELECT jsonb_build_object('resume_id', resume_id, 'filename', filename, 'status', state," \
	" 'reason', reason)::text FROM c WHERE state IN ('failed', 'needs_review') ORDER BY resume_id LIMIT $3::int"

enum { C_QUEUED, C_PROCESSING, C_SCORED, C_NEEDS_REVIEW, C_FAILED, C_SHORTLIST, C_CONSIDER, C_REJECT, C_TOTAL, C_N };

static const char *const state_names[] = { "queued", "processing", "scored", "needs_review", "failed" };
static const char *const category_names[] = { "shortlist", "consider", "reject" };

struct batch_row {
	int64_t job_id;
	char source[16];
	char *created_at;
	double elapsed_s;
	char *rubric_version;
	int64_t awaiting_upload;
};

int64_t progress_eta_seconds(double elapsed_s, int64_t done, int64_t total)
{
	double eta;

	if (done >= total)
		return 0;
	if (done <= 0)
		return -1;
	if (elapsed_s < 0)
		elapsed_s = 0;
	eta = ceil(elapsed_s / (double)done * (double)(total - done));
	return eta > 1e12 ? (int64_t)1e12 : (int64_t)eta;
}

static int load_batch(const char *org, const char *batch, struct batch_row *b)
{
	struct db_result *res = NULL;
	const char *p[2] = { org, batch };
	int rc;

	rc = db_query("progress_batch",
		      "SELECT b.job_id, b.source, to_jsonb(b.created_at)#>>'{}',"
		      " extract(epoch FROM clock_timestamp() - b.created_at), b.rubric_version,"
		      " (SELECT count(*) FROM upload_slots s WHERE s.batch_id = b.id AND s.state = 'issued'"
		      "  AND s.expires_at > now())"
		      " FROM batches b WHERE b.org_id = $1 AND b.id = $2",
		      2, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		const char *el = db_value(res, 0, 3);

		b->job_id = db_int(res, 0, 0, 0);
		snprintf(b->source, sizeof(b->source), "%s", db_value(res, 0, 1));
		b->created_at = xstrdup(db_value(res, 0, 2));
		b->elapsed_s = el ? strtod(el, NULL) : 0;
		b->rubric_version = db_value(res, 0, 4) ? xstrdup(db_value(res, 0, 4)) : NULL;
		b->awaiting_upload = db_int(res, 0, 5, 0);
	}
	db_result_free(res);
	return rc;
}

static int load_counts(const char *org, const char *batch, bool rescore, int64_t n[C_N], char **finished)
{
	struct db_result *res = NULL;
	const char *p[2] = { org, batch };
	int rc, i;

	if (rescore)
		rc = db_query("progress_counts_rescore", COUNTS_SQL(ITEMS_RESCORE), 2, p, &res);
	else
		rc = db_query("progress_counts", COUNTS_SQL(ITEMS_UPLOAD), 2, p, &res);
	if (rc == 0) {
		for (i = 0; i < C_N; i++)
			n[i] = db_int(res, 0, i, 0);
		*finished = db_value(res, 0, C_N) ? xstrdup(db_value(res, 0, C_N)) : NULL;
	}
	db_result_free(res);
	return rc;
}

static int load_failures(const char *org, const char *batch, bool rescore, cJSON *arr, int64_t *listed)
{
	struct db_result *res = NULL;
	char lim[24];
	const char *p[3] = { org, batch, lim };
	int rc, i;

	db_int_param(PROGRESS_FAILURES_MAX, lim);
	if (rescore)
		rc = db_query("progress_failures_rescore", FAILURES_SQL(ITEMS_RESCORE), 3, p, &res);
	else
		rc = db_query("progress_failures", FAILURES_SQL(ITEMS_UPLOAD), 3, p, &res);
	for (i = 0; rc == 0 && i < db_rows(res); i++) {
		cJSON *f = cJSON_Parse(db_value(res, i, 0));

		if (!f) {
			rc = ST_INTERNAL;
			break;
		}
		cJSON_AddItemToArray(arr, f);
	}
	*listed = i;
	db_result_free(res);
	return rc;
}

static void add_str_or_null(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

int progress_batch(int64_t org_id, int64_t batch_id, int64_t job_id, const char *source, cJSON **out)
{
	struct batch_row b = { 0 };
	char org[24], batch[24], *finished_at = NULL;
	int64_t n[C_N] = { 0 }, done, listed = 0, eta, more;
	cJSON *o = NULL, *counts, *cats, *failures, *changes = NULL;
	bool rescore, finished;
	size_t i;
	int rc;

	*out = NULL;
	db_int_param(org_id, org);
	db_int_param(batch_id, batch);
	rc = load_batch(org, batch, &b);
	if (rc < 0)
		goto out;
	if ((job_id > 0 && b.job_id != job_id) || (source && strcmp(source, b.source) != 0)) {
		rc = ST_NOT_FOUND;
		goto out;
	}
	rescore = strcmp(b.source, "rescore") == 0;
	rc = load_counts(org, batch, rescore, n, &finished_at);
	if (rc < 0)
		goto out;
	o = cJSON_CreateObject();
	failures = cJSON_CreateArray();
	/* Most polls find no failure: then the second pass over the batch is not needed. */
	if (n[C_NEEDS_REVIEW] + n[C_FAILED] > 0)
		rc = load_failures(org, batch, rescore, failures, &listed);
	if (rc < 0) {
		cJSON_Delete(failures);
		goto out;
	}
	done = n[C_SCORED] + n[C_NEEDS_REVIEW] + n[C_FAILED];
	finished = done >= n[C_TOTAL] && b.awaiting_upload == 0;
	if (rescore && finished) {
		rc = rescore_changes(org_id, batch_id, &changes);
		if (rc < 0) {
			cJSON_Delete(failures);
			goto out;
		}
	}

	cJSON_AddNumberToObject(o, "batch_id", (double)batch_id);
	cJSON_AddNumberToObject(o, "job_id", (double)b.job_id);
	cJSON_AddStringToObject(o, "source", b.source);
	cJSON_AddStringToObject(o, "state", finished ? "finished" : "running");
	cJSON_AddNumberToObject(o, "total", (double)n[C_TOTAL]);
	cJSON_AddNumberToObject(o, "done", (double)done);
	cJSON_AddNumberToObject(o, "percent",
				n[C_TOTAL] > 0 ? floor((double)done * 1000.0 / (double)n[C_TOTAL]) / 10.0
					       : (finished ? 100.0 : 0.0));
	eta = finished ? 0 : progress_eta_seconds(b.elapsed_s, done, n[C_TOTAL]);
	if (eta < 0 || (!finished && done >= n[C_TOTAL]))
		cJSON_AddNullToObject(o, "eta_seconds");
	else
		cJSON_AddNumberToObject(o, "eta_seconds", (double)eta);
	counts = cJSON_AddObjectToObject(o, "counts");
	for (i = 0; i < ARRAY_SIZE(state_names); i++)
		cJSON_AddNumberToObject(counts, state_names[i], (double)n[C_QUEUED + i]);
	cats = cJSON_AddObjectToObject(o, "categories");
	for (i = 0; i < ARRAY_SIZE(category_names); i++)
		cJSON_AddNumberToObject(cats, category_names[i], (double)n[C_SHORTLIST + i]);
	cJSON_AddStringToObject(o, "started_at", b.created_at);
	add_str_or_null(o, "finished_at", finished ? finished_at : NULL);
	if (finished && !finished_at)
		cJSON_ReplaceItemInObjectCaseSensitive(o, "finished_at", cJSON_CreateString(b.created_at));
	cJSON_AddItemToObject(o, "failures", failures);
	/* The two reads may straddle a change: never report a negative rest. */
	more = n[C_NEEDS_REVIEW] + n[C_FAILED] - listed;
	cJSON_AddNumberToObject(o, "failures_more", (double)(more > 0 ? more : 0));
	if (strcmp(b.source, "presigned") == 0)
		cJSON_AddNumberToObject(o, "awaiting_upload", (double)b.awaiting_upload);
	if (rescore) {
		add_str_or_null(o, "rubric_version", b.rubric_version);
		if (changes)
			cJSON_AddItemToObject(o, "shortlist_changes", changes);
		else
			cJSON_AddNullToObject(o, "shortlist_changes");
		changes = NULL;
	}
	*out = o;
	o = NULL;
out:
	cJSON_Delete(o);
	cJSON_Delete(changes);
	free(finished_at);
	free(b.created_at);
	free(b.rubric_version);
	return rc;
}
