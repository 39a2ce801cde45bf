/* ranking: a job's ranked shortlist, one candidate's whole record and an organisation's analysis totals. */
#include "score/ranking.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"

/* The ranking keys of a job's current analyses, filtered by category ($3, NULL: all). */
#define RANK_KEYS \
	"SELECT a.id AS aid, a.resume_id," \
	" CASE a.category WHEN 'needs_review' THEN 1 WHEN 'failed' THEN 2 ELSE 0 END AS grp," \
	" COALESCE(round(a.score * 100)::bigint, -100) AS sc" \
	" FROM analyses a WHERE a.org_id = $1 AND a.job_id = $2 AND a.is_current" \
	" AND ($3::text IS NULL OR a.category = $3::text)"

/* Strictly after the cursor ($4 group, $5 score x 100, $6 resume id; $4 NULL: from the top). */
#define AFTER_CURSOR \
	"($4::int IS NULL OR k.grp > $4::int OR (k.grp = $4::int AND (k.sc < $5::bigint" \
	" OR (k.sc = $5::bigint AND k.resume_id > $6::bigint))))"

/* A list item, from resume r and analysis a. */
#define ITEM_JSON \
	"jsonb_build_object('resume_id', r.id, 'name', r.contact->'name', 'email', r.contact->'emails'->0," \
	" 'filename', r.filename, 'status', r.status, 'category', a.category, 'score', a.score," \
	" 'summary', COALESCE(NULLIF(a.result->>'summary', ''), a.result->>'reason')," \
	" 'matched_skills', COALESCE(a.result->'matched_skills', '[]'::jsonb)," \
	" 'missing_skills', COALESCE(a.result->'missing_skills', '[]'::jsonb)," \
	" 'flags', (SELECT COALESCE(jsonb_agg(DISTINCT COALESCE(f->>'name', f#>>'{}')), '[]'::jsonb)" \
	"   FROM jsonb_array_elements(CASE WHEN jsonb_typeof(r.flags) = 'array' THEN r.flags ELSE '[]' END) f)," \
	" 'knockouts_failed', (SELECT COALESCE(jsonb_agg(jsonb_build_object('rule', ko->>'rule'," \
	"   'detail', ko->>'detail')), '[]'::jsonb) FROM jsonb_array_elements(CASE WHEN" \
	"   jsonb_typeof(a.result->'knockouts') = 'array' THEN a.result->'knockouts' ELSE '[]' END) ko" \
	"   WHERE ko->>'result' = 'fail')," \
	" 'created_at', r.created_at, 'scored_at', a.created_at)::text"

static const char *const categories[] = { "shortlist", "consider", "reject", "needs_review", "failed" };

bool ranking_category_valid(const char *s)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(categories); i++)
		if (strcmp(s, categories[i]) == 0)
			return true;
	return false;
}

/*
 * The text "GROUP.SCORE.ID" in hex: opaque enough that clients keep it as
 * it is, and parsed strictly on the way back.
 */
