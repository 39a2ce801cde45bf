/* userstore: an organisation's users in PostgreSQL — made, and their passwords set. */
#include "account/userstore.h"

#include <string.h>

#include "account/session.h"
#include "base/status.h"
#include "core/db.h"

bool userstore_email_plausible(const char *email)
{
	return email && strchr(email, '@') != NULL;
}

int userstore_create(int64_t org_id, const char *email, const char *name, bool admin, const char *password_hash,
		     int64_t *id)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[5] = { org, email, name ? name : "", admin ? "admin" : "recruiter", password_hash };
	int rc;

	*id = 0;
	if (!userstore_email_plausible(email))
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	rc = db_query("userstore_create",
		      "INSERT INTO users (org_id, email, name, role, password_hash, password_changed_at)"
		      " VALUES ($1, $2, $3, $4, $5::text, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END)"
		      " RETURNING id",
		      5, p, &res);
	if (rc == 0)
		*id = db_int(res, 0, 0, 0);
	db_result_free(res);
	return rc;
}

int userstore_set_password(int64_t org_id, const char *email, const char *password_hash, int64_t *user_id)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[3] = { org, email, password_hash };
	int rc;

	*user_id = 0;
	db_int_param(org_id, org);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = db_query("userstore_set_password",
		      "UPDATE users SET password_hash = $3, password_changed_at = now()"
		      " WHERE org_id = $1 AND lower(email) = lower($2) RETURNING id",
		      3, p, &res);
	if (rc == 0 && db_rows(res) != 1)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		*user_id = db_int(res, 0, 0, 0);
		rc = session_revoke_user(*user_id);
	}
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		*user_id = 0;
	}
	db_result_free(res);
	return rc;
}
