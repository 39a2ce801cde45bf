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

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static int emailtpl_load(int64_t org_id, int64_t job_id, enum template_kind kind, struct emailtpl *out);

int emailtpl_get(int64_t org_id, int64_t job_id, enum template_kind kind, struct emailtpl *out)
{
	return emailtpl_load(org_id, job_id, kind, out);
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
		      " to_jsonb(t.updated_at) #>> '{}', t.source"
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
		out->source = xstrdup(db_value(res, 0, 5));
	} else {
		const struct template *d = template_default(kind);

		out->subject = xstrdup(d->subject);
		out->text = xstrdup(d->text);
		out->html = dup_or_null(d->html);
		out->is_default = true;
		out->source = xstrdup("default");
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

/* Upserts t with source; an LLM draft ($7 = 'llm') never replaces an edited template. */
static int put_as(int64_t org_id, int64_t job_id, enum template_kind kind, const struct template *t, const char *source,
		  char *err, size_t errlen)
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
		const char *p[7] = { org, job, name, t->subject, t->text, t->html, source };

		rc = db_query(
			"emailtpl_put",
			"INSERT INTO email_templates (job_id, org_id, kind, subject, body_text, body_html, source)"
			" SELECT id, org_id, $3, $4, $5, $6, $7 FROM jobs WHERE org_id = $1 AND id = $2"
			" ON CONFLICT (job_id, kind) DO UPDATE SET subject = EXCLUDED.subject,"
			" body_text = EXCLUDED.body_text, body_html = EXCLUDED.body_html,"
			" source = EXCLUDED.source, updated_at = now()"
			" WHERE EXCLUDED.source = 'edited' OR email_templates.source = 'llm'"
			" RETURNING job_id",
			7, p, &res);
	}
	if (rc < 0)
		return rc;
	rc = db_rows(res) == 1 ? 0 : ST_NOT_FOUND;
	db_result_free(res);
	return rc;
}

int emailtpl_put(int64_t org_id, int64_t job_id, enum template_kind kind, const struct template *t, char *err,
		 size_t errlen)
{
	return put_as(org_id, job_id, kind, t, "edited", err, errlen);
}

int emailtpl_put_llm(int64_t org_id, int64_t job_id, enum template_kind kind, const struct template *t, char *err,
		     size_t errlen)
{
	int rc = put_as(org_id, job_id, kind, t, "llm", err, errlen);

	return rc == ST_NOT_FOUND ? 0 : rc;
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
	cJSON_AddStringToObject(o, "source", tpl->source ? tpl->source : "default");
	json_add_str_or_null(o, "updated_at", tpl->updated_at);
	return o;
}

void emailtpl_release(struct emailtpl *tpl)
{
	free(tpl->subject);
	free(tpl->text);
	free(tpl->html);
	free(tpl->updated_at);
	free(tpl->source);
	memset(tpl, 0, sizeof(*tpl));
}
