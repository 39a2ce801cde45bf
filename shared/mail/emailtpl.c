/* emailtpl: a job's email templates per kind in PostgreSQL, falling back to the built-in defaults. */
#include "mail/emailtpl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"
#include "llm/llm_json.h"
#include "score/jobstore.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int emailtpl_load(int64_t org_id, int64_t job_id, enum template_kind kind, struct emailtpl *out);

static cJSON *generation_schema(void)
{
	static const char *const fields[] = { "subject", "text", "html" };
	cJSON *schema = cJSON_CreateObject(), *props, *req;
	size_t i;

	cJSON_AddStringToObject(schema, "type", "object");
	props = cJSON_AddObjectToObject(schema, "properties");
	req = cJSON_AddArrayToObject(schema, "required");
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(props, fields[i]), "type", "string");
		cJSON_AddItemToArray(req, cJSON_CreateString(fields[i]));
	}
	cJSON_AddFalseToObject(schema, "additionalProperties");
	return schema;
}

/*
 * Asks the LLM provider for this job's template of a kind, once: a draft
 * that passes the same checks as an edited one (known variables only, never
 * a score) is stored as the job's template. Returns 0 when one was stored;
 * -1 leaves the built-in default in force (and a later request tries again).
 */
static int generate(int64_t org_id, int64_t job_id, enum template_kind kind)
{
	static const char system[] =
		"You write short, warm and professional emails from a recruiter to a job candidate. Use these "
		"placeholders exactly as written where they fit: {{candidate_name}}, {{position}}, {{company}}, "
		"{{recruiter_name}}, and for invitations {{scheduling_link}}. Use no other placeholders. Never mention "
		"scores, rankings, ratings, or how the candidate was assessed. Give a subject, a plain-text body and "
		"an "
		"HTML body that uses only <p>, <br> and <a href=\"{{scheduling_link}}\">.";
	static const char *const purposes[] = {
		"an invitation to the next step, asking the candidate to pick an interview time",
		"a note that the candidate is being considered and will hear back, without a decision yet",
		"a respectful rejection that thanks the candidate and wishes them well",
	};
	struct buf user = BUF_INIT(64 * 1024);
	struct template t;
	struct job *job = NULL;
	cJSON *schema = generation_schema(), *answer = NULL;
	char err[300];
	int rc = -1;

	if (jobstore_load(org_id, job_id, &job) < 0)
		goto out;
	buf_printf(&user, "Write %s.\nPosition: %s\nCompany: %s\nLocation: %s", purposes[kind], job->title,
		   job->company ? job->company : "", job->location ? job->location : "");
	if (llm_json_call(system, user.ptr, schema, "email_template", &answer, err, sizeof(err)) < 0) {
		log_warn("emailtpl: no %s template from the provider (%s); using the default", template_kind_name(kind),
			 err);
		goto out;
	}
	t.subject = json_str(answer, "subject", "");
	t.text = json_str(answer, "text", "");
	t.html = json_str(answer, "html", "");
	if (!*t.html)
		t.html = NULL;
	if (emailtpl_put(org_id, job_id, kind, &t, err, sizeof(err)) < 0) {
		log_warn("emailtpl: the provider's %s template was refused (%s); using the default",
			 template_kind_name(kind), err);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(schema);
	cJSON_Delete(answer);
	job_free(job);
	buf_release(&user);
	return rc;
}

int emailtpl_get(int64_t org_id, int64_t job_id, enum template_kind kind, struct emailtpl *out)
{
	int rc = emailtpl_load(org_id, job_id, kind, out);

	if (rc == 0 && out->is_default && llm_json_enabled() && generate(org_id, job_id, kind) == 0) {
		emailtpl_release(out);
		rc = emailtpl_load(org_id, job_id, kind, out);
	}
	return rc;
}

/* The stored template, or the built-in default when the job has none. */
static int emailtpl_load(int64_t org_id, int64_t job_id, enum template_kind kind, struct emailtpl *out)
{
	struct db_result *res = NULL;
	const char *name = template_kind_name(kind);
	char org[24], job[24];
	const char *p[3] = { org, job, name };
	int rc;

	memset(out, 0, sizeof(*out));
	if (!name)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("emailtpl_get",
		      "SELECT t.job_id IS NOT NULL, t.subject, t.body_text, t.body_html,"
		      " to_jsonb(t.updated_at) #>> '{}'"
		      " FROM jobs j LEFT JOIN email_templates t ON t.job_id = j.id AND t.kind = $3"
		      " WHERE j.org_id = $1 AND j.id = $2",
		      3, p, &res);
	if (rc < 0)
		return rc;
	if (db_rows(res) != 1) {
		db_result_free(res);
		return ST_NOT_FOUND;
	}
	out->kind = kind;
	if (db_bool(res, 0, 0)) {
		out->subject = xstrdup(db_value(res, 0, 1));
		out->text = xstrdup(db_value(res, 0, 2));
		out->html = dup_or_null(db_value(res, 0, 3));
		out->updated_at = dup_or_null(db_value(res, 0, 4));
	} else {
		const struct template *d = template_default(kind);

		out->subject = xstrdup(d->subject);
		out->text = xstrdup(d->text);
		out->html = dup_or_null(d->html);
		out->is_default = true;
	}
	db_result_free(res);
	return 0;
}

int emailtpl_check(const struct template *t, char *err, size_t errlen)
{
	if (!t->subject || !*t->subject || !t->text || !*t->text) {
		snprintf(err, errlen, "%s: is required", !t->subject || !*t->subject ? "subject" : "text");
		return -1;
	}
	if (template_check(t, err, errlen) < 0)
		return -1;
	if (template_mentions_score(t->subject) || template_mentions_score(t->text) ||
	    (t->html && template_mentions_score(t->html))) {
		const char *part = template_mentions_score(t->subject) ? "subject"
				   : template_mentions_score(t->text)  ? "text"
								       : "html";

		snprintf(err, errlen, "%s: mentions a score or ranking; candidate emails never do", part);
		return -1;
	}
	return 0;
}

int emailtpl_put(int64_t org_id, int64_t job_id, enum template_kind kind, const struct template *t, char *err,
		 size_t errlen)
{
	struct db_result *res = NULL;
	const char *name = template_kind_name(kind);
	char org[24], job[24];
	int rc;

	if (!name) {
		snprintf(err, errlen, "kind: must be invite, consider or reject");
		return ST_BAD_REQUEST;
	}
	if (emailtpl_check(t, err, errlen) < 0)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	{
		const char *p[6] = { org, job, name, t->subject, t->text, t->html };

		rc = db_query("emailtpl_put",
			      "INSERT INTO email_templates (job_id, org_id, kind, subject, body_text, body_html)"
			      " SELECT id, org_id, $3, $4, $5, $6 FROM jobs WHERE org_id = $1 AND id = $2"
			      " ON CONFLICT (job_id, kind) DO UPDATE SET subject = EXCLUDED.subject,"
			      " body_text = EXCLUDED.body_text, body_html = EXCLUDED.body_html, updated_at = now()"
			      " RETURNING job_id",
			      6, p, &res);
	}
	if (rc < 0)
		return rc;
	rc = db_rows(res) == 1 ? 0 : ST_NOT_FOUND;
	db_result_free(res);
	return rc;
}

int emailtpl_reset(int64_t org_id, int64_t job_id, enum template_kind kind)
{
	struct db_result *res = NULL;
	const char *name = template_kind_name(kind);
	char org[24], job[24];
	const char *p[3] = { org, job, name };
	int rc;

	if (!name)
		return ST_BAD_REQUEST;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	rc = db_query("emailtpl_reset",
		      "WITH d AS (DELETE FROM email_templates WHERE org_id = $1 AND job_id = $2 AND kind = $3)"
		      " SELECT 1 FROM jobs WHERE org_id = $1 AND id = $2",
		      3, p, &res);
	if (rc < 0)
		return rc;
	rc = db_rows(res) == 1 ? 0 : ST_NOT_FOUND;
	db_result_free(res);
	return rc;
}

void emailtpl_view(const struct emailtpl *tpl, struct template *out)
{
	out->subject = tpl->subject;
	out->text = tpl->text;
	out->html = tpl->html;
}

cJSON *emailtpl_to_json(const struct emailtpl *tpl)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", template_kind_name(tpl->kind));
	cJSON_AddStringToObject(o, "subject", tpl->subject ? tpl->subject : "");
	cJSON_AddStringToObject(o, "text", tpl->text ? tpl->text : "");
	json_add_str_or_null(o, "html", tpl->html);
	cJSON_AddBoolToObject(o, "is_default", tpl->is_default);
	json_add_str_or_null(o, "updated_at", tpl->updated_at);
	return o;
}

void emailtpl_release(struct emailtpl *tpl)
{
	free(tpl->subject);
	free(tpl->text);
	free(tpl->html);
	free(tpl->updated_at);
	memset(tpl, 0, sizeof(*tpl));
}
