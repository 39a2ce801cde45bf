/* bounce: applying bounces and complaints that arrive after delivery to the emails they are about. */
#include "mail/bounce.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "core/db.h"

const char *bounce_kind_name(enum bounce_kind k)
{
	return k == BOUNCE_PERMANENT ? "permanent" : k == BOUNCE_COMPLAINT ? "complaint" : "transient";
}

const char *bounce_result_name(enum bounce_result r)
{
	return r == BOUNCE_APPLIED ? "applied" : r == BOUNCE_DUPLICATE ? "duplicate" : "unknown";
}

int bounce_apply(const struct bounce_report *b, enum bounce_result *result, int64_t *email_id, char *state,
		 size_t statelen)
{
	struct db_result *res = NULL;
	char id[24];
	const char *p[5] = { b->message_id, b->email_id > 0 ? id : NULL, b->recipient, bounce_kind_name(b->kind),
			     b->detail && *b->detail ? b->detail : NULL };
	int rc;

	*result = BOUNCE_UNKNOWN;
	*email_id = 0;
	snprintf(state, statelen, "%s", "");
	if (!b->message_id && b->email_id <= 0)
		return 0;
	db_int_param(b->email_id, id);
	rc = db_query("bounce_apply",
		      "WITH e AS (SELECT id, org_id, to_address, state FROM emails"
		      " WHERE ($1::text IS NOT NULL OR $2::bigint IS NOT NULL)"
		      " AND ($1::text IS NULL OR message_id = $1::text) AND ($2::bigint IS NULL OR id = $2::bigint)"
		      " AND ($3::text IS NULL OR lower(to_address) = lower($3::text)) FOR UPDATE),"
		      " u AS (UPDATE emails x SET"
		      " state = CASE $4::text WHEN 'permanent' THEN 'bounced' WHEN 'complaint' THEN 'complained' ELSE "
		      "x.state END,"
		      " bounced_at = CASE WHEN $4::text = 'transient' THEN x.bounced_at ELSE now() END,"
		      " bounce_type = $4::text, bounce_detail = left($5::text, 1000),"
		      " last_error = CASE WHEN $4::text = 'transient' THEN left($5::text, 1000) ELSE x.last_error END,"
		      " updated_at = now()"
		      " FROM e WHERE x.id = e.id AND CASE $4::text"
		      " WHEN 'permanent' THEN x.state = 'sent'"
		      " WHEN 'complaint' THEN x.state IN ('sent', 'bounced')"
		      " ELSE x.state = 'sent' AND (x.bounce_type IS DISTINCT FROM 'transient'"
		      " OR x.bounce_detail IS DISTINCT FROM left($5::text, 1000)) END"
		      " RETURNING x.id, x.org_id, x.to_address, x.state),"
		      " s AS (INSERT INTO email_suppressions (org_id, address, reason, source, email_id)"
		      " SELECT org_id, lower(to_address), left(COALESCE($5::text, $4::text), 300),"
		      " CASE $4::text WHEN 'complaint' THEN 'complaint' ELSE 'bounce' END, id FROM u"
		      " WHERE $4::text <> 'transient' ON CONFLICT DO NOTHING)"
		      " SELECT e.id, COALESCE((SELECT u.state FROM u WHERE u.id = e.id), e.state),"
		      " EXISTS (SELECT 1 FROM u WHERE u.id = e.id) FROM e ORDER BY e.id LIMIT 1",
		      5, p, &res);
	if (rc < 0)
		return rc;
	if (db_rows(res) > 0) {
		*email_id = db_int(res, 0, 0, 0);
		snprintf(state, statelen, "%s", db_value(res, 0, 1));
		*result = db_bool(res, 0, 2) ? BOUNCE_APPLIED : BOUNCE_DUPLICATE;
	}
	db_result_free(res);
	return 0;
}
