/* decision: a recruiter's category for a candidate, overriding the scorer's recommendation, with its reason. */
#include "score/decision.h"

#include <ctype.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/db.h"

static const char *const categories[] = { "shortlist", "consider", "reject", "needs_review" };

/* Characters (code points) in s, and whether any is not white space. */
static size_t text_chars(const char *s, bool *visible)
{
	size_t len = strlen(s), i = 0, n = 0;
	uint32_t cp;

	*visible = false;
	while (i < len) {
		size_t step = utf8_decode((const unsigned char *)s, len, i, &cp);

		if (cp > 0x7f || !isspace((int)cp))
			*visible = true;
		i += step;
		n++;
	}
	return n;
}

int decision_from_json(const cJSON *body, struct decision_input *in, char *err, size_t errlen)
{
	const cJSON *cat, *reason, *it;
	size_t i, chars;
	bool visible;

	if (!cJSON_IsObject(body))
		return fail(err, errlen, "the body must be a JSON object");
	cJSON_ArrayForEach(it, body)
	{
		if (strcmp(it->string, "category") != 0 && strcmp(it->string, "reason") != 0)
			return fail(err, errlen, "%s: unknown member (give category and reason)", it->string);
	}
	cat = cJSON_GetObjectItemCaseSensitive(body, "category");
	reason = cJSON_GetObjectItemCaseSensitive(body, "reason");
	for (i = 0; cJSON_IsString(cat) && i < ARRAY_SIZE(categories); i++)
		if (strcmp(cat->valuestring, categories[i]) == 0)
			break;
	if (!cJSON_IsString(cat) || i == ARRAY_SIZE(categories))
		return fail(err, errlen, "category: must be one of shortlist, consider, reject, needs_review");
	if (!cJSON_IsString(reason))
		return fail(err, errlen, "reason: required, a string of 1 to %d characters", DECISION_REASON_MAX);
	chars = text_chars(reason->valuestring, &visible);
	if (chars == 0 || !visible)
		return fail(err, errlen, "reason: required, say why the category is changed");
	if (chars > DECISION_REASON_MAX)
		return fail(err, errlen, "reason: %zu characters, at most %d", chars, DECISION_REASON_MAX);
	in->category = cat->valuestring;
	in->reason = reason->valuestring;
	return 0;
}

/* What state_before() reads: the aliases d and u are those DECISION_JSON expects. */
static const char before_sql[] =
	"SELECT jsonb_build_object('decision', " DECISION_JSON ", 'recommendation', (SELECT a.category"
	" FROM analyses a WHERE a.resume_id = r.id AND a.is_current))::text FROM resumes r"
	" LEFT JOIN decisions d ON d.resume_id = r.id LEFT JOIN users u ON u.id = d.user_id"
	" WHERE r.org_id = $1 AND r.job_id = $2 AND r.id = $3 FOR UPDATE OF r";

/*
 * The candidate's decision and recommendation before a change, locked for
 * it, into *before ({"decision": ... or null, "recommendation": ... or
 * null}; caller frees). ST_NOT_FOUND when the organisation has no such resume in the job.
 */
static int state_before(const char *org, const char *job, const char *resume, cJSON **before)
{
	const char *p[3] = { org, job, resume };

	return db_query_json("decision_before", before_sql, 3, p, before);
}

int decision_set(const struct audit_actor *who, int64_t job_id, int64_t resume_id, const struct decision_input *in,
		 cJSON **out)
{
	char org[24], job[24], resume[24], user[24], key[24];
	cJSON *before = NULL, *details = NULL;
	int rc;

	*out = NULL;
	db_int_param(who->org_id, org);
	db_int_param(job_id, job);
	db_int_param(resume_id, resume);
	db_int_param(who->user_id, user);
	db_int_param(who->key_id, key);
	rc = db_begin();
	if (rc == 0)
		rc = state_before(org, job, resume, &before);
	if (rc == 0) {
		const char *p[7] = { org,
				     job,
				     resume,
				     in->category,
				     in->reason,
				     who->user_id > 0 ? user : NULL,
				     who->key_id > 0 ? key : NULL };

		rc = db_exec("decision_set",
			     "INSERT INTO decisions (org_id, job_id, resume_id, category, reason, user_id, key_id)"
			     " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (resume_id) DO UPDATE SET"
			     " category = EXCLUDED.category, reason = EXCLUDED.reason, user_id = EXCLUDED.user_id,"
			     " key_id = EXCLUDED.key_id, created_at = now()",
			     7, p, NULL);
	}
	if (rc == 0) {
		struct audit_event ev = { "decision.set", job_id, resume_id, NULL, 0, NULL };

		details = cJSON_CreateObject();
		cJSON_AddStringToObject(details, "category", in->category);
		cJSON_AddStringToObject(details, "reason", in->reason);
		cJSON_AddItemToObject(details, "replaced", cJSON_DetachItemFromObject(before, "decision"));
		cJSON_AddItemToObject(details, "recommendation", cJSON_DetachItemFromObject(before, "recommendation"));
		ev.details = details;
		rc = audit_record(who, &ev);
	}
	if (rc == 0) {
		const char *p[1] = { resume };

		rc = db_query_json("decision_get",
				   "SELECT " DECISION_JSON "::text FROM decisions d"
				   " LEFT JOIN users u ON u.id = d.user_id WHERE d.resume_id = $1",
				   1, p, out);
	}
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		cJSON_Delete(*out);
		*out = NULL;
	}
	cJSON_Delete(before);
	cJSON_Delete(details);
	return rc;
}

int decision_withdraw(const struct audit_actor *who, int64_t job_id, int64_t resume_id)
{
	char org[24], job[24], resume[24];
	cJSON *before = NULL, *withdrawn;
	int rc;

	db_int_param(who->org_id, org);
	db_int_param(job_id, job);
	db_int_param(resume_id, resume);
	rc = db_begin();
	if (rc == 0)
		rc = state_before(org, job, resume, &before);
	withdrawn = before ? cJSON_GetObjectItemCaseSensitive(before, "decision") : NULL;
	if (rc == 0 && !cJSON_IsObject(withdrawn))
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		const char *p[1] = { resume };

		rc = db_exec("decision_withdraw", "DELETE FROM decisions WHERE resume_id = $1", 1, p, NULL);
	}
	if (rc == 0) {
		struct audit_event ev = { "decision.withdrawn", job_id, resume_id, NULL, 0, before };

		rc = audit_record(who, &ev);
	}
	if (rc == 0)
		rc = db_commit();
	if (rc < 0)
		db_rollback();
	cJSON_Delete(before);
	return rc;
}
