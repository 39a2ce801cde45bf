/* outbox: the emails table — candidates to write to, enqueued messages, leased claims, recorded outcomes, listings. */
#include "mail/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"
#include "queue/queue.h"
#include "core/counters.h"

/* The public representation of an email, built by PostgreSQL in one place. */
#define EMAIL_JSON \
	"jsonb_build_object('id', id, 'job_id', job_id, 'candidate_id', resume_id, 'kind', kind, 'to', to_address," \
	" 'to_name', to_name, 'reply_to', reply_to_address, 'reply_to_name', reply_to_name, 'subject', subject, " \
	"'message_id', message_id, 'state', state, 'attempts', attempts," \
	" 'next_attempt_at', CASE WHEN state IN ('queued', 'retrying') THEN next_attempt_at END," \
	" 'smtp_code', smtp_code, 'smtp_reply', smtp_reply, 'last_error', last_error, 'uncertain', uncertain," \
	" 'created_at', created_at, 'updated_at', updated_at, 'sent_at', sent_at," \
	" 'bounced_at', bounced_at, 'bounce_type', bounce_type, 'bounce_detail', bounce_detail," \
	" 'requested_by_user', requested_by_user, 'requested_by_key', requested_by_key," \
	" 'approved_by_user', approved_by_user, 'approved_at', approved_at, 'request_id', request_id," \
	" 'waiting_for_preparation', prep_values IS NOT NULL)"

static const char *const states[] = { "awaiting_approval", "queued", "sending", "sent",
				      "retrying",	   "failed", "bounced", "complained" };

static char *dup_value(const struct db_result *res, int row, int col)
{
	const char *v = db_value(res, row, col);

	return v ? xstrdup(v) : NULL;
}

bool outbox_state_valid(const char *s)
{
	size_t i;

	for (i = 0; s && i < ARRAY_SIZE(states); i++)
		if (strcmp(s, states[i]) == 0)
			return true;
	return false;
}

int outbox_priority(const char *kind)
{
	if (!kind)
		return 0;
	if (strcmp(kind, "invite") == 0)
		return OUTBOX_PRIORITY_INVITE;
	if (strcmp(kind, "consider") == 0)
		return OUTBOX_PRIORITY_CONSIDER;
	if (strcmp(kind, "reject") == 0)
		return OUTBOX_PRIORITY_REJECT;
	return 0;
}

/* clang-format off */
#define RECIPIENT_COLUMNS                                                                                          \
	" r.status, a.shown_category, r.contact->>'name', lower(r.contact->'emails'->>0), s.address IS NOT NULL, s.reason," \
	" e.id, e.state"
#define RECIPIENT_JOINS                                                                                            \
	" LEFT JOIN email_suppressions s ON s.org_id = $1 AND s.address = lower(r.contact->'emails'->>0)"            \
	" LEFT JOIN emails e ON e.job_id = $2 AND e.resume_id = r.id AND e.kind = $4"
/* clang-format on */

static const char recipients_by_id_sql[] =
	"SELECT v.id, r.id IS NOT NULL," RECIPIENT_COLUMNS " FROM unnest($3::bigint[]) WITH ORDINALITY AS v(id, ord)"
	" LEFT JOIN resumes r ON r.id = v.id AND r.org_id = $1 AND r.job_id = $2"
	" LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current" RECIPIENT_JOINS " ORDER BY v.ord";

static const char recipients_by_category_sql[] =
	"SELECT r.id, true," RECIPIENT_COLUMNS " FROM analyses a JOIN resumes r ON r.id = a.resume_id" RECIPIENT_JOINS
	" WHERE a.org_id = $1 AND a.job_id = $2 AND a.is_current AND a.shown_category = $3"
	" ORDER BY a.score DESC NULLS LAST, r.id LIMIT $5";

/* Writes "{1,2,3}" with duplicates left out (first one kept). */
static int id_array(const int64_t *ids, size_t n, struct buf *out)
{
	size_t i, j;
	bool first = true;

	if (buf_append_char(out, '{') < 0)
		return -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && ids[j] != ids[i]; j++)
			;
		if (j < i)
			continue;
		if (buf_printf(out, "%s%lld", first ? "" : ",", (long long)ids[i]) < 0)
			return -1;
		first = false;
	}
	return buf_append_str(out, "}") < 0 ? -1 : 0;
}

