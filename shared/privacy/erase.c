/* erase: removing everything held about a candidate, or about every candidate of a job, from every store. */
#include "privacy/erase.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/answercache.h"
#include "core/db.h"
#include "core/log.h"
#include "intake/s3.h"
#include "intake/s3client.h"
#include "llm/llm_cache.h"
#include "privacy/hold.h"

int privacy_reason_from_json(const cJSON *body, const char **reason, char *err, size_t errlen)
{
	const cJSON *it, *r;
	const char *s;
	bool visible = false;

	if (!cJSON_IsObject(body))
		return fail(err, errlen, "the body must be a JSON object");
	cJSON_ArrayForEach(it, body)
	{
		if (strcmp(it->string, "reason") != 0)
			return fail(err, errlen, "%s: unknown member (the body is {\"reason\": \"...\"})", it->string);
	}
	r = cJSON_GetObjectItemCaseSensitive(body, "reason");
	if (!r)
		return fail(err, errlen, "reason: required (why this is done, 1 to %d bytes)", PRIVACY_REASON_MAX);
	if (!cJSON_IsString(r))
		return fail(err, errlen, "reason: must be a string");
	for (s = r->valuestring; *s; s++)
		if (!isspace((unsigned char)*s))
			visible = true;
	if (!visible)
		return fail(err, errlen, "reason: must not be empty");
	if (strlen(r->valuestring) > PRIVACY_REASON_MAX)
		return fail(err, errlen, "reason: longer than %d bytes", PRIVACY_REASON_MAX);
	*reason = r->valuestring;
	return 0;
}

cJSON *erase_report_json(const struct erase_report *rep)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "candidates", (double)rep->candidates);
	cJSON_AddNumberToObject(o, "analyses", (double)rep->analyses);
	cJSON_AddNumberToObject(o, "emails", (double)rep->emails);
	cJSON_AddNumberToObject(o, "decisions", (double)rep->decisions);
	cJSON_AddNumberToObject(o, "tasks", (double)rep->tasks);
	cJSON_AddNumberToObject(o, "upload_slots", (double)rep->upload_slots);
	cJSON_AddNumberToObject(o, "email_suppressions", (double)rep->suppressions);
	cJSON_AddNumberToObject(o, "s3_objects", (double)rep->s3_objects);
	cJSON_AddNumberToObject(o, "cache_entries", (double)rep->cache_entries);
	cJSON_AddNumberToObject(o, "audit_events_redacted", (double)rep->audit_redacted);
	cJSON_AddBoolToObject(o, "job_erased", rep->job_erased > 0);
	return o;
}

/* What is being erased: one candidate, or a job's candidates (and the job unless keep_job). */
struct target {
	int64_t org_id, job_id, resume_id;
	char org[24], job[24], rid[24];
	char *ids_array; /* the resume ids as PostgreSQL's text of a bigint[] ("{}" when none); owned */
	bool one;	 /* one candidate */
	bool keep_job;	 /* only the job's candidates without a hold of their own */
};

/* Resolves the target's job and resume ids. ST_NOT_FOUND when the organisation has no such resume or job. */
static int resolve(struct target *t)
{
	struct db_result *res = NULL;
	int rc;

	if (t->one) {
		const char *p[2] = { t->org, t->rid };

		rc = db_query("erase_resolve_resume",
			      "SELECT job_id, '{' || id || '}' FROM resumes WHERE org_id = $1 AND id = $2", 2, p, &res);
	} else {
		const char *p[3] = { t->org, t->job, t->keep_job ? "true" : "false" };

		rc = db_query("erase_resolve_job",
			      "SELECT j.id, COALESCE((SELECT array_agg(r.id ORDER BY r.id) FROM resumes r"
			      " WHERE r.job_id = j.id AND (NOT $3::boolean OR NOT EXISTS (SELECT 1 FROM"
			      " legal_holds h WHERE h.resume_id = r.id AND h.released_at IS NULL))), '{}')::text"
			      " FROM jobs j WHERE j.org_id = $1 AND j.id = $2",
			      3, p, &res);
	}
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		t->job_id = db_int(res, 0, 0, 0);
		db_int_param(t->job_id, t->job);
		t->ids_array = xstrdup(db_value(res, 0, 1));
	}
	db_result_free(res);
	return rc;
}

/* The S3 keys (resumes and upload slots) and LLM cache keys of the target, one a row: (kind, key). */
static int stored_keys(const struct target *t, struct db_result **res)
{
	const char *p[3] = { t->org, t->ids_array, t->one || t->keep_job ? "0" : t->job };

	return db_query("erase_keys",
			"SELECT 's3', s3_key FROM resumes WHERE org_id = $1 AND id = ANY ($2::bigint[])"
			" UNION SELECT 's3', s3_key FROM upload_slots WHERE org_id = $1"
			" AND (resume_id = ANY ($2::bigint[]) OR job_id = $3::bigint)"
			" UNION SELECT 'cache', llm_cache_key FROM analyses WHERE resume_id = ANY ($2::bigint[])"
			" AND llm_cache_key IS NOT NULL",
			3, p, res);
}

