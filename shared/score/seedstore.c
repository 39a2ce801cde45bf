/* seedstore: fills one job with synthetic scored candidates through set-based SQL, for benchmarks and plan tests. */
#include "score/seedstore.h"

#include <stdio.h>

#include "base/status.h"
#include "core/db.h"
#include "core/log.h"

/*
 * One chunk: $1 organisation, $2 job, $3 batch, $4 the chunk's first
 * candidate number, $5 how many, $6 how many of the batch's first candidates
 * fail (NULL: outcomes at random; u below 0.02 fails, below 0.07 needs review). raw draws each candidate's numbers once
 * (ids from the tables' own sequences, so the rows can name each other
 * within the statement; the foreign keys are checked at its end); cls gives
 * its status, score and category; the three inserts write the resume, its
 * current analysis and its finished task. Evidence quotes are lines of the
 * resume text, so their offsets are real.
 */
static const char chunk_sql[] =
	"WITH j AS (SELECT COALESCE((spec->'thresholds'->>'shortlist')::numeric, 75) AS st,"
	"  COALESCE((spec->'thresholds'->>'consider')::numeric, 50) AS ct,"
	"  COALESCE(rubric->'criteria', '[]'::jsonb) AS crit, COALESCE(rubric_version, '') AS rv"
	"  FROM jobs WHERE org_id = $1::bigint AND id = $2::bigint),"
	" raw AS MATERIALIZED (SELECT g, nextval('resumes_id_seq') AS rid, nextval('analyses_id_seq') AS aid,"
	"  CASE WHEN $6::bigint IS NULL THEN random() WHEN g <= $6::bigint THEN 0.01 ELSE 0.07 + 0.93 * random() END "
	"AS u,"
	"  (random() + random() + random() + random()) / 4 AS s, random() AS v"
	"  FROM generate_series($4::bigint, $4::bigint + $5::bigint - 1) AS g),"
	" cls AS MATERIALIZED (SELECT raw.*, j.crit, j.rv,"
	"  CASE WHEN u < 0.02 THEN 'failed' WHEN u < 0.07 THEN 'needs_review' ELSE 'scored' END AS status,"
	"  CASE WHEN u < 0.02 THEN NULL ELSE round((20 + 75 * s)::numeric, 2) END AS score,"
	"  CASE WHEN u < 0.02 THEN 'failed' WHEN u < 0.07 THEN 'needs_review'"
	"   WHEN round((20 + 75 * s)::numeric, 2) >= j.st THEN 'shortlist'"
	"   WHEN round((20 + 75 * s)::numeric, 2) >= j.ct THEN 'consider' ELSE 'reject' END AS category,"
	"  CASE WHEN u < 0.02 THEN (ARRAY['text extraction failed: PDF document is damaged',"
	"   'text extraction failed: the document is encrypted', 'could not be processed: extraction timed out'])"
	"   [1 + (g % 3)::int]"
	"   WHEN u < 0.07 THEN (ARRAY['too little text to judge', 'knock-out unknown: min_years 3',"
	"   'unverified evidence'])[1 + (g % 3)::int] END AS reason,"
	"  'Seeded Candidate ' || g || E'\\n' || COALESCE((SELECT string_agg(format('%s: %s years of hands-on work at"
	" Example %s.', c.value->>'name', 1 + (g + c.ord) % 9, g % 97), E'\\n' ORDER BY c.ord)"
	"   FROM jsonb_array_elements(j.crit) WITH ORDINALITY AS c(value, ord)), '') AS text"
	"  FROM raw, j),"
	" r AS (INSERT INTO resumes (id, org_id, job_id, batch_id, s3_key, sha256, size_bytes, content_type, filename,"
	"  status, status_reason, text, page_count, contact, flags)"
	"  SELECT rid, $1::bigint, $2::bigint, $3::bigint,"
	"  'orgs/' || $1::bigint || '/jobs/' || $2::bigint || '/seed/' || $3::bigint || '/' || g || '.pdf',"
	"  encode(sha256(convert_to('seed:' || $3::bigint || ':' || g, 'UTF8')), 'hex'),"
	"  20000 + (v * 180000)::bigint, 'application/pdf', 'candidate-' || g || '.pdf', status, reason,"
	"  CASE WHEN status = 'failed' THEN NULL ELSE text END, CASE WHEN status = 'failed' THEN NULL ELSE 1 + g % 3 "
	"END,"
	"  CASE WHEN status = 'failed' THEN NULL ELSE jsonb_build_object('name', 'Seeded Candidate ' || g,"
	"   'emails', jsonb_build_array('candidate' || g || '@seed.example'), 'phones', '[]'::jsonb,"
	"   'links', '[]'::jsonb) END,"
	"  CASE WHEN status = 'needs_review' THEN '[{\"name\": \"little_text\"}]'::jsonb ELSE '[]'::jsonb END"
	"  FROM cls RETURNING 1),"
	" a AS (INSERT INTO analyses (id, org_id, job_id, resume_id, provider, model, prompt_version, rubric_version,"
	"  score, category, result)"
	"  SELECT aid, $1::bigint, $2::bigint, rid, CASE WHEN status = 'failed' THEN 'none' ELSE 'local' END,"
	"  CASE WHEN status = 'failed' THEN '' ELSE 'local-v1' END, 'seed', rv, score, category,"
	"  CASE WHEN status = 'failed' THEN jsonb_build_object('category', 'failed', 'reason', reason)"
	"  ELSE jsonb_build_object('score', score, 'category', category,"
	"   'summary', format('Seeded candidate %s: %s overall.', g, score),"
	"   'criteria', COALESCE((SELECT jsonb_agg(jsonb_build_object('name', c.value->>'name',"
	"     'weight', c.value->'weight',"
	"     'score', least(10, greatest(0, round((score / 10 + ((g * 7 + c.ord * 13) % 31 - 15) / 10.0)::numeric, "
	"1))),"
	"     'supported', true,"
	"     'evidence', jsonb_build_array(jsonb_build_object('quote', q.quote,"
	"       'start', octet_length(substr(text, 1, strpos(text, q.quote) - 1)),"
	"       'end', octet_length(substr(text, 1, strpos(text, q.quote) - 1)) + octet_length(q.quote),"
	"       'verified', true)),"
	"     'strengths', jsonb_build_array(format('%s years of %s', 1 + (g + c.ord) % 9, c.value->>'name')),"
	"     'gaps', '[]'::jsonb) ORDER BY c.ord)"
	"    FROM jsonb_array_elements(crit) WITH ORDINALITY AS c(value, ord),"
	"    LATERAL (SELECT format('%s: %s years of hands-on work at Example %s.', c.value->>'name',"
	"     1 + (g + c.ord) % 9, g % 97) AS quote) q), '[]'::jsonb),"
	"   'knockouts', '[]'::jsonb, 'matched_skills', '[]'::jsonb, 'missing_skills', '[]'::jsonb,"
	"   'years_experience', 1 + g % 15,"
	"   'flags', CASE WHEN status = 'needs_review' THEN '[\"little_text\"]'::jsonb ELSE '[]'::jsonb END) END"
	"  FROM cls RETURNING 1),"
	" t AS (INSERT INTO tasks (org_id, kind, payload, idempotency_key, state, attempts, finished_at)"
	"  SELECT $1::bigint, 'process_resume',"
	"  jsonb_build_object('resume_id', rid, 'job_id', $2::bigint, 'batch_id', $3::bigint),"
	"  'resume:' || rid, 'succeeded', 1, now() FROM cls RETURNING 1)"
	" SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM a), (SELECT count(*) FROM t),"
	"  count(*) FILTER (WHERE category = 'shortlist'), count(*) FILTER (WHERE category = 'consider'),"
	"  count(*) FILTER (WHERE category = 'reject'), count(*) FILTER (WHERE category = 'needs_review'),"
	"  count(*) FILTER (WHERE category = 'failed') FROM cls";