int outbox_recipients(int64_t org_id, int64_t job_id, const int64_t *ids, size_t nids, const char *category,
		      const char *kind, struct outbox_recipient **out, size_t *n)
{
	struct buf arr = BUF_INIT(32 * (OUTBOX_SEND_MAX + 1));
	struct db_result *res = NULL;
	struct outbox_recipient *v = NULL;
	char org[24], job[24], lim[24];
	int rc, rows, i;

	*out = NULL;
	*n = 0;
	if ((ids && nids > OUTBOX_SEND_MAX) || (!ids && !category))
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(OUTBOX_SEND_MAX + 1, lim);
	if (ids) {
		if (id_array(ids, nids, &arr) < 0) {
			rc = ST_BAD_REQUEST;
			goto out;
		}
		const char *p[4] = { org, job, arr.ptr, kind };

		rc = db_query("outbox_recipients_ids", recipients_by_id_sql, 4, p, &res);
	} else {
		const char *p[5] = { org, job, category, kind, lim };

		rc = db_query("outbox_recipients_category", recipients_by_category_sql, 5, p, &res);
	}
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	if (rows > OUTBOX_SEND_MAX) {
		rc = ST_BAD_REQUEST;
		goto out;
	}
	v = xcalloc(rows > 0 ? (size_t)rows : 1, sizeof(*v));
	for (i = 0; i < rows; i++) {
		v[i].resume_id = db_int(res, i, 0, 0);
		v[i].found = db_bool(res, i, 1);
		v[i].status = dup_value(res, i, 2);
		v[i].category = dup_value(res, i, 3);
		v[i].name = dup_value(res, i, 4);
		v[i].email = dup_value(res, i, 5);
		v[i].suppressed = db_bool(res, i, 6);
		v[i].suppress_reason = dup_value(res, i, 7);
		v[i].email_id = db_int(res, i, 8, 0);
		v[i].email_state = dup_value(res, i, 9);
	}
	*out = v;
	*n = (size_t)rows;
	rc = 0;
out:
	db_result_free(res);
	buf_release(&arr);
	return rc;
}

void outbox_recipients_free(struct outbox_recipient *r, size_t n)
{
	size_t i;

	for (i = 0; r && i < n; i++) {
		free(r[i].status);
		free(r[i].category);
		free(r[i].name);
		free(r[i].email);
		free(r[i].suppress_reason);
		free(r[i].email_state);
	}
	free(r);
}

int outbox_enqueue(const struct outbox_new *e, int64_t *id, bool *created)
{
	struct db_result *res = NULL;
	char org[24], job[24], resume[24], prio[24], user[24], key[24];
	const char *p[18] = { org,
			      job,
			      resume,
			      e->kind,
			      e->to_address,
			      e->to_name ? e->to_name : "",
			      e->subject,
			      e->text,
			      e->html,
			      e->message_id,
			      prio,
			      e->reply_to_address,
			      e->reply_to_name ? e->reply_to_name : "",
			      e->awaiting_approval ? "awaiting_approval" : "queued",
			      e->requested_by_user > 0 ? user : NULL,
			      e->requested_by_key > 0 ? key : NULL,
			      log_request_id(),
			      e->prep_values };
	const char *q[3] = { job, resume, e->kind };
	int rc;

	*id = 0;
	*created = false;
	db_int_param(e->org_id, org);
	db_int_param(e->job_id, job);
	db_int_param(e->resume_id, resume);
	db_int_param(e->priority, prio);
	db_int_param(e->requested_by_user, user);
	db_int_param(e->requested_by_key, key);
	rc = db_query("outbox_enqueue",
		      "INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, to_name, subject, body_text,"
		      " body_html, message_id, priority, reply_to_address, reply_to_name, state, requested_by_user,"
		      " requested_by_key, request_id, prep_values)"
		      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::jsonb)"
		      " ON CONFLICT (job_id, resume_id, kind) DO NOTHING RETURNING id",
		      18, p, &res);
	if (rc < 0)
		return rc;
	if (db_rows(res) == 1) {
		*id = db_int(res, 0, 0, 0);
		*created = true;
		db_result_free(res);
		return 0;
	}
	db_result_free(res);
	res = NULL;
	rc = db_query("outbox_existing", "SELECT id FROM emails WHERE job_id = $1 AND resume_id = $2 AND kind = $3", 3,
		      q, &res);
	if (rc == 0 && db_rows(res) == 1)
		*id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int outbox_user_mailbox(int64_t org_id, int64_t user_id, char **address, char **name)
{
	struct db_result *res = NULL;
	char org[24], user[24];
	const char *p[2] = { org, user };
	int rc;

	*address = *name = NULL;
	db_int_param(org_id, org);
	db_int_param(user_id, user);
	rc = db_query("outbox_user_mailbox", "SELECT email, name FROM users WHERE org_id = $1 AND id = $2", 2, p, &res);
	if (rc == 0 && db_rows(res) == 1) {
		*address = dup_value(res, 0, 0);
		*name = dup_value(res, 0, 1);
	}
	db_result_free(res);
	return rc;
}

