/* demographics: a candidate's self-reported sex and race/ethnicity for the bias audit, kept apart from the resume. */
#include "score/demographics.h"

#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "core/db.h"

const char *const demographics_sexes[DEMOGRAPHICS_SEXES] = { "male", "female" };
const char *const demographics_races[DEMOGRAPHICS_RACES] = {
	"hispanic_or_latino",
	"white",
	"black_or_african_american",
	"native_hawaiian_or_pacific_islander",
	"asian",
	"native_american_or_alaska_native",
	"two_or_more_races",
};

int demographics_index(const char *const *list, int n, const char *s)
{
	int i;

	for (i = 0; s && i < n; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/* One member: a category of list or null, into *out (NULL for null). */
static int answer(const cJSON *body, const char *name, const char *const *list, int n, const char **out, char *err,
		  size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);
	size_t used = 0;
	int i;

	*out = NULL;
	if (cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v) && demographics_index(list, n, v->valuestring) >= 0) {
		*out = v->valuestring;
		return 0;
	}
	used = (size_t)snprintf(err, errlen, "%s: must be null (not reported) or one of", name);
	for (i = 0; i < n && used < errlen; i++)
		used += (size_t)snprintf(err + used, errlen - used, "%s %s", i ? "," : "", list[i]);
	return -1;
}

int demographics_from_json(const cJSON *body, struct demographics_input *in, char *err, size_t errlen)
{
	const cJSON *m;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsObject(body)) {
		snprintf(err, errlen, "body: must be an object with sex and race_ethnicity");
		return -1;
	}
	cJSON_ArrayForEach(m, body)
	{
		if (strcmp(m->string, "sex") != 0 && strcmp(m->string, "race_ethnicity") != 0) {
			snprintf(err, errlen, "%.64s: unknown member (only sex and race_ethnicity)", m->string);
			return -1;
		}
	}
	if (!cJSON_GetObjectItemCaseSensitive(body, "sex") ||
	    !cJSON_GetObjectItemCaseSensitive(body, "race_ethnicity")) {
		snprintf(err, errlen, "sex, race_ethnicity: both are required (null when not reported)");
		return -1;
	}
	if (answer(body, "sex", demographics_sexes, DEMOGRAPHICS_SEXES, &in->sex, err, errlen) < 0 ||
	    answer(body, "race_ethnicity", demographics_races, DEMOGRAPHICS_RACES, &in->race_ethnicity, err, errlen) <
		    0)
		return -1;
	return 0;
}

static const char get_sql[] =
	"SELECT jsonb_build_object('resume_id', r.id, 'job_id', r.job_id, 'sex', g.sex, 'race_ethnicity',"
	" g.race_ethnicity, 'reported_by', g.reported_by, 'updated_at', g.updated_at)::text FROM resumes r"
	" LEFT JOIN candidate_demographics g ON g.resume_id = r.id WHERE r.org_id = $1 AND r.id = $2";

int demographics_get(int64_t org_id, int64_t resume_id, cJSON **out)
{
	char org[24], rid[24];
	const char *p[2] = { org, rid };

	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	return db_query_json("demographics_get", get_sql, 2, p, out);
}

/*
 * Stores the answers for resume_id (of org_id, or of any organisation when
 * org_id is 0: a candidate's signed link names the resume), with the audit
 * event of who (NULL: the candidate, through audit_record_candidate).
 */
static int store(const struct audit_actor *who, int64_t org_id, int64_t resume_id, const struct demographics_input *in,
		 const char *reported_by, const char *request_id, cJSON **out)
{
	char org[24], rid[24];
	const char *p[5] = { org, rid, in->sex, in->race_ethnicity, reported_by };
	struct db_result *res = NULL;
	cJSON *details = NULL;
	int rc;

	if (out)
		*out = NULL;
	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	rc = db_begin();
	if (rc == 0)
		rc = db_query("demographics_set",
			      "INSERT INTO candidate_demographics (resume_id, org_id, job_id, sex, race_ethnicity,"
			      " reported_by) SELECT r.id, r.org_id, r.job_id, $3, $4, $5 FROM resumes r"
			      " WHERE ($1::bigint = 0 OR r.org_id = $1::bigint) AND r.id = $2 ON CONFLICT (resume_id)"
			      " DO UPDATE SET sex = EXCLUDED.sex, race_ethnicity = EXCLUDED.race_ethnicity,"
			      " reported_by = EXCLUDED.reported_by, updated_at = now() RETURNING org_id, job_id",
			      5, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		struct audit_event ev = { who ? "demographics.set" : "candidate.demographics_set",
					  db_int(res, 0, 1, 0),
					  resume_id,
					  NULL,
					  0,
					  NULL };

		/* The trail says that answers were given and by whom, not what they are. */
		details = cJSON_CreateObject();
		cJSON_AddStringToObject(details, "reported_by", reported_by);
		ev.details = details;
		rc = who ? audit_record(who, &ev) : audit_record_candidate(db_int(res, 0, 0, 0), request_id, &ev);
	}
	if (rc == 0 && out)
		rc = db_query_json("demographics_get", get_sql, 2, p, out);
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		if (out) {
			cJSON_Delete(*out);
			*out = NULL;
		}
	}
	cJSON_Delete(details);
	db_result_free(res);
	return rc;
}

int demographics_set(const struct audit_actor *who, int64_t resume_id, const struct demographics_input *in,
		     const char *reported_by, cJSON **out)
{
	return store(who, who->org_id, resume_id, in, reported_by, who->request_id, out);
}

int demographics_set_by_candidate(int64_t resume_id, const struct demographics_input *in, const char *request_id)
{
	return store(NULL, 0, resume_id, in, "candidate", request_id, NULL);
}
