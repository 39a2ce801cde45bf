/* ranking: a job's ranked shortlist, one candidate's whole record and an organisation's analysis totals. */
#ifndef SHORTLIST_RANKING_H
#define SHORTLIST_RANKING_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every function takes the caller's organisation and reads nothing of
 * another: a job or resume of another organisation is ST_NOT_FOUND. Each
 * returns 0 or a status code (status.h).
 *
 * The ranking of a job: the current analyses of its resumes, scored ones
 * (shortlist, consider, reject) first by score, highest first, then the
 * ones needing review, then the failed ones (each by score when they have
 * one), ties by resume id. The category that places a candidate, and that
 * the filter matches, is the human decision when there is one (decision.h),
 * else the scorer's. A position in it is (rank_key, resume id), the stored
 * key of migrations 0100 and 0151 that the indexes are in order of.
 * A decision changes its candidate's key in place: a pass that is under way
 * when it changes may show that candidate at its old and its new place, or
 * at neither; the next pass shows it once.
 *
 * A pass through the pages is a snapshot: the cursor carries the newest
 * analysis of the job when page 1 was served, and later pages show each
 * resume's analysis as it stood then. So one pass shows every candidate
 * exactly once, with consecutive ranks, even while rescoring moves
 * candidates between pages and categories; rescored scores and new arrivals
 * show on the next pass, from page 1. While nothing in the job changed,
 * a page is one index range; after changes it also reads the analyses
 * written since the pass began.
 */

/* Longest cursor text, NUL included. */
#define RANKING_CURSOR_MAX 160

/* A position in the ranking: the last item of a page, and the pass it belongs to. */
struct ranking_cursor {
	int64_t rank_key;  /* analyses.rank_key of the last item */
	int64_t resume_id; /* its resume */
	int64_t rank;	   /* its 1-based rank: the next page starts at rank + 1 */
	int64_t since;	   /* the job's newest current analysis id when the pass began */
};

/* Whether s is a category a list may be filtered by: shortlist, consider, reject, needs_review or failed. */
bool ranking_category_valid(const char *s);

/*
 * Parses a cursor this module wrote. Returns 0; -2 when s is a cursor of
 * the earlier format, which carried no rank or pass (the caller answers
 * that the client starts again from page 1); -1 when s is not a cursor.
 */
int ranking_cursor_parse(const char *s, struct ranking_cursor *out);
/* Writes the opaque text of a cursor to out. */
void ranking_cursor_format(const struct ranking_cursor *c, char out[RANKING_CURSOR_MAX]);

/*
 * One page of job_id's ranking: at most limit items after *after (NULL:
 * from the top), only category when it is not NULL (it must be valid).
 * Each item is {resume_id, rank, name, email, filename, status, category
 * (the shown one: the human decision when there is one, else the
 * recommendation), recommendation (the scorer's), decision (decision.h's
 * JSON, or null), score, summary, matched_skills, missing_skills, flags (names),
 * knockouts_failed [{rule, detail}], created_at, scored_at}; rank is the
 * 1-based position in the (filtered) ranking. On success *items is a new
 * array (caller frees), and when more items follow, *more is true and *next
 * the position to continue from. ST_NOT_FOUND when the organisation has no
 * such job.
 */
int ranking_list(int64_t org_id, int64_t job_id, const char *category, const struct ranking_cursor *after, int limit,
		 cJSON **items, struct ranking_cursor *next, bool *more);

/*
 * Everything about resume_id: the resume (file, type, size, sha256, status
 * and reason, pages, contact, flags), its category (shown), recommendation
 * and decision as in a list item, its current analysis ("analysis":
 * category, score, the full result, provider, model, versions, fingerprint,
 * tokens, cost, cache hit; null before the first) and how many analyses
 * came before it. *out is a new object (caller frees); *s3_key a new string
 * (caller frees) naming the stored file. ST_NOT_FOUND when the organisation
 * has no such resume.
 */
int ranking_get(int64_t org_id, int64_t resume_id, cJSON **out, char **s3_key);

/*
 * The organisation's analyses in numbers: {"analyses", "current",
 * "cache_hits", "cache_hit_rate", "prompt_tokens", "completion_tokens",
 * "tokens", "cost_usd"}, from its counters (core/counters.h). *out is a
 * new object (caller frees). Returns 0 or a db status code.
 */
int ranking_analysis_stats(int64_t org_id, cJSON **out);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *ranking_statements(size_t *n);

#endif
