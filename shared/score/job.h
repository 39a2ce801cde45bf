/* job: a job's scoring definition (skills, knock-outs, thresholds, rubric) parsed and validated from its JSON. */
#ifndef SHORTLIST_JOB_H
#define SHORTLIST_JOB_H

#include <stdbool.h>
#include <stddef.h>

#include <cJSON.h>

#include "score/rubric.h"

/* Bounds enforced by job_from_json(). */
#define JOB_TITLE_MAX 200
#define JOB_FIELD_MAX 200 /* company, location */
#define JOB_DESCRIPTION_MAX 65536
#define JOB_SKILLS_MAX 200
#define JOB_SKILL_LEN_MAX 100
#define JOB_KNOCKOUTS_MAX 20
#define JOB_MIN_YEARS_MAX 60

enum job_knockout_type { JOB_KNOCKOUT_MIN_YEARS, JOB_KNOCKOUT_CERTIFICATION, JOB_KNOCKOUT_SKILL };

struct job_knockout {
	enum job_knockout_type type;
	int years;  /* min_years only */
	char *name; /* certification and skill only, else NULL */
};

struct job {
	char *title;
	char *description;
	char *company;	/* "" when absent */
	char *location; /* "" when absent */
	char **required_skills;
	size_t nrequired_skills;
	struct job_knockout *knockouts;
	size_t nknockouts;
	double shortlist_threshold; /* default 75 */
	double consider_threshold;  /* default 50 */
	struct rubric *rubric;	    /* the rubric given in the JSON, or NULL */
	struct rubric *derived;	    /* cache of job_rubric() when rubric is NULL */
};

/*
 * Builds a job from its JSON object: {"title", "description", "company",
 * "location", "required_skills": [...], "knockouts": [{"type": "min_years",
 * "years": N} | {"type": "certification", "name": ...} | {"type": "skill",
 * "name": ...}], "thresholds": {"shortlist": S, "consider": C}, "rubric":
 * {...}}. title and description are required; other fields are optional;
 * unknown fields are ignored. Returns 0 and a new job in *out (free with
 * job_free()), or -1 with a message naming the field in err (for a 400
 * response), e.g. "thresholds.shortlist: must be greater than consider".
 */
int job_from_json(const cJSON *obj, struct job **out, char *err, size_t errlen);

/* Same, from JSON text of len bytes. */
int job_parse(const char *json, size_t len, struct job **out, char *err, size_t errlen);

/* The job's canonical JSON (the same shape job_from_json() reads); caller frees with cJSON_Delete(). */
cJSON *job_to_json(const struct job *job);

/*
 * The rubric to score with: the job's own, or one derived from the job with
 * rubric_derive() on first use and kept in the job. Borrowed until
 * job_free(). Never NULL.
 */
const struct rubric *job_rubric(struct job *job);

/* Frees the job and everything it holds; accepts NULL. */
void job_free(struct job *job);

#endif
