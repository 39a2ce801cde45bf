/* analysis: the scoring result both the local and the LLM scorer produce, its category rules and its JSON. */
#ifndef SHORTLIST_ANALYSIS_H
#define SHORTLIST_ANALYSIS_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

struct job;

/* Bounds enforced by analysis_from_json() (LLM output is untrusted). */
#define ANALYSIS_CRITERIA_MAX 50
#define ANALYSIS_EVIDENCE_MAX 20
#define ANALYSIS_LIST_MAX 100
#define ANALYSIS_STRING_MAX 2000
#define ANALYSIS_QUOTE_MAX 1000
#define ANALYSIS_KNOCKOUTS_MAX 20

enum analysis_category { ANALYSIS_SHORTLIST, ANALYSIS_CONSIDER, ANALYSIS_REJECT, ANALYSIS_NEEDS_REVIEW };
enum analysis_result { ANALYSIS_PASS, ANALYSIS_FAIL, ANALYSIS_UNKNOWN };

/* A list of owned strings. */
struct analysis_list {
	char **v;
	size_t n;
};

struct analysis_evidence {
	char *quote;
	size_t start; /* byte offsets into the resume text, valid when verified */
	size_t end;
	bool verified;
};

struct analysis_criterion {
	char *name;
	double weight;
	double score;	/* 0-10 */
	bool supported; /* at least one evidence quote verified (set by evidence_verify_analysis) */
	struct analysis_evidence *evidence;
	size_t nevidence;
	struct analysis_list strengths;
	struct analysis_list gaps;
};

struct analysis_knockout {
	char *rule; /* "min_years 5", "certification PMP", "skill Kubernetes" */
	enum analysis_result result;
	char *detail;
};

struct analysis {
	double score; /* 0-100, set by analysis_finalize() */
	enum analysis_category category;
	char *summary;
	struct analysis_criterion *criteria;
	size_t ncriteria;
	struct analysis_knockout *knockouts;
	size_t nknockouts;
	struct analysis_list matched_skills;
	struct analysis_list missing_skills;
	bool years_known;
	double years_experience;
	struct analysis_list flags;
};

/* A new, empty analysis (category needs_review, summary ""). Free with analysis_free(). */
struct analysis *analysis_new(void);
/* Frees the analysis; accepts NULL. */
void analysis_free(struct analysis *a);

/* Appends a copy of s to the list (ignored once the list holds ANALYSIS_LIST_MAX strings). */
void analysis_list_add(struct analysis_list *l, const char *s);
/* True when the list holds s. */
bool analysis_list_has(const struct analysis_list *l, const char *s);

/* Appends a criterion (name copied, no evidence) and returns it; borrowed until analysis_free(). */
struct analysis_criterion *analysis_add_criterion(struct analysis *a, const char *name, double weight, double score);
/* Appends a copy of quote as unverified evidence. */
void analysis_add_evidence(struct analysis_criterion *c, const char *quote);
/* Appends a knock-out result (strings copied). */
void analysis_add_knockout(struct analysis *a, const char *rule, enum analysis_result result, const char *detail);
/* Replaces the summary with a copy of s. */
void analysis_set_summary(struct analysis *a, const char *s);

/* "shortlist", "consider", "reject", "needs_review"; "pass", "fail", "unknown". */
const char *analysis_category_name(enum analysis_category c);
const char *analysis_result_name(enum analysis_result r);

/*
 * Sets the overall score and the category, the rules every provider shares:
 * - score = weighted mean of the criteria scores x 10, one decimal. A
 *   criterion that is not supported (no verified evidence quote) counts as
 *   0 in that mean: unverifiable claims never lift a candidate. Its own
 *   score is left as the scorer gave it, so a reader can see what was claimed.
 * - category from the job's thresholds: score >= shortlist -> shortlist,
 *   >= consider -> consider, else reject.
 * - a failed knock-out makes it reject, and the summary starts with
 *   "Rejected by knock-out: <rule> (<detail>)."
 * - otherwise an unknown knock-out makes it needs_review (missing
 *   information is never a reason to reject), as does a reject that only
 *   came from zeroing unsupported criteria (flag "unverified_evidence"),
 *   and so does any result with the flag "missing_criterion" or
 *   "little_text" (too little resume text to judge), or with no weighted criteria.
 * job may be NULL: the default thresholds 75/50 apply.
 */
void analysis_finalize(struct analysis *a, const struct job *job);

/*
 * The common tail for any provider's raw output: verifies evidence against
 * text, takes each criterion's weight from the job's rubric (criteria the
 * rubric lacks get weight 0 and a flag; rubric criteria missing from the
 * output are added unsupported with flag "missing_criterion" and force
 * needs_review), estimates years of experience, evaluates the knock-outs and
 * finalizes. ref_year/ref_month is "present" for date ranges. Returns 0.
 */
int analysis_complete(struct analysis *a, struct job *job, const char *text, size_t len, int ref_year, int ref_month);

/* The JSON object of the analysis (the shape in the design); caller frees with cJSON_Delete(). */
cJSON *analysis_to_json(const struct analysis *a);

/* The same as compact JSON text; caller frees with free(). */
char *analysis_to_string(const struct analysis *a);

/*
 * Reads an analysis from JSON (a stored one, or an LLM's structured
 * output). "criteria" is required; every other member is optional. Each
 * criterion needs a "name" and a "score" from 0 to 10; evidence offsets and
 * "verified" are read but should be recomputed with
 * evidence_verify_analysis(). Returns a new analysis or NULL with a message
 * naming the field in err.
 */
struct analysis *analysis_from_json(const cJSON *obj, char *err, size_t errlen);

#endif