static int create_batch(int64_t org_id, int64_t job_id, int64_t *batch_id)
{
	struct db_result *res = NULL;
	char org[24], job[24];
	const char *p[2] = { org, job };
	int rc;

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("seed_batch",
		      "INSERT INTO batches (org_id, job_id, source) SELECT org_id, id, 'upload' FROM jobs"
		      " WHERE org_id = $1 AND id = $2 RETURNING id",
		      2, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*batch_id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

/* Writes candidates first..first+n-1 in one transaction and adds their categories to counts. */
static int fill_chunk(int64_t org_id, int64_t job_id, int64_t batch_id, int64_t first, int64_t n, int64_t failed,
		      struct seed_counts *counts)
{
	struct db_result *res = NULL;
	char org[24], job[24], batch[24], from[24], count[24], fail[24];
	const char *p[6] = { org, job, batch, from, count, failed >= 0 ? fail : NULL };
	int rc;

	db_int_param(failed, fail);
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(batch_id, batch);
	db_int_param(first, from);
	db_int_param(n, count);
	rc = db_begin();
	if (rc < 0)
		return rc;
	/* Seeding is rebuildable: a crash may lose the last chunks, never corrupt them. */
	rc = db_exec("seed_local", "SET LOCAL synchronous_commit = off", 0, NULL, NULL);
	if (rc == 0)
		rc = db_exec("seed_timeout", "SET LOCAL statement_timeout = '10min'", 0, NULL, NULL);
	if (rc == 0)
		rc = db_query("seed_chunk", chunk_sql, 6, p, &res);
	if (rc == 0 && (db_int(res, 0, 0, -1) != n || db_int(res, 0, 1, -1) != n || db_int(res, 0, 2, -1) != n)) {
		log_error("seed: chunk of %lld wrote %lld resumes, %lld analyses, %lld tasks", (long long)n,
			  (long long)db_int(res, 0, 0, -1), (long long)db_int(res, 0, 1, -1),
			  (long long)db_int(res, 0, 2, -1));
		rc = ST_INTERNAL;
	}
	if (rc == 0)
		rc = db_commit();
	if (rc == 0) {
		counts->shortlist += db_int(res, 0, 3, 0);
		counts->consider += db_int(res, 0, 4, 0);
		counts->reject += db_int(res, 0, 5, 0);
		counts->needs_review += db_int(res, 0, 6, 0);
		counts->failed += db_int(res, 0, 7, 0);
	}
	if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	return rc;
}

int seedstore_fill(int64_t org_id, int64_t job_id, int64_t n, int64_t failed, seed_progress_fn progress, void *arg,
		   int64_t *batch_id, struct seed_counts *counts)
{
	int64_t done = 0;
	int rc;

	*batch_id = 0;
	if (n < 1 || n > SEEDSTORE_MAX || failed < SEED_FAILED_RANDOM || failed > n)
		return ST_BAD_REQUEST;
	rc = create_batch(org_id, job_id, batch_id);
	while (rc == 0 && done < n) {
		int64_t step = n - done < SEEDSTORE_CHUNK ? n - done : SEEDSTORE_CHUNK;

		rc = fill_chunk(org_id, job_id, *batch_id, done + 1, step, failed, counts);
		if (rc == 0) {
			done += step;
			if (progress)
				progress(done, n, arg);
		}
	}
	/* The planner's statistics of the grown tables, so plans fit them at once. */
	if (rc == 0)
		rc = db_exec("seed_analyze", "ANALYZE resumes, analyses, tasks, batches", 0, NULL, NULL);
	return rc;
}
