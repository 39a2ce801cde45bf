/* company_warm: a job's company details asked of the LLM, in the drainer (never in a web request). */
#include "mail/company_warm.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/log.h"
#include "llm/llm_json.h"
#include "mail/company.h"
#include "score/job.h"
#include "score/jobstore.h"
#include "score/llmspend.h"

/* Strict schema of the LLM's answer: every member required, empty when the text does not say. */
static cJSON *llm_schema(void)
{
	static const char *const fields[] = { "company", "position", "department", "location" };
	cJSON *schema = cJSON_CreateObject(), *props, *req, *skills, *item;
	size_t i;

	cJSON_AddStringToObject(schema, "type", "object");
	props = cJSON_AddObjectToObject(schema, "properties");
	req = cJSON_AddArrayToObject(schema, "required");
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		cJSON_AddStringToObject(cJSON_AddObjectToObject(props, fields[i]), "type", "string");
		cJSON_AddItemToArray(req, cJSON_CreateString(fields[i]));
	}
	skills = cJSON_AddObjectToObject(props, "key_skills");
	cJSON_AddStringToObject(skills, "type", "array");
	cJSON_AddNumberToObject(skills, "maxItems", COMPANY_SKILLS_MAX);
	item = cJSON_AddObjectToObject(skills, "items");
	cJSON_AddStringToObject(item, "type", "string");
	cJSON_AddItemToArray(req, cJSON_CreateString("key_skills"));
	cJSON_AddFalseToObject(schema, "additionalProperties");
	return schema;
}

/* Asks the provider; 0 with out updated, or -1 with err (out keeps the local extraction). */
static int ask(int64_t org_id, int64_t job_id, const struct job *job, struct company_info *out, char *err,
	       size_t errlen)
{
	static const char system[] =
		"You extract the hiring organisation's details from a job advertisement. Use only what the text "
		"states; answer an empty string (or an empty list) for anything it does not say. key_skills are the "
		"skills and technologies the job asks for, at most a dozen, each a few words.";
	struct buf user = BUF_INIT(256 * 1024);
	struct llm_json_spend spend;
	cJSON *schema = llm_schema(), *answer = NULL;
	int rc = -1;

	buf_printf(&user, "Title: %s\nCompany: %s\nLocation: %s\n\nJob description:\n%s", job->title,
		   job->company ? job->company : "", job->location ? job->location : "",
		   job->description ? job->description : "");
	if (llm_json_call(system, user.ptr ? user.ptr : "", schema, "company_details", &answer, &spend, err, errlen) ==
	    0) {
		company_apply_answer(out, answer);
		rc = 0;
	}
	llmspend_record(org_id, job_id, "company_details", &spend);
	cJSON_Delete(schema);
	cJSON_Delete(answer);
	buf_release(&user);
	return rc;
}

int company_warm(int64_t org_id, int64_t job_id, const char *job_updated_at, char *err, size_t errlen)
{
	struct company_info info;
	struct job *job = NULL;
	int rc, asked = 0;

	memset(&info, 0, sizeof(info));
	rc = jobstore_load(org_id, job_id, &job);
	if (rc < 0)
		goto out;
	company_extract(job, &info);
	if (llm_json_enabled()) {
		asked = ask(org_id, job_id, job, &info, err, errlen);
		if (asked < 0)
			log_warn("company: the provider gave no details for job %lld (%s); the local extraction stands",
				 (long long)job_id, err);
	}
	rc = company_store(org_id, job_id, job_updated_at, &info);
	if (rc == 0)
		rc = asked;
out:
	company_release(&info);
	job_free(job);
	return rc;
}
