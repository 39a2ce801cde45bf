/* outbox: the emails table — candidates to write to, enqueued messages, leased claims, recorded outcomes, listings. */
#ifndef SHORTLIST_OUTBOX_H
#define SHORTLIST_OUTBOX_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A row of `emails` is one message to one candidate, rendered and given
 * its Message-ID when it is enqueued, so every attempt sends the same
 * bytes and the same identity. Its states:
 *
 *   awaiting_approval --(another user approves, approval.h)--> queued
 *   queued --claim--> sending --+--> sent
 *                               +--> retrying --(due again)--> sending ...
 *                               +--> failed (permanent refusal, or out of attempts)
 *   sent --(later bounce, bounce.h)--> bounced --(complaint)--> complained
 *   sent --(complaint)--> complained
 *
 * A claim marks a due row sending, counts the attempt and leases it to one
 * sender (locked_by) until lease_until. Outcomes are recorded only while the
 * claim (id, locked_by, attempts) holds. A sending row whose lease ran out
 * (its sender died) is rescued back to retrying and counted as uncertain:
 * it may already have been delivered, which is one of the two places a
 * candidate can get a message twice (the other is a connection lost after
 * the data was sent). Receivers can drop such duplicates by Message-ID.
 *
 * Every function returns 0 (or a count) on success, or a status code
 * (status.h) on failure, as db.h does. Functions taking an organisation
 * never read or write another's rows.
 */

#define OUTBOX_MAX_ATTEMPTS 8
#define OUTBOX_CLAIM_MAX 200
/* Most candidates one send request may name or select. */
#define OUTBOX_SEND_MAX 10000

/* Claim order: invitations first, then "consider" notes, then rejections. */
#define OUTBOX_PRIORITY_INVITE 30
#define OUTBOX_PRIORITY_CONSIDER 20
#define OUTBOX_PRIORITY_REJECT 10

/* A candidate of a job as a send request sees it; strings owned (outbox_recipients_free). */
struct outbox_recipient {
	int64_t resume_id;
	bool found;	 /* false: no such resume in this job of this organisation */
	char *status;	 /* resumes.status: queued, processing, scored, needs_review, failed */
	char *category;	 /* category of the current analysis, NULL when there is none */
	char *name;	 /* contact name, NULL when none was found */
	char *email;	 /* first contact email (lower case), NULL when none */
	bool suppressed; /* email is on the organisation's suppression list */
	char *suppress_reason;
	int64_t email_id;  /* the existing email of this kind to this candidate for this job, 0 when none */
	char *email_state; /* its state */
};

/*
 * The candidates a send request is about, in one query: either the resumes
 * named by ids (nids > 0; the result keeps their order, duplicates removed,
 * unknown ids with found = false) or every resume of the job whose current
 * analysis has category (ids NULL), in rank order. kind ("invite" ...)
 * picks the existing email reported. On success *out is a new array of *n
 * entries (free with outbox_recipients_free). Returns 0, ST_BAD_REQUEST when
 * more than OUTBOX_SEND_MAX would be selected, or a db status code.
 */
int outbox_recipients(int64_t org_id, int64_t job_id, const int64_t *ids, size_t nids, const char *category,
		      const char *kind, struct outbox_recipient **out, size_t *n);
void outbox_recipients_free(struct outbox_recipient *r, size_t n);

/* A message to enqueue; strings borrowed. html may be NULL. */
struct outbox_new {
	int64_t org_id;
	int64_t job_id;
	int64_t resume_id;
	const char *kind;
	const char *to_address;
	const char *to_name;
	const char *subject;
	const char *text;
	const char *html;
	const char *message_id;
	int priority;
	const char *reply_to_address; /* NULL: no Reply-To */
	const char *reply_to_name;    /* may be NULL */
	bool awaiting_approval;	      /* enqueue as awaiting_approval (never claimed) instead of queued */
	int64_t requested_by_user;    /* who asked for it: the user, 0 when none */
	int64_t requested_by_key;     /* and the API key, 0 when none */
	const char *prep_values; /* JSON {variable: value}: wait for the job's preparation (mailwait.h); NULL: do not */
};

/*
 * Inserts the row unless the job already has an email of this kind to this
 * resume (then nothing changes). Meant to run inside the caller's
 * transaction, which outbox_notify() should join so a following sender
 * wakes at commit. Sets *id (the new row, or the existing one) and
 * *created. The row keeps the request id of the log context
 * (log_request_id(): the send request), which the sender's log line for
 * the email repeats. Returns 0 or a db status code. The only writer of
 * emails: its callers are the send request of a person (handlers/emails.c)
 * and the candidate notice (notice.h, kind "notice" only), so nothing
 * automatic ever creates an invitation or a rejection (t0930).
 */
