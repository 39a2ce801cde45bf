/* decision: a recruiter's category for a candidate, overriding the scorer's recommendation, with its reason. */
#ifndef SHORTLIST_DECISION_H
#define SHORTLIST_DECISION_H

#include <cJSON.h>
#include <stdint.h>

#include "core/audit.h"

/*
 * The scorer's category is a recommendation. A human decision (one per
 * candidate, table decisions of migration 0151) replaces it wherever the
 * candidate is listed, filtered or selected for email; the recommendation
 * stays visible beside it. A rescore changes the recommendation and never
 * the decision. Setting or withdrawing one is recorded in the audit trail
 * in the same transaction.
 */

/* Longest reason, in characters (code points). */
#define DECISION_REASON_MAX 500

/*
 * A decision as the API shows it, built by PostgreSQL from the aliases d
 * (decisions) and u (its user, LEFT JOINed): {category, reason, decided_at, decided_by:
 * {user_id, user_email, key_id}}, or NULL when d is NULL.
 */
#define DECISION_JSON \
	"CASE WHEN d.resume_id IS NULL THEN NULL ELSE jsonb_build_object('category', d.category, 'reason', d.reason," \
	" 'decided_at', d.created_at, 'decided_by', jsonb_build_object('user_id', d.user_id, 'user_email', u.email," \
	" 'key_id', d.key_id)) END"

/* A decision as given; strings borrowed from the parsed body. */
struct decision_input {
	const char *category; /* shortlist, consider, reject or needs_review */
	const char *reason;   /* 1..DECISION_REASON_MAX characters, not only spaces */
};

/*
 * Reads {"category": ..., "reason": ...} (no other members). Returns 0 and
 * fills *in (borrowing from body), or -1 with the message for the user in err.
 */
int decision_from_json(const cJSON *body, struct decision_input *in, char *err, size_t errlen);

/*
 * Sets (or replaces) the decision on resume_id of job_id, in one
 * transaction with its audit event ("decision.set": the category, the
 * reason, the one it replaced and the recommendation then). On success
 * *out is the decision's JSON (caller frees). Returns 0, ST_NOT_FOUND when
 * the organisation has no such resume in that job, ST_BAD_REQUEST for an
 * actor without user or key, or a db status code. Must not be called
 * inside a transaction.
 */
int decision_set(const struct audit_actor *who, int64_t job_id, int64_t resume_id, const struct decision_input *in,
		 cJSON **out);

/*
 * Withdraws the decision on resume_id of job_id (the recommendation is shown
 * again), with its audit event ("decision.withdrawn", what was withdrawn).
 * Returns 0, ST_NOT_FOUND when there is no such resume or it has no
 * decision, or a db status code.
 */
int decision_withdraw(const struct audit_actor *who, int64_t job_id, int64_t resume_id);

#endif
