/* progress: how far a batch of resumes has got — counts by state and category, percent, ETA and failures. */
#include "score/progress.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"
#include "score/rescore.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define FAILURES_LIMIT STRINGIFY(PROGRESS_FAILURES_MAX)

/*
 * A batch's counts are its counters (core/counters.h): the triggers of 0130
 * keep one item per resume of the batch (batch_items) with its state there,
 * derived from its task (queued, running = processing, discarded = failed),
 * and once the task succeeded from the resume's current analysis, else from
 * the resume's status. When the last item finished: the newest item by
 * batch_items_fin. The failures: the failed and needs_review items by the
 * partial index batch_items_problems, at most PROGRESS_FAILURES_MAX, each
 * with its task found by the real keys (tasks_batch_resume) for the reason
 * ($1 organisation, $2 batch).
 *
 * The failure list has one plan whatever the batch: its parameters are read
 * through one-row subqueries ((SELECT $2::bigint)) and its limit is a
 * literal, so PostgreSQL estimates a custom plan exactly as the generic one
 * (a batch's size never enters the estimate). After five runs the prepared
 * statement keeps the generic plan instead of planning each call anew, which
 * it did while the estimate of a small batch (a custom plan) stayed far below
 * that of the average batch (the generic plan). The limit is taken from the
 * index in resume order before the joins, so the plan stays an index scan
 * however many problems the table's batches hold.
 */
static const char finished_sql[] = "SELECT to_jsonb(fin)#>>'{}' FROM batch_items WHERE batch_id = $1::bigint"
				   " ORDER BY fin DESC NULLS LAST LIMIT 1";

static const char failures_sql[] =
	"SELECT jsonb_build_object('resume_id', i.resume_id, 'filename', r.filename, 'status', i.state,"
	" 'reason', CASE WHEN t.state = 'discarded' THEN COALESCE(t.last_error, 'gave up after the last attempt')"
	"  ELSE COALESCE(r.status_reason, NULLIF(a.result->>'reason', ''), NULLIF(a.result->>'summary', '')) END)::text"
	" FROM (SELECT batch_id, resume_id, state FROM batch_items WHERE batch_id = (SELECT $2::bigint)"
	"  AND state IN ('failed', 'needs_review') ORDER BY resume_id LIMIT " FAILURES_LIMIT ") i"
	" JOIN resumes r ON r.id = i.resume_id AND r.org_id = (SELECT $1::bigint)"
	" LEFT JOIN LATERAL (SELECT t.state, t.last_error FROM tasks t WHERE t.kind = 'process_resume'"
	"  AND t.batch_id = i.batch_id AND t.resume_id = i.resume_id"
	"  ORDER BY t.batch_id DESC, t.resume_id DESC, t.id DESC LIMIT 1) t ON true"
	" LEFT JOIN analyses a ON a.resume_id = i.resume_id AND a.is_current"
	" ORDER BY i.resume_id";

static const struct counters_statement statements[] = {
	{ "progress_finished", finished_sql, "BATCH_ID" },
	{ "progress_failures", failures_sql, "ORG_ID, BATCH_ID" },
};

enum {
	C_QUEUED,
	C_PROCESSING,
	C_SCORED,
	C_NEEDS_REVIEW,
	C_FAILED,
	C_PENDING_BUDGET,
	C_SHORTLIST,
	C_CONSIDER,
	C_REJECT,
	C_TOTAL,
	C_N
};

static const char *const state_names[] = {
	"queued", "processing", "scored", "needs_review", "failed", "pending_budget"
};
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

static int load_counts(const char *batch, int64_t batch_id, int64_t n[C_N], char **finished)
{
	struct db_result *res = NULL;
	const char *p[1] = { batch };
	size_t i;
	int rc;

	rc = counters_scope("batch", batch_id, &res);
	if (rc == 0) {
		for (i = 0; i < ARRAY_SIZE(state_names); i++)
			n[C_QUEUED + i] = (int64_t)counters_sum(res, "batch", "state", state_names[i]);
		for (i = 0; i < ARRAY_SIZE(category_names); i++)
			n[C_SHORTLIST + i] = (int64_t)counters_sum(res, "batch", "category", category_names[i]);
		n[C_TOTAL] = (int64_t)counters_sum(res, "batch", "total", "");
	}
	db_result_free(res);
	res = NULL;
	if (rc == 0)
		rc = db_query("progress_finished", finished_sql, 1, p, &res);
	if (rc == 0 && db_rows(res) > 0 && db_value(res, 0, 0))
		*finished = xstrdup(db_value(res, 0, 0));
	db_result_free(res);
	return rc;
}

static int load_failures(const char *org, const char *batch, cJSON *arr, int64_t *listed)
{
	struct db_result *res = NULL;
	const char *p[2] = { org, batch };
	int rc, i;

	rc = db_query("progress_failures", failures_sql, 2, p, &res);
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
	rc = load_counts(batch, batch_id, n, &finished_at);
	if (rc < 0)
		goto out;
	o = cJSON_CreateObject();
	failures = cJSON_CreateArray();
	/* Most polls find no failure: then the second pass over the batch is not needed. */
	if (n[C_NEEDS_REVIEW] + n[C_FAILED] > 0)
		rc = load_failures(org, batch, failures, &listed);
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

const struct counters_statement *progress_statements(size_t *n)
{
	*n = ARRAY_SIZE(statements);
	return statements;
}
