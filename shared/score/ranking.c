/* ranking: a job's ranked shortlist, one candidate's whole record and an organisation's analysis totals. */
#include "score/ranking.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"
#include "core/log.h"
#include "score/decision.h"

/*
 * Keys of a page of job $2 of organisation $1 after ($4 rank_key, $5 resume
 * id), limit $6, in the order of the index: the live ranking, as long as
 * nothing in the job is newer than the pass ($3). COND is empty or a
 * category filter ($7), which makes analyses_rank_category the index.
 */
#define LIVE_KEYS(cond) \
	"SELECT a.id AS aid, a.resume_id, a.rank_key FROM analyses a WHERE a.job_id = $2 AND a.is_current" cond \
	" AND (a.rank_key, a.resume_id) > ($4::int, $5::bigint) AND a.org_id = $1 AND a.id <= $3::bigint" \
	" ORDER BY a.rank_key, a.resume_id LIMIT $6::int"

/*
 * The same page of the ranking as it stood when the pass began: the
 * current analyses no newer than $3, and for each resume rescored since,
 * its analysis of then (the newest no newer than $3). Costs the page plus
 * the analyses written in the job since the pass began. COND filters the
 * current analyses (a), OLD_COND the analyses of then (o).
 */
#define SNAPSHOT_KEYS(cond, old_cond) \
	"SELECT * FROM ((" LIVE_KEYS( \
		cond) ") UNION ALL (SELECT o.id, o.resume_id, o.rank_key FROM analyses c" \
		      " CROSS JOIN LATERAL (SELECT o.id, o.resume_id, o.rank_key, o.shown_category FROM analyses o" \
		      "  WHERE o.resume_id = c.resume_id AND o.id <= $3::bigint ORDER BY o.id DESC LIMIT 1) o" \
		      " WHERE c.job_id = $2 AND c.is_current AND c.id > $3::bigint AND c.org_id = $1" \
		      " AND (o.rank_key, o.resume_id) > ($4::int, $5::bigint)" old_cond \
		      ")) k ORDER BY rank_key, resume_id LIMIT $6::int"

/* The filter is on the shown category: the human decision when there is one, else the recommendation. */
#define CATEGORY_COND " AND a.shown_category = $7::text"
#define SNAPSHOT_CATEGORY_COND " AND o.shown_category = $7::text"

/* A list item, from resume r, analysis a and the decision d of user u. */
#define ITEM_JSON \
	"jsonb_build_object('resume_id', r.id, 'name', r.contact->'name', 'email', r.contact->'emails'->0," \
	" 'filename', r.filename, 'status', r.status, 'category', a.shown_category, 'score', a.score," \
	" 'recommendation', a.category, 'decision', " DECISION_JSON "," \
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
 * The text "2.KEY.ID.RANK.SINCE" in hex: opaque enough that clients keep it
 * as it is, and parsed strictly on the way back. The cursors before it were
 * "GROUP.SCORE.ID", three numbers.
 */