int outbox_enqueue(const struct outbox_new *e, int64_t *id, bool *created);
/*
 * The email address and name of one of the organisation's users, for the
 * Reply-To of what they send; both NULL when there is no such user.
 * Strings owned by the caller. Returns 0 or a db status code.
 */
int outbox_user_mailbox(int64_t org_id, int64_t user_id, char **address, char **name);
/* Tells waiting senders (LISTEN on the task queue's channel) that emails were queued; delivered at commit. */
int outbox_notify(void);

/* The priority of a kind name ("invite" ...), 0 for an unknown one. */
int outbox_priority(const char *kind);

/* One claimed row; strings owned (outbox_rows_free). */
struct outbox_row {
	int64_t id;
	int64_t org_id;
	int attempt; /* attempts after this claim: the claim's identity with the worker */
	int priority;
	bool suppressed; /* the address was suppressed after the row was queued: do not send */
	char *to_address;
	char *to_name;
	char *subject;
	char *text;
	char *html; /* NULL when text only */
	char *message_id;
	char *reply_to_address; /* NULL: no Reply-To */
	char *reply_to_name;
	char *request_id; /* the request that queued the email (outbox_enqueue takes it from the log context); NULL: none */
};

/*
 * Claims up to max (1..OUTBOX_CLAIM_MAX) due rows (queued or retrying with
 * next_attempt_at passed) for worker, highest priority first, in one short
 * statement that skips rows other claims hold (FOR UPDATE SKIP LOCKED):
 * each becomes sending, attempts + 1, leased for lease_seconds. *rows gets
 * a new array of *n rows in claim order (NULL when none). Refuses
 * (ST_INTERNAL) inside a transaction. Returns 0 or a db status code.
 */
int outbox_claim(const char *worker, int max, int lease_seconds, struct outbox_row **rows, int *n);
void outbox_rows_free(struct outbox_row *rows, int n);

enum outbox_outcome {
	OUTBOX_SENT,  /* the relay accepted it */
	OUTBOX_RETRY, /* try again after retry_in_ms */
	OUTBOX_FAIL,  /* never again */
};

/* The outcome of one attempt; reply borrowed. */
struct outbox_result {
	enum outbox_outcome outcome;
	int code;	     /* SMTP reply code, 0 when none */
	const char *reply;   /* the relay's reply line or the client's error (never secrets) */
	int64_t retry_in_ms; /* OUTBOX_RETRY only */
	bool uncertain;	     /* the attempt may have delivered (connection lost after the data) */
	bool suppress;	     /* OUTBOX_FAIL: put the address on the organisation's suppression list */
};

/*
 * Records the outcomes of n rows claimed by worker, in one transaction; a
 * row whose claim no longer holds (rescued) is left alone. Returns how many
 * were recorded, or a db status code (nothing recorded).
 */
int outbox_record(const char *worker, const struct outbox_row *rows, const struct outbox_result *results, int n);

/*
 * Puts sending rows whose lease ran out back to retrying (due now), or to
 * failed when they had max_attempts already, counting each as uncertain.
 * Returns how many were rescued (*failed, may be NULL, gets how many of
 * them failed for good), or a db status code.
 */
int outbox_rescue(int max_attempts, int *failed);

/* Whether addr is on the organisation's suppression list: 1 yes, 0 no, or a db status code. */
int outbox_suppressed(int64_t org_id, const char *addr);

/* One email's JSON (with its bodies when full) in *out (caller frees), or ST_NOT_FOUND. */
int outbox_get_json(int64_t org_id, int64_t id, bool full, cJSON **out);

/*
 * One page of the organisation's emails, newest first, optionally only of
 * job_id (> 0) and of state (non-NULL; must be a valid state, else
 * ST_BAD_REQUEST): ids below before_id (0: from the newest), at most limit.
 * *out gets an array; *next_before the id to continue from, or 0.
 */
int outbox_list_json(int64_t org_id, int64_t job_id, const char *state, int64_t before_id, int limit, cJSON **out,
		     int64_t *next_before);

/*
 * Counts of a job's emails by state and by kind, and how many were
 * uncertain: {"job_id", "total", "states": {"queued": n, ...}, "kinds":
 * {...}, "uncertain": n}. ST_NOT_FOUND when the job is not the organisation's.
 */
int outbox_stats_json(int64_t org_id, int64_t job_id, cJSON **out);

/* Whether s is one of the eight states. */
bool outbox_state_valid(const char *s);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *outbox_statements(size_t *n);

#endif
