/* rubric: the criteria candidates are judged on, given with a job or derived from it, and their JSON. */
#ifndef SHORTLIST_RUBRIC_H
#define SHORTLIST_RUBRIC_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

struct job;

#define RUBRIC_CRITERIA_MAX 50
#define RUBRIC_KEYWORDS_MAX 100
#define RUBRIC_NAME_MAX 100
#define RUBRIC_DESCRIPTION_MAX 2000
#define RUBRIC_KEYWORD_LEN_MAX 100
#define RUBRIC_WEIGHT_MAX 1000.0
/* Length of the version string: hex digits of SHA-256 over the canonical JSON. */
#define RUBRIC_VERSION_LEN 16

/*
 * How the local scorer reads a criterion. "terms" (the default) scores the
 * share of keywords found; "skills" does the same and feeds matched and
 * missing skills; "experience" combines years against min_years, the job
 * title's words and seniority; "education" gives credit for any degree plus
 * the keywords. LLM providers ignore the kind.
 */
enum rubric_kind { RUBRIC_TERMS, RUBRIC_SKILLS, RUBRIC_EXPERIENCE, RUBRIC_EDUCATION };

struct rubric_criterion {
	char *name;
	char *description;
	double weight; /* > 0 */
	enum rubric_kind kind;
	int min_years;	/* experience only; 0 when the job states none */
	bool must_have; /* a must-have (true) or a nice-to-have criterion */
	char **keywords;
	size_t nkeywords;
};

struct rubric {
	char version[RUBRIC_VERSION_LEN + 1];
	struct rubric_criterion *criteria;
	size_t ncriteria;
};

/*
 * Parses and validates a rubric object {"version", "criteria": [{"name",
 * "description", "weight", "keywords": [...], "kind", "min_years",
 * "must_have"}]}. "must_have" (default false) appears in the canonical JSON
 * only when true, so rubrics without it keep their versions.
 * Criterion names must be unique (case-insensitive). The "version" given is
 * ignored: the version is always recomputed from the content so that any
 * change makes a new cache key. Returns a new rubric (free with
 * rubric_free()), or NULL with a message naming the field, prefixed by
 * prefix (e.g. "rubric"), in err.
 */
struct rubric *rubric_from_json(const cJSON *obj, const char *prefix, char *err, size_t errlen);

/* The canonical JSON of the rubric, version included; caller frees with cJSON_Delete(). */
cJSON *rubric_to_json(const struct rubric *r);

/*
 * Derives a rubric from the job, deterministically: "Required skills" (the
 * job's required skills and the skills and technologies found in its
 * description), "Relevant experience" (years asked for, seniority, the title's
 * words), "Domain and responsibilities" (the description's most weighted
 * terms and two-word phrases) and, when the description asks for any,
 * "Education and certifications". Criteria without keywords are left out.
 * Returns a new rubric; caller frees with rubric_free(). Implemented in
 * score/rubric_derive.c.
 */
struct rubric *rubric_derive(const struct job *job);

/* Recomputes r->version from the canonical JSON of the criteria. */
void rubric_update_version(struct rubric *r);

/* Index of the criterion named name (case-insensitive), or -1. */
long rubric_find(const struct rubric *r, const char *name);

/* "terms", "skills", "experience" or "education". */
const char *rubric_kind_name(enum rubric_kind kind);

/* Frees the rubric; accepts NULL. */
void rubric_free(struct rubric *r);

#endif