void ranking_cursor_format(const struct ranking_cursor *c, char out[RANKING_CURSOR_MAX])
{
	char plain[RANKING_CURSOR_MAX / 2];
	int n = snprintf(plain, sizeof(plain), "2.%lld.%lld.%lld.%lld", (long long)c->rank_key, (long long)c->resume_id,
			 (long long)c->rank, (long long)c->since);

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

/* Splits plain at dots into at most max fields; returns how many. */
static int split_dots(const char *plain, const char *field[], size_t len[], int max)
{
	const char *p = plain;
	int n = 0;

	while (n < max) {
		const char *dot = strchr(p, '.');

		field[n] = p;
		len[n] = dot ? (size_t)(dot - p) : strlen(p);
		n++;
		if (!dot)
			return n;
		p = dot + 1;
	}
	return max + 1;
}

int ranking_cursor_parse(const char *s, struct ranking_cursor *out)
{
	char plain[RANKING_CURSOR_MAX / 2];
	const char *f[5];
	size_t flen[5], len = s ? strlen(s) : 0, i;
	int64_t v[5];
	int n;

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
	n = split_dots(plain, f, flen, 5);
	if (n == 3) {
		if (parse_int64_n(f[0], flen[0], 0, 2, &v[0]) < 0 ||
		    parse_int64_n(f[1], flen[1], -100, 10000, &v[1]) < 0 ||
		    parse_int64_n(f[2], flen[2], 1, INT64_MAX, &v[2]) < 0)
			return -1;
		return -2;
	}
	if (n != 5 || flen[0] != 1 || f[0][0] != '2' || parse_int64_n(f[1], flen[1], 0, 2 * 20000 + 10100, &v[1]) < 0 ||
	    parse_int64_n(f[2], flen[2], 1, INT64_MAX, &v[2]) < 0 ||
	    parse_int64_n(f[3], flen[3], 1, INT64_MAX, &v[3]) < 0 ||
	    parse_int64_n(f[4], flen[4], 0, INT64_MAX, &v[4]) < 0)
		return -1;
	out->rank_key = v[1];
	out->resume_id = v[2];
	out->rank = v[3];
	out->since = v[4];
	return 0;
}

/* The job's newest current analysis id (0: none) into *newest; ST_NOT_FOUND when the organisation has no such job. */
static int job_newest(const char *org, const char *job, int64_t *newest)
{
	struct db_result *res = NULL;
	const char *p[2] = { org, job };
	int rc = db_query("candidates_newest",
			  "SELECT (SELECT max(a.id) FROM analyses a WHERE a.job_id = j.id AND a.is_current)"
			  " FROM jobs j WHERE j.org_id = $1 AND j.id = $2",
			  2, p, &res);

	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*newest = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

/* The items of a page: its keys joined back to their analyses and resumes, in page order. */
#define PAGE_QUERY(keys) \
	"WITH page AS (" keys ") SELECT page.rank_key, page.resume_id, " ITEM_JSON " FROM page" \
	" JOIN analyses a ON a.id = page.aid JOIN resumes r ON r.id = page.resume_id AND r.org_id = $1" \
	" LEFT JOIN decisions d ON d.resume_id = page.resume_id LEFT JOIN users u ON u.id = d.user_id" \
	" ORDER BY page.rank_key, page.resume_id"

int ranking_list(int64_t org_id, int64_t job_id, const char *category, const struct ranking_cursor *after, int limit,
		 cJSON **items, struct ranking_cursor *next, bool *more)
{
	/* By (snapshot, category): one prepared statement each, so each plan is one index range. */
	static const struct {
		const char *name, *sql;
	} stmt[4] = {
		{ "candidates_page", PAGE_QUERY(LIVE_KEYS("")) },
		{ "candidates_page_category", PAGE_QUERY(LIVE_KEYS(CATEGORY_COND)) },
		{ "candidates_page_snapshot", PAGE_QUERY(SNAPSHOT_KEYS("", "")) },
		{ "candidates_page_snapshot_category",
		  PAGE_QUERY(SNAPSHOT_KEYS(CATEGORY_COND, SNAPSHOT_CATEGORY_COND)) },
	};
	struct db_result *res = NULL;
	char org[24], job[24], since[24], key[24], rid[24], lim[24];
	const char *p[7] = { org, job, since, key, rid, lim, category };
	cJSON *arr = NULL;
	int64_t newest = 0, rank = after ? after->rank : 0;
	int rc, i, rows, which;

	*items = NULL;
	*more = false;
	if (limit < 1)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(limit + 1, lim);
	rc = job_newest(org, job, &newest);
	if (rc < 0)
		return rc;
	next->since = after ? after->since : newest;
	which = (newest > next->since ? 2 : 0) + (category ? 1 : 0);
	db_int_param(next->since, since);
	db_int_param(after ? after->rank_key : -1, key);
	db_int_param(after ? after->resume_id : 0, rid);
	rc = db_query(stmt[which].name, stmt[which].sql, category ? 7 : 6, p, &res);
	if (rc < 0)
		return rc;
	rows = db_rows(res);
	arr = cJSON_CreateArray();
	for (i = 0; i < rows && i < limit; i++) {
		cJSON *item = cJSON_Parse(db_value(res, i, 2));

		if (!item) {
			log_error("candidates: unreadable item for resume %lld", (long long)db_int(res, i, 1, 0));
			rc = ST_INTERNAL;
			goto out;
		}
		cJSON_AddNumberToObject(item, "rank", (double)(rank + i + 1));
		cJSON_AddItemToArray(arr, item);
		next->rank_key = db_int(res, i, 0, 0);
		next->resume_id = db_int(res, i, 1, 0);
		next->rank = rank + i + 1;
	}
	*more = rows > limit;
	*items = arr;
	arr = NULL;
out:
	cJSON_Delete(arr);
	db_result_free(res);
	return rc;
}

/* One candidate's detail: the resume, its current analysis, decision, notice and review request. */
static const char ranking_get_sql[] =
	"SELECT jsonb_build_object('resume_id', r.id, 'job_id', r.job_id, 'batch_id', r.batch_id,"
	" 'filename', r.filename, 'content_type', r.content_type, 'size_bytes', r.size_bytes, 'sha256', "
	"r.sha256,"
	" 'status', r.status, 'reason', r.status_reason, 'page_count', r.page_count,"
	" 'name', r.contact->'name', 'email', r.contact->'emails'->0, 'contact', r.contact, 'flags', r.flags,"
	" 'created_at', r.created_at, 'updated_at', r.updated_at,"
	" 'category', COALESCE(d.category, (SELECT a.category FROM analyses a WHERE a.resume_id = r.id"
	"   AND a.is_current)),"
	" 'recommendation', (SELECT a.category FROM analyses a WHERE a.resume_id = r.id AND a.is_current),"
	" 'decision', " DECISION_JSON ","
	" 'analysis', (SELECT jsonb_build_object('id', a.id, 'category', a.category, 'score', a.score,"
	"   'result', a.result, 'provider', a.provider, 'model', a.model, 'prompt_version', a.prompt_version,"
	"   'rubric_version', a.rubric_version, 'system_fingerprint', a.system_fingerprint,"
	"   'tokens', jsonb_build_object('prompt', a.prompt_tokens, 'completion', a.completion_tokens,"
	"   'total', a.prompt_tokens + a.completion_tokens),"
	"   'cost_usd', CASE WHEN a.cost_known THEN a.cost_usd END, 'cost_known', a.cost_known, 'cache_hit', "
	"a.cache_hit,"
	"   'created_at', a.created_at) FROM analyses a WHERE a.resume_id = r.id AND a.is_current),"
	" 'previous_analyses', (SELECT count(*) FROM analyses a WHERE a.resume_id = r.id AND NOT a.is_current),"
	" 'notice', (SELECT jsonb_build_object('email_id', e.id, 'state', e.state, 'queued_at', e.created_at)"
	"   FROM emails e WHERE e.resume_id = r.id AND e.kind = 'notice'),"
	" 'review_request', (SELECT jsonb_build_object('kind', q.kind, 'message', q.message,"
	"   'requested_at', q.created_at) FROM review_requests q WHERE q.resume_id = r.id)"
	")::text, r.s3_key FROM resumes r LEFT JOIN decisions d ON d.resume_id = r.id"
	" LEFT JOIN users u ON u.id = d.user_id WHERE r.org_id = $1 AND r.id = $2";

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
	rc = db_query("ranking_get", ranking_get_sql, 2, p, &res);
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

/* The current analyses of a scope's counters: its candidates of every category. */
static double current_sum(const struct db_result *res)
{
	double sum = 0;
	int i;

	for (i = 0; i < db_rows(res); i++)
		if (strcmp(db_value(res, i, 0), "candidates") == 0)
			sum += counters_sum(res, "candidates", db_value(res, i, 1), NULL);
	return sum;
}

int ranking_analysis_stats(int64_t org_id, cJSON **out)
{
	struct db_result *res = NULL;
	double analyses, hits, prompt, completion;
	cJSON *o;
	int rc;

	*out = NULL;
	rc = counters_scope("org", org_id, &res);
	if (rc < 0)
		return rc;
	analyses = counters_sum(res, "llm", "analyses", NULL);
	hits = counters_sum(res, "llm", "cache_hits", NULL);
	prompt = counters_sum(res, "llm", "prompt_tokens", NULL);
	completion = counters_sum(res, "llm", "completion_tokens", NULL);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "analyses", analyses);
	cJSON_AddNumberToObject(o, "current", current_sum(res));
	cJSON_AddNumberToObject(o, "cache_hits", hits);
	cJSON_AddNumberToObject(o, "cache_hit_rate", analyses > 0 ? round(hits / analyses * 10000.0) / 10000.0 : 0);
	cJSON_AddNumberToObject(o, "prompt_tokens", prompt);
	cJSON_AddNumberToObject(o, "completion_tokens", completion);
	cJSON_AddNumberToObject(o, "tokens", prompt + completion);
	cJSON_AddNumberToObject(o, "cost_usd", counters_sum(res, "llm", "cost_usd", NULL));
	db_result_free(res);
	*out = o;
	return 0;
}

static const struct counters_statement plan_statements[] = {
	{ "ranking_get", ranking_get_sql, "ORG_ID, RESUME_ID" },
};

const struct counters_statement *ranking_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
