/* emailtpl_warm: a job's email templates drafted by the LLM, in the drainer (never in a web request). */
#include "mail/emailtpl_warm.h"

#include <stdio.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/log.h"
#include "llm/llm_json.h"
#include "mail/emailtpl.h"
#include "mail/template.h"
#include "score/job.h"
#include "score/jobstore.h"
#include "score/llmspend.h"

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

/* One kind's draft, checked and stored: 0, -1 with err, or a db status code. */
static int draft(int64_t org_id, int64_t job_id, const struct job *job, enum template_kind kind, char *err,
		 size_t errlen)
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
	struct llm_json_spend spend;
	cJSON *schema = generation_schema(), *answer = NULL;
	char why[300];
	int rc = -1;

	buf_printf(&user, "Write %s.\nPosition: %s\nCompany: %s\nLocation: %s", purposes[kind], job->title,
		   job->company ? job->company : "", job->location ? job->location : "");
	rc = llm_json_call(system, user.ptr, schema, "email_template", &answer, &spend, why, sizeof(why));
	llmspend_record(org_id, job_id, "email_template", &spend);
	if (rc < 0) {
		snprintf(err, errlen, "%s template: %s", template_kind_name(kind), why);
		goto out;
	}
	t.subject = json_str(answer, "subject", "");
	t.text = json_str(answer, "text", "");
	t.html = json_str(answer, "html", "");
	if (!*t.html)
		t.html = NULL;
	rc = emailtpl_put_llm(org_id, job_id, kind, &t, why, sizeof(why));
	if (rc == ST_BAD_REQUEST) {
		snprintf(err, errlen, "%s template refused: %s", template_kind_name(kind), why);
		rc = -1;
	}
out:
	cJSON_Delete(schema);
	cJSON_Delete(answer);
	buf_release(&user);
	return rc;
}

int emailtpl_warm(int64_t org_id, int64_t job_id, char *err, size_t errlen)
{
	static const enum template_kind kinds[] = { TEMPLATE_INVITE, TEMPLATE_CONSIDER, TEMPLATE_REJECT };
	struct job *job = NULL;
	size_t i;
	int rc, worst = 0;

	if (!llm_json_enabled())
		return 0;
	rc = jobstore_load(org_id, job_id, &job);
	if (rc < 0)
		return rc;
	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		char why[400];

		rc = draft(org_id, job_id, job, kinds[i], why, sizeof(why));
		if (rc == -1) {
			log_warn("emailtpl: no LLM draft for job %lld (%s); the default stands", (long long)job_id,
				 why);
			snprintf(err, errlen, "%s", why);
		}
		if (rc < worst || (rc == -1 && worst == 0))
			worst = rc;
		if (rc < -1)
			break;
	}
	job_free(job);
	return worst;
}
