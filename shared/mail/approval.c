/* approval: the second person's approval an organisation may require before rejection emails go out. */
#include "mail/approval.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "mail/outbox.h"

int approval_required(int64_t org_id, const char *kind, bool *required)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[1] = { org };
	int rc;

	*required = false;
	if (!kind || strcmp(kind, "reject") != 0)
		return 0;
	db_int_param(org_id, org);
	rc = db_query("approval_required", "SELECT require_rejection_approval FROM organisations WHERE id = $1", 1, p,
		      &res);
	if (rc == 0 && db_rows(res) == 1)
		*required = db_bool(res, 0, 0);
	db_result_free(res);
	return rc;
}

int approval_set_required(int64_t org_id, bool required)
{
	char org[24];
	const char *p[2] = { org, required ? "true" : "false" };
	int64_t n = 0;
	int rc;

	db_int_param(org_id, org);
	rc = db_exec("approval_set_required", "UPDATE organisations SET require_rejection_approval = $2 WHERE id = $1",
		     2, p, &n);
	return rc < 0 ? rc : n == 1 ? 0 : ST_NOT_FOUND;
}

/* "{1,2,3}" of the n ids. */
static int id_text(const int64_t *ids, size_t n, struct buf *out)
{
	size_t i;

	if (buf_append_char(out, '{') < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (buf_printf(out, "%s%lld", i ? "," : "", (long long)ids[i]) < 0)
			return -1;
	return buf_append_char(out, '}');
}

/* Whether who is the one who asked for the email in row i (requested_by_user, requested_by_key in columns 2, 3). */
static bool same_person(const struct audit_actor *who, const struct db_result *res, int i)
{
	int64_t user = db_int(res, i, 2, 0), key = db_int(res, i, 3, 0);

	if (user > 0)
		return user == who->user_id;
	return key > 0 && key == who->key_id;
}

int approval_approve(const struct audit_actor *who, int64_t job_id, const int64_t *ids, size_t n, cJSON **out,
		     const char **why)
{
	struct buf all = BUF_INIT(24 * (OUTBOX_SEND_MAX + 2)), ok = BUF_INIT(24 * (OUTBOX_SEND_MAX + 2));
	struct db_result *res = NULL;
	int64_t *approved = NULL;
	size_t n_approved = 0, i;
	char org[24], job[24], user[24];
	cJSON *o = NULL, *arr_ok, *arr_not, *arr_unknown;
	int rc, rows = 0, r;

	*out = NULL;
	*why = NULL;
	if (n == 0 || n > OUTBOX_SEND_MAX)
		return ST_BAD_REQUEST;
	db_int_param(who->org_id, org);
	db_int_param(job_id, job);
	db_int_param(who->user_id, user);
	if (id_text(ids, n, &all) < 0)
		return ST_BAD_REQUEST;
	rc = db_begin();
	if (rc == 0) {
		const char *p[2] = { org, job };

		rc = db_query("approval_job", "SELECT 1 FROM jobs WHERE org_id = $1 AND id = $2", 2, p, &res);
		if (rc == 0 && db_rows(res) == 0)
			rc = ST_NOT_FOUND;
		db_result_free(res);
		res = NULL;
	}
	if (rc == 0 && who->user_id <= 0) {
		*why = "an approval must come from a user of the organisation: sign in, or use a key that belongs to a "
		       "user";
		rc = ST_FORBIDDEN;
	}
	if (rc == 0) {
		const char *p[3] = { org, job, all.ptr };

		rc = db_query("approval_lock",
			      "SELECT id, state, requested_by_user, requested_by_key FROM emails WHERE org_id = $1"
			      " AND job_id = $2 AND id = ANY ($3::bigint[]) ORDER BY id FOR UPDATE",
			      3, p, &res);
	}
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "job_id", (double)job_id);
	arr_ok = cJSON_AddArrayToObject(o, "approved");
	arr_not = cJSON_AddArrayToObject(o, "not_awaiting");
	arr_unknown = cJSON_AddArrayToObject(o, "unknown");
	approved = xcalloc((size_t)rows + 1, sizeof(*approved));
	for (r = 0; r < rows; r++) {
		int64_t id = db_int(res, r, 0, 0);

		if (strcmp(db_value(res, r, 1), "awaiting_approval") != 0) {
			cJSON_AddItemToArray(arr_not, cJSON_CreateNumber((double)id));
			continue;
		}
		if (same_person(who, res, r)) {
			*why = "the user who asked for a rejection cannot approve it: another user of the organisation "
			       "must";
			rc = ST_FORBIDDEN;
			goto out;
		}
		approved[n_approved++] = id;
		cJSON_AddItemToArray(arr_ok, cJSON_CreateNumber((double)id));
	}
	for (i = 0; i < n; i++) {
		bool seen = false;
		size_t j;

		for (r = 0; r < rows && !seen; r++)
			seen = db_int(res, r, 0, 0) == ids[i];
		for (j = 0; j < i && !seen; j++)
			seen = ids[j] == ids[i];
		if (!seen)
			cJSON_AddItemToArray(arr_unknown, cJSON_CreateNumber((double)ids[i]));
	}
	if (n_approved > 0) {
		struct audit_event ev = { "emails.approved", job_id, 0, approved, n_approved, NULL };
		const char *p[2] = { ok.ptr, user };

		if (id_text(approved, n_approved, &ok) < 0) {
			rc = ST_INTERNAL;
			goto out;
		}
		p[0] = ok.ptr;
		rc = db_exec("approval_approve",
			     "UPDATE emails SET state = 'queued', approved_by_user = $2, approved_at = now(),"
			     " next_attempt_at = now(), updated_at = now() WHERE id = ANY ($1::bigint[])"
			     " AND state = 'awaiting_approval'",
			     2, p, NULL);
		if (rc == 0)
			rc = audit_record(who, &ev);
		if (rc == 0)
			rc = outbox_notify();
	}
	if (rc == 0)
		rc = db_commit();
out:
	if (rc < 0) {
		db_rollback();
		cJSON_Delete(o);
	} else {
		*out = o;
	}
	free(approved);
	db_result_free(res);
	buf_release(&all);
	buf_release(&ok);
	return rc;
}
