/* audit: the append-only trail of human actions (audit_events, migration 0150). */
#include "core/audit.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "core/db.h"
#include "core/log.h"

/* An event as the API shows it, built by PostgreSQL from e (audit_events) and u (its user). */
#define AUDIT_JSON \
	"jsonb_build_object('id', e.id, 'created_at', e.created_at, 'action', e.action," \
	" 'actor', jsonb_build_object('user_id', e.actor_user_id, 'user_email', u.email, 'key_id', e.actor_key_id)," \
	" 'job_id', e.job_id, 'resume_id', e.resume_id, 'email_ids', COALESCE(to_jsonb(e.email_ids), '[]'::jsonb)," \
	" 'request_id', e.request_id, 'details', e.details)::text"

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

int audit_record(const struct audit_actor *who, const struct audit_event *ev)
{
	struct buf ids = BUF_INIT(24 * 10001);
	char org[24], user[24], key[24], job[24], resume[24];
	char *details = NULL;
	int rc;

	if (!db_in_transaction()) {
		log_error("audit: '%s' recorded outside a transaction", ev->action);
		return ST_INTERNAL;
	}
	if (who->user_id <= 0 && who->key_id <= 0)
		return ST_BAD_REQUEST;
	db_int_param(who->org_id, org);
	db_int_param(who->user_id, user);
	db_int_param(who->key_id, key);
	db_int_param(ev->job_id, job);
	db_int_param(ev->resume_id, resume);
	details = ev->details ? cJSON_PrintUnformatted(ev->details) : NULL;
	{
		const char *p[9] = { org,
				     who->user_id > 0 ? user : NULL,
				     who->key_id > 0 ? key : NULL,
				     ev->action,
				     ev->job_id > 0 ? job : NULL,
				     ev->resume_id > 0 ? resume : NULL,
				     id_array(ev->email_ids, ev->n_email_ids, &ids),
				     who->request_id ? who->request_id : "",
				     details ? details : "{}" };

		if (ev->n_email_ids > 0 && !p[6]) {
			rc = ST_INTERNAL;
			goto out;
		}
		rc = db_exec(
			"audit_record",
			"INSERT INTO audit_events (org_id, actor_user_id, actor_key_id, action, job_id, resume_id,"
			" email_ids, request_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7::bigint[], $8, $9::jsonb)",
			9, p, NULL);
	}
out:
	free(details);
	buf_release(&ids);
	return rc;
}

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
	/* One statement per filter, so each is one range of its index. */
	if (resume_id > 0)
		return db_query_page("audit_list_resume",
				     "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
				     " e.actor_user_id WHERE e.org_id = $1 AND e.resume_id = $3 AND ($2 = 0 OR"
				     " e.job_id = $2) AND e.id < $4 ORDER BY e.id DESC LIMIT $5",
				     5, p, limit, items, next_before);
	if (job_id > 0)
		return db_query_page("audit_list_job",
				     "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
				     " e.actor_user_id WHERE e.org_id = $1 AND e.job_id = $2 AND $3 = 0"
				     " AND e.id < $4 ORDER BY e.id DESC LIMIT $5",
				     5, p, limit, items, next_before);
	return db_query_page("audit_list_org",
			     "SELECT e.id, " AUDIT_JSON " FROM audit_events e LEFT JOIN users u ON u.id ="
			     " e.actor_user_id WHERE e.org_id = $1 AND $2 = 0 AND $3 = 0 AND e.id < $4"
			     " ORDER BY e.id DESC LIMIT $5",
			     5, p, limit, items, next_before);
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
