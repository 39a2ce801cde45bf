/* blindview: an organisation's choice to hide candidates' names and contact details from recruiters until shortlisted. */
#include "account/blindview.h"

#include <string.h>

#include "account/keycache.h"
#include "account/keystore.h"
#include "base/status.h"
#include "core/db.h"

int blindview_set(int64_t org_id, bool on)
{
	char org[24];
	const char *p[2] = { org, on ? "true" : "false" };
	int64_t n = 0;
	int rc;

	db_int_param(org_id, org);
	rc = db_exec("blindview_set", "UPDATE organisations SET blind_view = $2::boolean WHERE id = $1", 2, p, &n);
	if (rc == 0 && n == 0)
		rc = ST_NOT_FOUND;
	/* The organisation's keys carry the setting in their kept checks (account/keycache.h). */
	if (rc == 0)
		(void)keycache_forget_org(org_id);
	return rc;
}

int blindview_get(int64_t org_id, bool *on)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[1] = { org };
	int rc;

	*on = false;
	db_int_param(org_id, org);
	rc = db_query("blindview_get", "SELECT blind_view FROM organisations WHERE id = $1", 1, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*on = db_bool(res, 0, 0);
	db_result_free(res);
	return rc;
}

/* Whether the blind view hides identities from this caller, the organisation's setting being on. */
static int applies_when_on(int64_t org_id, int64_t user_id, int64_t key_id, bool on)
{
	int rc;

	if (!on)
		return 0;
	rc = keystore_may_manage(org_id, user_id, key_id);
	if (rc < 0)
		return rc;
	return rc ? 0 : 1;
}

int blindview_applies(int64_t org_id, int64_t user_id, int64_t key_id)
{
	bool on;
	int rc = blindview_get(org_id, &on);

	return rc < 0 ? rc : applies_when_on(org_id, user_id, key_id, on);
}

int blindview_applies_to(const struct req *r)
{
	if (!r->org_blind_view_known)
		return blindview_applies(r->org_id, r->user_id, r->key_id);
	return applies_when_on(r->org_id, r->user_id, r->key_id, r->org_blind_view);
}

static bool is_shortlist(const cJSON *v)
{
	return cJSON_IsString(v) && strcmp(v->valuestring, "shortlist") == 0;
}

bool blindview_revealed(const cJSON *candidate)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(candidate, "decision");

	return is_shortlist(cJSON_GetObjectItemCaseSensitive(candidate, "recommendation")) ||
	       (cJSON_IsObject(d) && is_shortlist(cJSON_GetObjectItemCaseSensitive(d, "category")));
}

/* Sets member name of o to null, when o has it. */
static void hide(cJSON *o, const char *name)
{
	if (cJSON_GetObjectItemCaseSensitive(o, name))
		cJSON_ReplaceItemInObjectCaseSensitive(o, name, cJSON_CreateNull());
}

static void set_hidden(cJSON *o, bool hidden)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, "identity_hidden");
	cJSON_AddBoolToObject(o, "identity_hidden", hidden);
}

void blindview_mark_shown(cJSON *o)
{
	set_hidden(o, false);
}

void blindview_mask_candidate(cJSON *candidate)
{
	static const char *const fields[] = { "name", "email", "contact", "filename", "download" };
	bool revealed = blindview_revealed(candidate);
	size_t i;

	for (i = 0; !revealed && i < sizeof(fields) / sizeof(fields[0]); i++)
		hide(candidate, fields[i]);
	set_hidden(candidate, !revealed);
}

int blindview_resume_revealed(int64_t org_id, int64_t resume_id, bool *revealed)
{
	struct db_result *res = NULL;
	char org[24], rid[24];
	const char *p[2] = { org, rid };
	int rc;

	*revealed = false;
	db_int_param(org_id, org);
	db_int_param(resume_id, rid);
	rc = db_query("blindview_resume_revealed",
		      "SELECT EXISTS (SELECT 1 FROM analyses a WHERE a.org_id = $1 AND a.resume_id = $2"
		      " AND a.is_current AND a.category = 'shortlist') OR EXISTS (SELECT 1 FROM decisions d"
		      " WHERE d.org_id = $1 AND d.resume_id = $2 AND d.category = 'shortlist')",
		      2, p, &res);
	if (rc == 0 && db_rows(res) == 1)
		*revealed = db_bool(res, 0, 0);
	db_result_free(res);
	return rc;
}

int blindview_mask_email(int64_t org_id, cJSON *email)
{
	/* The delivery's replies and errors may quote the address too. */
	static const char *const fields[] = { "to",	    "to_name",	     "text",	  "html",
					      "smtp_reply", "bounce_detail", "last_error" };
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(email, "candidate_id");
	bool revealed = false;
	size_t i;
	int rc = 0;

	if (cJSON_IsNumber(c))
		rc = blindview_resume_revealed(org_id, (int64_t)c->valuedouble, &revealed);
	if (rc < 0)
		return rc;
	for (i = 0; !revealed && i < sizeof(fields) / sizeof(fields[0]); i++)
		hide(email, fields[i]);
	set_hidden(email, !revealed);
	return 0;
}

int blindview_mask_tree(int64_t org_id, cJSON *tree)
{
	static const char *const fields[] = { "name", "email", "contact", "filename" };
	const cJSON *id = cJSON_IsObject(tree) ? cJSON_GetObjectItemCaseSensitive(tree, "resume_id") : NULL;
	cJSON *c;
	size_t i;
	int rc;

	if (cJSON_IsNumber(id)) {
		bool revealed = false;

		rc = blindview_resume_revealed(org_id, (int64_t)id->valuedouble, &revealed);
		if (rc < 0)
			return rc;
		for (i = 0; !revealed && i < sizeof(fields) / sizeof(fields[0]); i++)
			hide(tree, fields[i]);
	}
	cJSON_ArrayForEach(c, tree)
	{
		if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && (rc = blindview_mask_tree(org_id, c)) < 0)
			return rc;
	}
	return 0;
}
