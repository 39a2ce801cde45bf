/* demographics: a candidate's self-reported sex and race/ethnicity for the bias audit, kept apart from the resume. */
#ifndef SHORTLIST_DEMOGRAPHICS_H
#define SHORTLIST_DEMOGRAPHICS_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"

/*
 * The categories are those NYC Local Law 144's rules take from the EEO-1
 * report. Either answer may be missing (not asked, or declined): such a
 * candidate counts as "unknown" in the audit. The rows live in table
 * candidate_demographics (migration 0250); no scorer's input is built from
 * it, and only admins (account/keystore.h keystore_may_manage) read or
 * write it through the API, besides the candidate through the notice's link.
 */

/* Number of categories of each dimension, in report order. */
#define DEMOGRAPHICS_SEXES 2
#define DEMOGRAPHICS_RACES 7

/* The category names ("female", "asian", ...), static strings. */
extern const char *const demographics_sexes[DEMOGRAPHICS_SEXES];
extern const char *const demographics_races[DEMOGRAPHICS_RACES];

/* The index of s in list (n entries), or -1 when it is none of them (or NULL). */
int demographics_index(const char *const *list, int n, const char *s);

/* Answers as given; strings borrowed from the parsed body, NULL when not reported. */
struct demographics_input {
	const char *sex;
	const char *race_ethnicity;
};

/*
 * Reads {"sex": ..., "race_ethnicity": ...} (both members required, each a
 * category or null; no other members). Returns 0 and fills *in, or -1 with
 * the message for the user in err.
 */
int demographics_from_json(const cJSON *body, struct demographics_input *in, char *err, size_t errlen);

/*
 * The candidate's answers: {resume_id, job_id, sex, race_ethnicity,
 * reported_by, updated_at}, with nulls (and reported_by null) when none
 * were given. *out is new (caller frees). Returns 0, ST_NOT_FOUND when the
 * organisation has no such resume, or a db status code.
 */
int demographics_get(int64_t org_id, int64_t resume_id, cJSON **out);

/*
 * Stores the answers (replacing any), reported by "admin" or "candidate",
 * in one transaction with the audit event "demographics.set" (which says
 * who reported, never the answers). *out as demographics_get. Returns 0,
 * ST_NOT_FOUND, or a db status code. Must not be called inside a transaction.
 */
int demographics_set(const struct audit_actor *who, int64_t resume_id, const struct demographics_input *in,
		     const char *reported_by, cJSON **out);

/*
 * The same, given by the candidate through the notice's signed link
 * (mail/notice.h), which names the resume: reported_by "candidate", audit
 * event "candidate.demographics_set" with no user or key. Returns 0,
 * ST_NOT_FOUND (the resume is gone), or a db status code.
 */
int demographics_set_by_candidate(int64_t resume_id, const struct demographics_input *in, const char *request_id);

#endif