/* Deletes the objects and cache entries outside the database. ST_UNAVAILABLE (err set) when one could not go. */
static int erase_outside(const struct target *t, struct erase_report *rep, char *err, size_t errlen)
{
	struct db_result *res = NULL;
	struct s3_client *s3 = NULL;
	struct s3_error se;
	int i, rc = stored_keys(t, &res);

	for (i = 0; rc == 0 && i < db_rows(res); i++) {
		const char *kind = db_value(res, i, 0), *key = db_value(res, i, 1);

		if (strcmp(kind, "s3") == 0) {
			memset(&se, 0, sizeof(se));
			if (!s3 && s3client_get(&s3, &se) != 0) {
				fail(err, errlen, "S3 is not configured: %s; nothing was erased", se.message);
				rc = ST_UNAVAILABLE;
			} else if (s3_delete(s3, key, &se) != 0) {
				log_warn("erase: S3 refused to delete an object: %ld %s", se.status, se.code);
				fail(err, errlen,
				     "S3 did not delete a stored file (%ld %s); nothing was erased, try again",
				     se.status, se.code);
				rc = ST_UNAVAILABLE;
			} else {
				rep->s3_objects++;
			}
		} else if (llm_cache_forget(key) != 0) {
			fail(err, errlen, "memcached did not delete a cached analysis; nothing was erased, try again");
			rc = ST_UNAVAILABLE;
		} else {
			rep->cache_entries++;
		}
	}
	db_result_free(res);
	return rc;
}

/* Runs one counting statement of the erasure and adds its row count to *n. */
static int step(const char *name, const char *sql, int nparams, const char *const *p, int64_t *n)
{
	int64_t affected = 0;
	int rc = db_exec(name, sql, nparams, p, &affected);

	if (rc == 0 && n)
		*n += affected;
	return rc;
}

/*
 * The personal data an event's details may hold: free text a person wrote
 * about the candidate (a decision's reason, also inside "replaced") and
 * anything naming or addressing them. What stays is what was decided.
 */
static const char redact_sql[] =
	"UPDATE audit_events SET redacted_at = now(), details = (details - 'reason' - 'filename' - 'name' - 'email'"
	" - 'to_address' - 'to_name' - 'address' - 'contact' - 'text')"
	" || CASE WHEN jsonb_typeof(details->'replaced') = 'object'"
	" THEN jsonb_build_object('replaced', (details->'replaced') - 'reason') ELSE '{}'::jsonb END"
	" || '{\"redacted\": true}'::jsonb"
	" WHERE org_id = $1 AND resume_id = ANY ($2::bigint[]) AND redacted_at IS NULL";

/* How many analyses, emails and decisions the erasure removes with the resumes (they cascade from them). */
static int count_rows(const char *const *p2, struct erase_report *rep)
{
	struct db_result *res = NULL;
	int rc = db_query("erase_count",
			  "SELECT (SELECT count(*) FROM analyses WHERE org_id = $1 AND resume_id = ANY ($2::bigint[])),"
			  " (SELECT count(*) FROM emails WHERE org_id = $1 AND resume_id = ANY ($2::bigint[])),"
			  " (SELECT count(*) FROM decisions WHERE org_id = $1 AND resume_id = ANY ($2::bigint[]))",
			  2, p2, &res);

	if (rc == 0) {
		rep->analyses = db_int(res, 0, 0, 0);
		rep->emails = db_int(res, 0, 1, 0);
		rep->decisions = db_int(res, 0, 2, 0);
	}
	db_result_free(res);
	return rc;
}

/* The rows, in one transaction: locked, holds checked again under the locks, redacted, deleted, recorded. */
static int erase_rows(const struct audit_actor *who, const struct target *t, const char *reason,
		      struct erase_report *rep, char *err, size_t errlen)
{
	const char *p2[2] = { t->org, t->ids_array };
	const char *pj[2] = { t->org, t->job };
	int rc = db_begin();

