/* resultstore: what processing a resume writes — its text, contact, flags, status and its one current analysis. */
#include "score/resultstore.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "extract/extract.h"
#include "queue/queue.h"
#include "score/analysis.h"
#include "score/neardup.h"
#include "core/counters.h"

int resultstore_begin(const struct queue_task *task, int64_t id, struct stored_resume *out)
{
	struct db_result *res = NULL;
	char org[24], rid[24];
	const char *p[2] = { org, rid };
	int rc;

	memset(out, 0, sizeof(*out));
	db_int_param(task->org_id, org);
	db_int_param(id, rid);
	/*
	 * Only the claim's holder may mark the resume: a drainer that was
	 * stopped between its claim and this step, and whose task was rescued
	 * and finished meanwhile, would otherwise put a scored resume back to
	 * processing for good. The task row stays locked until the commit.
	 */
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = queue_still_owned(task);
	if (rc == 0)
		rc = db_query(
			"resume_begin",
			"UPDATE resumes SET status = 'processing', updated_at = now() WHERE org_id = $1 AND id = $2"
			" RETURNING job_id, s3_key, content_type, size_bytes",
			2, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		out->id = id;
		out->org_id = task->org_id;
		out->job_id = db_int(res, 0, 0, 0);
		out->s3_key = xstrdup(db_value(res, 0, 1));
		out->content_type = xstrdup(db_value(res, 0, 2));
		out->size = db_int(res, 0, 3, 0);
		rc = db_commit();
	} else {
		db_rollback();
	}
	db_result_free(res);
	if (rc < 0)
		resultstore_resume_release(out);
	return rc;
}

void resultstore_resume_release(struct stored_resume *r)
{
	free(r->s3_key);
	free(r->content_type);
	memset(r, 0, sizeof(*r));
}

static char *contact_json(const struct contact *c)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *s;
	size_t i;

	json_add_str_or_null(o, "name", c->name);
	a = cJSON_AddArrayToObject(o, "emails");
	for (i = 0; i < c->n_emails; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->emails[i]));
	a = cJSON_AddArrayToObject(o, "phones");
	for (i = 0; i < c->n_phones; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->phones[i]));
	a = cJSON_AddArrayToObject(o, "links");
	for (i = 0; i < c->n_links; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(c->links[i]));
	s = json_print(o);
	cJSON_Delete(o);
	return s;
}

/* Extraction flags (hidden text, truncation) and the analysis's own flags, as one array. */
static char *flags_json(const struct extract_result *ex, const struct analysis *a)
{
	cJSON *arr = cJSON_CreateArray();
	char *s;
	size_t i;

	for (i = 0; ex && i < ex->n_flags; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "name", ex->flags[i].name);
		cJSON_AddNumberToObject(f, "count", (double)ex->flags[i].count);
		if (ex->flags[i].sample)
			cJSON_AddStringToObject(f, "sample", ex->flags[i].sample);
		cJSON_AddItemToArray(arr, f);
	}
	for (i = 0; a && i < a->flags.n; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "name", a->flags.v[i]);
		cJSON_AddItemToArray(arr, f);
	}
	s = json_print(arr);
	cJSON_Delete(arr);
	return s;
}

static const char *status_for(const char *category)
{
	if (strcmp(category, "failed") == 0)
		return "failed";
	if (strcmp(category, "needs_review") == 0)
		return "needs_review";
	return "scored";
}

/* A resume's current analysis is current no more. */
static const char analysis_retire_sql[] = "UPDATE analyses SET is_current = false WHERE resume_id = $1 AND is_current";

static int write_analysis(const struct stored_resume *r, const struct analysis *a, const char *category,
			  const char *reason, const struct analysis_meta *m)
{
	static const struct analysis_meta none = { "none", "", "", "", NULL, 0, 0, 0, false, NULL, false, 0, 0 };
	char org[24], job[24], rid[24], score[32], pt[24], ct[24], cost[32], cached[24], saved[32];
	char *result = NULL;
	int rc;

	if (!m)
		m = &none;
	db_int_param(r->org_id, org);
	db_int_param(r->job_id, job);
	db_int_param(r->id, rid);
	db_int_param(m->prompt_tokens, pt);
	db_int_param(m->completion_tokens, ct);
	snprintf(cost, sizeof(cost), "%.6f", (double)m->cost_microusd / 1e6);
	db_int_param(m->cached_tokens, cached);
	snprintf(saved, sizeof(saved), "%.6f", (double)m->saved_microusd / 1e6);
	if (a) {
		result = analysis_to_string(a);
		snprintf(score, sizeof(score), "%.2f", a->score);
	} else {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "category", category);
		cJSON_AddStringToObject(o, "reason", reason ? reason : "");
		result = json_print(o);
		cJSON_Delete(o);
	}
	{
		const char *p[1] = { rid };

		rc = db_exec("analysis_retire", analysis_retire_sql, 1, p, NULL);
	}
	if (rc == 0) {
		const char *p[19] = { org,
				      job,
				      rid,
				      m->provider,
				      m->model ? m->model : "",
				      m->prompt_version ? m->prompt_version : "",
				      m->rubric_version ? m->rubric_version : "",
				      m->fingerprint && *m->fingerprint ? m->fingerprint : NULL,
				      a ? score : NULL,
				      category,
				      result,
				      pt,
				      ct,
				      cost,
				      m->cache_hit ? "true" : "false",
				      m->cache_key && strlen(m->cache_key) == 64 ? m->cache_key : NULL,
				      m->cost_unknown ? "false" : "true",
				      cached,
				      saved };

		rc = db_exec(
			"analysis_insert",
			"INSERT INTO analyses (org_id, job_id, resume_id, provider, model, prompt_version, "
			"rubric_version,"
			" system_fingerprint, score, category, result, prompt_tokens, completion_tokens, cost_usd,"
			" cache_hit, llm_cache_key, cost_known, cached_tokens, cache_saved_usd) VALUES ($1, $2, $3,"
			" $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14, $15, $16, $17, $18, $19)",
			19, p, NULL);
	}
	free(result);
	return rc;
}

