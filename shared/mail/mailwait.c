/* mailwait: emails that wait for their job's preparation (company details, templates), released by the drainer. */
#include "mail/mailwait.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/company.h"
#include "mail/emailtpl.h"
#include "mail/outbox.h"
#include "mail/outbox_rules.h"
#include "mail/template.h"
#include "queue/jobprep.h"

#define VARS_MAX 16

/* Renders one waiting email again; writes the new content and clears prep_values either way. */
static int release_one(int64_t org_id, int64_t job_id, int64_t id, const char *kind_name, const char *values,
		       const struct company_info *c)
{
	struct template_var vars[VARS_MAX];
	struct template_output o = { 0 };
	struct emailtpl stored;
	struct template t;
	struct db_result *res = NULL;
	enum template_kind kind;
	cJSON *v = cJSON_Parse(values ? values : "{}"), *it;
	char eid[24], err[512];
	const char *why = NULL;
	size_t n = 0;
	int rc;

	memset(&stored, 0, sizeof(stored));
	db_int_param(id, eid);
	cJSON_ArrayForEach(it, v)
	{
		if (!cJSON_IsString(it) || n == VARS_MAX)
			continue;
		if (strcmp(it->string, "position") == 0 && c->position && *c->position)
			continue;
		if (strcmp(it->string, "company") == 0 && c->company && *c->company)
			continue;
		vars[n].name = it->string;
		vars[n++].value = it->valuestring;
	}
	if (c->position && *c->position && n < VARS_MAX) {
		vars[n].name = "position";
		vars[n++].value = c->position;
	}
	if (c->company && *c->company && n < VARS_MAX) {
		vars[n].name = "company";
		vars[n++].value = c->company;
	}
	if (template_kind_parse(kind_name, &kind) < 0)
		why = "unknown kind";
	else if ((rc = emailtpl_get(org_id, job_id, kind, &stored)) < 0)
		goto out;
	if (!why) {
		emailtpl_view(&stored, &t);
		if (template_render(&t, vars, n, &o, err, sizeof(err)) < 0)
			why = err;
		else
			why = outbox_rules_content_refusal(&o);
	}
	if (why) {
		const char *p[1] = { eid };

		log_warn("mailwait: email %lld keeps the content it was asked with: %s", (long long)id, why);
		rc = db_query("mailwait_keep", "UPDATE emails SET prep_values = NULL, updated_at = now() WHERE id = $1",
			      1, p, &res);
	} else {
		const char *p[4] = { eid, o.subject, o.text, o.html };

		rc = db_query("mailwait_render",
			      "UPDATE emails SET subject = $2, body_text = $3, body_html = $4, prep_values = NULL,"
			      " updated_at = now() WHERE id = $1",
			      4, p, &res);
	}
out:
	db_result_free(res);
	template_output_release(&o);
	emailtpl_release(&stored);
	cJSON_Delete(v);
	return rc;
}

int mailwait_release(int64_t job_id)
{
	struct db_result *res = NULL;
	struct company_info c;
	char job[24];
	const char *p[1] = { job };
	bool own = !db_in_transaction(), pending = false, have_company = false;
	int rc, i, released = 0;

	memset(&c, 0, sizeof(c));
	db_int_param(job_id, job);
	if (own && (rc = db_begin()) < 0)
		return rc;
	rc = jobprep_pending(job_id, &pending);
	if (rc < 0 || pending)
		goto out;
	rc = db_query(
		"mailwait_rows",
		"SELECT id, org_id, kind, prep_values::text FROM emails WHERE job_id = $1 AND prep_values IS NOT NULL"
		" ORDER BY id FOR UPDATE",
		1, p, &res);
	for (i = 0; rc == 0 && i < db_rows(res); i++) {
		int64_t org_id = db_int(res, i, 1, 0);

		if (!have_company) {
			rc = company_get(org_id, job_id, &c);
			if (rc < 0)
				break;
			have_company = true;
		}
		rc = release_one(org_id, job_id, db_int(res, i, 0, 0), db_value(res, i, 2), db_value(res, i, 3), &c);
		if (rc == 0)
			released++;
	}
	if (rc == 0 && released > 0)
		rc = outbox_notify();
	if (rc == 0 && released > 0)
		log_info("mailwait: %d emails of job %lld released after its preparation", released, (long long)job_id);
out:
	db_result_free(res);
	company_release(&c);
	if (own) {
		if (rc == 0)
			rc = db_commit();
		if (rc < 0)
			db_rollback();
	}
	return rc < 0 ? rc : released;
}

int mailwait_tend(void)
{
	struct db_result *res = NULL;
	int rc, i, total = 0;

	rc = db_query("mailwait_jobs",
		      "SELECT DISTINCT e.job_id FROM emails e WHERE e.prep_values IS NOT NULL AND NOT EXISTS"
		      " (SELECT 1 FROM job_prep p WHERE p.job_id = e.job_id AND p.state = 'pending') LIMIT 100",
		      0, NULL, &res);
	for (i = 0; rc == 0 && i < db_rows(res); i++) {
		int n = mailwait_release(db_int(res, i, 0, 0));

		if (n < 0)
			rc = n;
		else
			total += n;
	}
	db_result_free(res);
	return rc < 0 ? rc : total;
}