	/* A hold is placed with a foreign key to its job or resume, so these locks keep one from arriving now. */
	if (rc == 0)
		rc = db_exec("erase_lock_job", "SELECT 1 FROM jobs WHERE org_id = $1 AND id = $2 FOR UPDATE", 2, pj,
			     NULL);
	if (rc == 0)
		rc = db_exec(
			"erase_lock_resumes",
			"SELECT 1 FROM resumes WHERE org_id = $1 AND id = ANY ($2::bigint[]) ORDER BY id FOR UPDATE", 2,
			p2, NULL);
	if (rc == 0)
		rc = hold_check(t->org_id, t->job_id, t->ids_array, err, errlen);
	if (rc == 0)
		rc = db_exec("erase_redact_on", "SELECT set_config('shortlist.audit_redact', 'on', true)", 0, NULL,
			     NULL);
	if (rc == 0)
		rc = step("erase_redact", redact_sql, 2, p2, &rep->audit_redacted);
	if (rc == 0)
		rc = step("erase_suppressions",
			  "DELETE FROM email_suppressions s WHERE s.org_id = $1 AND (s.email_id IN (SELECT e.id FROM"
			  " emails e WHERE e.resume_id = ANY ($2::bigint[])) OR lower(s.address) IN (SELECT"
			  " lower(e.to_address) FROM emails e WHERE e.resume_id = ANY ($2::bigint[])))",
			  2, p2, &rep->suppressions);
	if (rc == 0)
		rc = count_rows(p2, rep);
	/* Before the resumes: a slot's resume_id is set to NULL when its resume goes. */
	if (rc == 0)
		rc = step("erase_slots",
			  "DELETE FROM upload_slots WHERE org_id = $1 AND resume_id = ANY ($2::bigint[])", 2, p2,
			  &rep->upload_slots);
	/*
	 * The resumes first: their rows cascade to analyses, decisions,
	 * fingerprints and near-duplicate links (score/neardup.h) and
	 * emails, and the counters' triggers settle each batch item as its
	 * resume goes; the tasks that named them follow.
	 */
	if (rc == 0)
		rc = step("erase_resumes", "DELETE FROM resumes WHERE org_id = $1 AND id = ANY ($2::bigint[])", 2, p2,
			  &rep->candidates);
	if (rc == 0)
		rc = step("erase_tasks",
			  "DELETE FROM tasks WHERE org_id = $1 AND (resume_id = ANY ($2::bigint[])"
			  " OR payload->>'resume_id' = ANY ($2::bigint[]::text[]))",
			  2, p2, &rep->tasks);
	if (rc == 0 && !t->one && !t->keep_job) {
		rc = step("erase_job_tasks",
			  "DELETE FROM tasks WHERE org_id = $1 AND payload->>'job_id' = $2::bigint::text", 2, pj,
			  &rep->tasks);
		if (rc == 0)
			rc = step("erase_job_slots", "DELETE FROM upload_slots WHERE org_id = $1 AND job_id = $2", 2,
				  pj, &rep->upload_slots);
		if (rc == 0)
			rc = step("erase_job", "DELETE FROM jobs WHERE org_id = $1 AND id = $2", 2, pj,
				  &rep->job_erased);
	}
	if (rc == 0) {
		struct audit_event ev = { t->one ? "candidate.erased" : "job.erased", t->job_id, 0, NULL, 0, NULL };
		cJSON *details = cJSON_CreateObject();

		if (t->one)
			ev.resume_id = t->resume_id;
		cJSON_AddStringToObject(details, "reason", reason);
		cJSON_AddItemToObject(details, "erased", erase_report_json(rep));
		if (!t->one) {
			/* The ids of what went, numbers that name nobody once their rows are gone: "{1,2}" read as [1,2]. */
			char *list = xstrdup(t->ids_array);
			size_t n = strlen(list);
			cJSON *ids;

			list[0] = '[';
			list[n - 1] = ']';
			ids = cJSON_Parse(list);
			free(list);
			cJSON_AddItemToObject(details, "candidate_ids", ids ? ids : cJSON_CreateArray());
			cJSON_AddBoolToObject(details, "job_kept", t->keep_job);
		}
		ev.details = details;
		rc = audit_record(who, &ev);
		cJSON_Delete(details);
	}
	/* No answer kept with them in it is served once they are gone (answercache.h). */
	if (rc == 0)
		(void)db_after_commit(answercache_invalidate, who->org_id);
	if (rc == 0)
		rc = db_commit();
	if (rc < 0)
		db_rollback();
	return rc;
}

static int erase(const struct audit_actor *who, struct target *t, const char *reason, struct erase_report *rep,
		 char *err, size_t errlen)
{
	int rc;

	memset(rep, 0, sizeof(*rep));
	if (err && errlen)
		err[0] = '\0';
	db_int_param(t->org_id, t->org);
	db_int_param(t->resume_id, t->rid);
	db_int_param(t->job_id, t->job);
	rc = resolve(t);
	if (rc == 0)
		rc = hold_check(t->org_id, t->job_id, t->ids_array, err, errlen);
	if (rc == 0)
		rc = erase_outside(t, rep, err, errlen);
	if (rc == 0)
		rc = erase_rows(who, t, reason, rep, err, errlen);
	if (rc == 0)
		log_info("erase: %s %lld erased: %lld candidates, %lld S3 objects, %lld cache entries",
			 t->one ? "candidate" : "job", (long long)(t->one ? t->resume_id : t->job_id),
			 (long long)rep->candidates, (long long)rep->s3_objects, (long long)rep->cache_entries);
	free(t->ids_array);
	t->ids_array = NULL;
	return rc;
}

int erase_candidate(const struct audit_actor *who, int64_t resume_id, const char *reason, struct erase_report *rep,
		    char *err, size_t errlen)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	t.org_id = who->org_id;
	t.resume_id = resume_id;
	t.one = true;
	return erase(who, &t, reason, rep, err, errlen);
}

int erase_job(const struct audit_actor *who, int64_t job_id, const char *reason, bool keep_job,
	      struct erase_report *rep, char *err, size_t errlen)
{
	struct target t;

	memset(&t, 0, sizeof(t));
	t.org_id = who->org_id;
	t.job_id = job_id;
	t.keep_job = keep_job;
	return erase(who, &t, reason, rep, err, errlen);
}