int outbox_notify(void)
{
	const char *p[1] = { QUEUE_CHANNEL };

	return db_exec("outbox_notify", "SELECT pg_notify($1, 'emails')", 1, p, NULL);
}

static int row_cmp(const void *a, const void *b)
{
	const struct outbox_row *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int outbox_claim(const char *worker, int max, int lease_seconds, struct outbox_row **rows, int *n)
{
	struct db_result *res = NULL;
	struct outbox_row *v;
	char lease[24], lim[24];
	const char *p[3] = { worker, lease, lim };
	int rc, i, count;

	*rows = NULL;
	*n = 0;
	if (!worker || !*worker || max < 1 || max > OUTBOX_CLAIM_MAX || lease_seconds < 1)
		return ST_BAD_REQUEST;
	if (db_in_transaction())
		return ST_INTERNAL;
	db_int_param(lease_seconds, lease);
	db_int_param(max, lim);
	rc = db_query(
		"outbox_claim",
		"WITH c AS (SELECT id FROM emails WHERE state IN ('queued', 'retrying') AND next_attempt_at <= now()"
		" AND prep_values IS NULL"
		" ORDER BY priority DESC, next_attempt_at, id LIMIT $3::int FOR UPDATE SKIP LOCKED)"
		" UPDATE emails e SET state = 'sending', attempts = e.attempts + 1,"
		" lease_until = now() + make_interval(secs => $2::int), locked_by = $1, updated_at = now()"
		" FROM c WHERE e.id = c.id RETURNING e.id, e.org_id, e.attempts, e.priority,"
		" EXISTS (SELECT 1 FROM email_suppressions s WHERE s.org_id = e.org_id"
		" AND s.address = lower(e.to_address)),"
		" e.to_address, e.to_name, e.subject, e.body_text, e.body_html, e.message_id,"
		" e.reply_to_address, e.reply_to_name, e.request_id",
		3, p, &res);
	if (rc < 0)
		return rc;
	count = db_rows(res);
	if (count == 0) {
		db_result_free(res);
		return 0;
	}
	v = xcalloc((size_t)count, sizeof(*v));
	for (i = 0; i < count; i++) {
		v[i].id = db_int(res, i, 0, 0);
		v[i].org_id = db_int(res, i, 1, 0);
		v[i].attempt = (int)db_int(res, i, 2, 0);
		v[i].priority = (int)db_int(res, i, 3, 0);
		v[i].suppressed = db_bool(res, i, 4);
		v[i].to_address = dup_value(res, i, 5);
		v[i].to_name = dup_value(res, i, 6);
		v[i].subject = dup_value(res, i, 7);
		v[i].text = dup_value(res, i, 8);
		v[i].html = dup_value(res, i, 9);
		v[i].message_id = dup_value(res, i, 10);
		v[i].reply_to_address = dup_value(res, i, 11);
		v[i].reply_to_name = dup_value(res, i, 12);
		v[i].request_id = dup_value(res, i, 13);
	}
	db_result_free(res);
	qsort(v, (size_t)count, sizeof(*v), row_cmp);
	*rows = v;
	*n = count;
	return 0;
}

void outbox_rows_free(struct outbox_row *rows, int n)
{
	int i;

	for (i = 0; rows && i < n; i++) {
		free(rows[i].to_address);
		free(rows[i].to_name);
		free(rows[i].subject);
		free(rows[i].text);
		free(rows[i].html);
		free(rows[i].message_id);
		free(rows[i].reply_to_address);
		free(rows[i].reply_to_name);
		free(rows[i].request_id);
	}
	free(rows);
}

static const char *outcome_state(enum outbox_outcome o)
{
	return o == OUTBOX_SENT ? "sent" : o == OUTBOX_RETRY ? "retrying" : "failed";
}

int outbox_record(const char *worker, const struct outbox_row *rows, const struct outbox_result *results, int n)
{
	struct db_result *res = NULL;
	cJSON *arr;
	char *text;
	int i, rc;

	if (n <= 0)
		return 0;
	arr = cJSON_CreateArray();
	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		const struct outbox_result *r = &results[i];

		cJSON_AddNumberToObject(o, "id", (double)rows[i].id);
		cJSON_AddNumberToObject(o, "attempt", rows[i].attempt);
		cJSON_AddStringToObject(o, "state", outcome_state(r->outcome));
		if (r->code > 0)
			cJSON_AddNumberToObject(o, "code", r->code);
		cJSON_AddStringToObject(o, "reply", r->reply ? r->reply : "");
		cJSON_AddNumberToObject(o, "delay_ms", (double)(r->outcome == OUTBOX_RETRY ? r->retry_in_ms : 0));
		cJSON_AddNumberToObject(o, "unc", r->uncertain ? 1 : 0);
		cJSON_AddBoolToObject(o, "suppress", r->outcome == OUTBOX_FAIL && r->suppress);
		cJSON_AddItemToArray(arr, o);
	}
	text = json_print(arr);
	cJSON_Delete(arr);
	{
		const char *p[2] = { text, worker };

		rc = db_query(
			"outbox_record",
			"WITH v AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS v(id bigint, attempt int, state "
			"text,"
			" code int, reply text, delay_ms bigint, unc int, suppress boolean)),"
			" u AS (UPDATE emails e SET state = v.state, smtp_code = v.code, smtp_reply = v.reply,"
			" last_error = CASE WHEN v.state = 'sent' THEN NULL ELSE v.reply END,"
			" next_attempt_at = CASE WHEN v.state = 'retrying'"
			" THEN now() + v.delay_ms * interval '1 millisecond' ELSE e.next_attempt_at END,"
			" sent_at = CASE WHEN v.state = 'sent' THEN now() ELSE e.sent_at END,"
			" uncertain = e.uncertain + v.unc, lease_until = NULL, locked_by = NULL, updated_at = now()"
			" FROM v WHERE e.id = v.id AND e.state = 'sending' AND e.locked_by = $2 AND e.attempts = "
			"v.attempt"
			" RETURNING e.id, e.org_id, e.to_address),"
			" s AS (INSERT INTO email_suppressions (org_id, address, reason)"
			" SELECT u.org_id, lower(u.to_address), left(COALESCE(NULLIF(v.reply, ''), 'refused'), 300)"
			" FROM u JOIN v ON v.id = u.id WHERE v.suppress ON CONFLICT DO NOTHING)"
			" SELECT count(*) FROM u",
			2, p, &res);
	}
	free(text);
	if (rc < 0)
		return rc;
	rc = (int)db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

/* Emails whose sender stopped while sending, back to retrying (or failed). */
static const char outbox_rescue_sql[] =
	"WITH r AS (SELECT id FROM emails WHERE state = 'sending' AND lease_until < now()"
	" ORDER BY lease_until LIMIT 1000 FOR UPDATE SKIP LOCKED)"
	" UPDATE emails e SET state = CASE WHEN e.attempts >= $1::int THEN 'failed' ELSE 'retrying' END,"
	" next_attempt_at = now(), lease_until = NULL, locked_by = NULL, uncertain = e.uncertain + 1,"
	" last_error = 'the sender stopped before recording the outcome', updated_at = now()"
	" FROM r WHERE e.id = r.id RETURNING e.state";

int outbox_rescue(int max_attempts, int *failed)
{
	struct db_result *res = NULL;
	char max[24];
	const char *p[1] = { max };
	int rc, i, rows, nfailed = 0;

	if (failed)
		*failed = 0;
	db_int_param(max_attempts, max);
	rc = db_query("outbox_rescue", outbox_rescue_sql, 1, p, &res);
	if (rc < 0)
		return rc;
	rows = db_rows(res);
	for (i = 0; i < rows; i++)
		if (strcmp(db_value(res, i, 0), "failed") == 0)
			nfailed++;
	db_result_free(res);
	if (failed)
		*failed = nfailed;
	return rows;
}

int outbox_suppressed(int64_t org_id, const char *addr)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[2] = { org, addr };
	int rc;

	db_int_param(org_id, org);
	rc = db_query("outbox_suppressed", "SELECT 1 FROM email_suppressions WHERE org_id = $1 AND address = lower($2)",
		      2, p, &res);
	if (rc < 0)
		return rc;
	rc = db_rows(res) > 0 ? 1 : 0;
	db_result_free(res);
	return rc;
}

