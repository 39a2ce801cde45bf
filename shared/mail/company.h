/* company: what a job says about the hiring company — name, position, department, location, key skills — extracted and cached. */
#ifndef SHORTLIST_COMPANY_H
#define SHORTLIST_COMPANY_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

struct job;

#define COMPANY_FIELD_MAX 200 /* bytes of each text field */
#define COMPANY_SKILLS_MAX 15
#define COMPANY_SKILL_MAX 100

/* Company details; every string owned (company_release), "" when unknown. */
struct company_info {
	char *company;
	char *position;
	char *department;
	char *location;
	char *skills[COMPANY_SKILLS_MAX];
	size_t nskills;
	char *source;	  /* "local" (extracted), "llm" or "edited"; NULL until stored */
	char *updated_at; /* ISO 8601, NULL until stored */
};

/*
 * Extracts the details from the job alone, deterministically: the job's
 * company and location fields when set, else labelled lines of the
 * description ("Company:", "Location:", "Department:" / "Team:"), an
 * "About <Name>" heading or "<Name> is hiring"; the position from the title
 * without gender tags such as "(m/f/d)"; the department from "join our X
 * team"; the key skills from the job's required skills, else from its
 * rubric's skills. Values are single-line UTF-8 of at most
 * COMPANY_FIELD_MAX bytes. out must be zeroed or released; source becomes "local".
 */
void company_extract(struct job *job, struct company_info *out);

/*
 * The job's details: the stored ones, or freshly extracted (locally, never
 * by the LLM: that is the drainer's company_warm) and stored when none are
 * stored or the job changed since an extracted (not edited) copy was made.
 * Returns 0, ST_NOT_FOUND when the job is not the organisation's,
 * or a db status code.
 */
int company_get(int64_t org_id, int64_t job_id, struct company_info *out);

/*
 * Applies an edit {"company", "position", "department", "location",
 * "skills": [...]}: members present replace the current values, absent ones
 * stay; the result is stored with source "edited" and returned in out.
 * Returns 0, ST_BAD_REQUEST with a reason naming the field in err,
 * ST_NOT_FOUND, or a db status code.
 */
int company_put(int64_t org_id, int64_t job_id, const cJSON *edit, struct company_info *out, char *err, size_t errlen);

/*
 * Takes every non-empty member of an LLM answer {"company", "position",
 * "department", "location", "key_skills"} over out's values, cleaned as
 * extracted ones are; source becomes "llm".
 */
void company_apply_answer(struct company_info *out, const cJSON *answer);

/*
 * Upserts c as the job's details for the job version job_updated_at; an
 * extracted or LLM copy never replaces an edited one (then nothing changes).
 * Fills c->updated_at when stored. Returns 0 or a db status code.
 */
int company_store(int64_t org_id, int64_t job_id, const char *job_updated_at, struct company_info *c);

/* {"job_id", "company", "position", "department", "location", "skills", "source", "updated_at"}; caller frees. */
cJSON *company_to_json(int64_t job_id, const struct company_info *c);

/* Frees what c owns and zeroes it; accepts a zeroed struct. */
void company_release(struct company_info *c);

#endif
