/* audit: the append-only trail of human actions (audit_events, migration 0150). */
#ifndef SHORTLIST_AUDIT_H
#define SHORTLIST_AUDIT_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Who acted: the caller's organisation and identity, and the request it came in. Strings borrowed. */
struct audit_actor {
	int64_t org_id;
	int64_t user_id;	/* the signed-in user or the user a key belongs to, 0 for an organisation key */
	int64_t key_id;		/* the API key used, 0 for a web session */
	const char *request_id; /* the request's X-Request-Id, "" or NULL when none */
	const char *system;	/* the part of the service that acted alone ("retention"), NULL for a person */
};

/*
 * What was done and to what; job_id, resume_id 0 and email_ids NULL when not
 * about one (an event about a resume with job_id 0 is filed under the
 * resume's job). Borrowed.
 */
struct audit_event {
	const char *action; /* "decision.set", "decision.withdrawn", "emails.send_requested", "emails.approved" */
	int64_t job_id;
	int64_t resume_id;
	const int64_t *email_ids;
	size_t n_email_ids;
	const cJSON *details; /* an object, or NULL for {} */
};

/*
 * Appends one event. Call it inside the transaction of the action it
 * records, so the two commit or roll back together: it refuses
 * (ST_INTERNAL, logged) outside one. Returns 0, ST_BAD_REQUEST when the
 * actor has neither a user nor a key, or a db status code. The rows never
 * change afterwards: the table's trigger refuses UPDATE and DELETE.
 */
int audit_record(const struct audit_actor *who, const struct audit_event *ev);

/*
 * Appends one event done by a candidate (through a signed link: no user,
 * no key), whose action must start "candidate.". Same contract as
 * audit_record otherwise; ST_BAD_REQUEST for another action.
 */
int audit_record_candidate(int64_t org_id, const char *request_id, const struct audit_event *ev);

/*
 * audit_record() as one statement of its own (its own transaction), for
 * actions that read and change nothing else (a resume viewed or downloaded,
 * a candidate's data exported) or that committed already. Refused
 * (ST_INTERNAL) inside a transaction.
 */
int audit_record_now(const struct audit_actor *who, const struct audit_event *ev);

/* The filters of a read of the trail; 0 or NULL when not filtered on. */
struct audit_filter {
	int64_t job_id;
	int64_t resume_id;
	const char *action; /* one action ("decision.set"), or a family ending in '.' ("analysis.") */
	const char *since;  /* RFC 3339 time, inclusive */
	const char *until;  /* RFC 3339 time, exclusive */
};

/*
 * One page of the organisation's trail, newest first: events with ids
 * below before_id (0: from the newest), only of job_id and of resume_id
 * when they are > 0, at most limit. Each item is {id, created_at, action,
 * actor: {user_id, user_email, key_id, system}, job_id, resume_id, email_ids,
 * request_id, details, redacted_at}. *items is a new array (caller frees); *next_before
 * the id to continue from, 0 on the last page. Returns 0 or a db status code.
 */
int audit_list_json(int64_t org_id, int64_t job_id, int64_t resume_id, int64_t before_id, int limit, cJSON **items,
		    int64_t *next_before);

/*
 * The same with every filter of f (action and times too). Returns 0,
 * ST_BAD_REQUEST when a time is not one, or a db status code.
 */
int audit_list_filtered(int64_t org_id, const struct audit_filter *f, int64_t before_id, int limit, cJSON **items,
			int64_t *next_before);

/* The lists' statements, for the plan checks (shortlistctl statements stores): name, SQL as
 * prepared, parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID). */
struct counters_statement;
const struct counters_statement *audit_statements(size_t *n);

#endif
