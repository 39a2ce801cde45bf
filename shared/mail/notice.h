/* notice: the candidate notice — an acknowledgement email with a signed link where the candidate asks for a human review. */
#ifndef SHORTLIST_NOTICE_H
#define SHORTLIST_NOTICE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * With organisations.candidate_notice on (migration 0251), the drainer
 * enqueues one email of kind "notice" for each resume whose text gives an
 * email address, when it first reads it: an automated tool assists the
 * screening, what it looks at, and a link where the candidate asks for a
 * human review or another process. Never when the setting is off, never
 * twice for one candidate (emails' UNIQUE (job_id, resume_id, kind)). The
 * link carries a token signed with SHORTLIST_MAIL_EVENT_SECRET; with no
 * secret configured no notice is sent (logged), as it could carry no link.
 */

/* Longest token, NUL included. */
#define NOTICE_TOKEN_MAX 64
/* Longest message a candidate may add to a request, in bytes. */
#define NOTICE_MESSAGE_MAX 1000

/* Turns the setting on or off. Returns 0, ST_NOT_FOUND (no such organisation) or a db code. */
int notice_set(int64_t org_id, bool on);

/* The setting into *on. Returns 0, ST_NOT_FOUND or a db code. */
int notice_get(int64_t org_id, bool *on);

/* The token of resume_id's link into out. Returns 0, or -1 when no secret is configured. */
int notice_token(int64_t resume_id, char out[NOTICE_TOKEN_MAX]);

/* The resume a token names, into *resume_id, when its signature holds. Returns 0 or -1 (not a token of ours). */
int notice_token_check(const char *token, int64_t *resume_id);

/*
 * Enqueues the notice to the resume's candidate (address to, name may be
 * NULL) when the organisation has the setting on; nothing when it is off or
 * the candidate already has one. *created tells whether one was queued.
 * Runs its own transaction (not inside one). Returns 0 or a status code.
 */
int notice_send(int64_t org_id, int64_t job_id, int64_t resume_id, const char *to, const char *name, bool *created);

/*
 * What the link's page shows: {company, position, looks_at, review_request:
 * {kind, message, requested_at} or null}, no personal data beyond the
 * candidate's own message. Returns 0 and *out (caller frees), ST_NOT_FOUND
 * when the resume is gone, or a db status code.
 */
int notice_view_json(int64_t resume_id, cJSON **out);

/* A request as given; strings borrowed from the parsed body. */
struct notice_request {
	const char *kind;    /* human_review or alternative_process */
	const char *message; /* "" when none */
};

/*
 * Reads {"kind": ..., "message": optional}. Returns 0 and fills *in, or -1
 * with the message for the user in err.
 */
int notice_request_from_json(const cJSON *body, struct notice_request *in, char *err, size_t errlen);

/*
 * Records the candidate's request, in one transaction with the audit event
 * "candidate.review_requested"; a second request leaves the first as it is
 * (*created false). *out is the request {kind, message, requested_at}
 * (caller frees). Returns 0, ST_NOT_FOUND when the resume is gone, or a db
 * status code. Not inside a transaction.
 */
int notice_request(int64_t resume_id, const struct notice_request *in, const char *request_id, cJSON **out,
		   bool *created);

#endif