/* One email of an organisation, its bodies when asked. */
static const char outbox_get_sql[] =
	"SELECT (" EMAIL_JSON " || CASE WHEN $3::boolean THEN jsonb_build_object('text', body_text,"
	" 'html', body_html) ELSE '{}'::jsonb END)::text FROM emails WHERE org_id = $1 AND id = $2";

int outbox_get_json(int64_t org_id, int64_t id, bool full, cJSON **out)
{
	char org[24], eid[24];
	const char *p[3] = { org, eid, full ? "t" : "f" };

	db_int_param(org_id, org);
	db_int_param(id, eid);
	return db_query_json("outbox_get", outbox_get_sql, 3, p, out);
}

/* One statement per filter, so that each is one range of its index under any plan. */
#define LIST_SQL(where) \
	"SELECT id, " EMAIL_JSON "::text FROM emails WHERE org_id = $1 AND id < $2::bigint" where \
	" ORDER BY id DESC LIMIT $3::int"
static const struct {
	const char *name, *sql;
} list_stmt[4] = {
	{ "outbox_list", LIST_SQL("") },							/* emails_org */
	{ "outbox_list_job", LIST_SQL(" AND job_id = $4::bigint") },				/* emails_org_job */
	{ "outbox_list_state", LIST_SQL(" AND state = $4::text") },				/* emails_org_state */
	{ "outbox_list_job_state", LIST_SQL(" AND job_id = $4::bigint AND state = $5::text") }, /* emails_job_state */
};

