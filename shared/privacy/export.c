/* export: everything held about one candidate, and the audit trail, as documents to hand over. */
#include "privacy/export.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"

static const char candidate_sql[] =
	"SELECT jsonb_build_object('exported_at', now(),"
	" 'candidate', jsonb_build_object('id', r.id, 'job_id', r.job_id, 'filename', r.filename,"
	" 'content_type', r.content_type, 'size_bytes', r.size_bytes, 'sha256', r.sha256, 'status', r.status,"
	" 'status_reason', r.status_reason, 'text', r.text, 'page_count', r.page_count, 'contact', r.contact,"
	" 'flags', r.flags, 'created_at', r.created_at, 'updated_at', r.updated_at),"
	" 'job', jsonb_build_object('id', j.id, 'title', j.title, 'status', j.status),"
	" 'analyses', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'created_at', a.created_at,"
	" 'is_current', a.is_current, 'provider', a.provider, 'model', a.model, 'prompt_version', a.prompt_version,"
	" 'rubric_version', a.rubric_version, 'score', a.score, 'category', a.category, 'decision', a.decision,"
	" 'result', a.result) ORDER BY a.id), '[]'::jsonb) FROM analyses a WHERE a.resume_id = r.id),"
	" 'decision', (SELECT jsonb_build_object('category', d.category, 'reason', d.reason, 'decided_at',"
	" d.created_at, 'user_id', d.user_id, 'key_id', d.key_id) FROM decisions d WHERE d.resume_id = r.id),"
	" 'emails', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', e.id, 'kind', e.kind, 'to_address',"
	" e.to_address, 'to_name', e.to_name, 'subject', e.subject, 'body_text', e.body_text, 'body_html',"
	" e.body_html, 'state', e.state, 'created_at', e.created_at, 'sent_at', e.sent_at, 'bounce_type',"
	" e.bounce_type) ORDER BY e.id), '[]'::jsonb) FROM emails e WHERE e.resume_id = r.id),"
	" 'legal_holds', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', h.id, 'reason', h.reason,"
	" 'created_at', h.created_at, 'released_at', h.released_at) ORDER BY h.id), '[]'::jsonb)"
	" FROM legal_holds h WHERE h.resume_id = r.id),"
	" 'audit_events', (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', ev.id, 'created_at', ev.created_at,"
	" 'action', ev.action, 'actor', jsonb_build_object('user_id', ev.actor_user_id, 'key_id', ev.actor_key_id,"
	" 'system', ev.actor_system), 'job_id', ev.job_id, 'resume_id', ev.resume_id, 'email_ids',"
	" COALESCE(to_jsonb(ev.email_ids), '[]'::jsonb), 'request_id', ev.request_id, 'details', ev.details)"
	" ORDER BY ev.id), '[]'::jsonb) FROM audit_events ev WHERE ev.org_id = r.org_id AND (ev.resume_id = r.id"
	" OR (ev.job_id = r.job_id AND ev.details->'candidate_ids' @> to_jsonb(ARRAY[r.id])))))::text"
	" FROM resumes r JOIN jobs j ON j.id = r.job_id WHERE r.org_id = $1 AND r.id = $2";

int export_candidate_json(int64_t org_id, int64_t resume_id, cJSON **out)
{
	char org[24], rid[24];
	const char *p[2] = { org, rid };

	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	return db_query_json("export_candidate", candidate_sql, 2, p, out);
}

const char export_audit_csv_header[] = "id,created_at,action,actor_user_id,actor_user_email,actor_key_id,actor_system,"
				       "job_id,resume_id,email_ids,request_id,details,redacted_at\r\n";

/* One CSV field: quoted when it holds a comma, quote, CR or LF (quotes doubled); nothing for NULL. */
static int field(struct buf *out, const char *s, bool last)
{
	int rc = 0;

	if (s && strpbrk(s, ",\"\r\n")) {
		rc = buf_append_char(out, '"');
		for (; rc == 0 && *s; s++)
			rc = *s == '"' ? buf_append(out, "\"\"", 2) : buf_append_char(out, *s);
		if (rc == 0)
			rc = buf_append_char(out, '"');
	} else if (s) {
		rc = buf_append(out, s, strlen(s));
	}
	if (rc == 0)
		rc = last ? buf_append(out, "\r\n", 2) : buf_append_char(out, ',');
	return rc < 0 ? -1 : 0;
}

/* A member as CSV text: strings as they are, numbers as integers, null as nothing, the rest as JSON. */
static int member(struct buf *out, const cJSON *o, const char *name, bool last)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
	char num[32], *json;
	int rc;

	if (!v || cJSON_IsNull(v))
		return field(out, NULL, last);
	if (cJSON_IsString(v))
		return field(out, v->valuestring, last);
	if (cJSON_IsNumber(v)) {
		snprintf(num, sizeof(num), "%.0f", v->valuedouble);
		return field(out, num, last);
	}
	json = cJSON_PrintUnformatted(v);
	rc = field(out, json ? json : "", last);
	free(json);
	return rc;
}

int export_audit_csv(const cJSON *items, struct buf *out)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, items)
	{
		const cJSON *actor = cJSON_GetObjectItemCaseSensitive(ev, "actor");

		if (member(out, ev, "id", false) < 0 || member(out, ev, "created_at", false) < 0 ||
		    member(out, ev, "action", false) < 0 || member(out, actor, "user_id", false) < 0 ||
		    member(out, actor, "user_email", false) < 0 || member(out, actor, "key_id", false) < 0 ||
		    member(out, actor, "system", false) < 0 || member(out, ev, "job_id", false) < 0 ||
		    member(out, ev, "resume_id", false) < 0 || member(out, ev, "email_ids", false) < 0 ||
		    member(out, ev, "request_id", false) < 0 || member(out, ev, "details", false) < 0 ||
		    member(out, ev, "redacted_at", true) < 0)
			return -1;
	}
	return 0;
}
