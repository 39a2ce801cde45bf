/* audit: the append-only trail of human actions (audit_events, migration 0150). */
#include "core/audit.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/util.h"
#include "core/counters.h"
#include "core/db.h"
#include "core/log.h"

/* An event as the API shows it, built by PostgreSQL from e (audit_events) and u (its user). */
#define AUDIT_JSON \
	"jsonb_build_object('id', e.id, 'created_at', e.created_at, 'action', e.action," \
	" 'actor', jsonb_build_object('user_id', e.actor_user_id, 'user_email', u.email, 'key_id', e.actor_key_id," \
	" 'system', e.actor_system)," \
	" 'job_id', e.job_id, 'resume_id', e.resume_id, 'email_ids', COALESCE(to_jsonb(e.email_ids), '[]'::jsonb)," \
	" 'request_id', e.request_id, 'details', e.details, 'redacted_at', e.redacted_at)::text"

/* "{1,2,3}", or NULL (SQL NULL) when there are none; caller releases out. */
static const char *id_array(const int64_t *ids, size_t n, struct buf *out)
{
	size_t i;

	if (!ids || n == 0)
		return NULL;
	if (buf_append_char(out, '{') < 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (buf_printf(out, "%s%lld", i ? "," : "", (long long)ids[i]) < 0)
			return NULL;
	if (buf_append_char(out, '}') < 0)
		return NULL;
	return out->ptr;
}

/* The INSERT of one event, in the caller's transaction or, outside one, as a statement of its own. */
static int insert_event(const struct audit_actor *who, const struct audit_event *ev)
{
	struct buf ids = BUF_INIT(24 * 10001);
	char org[24], user[24], key[24], job[24], resume[24];
	char *details = NULL;
	int rc;

	if (who->user_id <= 0 && who->key_id <= 0 && !who->system)
		return ST_BAD_REQUEST;
	db_int_param(who->org_id, org);
	db_int_param(who->user_id, user);
	db_int_param(who->key_id, key);
	db_int_param(ev->job_id, job);
	db_int_param(ev->resume_id, resume);
	details = ev->details ? cJSON_PrintUnformatted(ev->details) : NULL;
	{
		const char *p[10] = { org,
				      who->user_id > 0 ? user : NULL,
				      who->key_id > 0 ? key : NULL,
				      ev->action,
				      ev->job_id > 0 ? job : NULL,
				      ev->resume_id > 0 ? resume : NULL,
				      id_array(ev->email_ids, ev->n_email_ids, &ids),
				      who->request_id ? who->request_id : "",
				      details ? details : "{}",
				      who->user_id <= 0 && who->key_id <= 0 ? who->system : NULL };

		if (ev->n_email_ids > 0 && !p[6]) {
			rc = ST_INTERNAL;
			goto out;
		}
		rc = db_exec("audit_record",
			     "INSERT INTO audit_events (org_id, actor_user_id, actor_key_id, action, job_id, resume_id,"
			     " email_ids, request_id, details, actor_system) VALUES ($1, $2, $3, $4,"
			     " COALESCE($5::bigint, (SELECT r.job_id FROM resumes r WHERE r.id = $6::bigint"
			     " AND r.org_id = $1::bigint)), $6, $7::bigint[], $8, $9::jsonb, $10)",
			     10, p, NULL);
	}
out:
	free(details);
	buf_release(&ids);
	return rc;
}

int audit_record(const struct audit_actor *who, const struct audit_event *ev)
{
	if (!db_in_transaction()) {
		log_error("audit: '%s' recorded outside a transaction", ev->action);
		return ST_INTERNAL;
	}
	return insert_event(who, ev);
}

/* The lists, one statement per filter so that each is one range of its index (audit_statements). */
static const char list_resume_sql[] = "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
				      " e.actor_user_id WHERE e.org_id = $1 AND e.resume_id = $3 AND ($2 = 0 OR"
				      " e.job_id = $2) AND e.id < $4 ORDER BY e.id DESC LIMIT $5";
static const char list_job_sql[] = "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
				   " e.actor_user_id WHERE e.org_id = $1 AND e.job_id = $2 AND $3 = 0"
				   " AND e.id < $4 ORDER BY e.id DESC LIMIT $5";
static const char list_org_sql[] = "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
				   " e.actor_user_id WHERE e.org_id = $1 AND $2 = 0 AND $3 = 0 AND e.id < $4"
				   " ORDER BY e.id DESC LIMIT $5";
/* An action ending in '.' is a family: "analysis." is every analysis.* event. */
static const char list_filtered_sql[] = "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
					" e.actor_user_id WHERE e.org_id = $1 AND ($2 = 0 OR e.job_id = $2)"
					" AND ($3 = 0 OR e.resume_id = $3) AND e.id < $4"
					" AND ($6::text IS NULL OR e.action = $6 OR (right($6, 1) = '.' AND"
					" starts_with(e.action, $6)))"
					" AND ($7::timestamptz IS NULL OR e.created_at >= $7::timestamptz)"
					" AND ($8::timestamptz IS NULL OR e.created_at < $8::timestamptz)"
					" ORDER BY e.id DESC LIMIT $5";

int audit_list_json(int64_t org_id, int64_t job_id, int64_t resume_id, int64_t before_id, int limit, cJSON **items,
		    int64_t *next_before)
{
	char org[24], job[24], resume[24], before[24], lim[24];
	const char *p[5] = { org, job, resume, before, lim };

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(resume_id, resume);
	db_int_param(before_id > 0 ? before_id : INT64_MAX, before);
	db_int_param(limit + 1, lim);
	if (resume_id > 0)
		return db_query_page("audit_list_resume", list_resume_sql, 5, p, limit, items, next_before);
	if (job_id > 0)
		return db_query_page("audit_list_job", list_job_sql, 5, p, limit, items, next_before);
	return db_query_page("audit_list_org", list_org_sql, 5, p, limit, items, next_before);
}

int audit_record_candidate(int64_t org_id, const char *request_id, const struct audit_event *ev)
{
	char org[24], job[24], resume[24];
	char *details = NULL;
	int rc;

	if (!db_in_transaction()) {
		log_error("audit: '%s' recorded outside a transaction", ev->action);
		return ST_INTERNAL;
	}
	if (strncmp(ev->action, "candidate.", 10) != 0 || ev->n_email_ids > 0)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(ev->job_id, job);
	db_int_param(ev->resume_id, resume);
	details = ev->details ? cJSON_PrintUnformatted(ev->details) : NULL;
	{
		const char *p[6] = { org,
				     ev->action,
				     ev->job_id > 0 ? job : NULL,
				     ev->resume_id > 0 ? resume : NULL,
				     request_id ? request_id : "",
				     details ? details : "{}" };

		rc = db_exec("audit_record_candidate",
			     "INSERT INTO audit_events (org_id, action, job_id, resume_id, request_id, details)"
			     " VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
			     6, p, NULL);
	}
	free(details);
	return rc;
}

int audit_record_now(const struct audit_actor *who, const struct audit_event *ev)
{
	if (db_in_transaction()) {
		log_error("audit: '%s' recorded on its own inside a transaction", ev->action);
		return ST_INTERNAL;
	}
	/* One statement is its own transaction: no BEGIN and COMMIT to wait for (two round trips a view). */
	return insert_event(who, ev);
}

int audit_list_filtered(int64_t org_id, const struct audit_filter *f, int64_t before_id, int limit, cJSON **items,
			int64_t *next_before)
{
	char org[24], job[24], resume[24], before[24], lim[24];
	const char *action = f->action && *f->action ? f->action : NULL;
	const char *p[8] = { org, job, resume, before, lim, action, f->since, f->until };
	int rc;

	if (!action && !f->since && !f->until)
		return audit_list_json(org_id, f->job_id, f->resume_id, before_id, limit, items, next_before);
	db_int_param(org_id, org);
	db_int_param(f->job_id, job);
	db_int_param(f->resume_id, resume);
	db_int_param(before_id > 0 ? before_id : INT64_MAX, before);
	db_int_param(limit + 1, lim);
	rc = db_query_page("audit_list_filtered", list_filtered_sql, 8, p, limit, items, next_before);
	if (rc < 0 && strncmp(db_last_sqlstate(), "22", 2) == 0)
		return ST_BAD_REQUEST;
	return rc;
}

static const struct counters_statement plan_statements[] = {
	{ "audit_list_resume", list_resume_sql, "ORG_ID, 0, RESUME_ID, 9223372036854775807, 51" },
	{ "audit_list_job", list_job_sql, "ORG_ID, JOB_ID, 0, 9223372036854775807, 51" },
	{ "audit_list_org", list_org_sql, "ORG_ID, 0, 0, 9223372036854775807, 51" },
	{ "audit_list_filtered", list_filtered_sql,
	  "ORG_ID, JOB_ID, 0, 9223372036854775807, 51, 'candidate.', NULL, NULL" },
};

const struct counters_statement *audit_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