int outbox_list_json(int64_t org_id, int64_t job_id, const char *state, int64_t before_id, int limit, cJSON **out,
		     int64_t *next_before)
{
	char org[24], job[24], before[24], lim[24];
	const char *p[5] = { org, before, lim, job_id > 0 ? job : state, state };
	int which = (job_id > 0 ? 1 : 0) + (state ? 2 : 0);

	*out = NULL;
	*next_before = 0;
	if (state && !outbox_state_valid(state))
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(before_id > 0 ? before_id : INT64_MAX, before);
	db_int_param(limit + 1, lim);
	return db_query_page(list_stmt[which].name, list_stmt[which].sql, 3 + (job_id > 0) + (state != NULL), p, limit,
			     out, next_before);
}

int outbox_stats_json(int64_t org_id, int64_t job_id, cJSON **out)
{
	char org[24], job[24];
	const char *p[2] = { org, job };

	db_int_param(org_id, org);
	db_int_param(job_id, job);
	return db_query_json(
		"outbox_stats",
		"SELECT jsonb_build_object('job_id', j.id, 'total', count(e.id), 'states', jsonb_build_object("
		"'awaiting_approval', count(e.id) FILTER (WHERE e.state = 'awaiting_approval'),"
		" 'queued', count(e.id) FILTER (WHERE e.state = 'queued'),"
		" 'sending', count(e.id) FILTER (WHERE e.state = 'sending'),"
		" 'sent', count(e.id) FILTER (WHERE e.state = 'sent'),"
		" 'retrying', count(e.id) FILTER (WHERE e.state = 'retrying'),"
		" 'failed', count(e.id) FILTER (WHERE e.state = 'failed'),"
		" 'bounced', count(e.id) FILTER (WHERE e.state = 'bounced'),"
		" 'complained', count(e.id) FILTER (WHERE e.state = 'complained')), 'kinds', jsonb_build_object("
		"'invite', count(e.id) FILTER (WHERE e.kind = 'invite'),"
		" 'consider', count(e.id) FILTER (WHERE e.kind = 'consider'),"
		" 'reject', count(e.id) FILTER (WHERE e.kind = 'reject')),"
		" 'uncertain', COALESCE(sum(e.uncertain), 0))::text"
		" FROM jobs j LEFT JOIN emails e ON e.job_id = j.id WHERE j.org_id = $1 AND j.id = $2 GROUP BY j.id",
		2, p, out);
}

static const struct counters_statement plan_statements[] = {
	{ "outbox_list", LIST_SQL(""), "ORG_ID, 9223372036854775807, 51" },
	{ "outbox_list_job", LIST_SQL(" AND job_id = $4::bigint"), "ORG_ID, 9223372036854775807, 51, JOB_ID" },
	{ "outbox_list_state", LIST_SQL(" AND state = $4::text"), "ORG_ID, 9223372036854775807, 51, 'failed'" },
	{ "outbox_list_job_state", LIST_SQL(" AND job_id = $4::bigint AND state = $5::text"),
	  "ORG_ID, 9223372036854775807, 51, JOB_ID, 'failed'" },
	{ "outbox_get", outbox_get_sql, "ORG_ID, EMAIL_ID, true" },
	{ "outbox_rescue", outbox_rescue_sql, "5" },
};

const struct counters_statement *outbox_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