void ranking_cursor_format(const struct ranking_cursor *c, char out[RANKING_CURSOR_MAX])
{
	char plain[RANKING_CURSOR_MAX / 2];
	int n = snprintf(plain, sizeof(plain), "%d.%lld.%lld", c->group, (long long)c->score_centi,
			 (long long)c->resume_id);

	if (n < 0 || (size_t)n >= sizeof(plain))
		n = 0;
	hex_encode((const unsigned char *)plain, (size_t)n, out);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int ranking_cursor_parse(const char *s, struct ranking_cursor *out)
{
	char plain[RANKING_CURSOR_MAX / 2];
	const char *p, *dot1, *dot2;
	size_t len = s ? strlen(s) : 0, i;
	int64_t group, score, id;

	if (len == 0 || len % 2 != 0 || len / 2 >= sizeof(plain))
		return -1;
	for (i = 0; i < len / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		plain[i] = (char)(hi * 16 + lo);
		if (plain[i] == '\0')
			return -1;
	}
	plain[len / 2] = '\0';
	p = plain;
	dot1 = strchr(p, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot1 || !dot2 || parse_int64_n(p, (size_t)(dot1 - p), 0, 2, &group) < 0 ||
	    parse_int64_n(dot1 + 1, (size_t)(dot2 - dot1 - 1), -100, 10000, &score) < 0 ||
	    parse_int64(dot2 + 1, 1, INT64_MAX, &id) < 0)
		return -1;
	out->group = (int)group;
	out->score_centi = score;
	out->resume_id = id;
	return 0;
}

static int job_exists(const char *org, const char *job)
{
	struct db_result *res = NULL;
	const char *p[2] = { org, job };
	int rc = db_query("candidates_job", "SELECT 1 FROM jobs WHERE org_id = $1 AND id = $2", 2, p, &res);

	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	db_result_free(res);
	return rc;
}

/* How many items come at or before the cursor: the rank of the next one is this plus one. */
static int count_before(const char *const *p, int64_t *n)
{
	struct db_result *res = NULL;
	int rc = db_query("candidates_rank", "SELECT count(*) FROM (" RANK_KEYS ") k WHERE NOT " AFTER_CURSOR, 6, p,
			  &res);

	if (rc == 0)
		*n = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int ranking_list(int64_t org_id, int64_t job_id, const char *category, const struct ranking_cursor *after, int limit,
		 cJSON **items, struct ranking_cursor *next, bool *more)
{
	struct db_result *res = NULL;
	char org[24], job[24], grp[24], sc[24], rid[24], lim[24];
	const char *p[7] = { org, job, category, NULL, NULL, NULL, lim };
	cJSON *arr = NULL;
	int64_t before = 0;
	int rc, i, rows;

	*items = NULL;
	*more = false;
	if (limit < 1)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(limit + 1, lim);
	if (after) {
		db_int_param(after->group, grp);
		db_int_param(after->score_centi, sc);
		db_int_param(after->resume_id, rid);
		p[3] = grp;
		p[4] = sc;
		p[5] = rid;
	}
	rc = job_exists(org, job);
	if (rc < 0)
		return rc;
	if (after) {
		rc = count_before(p, &before);
		if (rc < 0)
			return rc;
	}
	rc = db_query("candidates_page",
		      "WITH page AS (SELECT k.aid, k.resume_id, k.grp, k.sc FROM (" RANK_KEYS ") k WHERE " AFTER_CURSOR
		      " ORDER BY k.grp, k.sc DESC, k.resume_id LIMIT $7::int)"
		      " SELECT page.grp, page.sc, page.resume_id, " ITEM_JSON " FROM page"
		      " JOIN analyses a ON a.id = page.aid JOIN resumes r ON r.id = page.resume_id AND r.org_id = $1"
		      " ORDER BY page.grp, page.sc DESC, page.resume_id",
		      7, p, &res);
	if (rc < 0)
		return rc;
	rows = db_rows(res);
	arr = cJSON_CreateArray();
	for (i = 0; i < rows && i < limit; i++) {
		cJSON *item = cJSON_Parse(db_value(res, i, 3));

		if (!item) {
			log_error("candidates: unreadable item for resume %lld", (long long)db_int(res, i, 2, 0));
			rc = ST_INTERNAL;
			goto out;
		}
		cJSON_AddNumberToObject(item, "rank", (double)(before + i + 1));
		cJSON_AddItemToArray(arr, item);
		next->group = (int)db_int(res, i, 0, 0);
		next->score_centi = db_int(res, i, 1, -100);
		next->resume_id = db_int(res, i, 2, 0);
	}
	*more = rows > limit;
	*items = arr;
	arr = NULL;
out:
	cJSON_Delete(arr);
	db_result_free(res);
	return rc;
}

int ranking_get(int64_t org_id, int64_t resume_id, cJSON **out, char **s3_key)
{
	struct db_result *res = NULL;
	char org[24], rid[24];
	const char *p[2] = { org, rid };
	int rc;

	*out = NULL;
	*s3_key = NULL;
	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	rc = db_query(
		"ranking_get",
		"SELECT jsonb_build_object('resume_id', r.id, 'job_id', r.job_id, 'batch_id', r.batch_id,"
		" 'filename', r.filename, 'content_type', r.content_type, 'size_bytes', r.size_bytes, 'sha256', "
		"r.sha256,"
		" 'status', r.status, 'reason', r.status_reason, 'page_count', r.page_count,"
		" 'name', r.contact->'name', 'email', r.contact->'emails'->0, 'contact', r.contact, 'flags', r.flags,"
		" 'created_at', r.created_at, 'updated_at', r.updated_at,"
		" 'analysis', (SELECT jsonb_build_object('id', a.id, 'category', a.category, 'score', a.score,"
		"   'result', a.result, 'provider', a.provider, 'model', a.model, 'prompt_version', a.prompt_version,"
		"   'rubric_version', a.rubric_version, 'system_fingerprint', a.system_fingerprint,"
		"   'tokens', jsonb_build_object('prompt', a.prompt_tokens, 'completion', a.completion_tokens,"
		"   'total', a.prompt_tokens + a.completion_tokens), 'cost_usd', a.cost_usd, 'cache_hit', a.cache_hit,"
		"   'created_at', a.created_at) FROM analyses a WHERE a.resume_id = r.id AND a.is_current),"
		" 'previous_analyses', (SELECT count(*) FROM analyses a WHERE a.resume_id = r.id AND NOT a.is_current)"
		")::text, r.s3_key FROM resumes r WHERE r.org_id = $1 AND r.id = $2",
		2, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		*out = cJSON_Parse(db_value(res, 0, 0));
		if (!*out) {
			log_error("candidates: unreadable record of resume %lld", (long long)resume_id);
			rc = ST_INTERNAL;
		} else {
			*s3_key = xstrdup(db_value(res, 0, 1));
		}
	}
	db_result_free(res);
	return rc;
}

int ranking_analysis_stats(int64_t org_id, cJSON **out)
{
	char org[24];
	const char *p[1] = { org };

	db_int_param(org_id, org);
	return db_query_json(
		"candidates_stats",
		"SELECT jsonb_build_object('analyses', count(*), 'current', count(*) FILTER (WHERE is_current),"
		" 'cache_hits', count(*) FILTER (WHERE cache_hit),"
		" 'cache_hit_rate', CASE WHEN count(*) = 0 THEN 0"
		"   ELSE round(count(*) FILTER (WHERE cache_hit)::numeric / count(*), 4) END,"
		" 'prompt_tokens', COALESCE(sum(prompt_tokens), 0),"
		" 'completion_tokens', COALESCE(sum(completion_tokens), 0),"
		" 'tokens', COALESCE(sum(prompt_tokens + completion_tokens), 0),"
		" 'cost_usd', COALESCE(sum(cost_usd), 0))::text FROM analyses WHERE org_id = $1",
		1, p, out);
}