int resultstore_finish(const struct queue_task *task, const struct stored_resume *r, const struct extract_result *ex,
		       const struct analysis *a, const char *category, const char *reason,
		       const struct analysis_meta *meta)
{
	char org[24], rid[24], pages[24];
	char *contact = NULL, *flags = NULL;
	const char *cat = a ? analysis_category_name(a->category) : category;
	int rc;

	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = queue_still_owned(task);
	if (rc < 0)
		goto out;
	db_int_param(r->org_id, org);
	db_int_param(r->id, rid);
	db_int_param(ex ? ex->page_count : 0, pages);
	flags = flags_json(ex, a);
	if (ex)
		contact = contact_json(&ex->contact);
	{
		const char *p[8] = {
			org,	 rid,	status_for(cat),  reason && *reason ? reason : NULL, ex ? ex->text : NULL,
			contact, flags, ex ? pages : NULL
		};

		rc = db_exec("resume_finish",
			     "UPDATE resumes SET status = $3, status_reason = $4, text = COALESCE($5, text),"
			     " contact = COALESCE($6::jsonb, contact), flags = $7::jsonb,"
			     " page_count = COALESCE($8::int, page_count), updated_at = now()"
			     " WHERE org_id = $1 AND id = $2",
			     8, p, NULL);
	}
	if (rc == 0)
		rc = write_analysis(r, a, cat, reason, meta);
	if (rc == 0)
		rc = queue_succeed(task);
	/* Last, as it makes the organisation's finishing resumes take turns until the commit. */
	if (rc == 0 && ex && ex->text)
		rc = neardup_record(r->org_id, r->id, ex->text, ex->text_len, ex->contact.name, NULL);
	if (rc == 0)
		rc = db_commit();
out:
	if (db_in_transaction())
		db_rollback();
	free(contact);
	free(flags);
	return rc;
}

int resultstore_mark_failed(int64_t org_id, int64_t resume_id, const char *reason)
{
	struct stored_resume r;
	struct db_result *res = NULL;
	char org[24], rid[24];
	const char *p[3] = { org, rid, reason };
	int rc;

	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = db_query("resume_fail",
		      "UPDATE resumes SET status = 'failed', status_reason = $3, updated_at = now()"
		      " WHERE org_id = $1 AND id = $2 RETURNING job_id",
		      3, p, &res);
	if (rc == 0 && db_rows(res) == 1) {
		memset(&r, 0, sizeof(r));
		r.id = resume_id;
		r.org_id = org_id;
		r.job_id = db_int(res, 0, 0, 0);
		rc = write_analysis(&r, NULL, "failed", reason, NULL);
	}
	if (rc == 0)
		rc = db_commit();
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	return rc;
}

/* Resumes whose processing task was discarded and nothing will retry them. */
static const char resume_discarded_sql[] =
	"SELECT r.org_id, r.id, COALESCE(t.last_error, 'unknown error') FROM tasks t"
	" JOIN resumes r ON r.id = (t.payload->>'resume_id')::bigint AND r.org_id = t.org_id"
	" WHERE t.kind = 'process_resume' AND t.state = 'discarded' AND r.status IN ('queued', 'processing')"
	" AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.kind = t.kind AND u.id <> t.id"
	"   AND u.payload->>'resume_id' = t.payload->>'resume_id' AND u.state IN ('queued', 'running'))"
	" LIMIT 1000";

int resultstore_settle_discarded(void)
{
	struct db_result *res = NULL;
	int rc, i, n, settled = 0;

	rc = db_query("resume_discarded", resume_discarded_sql, 0, NULL, &res);
	if (rc < 0)
		return rc;
	n = db_rows(res);
	for (i = 0; i < n; i++) {
		char why[400];

		snprintf(why, sizeof(why), "could not be processed: %s", db_value(res, i, 2));
		if (resultstore_mark_failed(db_int(res, i, 0, 0), db_int(res, i, 1, 0), why) == 0)
			settled++;
	}
	db_result_free(res);
	return settled;
}

static const struct counters_statement plan_statements[] = {
	{ "analysis_retire", analysis_retire_sql, "RESUME_ID" },
	{ "resume_discarded", resume_discarded_sql, "" },
};

const struct counters_statement *resultstore_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
