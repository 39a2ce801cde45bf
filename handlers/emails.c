/* emails: company details, templates, previews and sending of candidate emails, and their delivery status. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account/auth.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "http/app.h"
#include "http/eventsecret.h"
#include "http/page.h"
#include "http/resp.h"
#include "mail/bouncefeed.h"
#include "mail/company.h"
#include "mail/dsn.h"
#include "mail/emailtpl.h"
#include "mail/mime.h"
#include "mail/outbox.h"
#include "mail/sesnotify.h"
#include "mail/template.h"

/* The variables a request may give, in one table with the sample values previews use. */
enum { V_CANDIDATE, V_POSITION, V_COMPANY, V_RECRUITER, V_RECRUITER_EMAIL, V_SCHEDULING, V_UNSUBSCRIBE, V_COUNT };

static const char *const var_names[V_COUNT] = { "candidate_name",  "position",	      "company",
						"recruiter_name",  "recruiter_email", "scheduling_link",
						"unsubscribe_link" };
static const char *const sample_values[V_COUNT] = { "Alex Example",
						    NULL,
						    NULL,
						    "Sam Recruiter",
						    "recruiter@example.com",
						    "https://example.com/schedule",
						    "https://example.com/unsubscribe" };

/* Reads the optional JSON body: *out NULL when there is none. */
static int optional_body(struct req *r, cJSON **out)
{
	*out = NULL;
	if (r->content_length <= 0)
		return 0;
	return req_json_body(r, out);
}

static int kind_param(struct req *r, enum template_kind *kind)
{
	const char *k = req_param(r, "kind");

	if (!k || template_kind_parse(k, kind) < 0)
		return resp_fail(r, ST_NOT_FOUND, "no template kind '%s': kinds are invite, consider and reject",
				 k ? k : "");
	return 0;
}

/* Copies string members of obj named like variables into vals (borrowed from obj). */
static int vars_from_object(struct req *r, const cJSON *obj, const char *prefix, bool strict, const char **vals)
{
	const cJSON *it;
	int i;

	cJSON_ArrayForEach(it, obj)
	{
		for (i = 0; i < V_COUNT && strcmp(it->string, var_names[i]) != 0; i++)
			;
		if (i == V_COUNT) {
			if (!strict)
				continue;
			if (template_var_forbidden(it->string))
				return resp_fail(r, ST_BAD_REQUEST,
						 "%s%s: a score-like variable is never allowed in a candidate email",
						 prefix, it->string);
			return resp_fail(r, ST_BAD_REQUEST, "%s%s: unknown variable", prefix, it->string);
		}
		if (cJSON_IsNull(it))
			continue;
		if (!cJSON_IsString(it))
			return resp_fail(r, ST_BAD_REQUEST, "%s%s: must be a string", prefix, it->string);
		vals[i] = it->valuestring;
	}
	return 0;
}

static size_t vars_collect(const char **vals, struct template_var *out)
{
	size_t n = 0;
	int i;

	for (i = 0; i < V_COUNT; i++) {
		if (vals[i]) {
			out[n].name = var_names[i];
			out[n++].value = vals[i];
		}
	}
	return n;
}

static void company_values(const struct company_info *c, const char **vals)
{
	if (c->position && *c->position)
		vals[V_POSITION] = c->position;
	if (c->company && *c->company)
		vals[V_COMPANY] = c->company;
}

/* A render failure as a 400 naming the variable, with a hint when the job's details are missing. */
static int fail_render(struct req *r, int64_t job_id, const char *kind, const char *err)
{
	if (strstr(err, "'company'") || strstr(err, "'position'"))
		return resp_fail(r, ST_BAD_REQUEST, "template %s: %s (set it with PUT /api/v1/jobs/%lld/company)", kind,
				 err, (long long)job_id);
	return resp_fail(r, ST_BAD_REQUEST, "template %s: %s", kind, err);
}

static int handle_company_show(struct req *r)
{
	struct company_info c;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = company_get(r->org_id, id, &c);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	rc = resp_json_take(r, 200, company_to_json(id, &c));
	company_release(&c);
	return rc;
}

static int handle_company_edit(struct req *r)
{
	struct company_info c;
	cJSON *body = NULL;
	char err[256] = "";
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	rc = company_put(r->org_id, id, body, &c, err, sizeof(err));
	cJSON_Delete(body);
	if (rc == ST_BAD_REQUEST)
		return resp_fail(r, rc, "%s", err);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	log_info("emails: company details of job %lld edited", (long long)id);
	rc = resp_json_take(r, 200, company_to_json(id, &c));
	company_release(&c);
	return rc;
}

static int template_respond(struct req *r, int64_t job_id, enum template_kind kind)
{
	struct emailtpl t;
	cJSON *o;
	int rc = emailtpl_get(r->org_id, job_id, kind, &t);

	if (rc < 0)
		return resp_fail_store(r, rc, "job", job_id);
	o = emailtpl_to_json(&t);
	cJSON_AddNumberToObject(o, "job_id", (double)job_id);
	emailtpl_release(&t);
	return resp_json_take(r, 200, o);
}

static int handle_template_show(struct req *r)
{
	enum template_kind kind;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0 || (rc = kind_param(r, &kind)) < 0)
		return rc;
	return template_respond(r, id, kind);
}

/* Reads {"subject", "text", "html"} from obj into t (borrowed). */
static int template_from_json(struct req *r, const cJSON *obj, const char *prefix, struct template *t)
{
	static const char *const parts[] = { "subject", "text", "html" };
	const char **dst[] = { &t->subject, &t->text, &t->html };
	size_t i;

	if (!cJSON_IsObject(obj))
		return resp_fail(r, ST_BAD_REQUEST, "%s: must be an object with subject, text and html", prefix);
	memset(t, 0, sizeof(*t));
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, parts[i]);

		if (!v || cJSON_IsNull(v))
			continue;
		if (!cJSON_IsString(v))
			return resp_fail(r, ST_BAD_REQUEST, "%s%s: must be a string", prefix, parts[i]);
		*dst[i] = v->valuestring;
	}
	if (t->html && !*t->html)
		t->html = NULL;
	return 0;
}

static int handle_template_edit(struct req *r)
{
	enum template_kind kind;
	struct template t;
	cJSON *body = NULL;
	char err[512] = "";
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0 || (rc = kind_param(r, &kind)) < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	rc = template_from_json(r, body, "", &t);
	if (rc == 0)
		rc = emailtpl_put(r->org_id, id, kind, &t, err, sizeof(err));
	cJSON_Delete(body);
	if (rc == ST_BAD_REQUEST && *err)
		return resp_fail(r, rc, "%s", err);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	log_info("emails: %s template of job %lld edited", template_kind_name(kind), (long long)id);
	return template_respond(r, id, kind);
}

static int handle_template_reset(struct req *r)
{
	enum template_kind kind;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0 || (rc = kind_param(r, &kind)) < 0)
		return rc;
	rc = emailtpl_reset(r->org_id, id, kind);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	return template_respond(r, id, kind);
}

/* The candidate's name for a preview: ST_NOT_FOUND when the job has no such candidate. */
static int candidate_name(struct req *r, int64_t job_id, int64_t cand, const char **vals, char **name)
{
	struct outbox_recipient *rc_list = NULL;
	size_t n = 0;
	int rc = outbox_recipients(r->org_id, job_id, &cand, 1, NULL, "invite", &rc_list, &n);

	if (rc < 0)
		return resp_fail_store(r, rc, "job", job_id);
	if (n != 1 || !rc_list[0].found) {
		outbox_recipients_free(rc_list, n);
		return resp_fail(r, ST_NOT_FOUND, "candidate %lld not found in job %lld", (long long)cand,
				 (long long)job_id);
	}
	*name = rc_list[0].name ? xstrdup(rc_list[0].name) : NULL;
	if (*name)
		vals[V_CANDIDATE] = *name;
	outbox_recipients_free(rc_list, n);
	return 0;
}

/*
 * Fills recruiter_name and recruiter_email that vals lacks with the calling
 * user's own (nothing for an organisation key). *addr and *name own what
 * vals then points at; the caller frees them.
 */
static int signer_from_user(struct req *r, const char **vals, char **addr, char **name)
{
	int rc;

	if (r->user_id <= 0 || (vals[V_RECRUITER] && vals[V_RECRUITER_EMAIL]))
		return 0;
	rc = outbox_user_mailbox(r->org_id, r->user_id, addr, name);
	if (rc < 0)
		return resp_fail_store(r, rc, "user", r->user_id);
	if (!vals[V_RECRUITER] && *name && **name)
		vals[V_RECRUITER] = *name;
	if (!vals[V_RECRUITER_EMAIL] && *addr && mime_address_valid(*addr))
		vals[V_RECRUITER_EMAIL] = *addr;
	return 0;
}

static int handle_template_preview(struct req *r)
{
	const char *vals[V_COUNT];
	struct template_var vars[V_COUNT];
	struct template_output outp = { 0 };
	struct company_info c = { 0 };
	struct emailtpl stored = { 0 };
	struct template t;
	enum template_kind kind;
	cJSON *body = NULL, *res, *used;
	char err[512], *name = NULL, *user_addr = NULL, *user_name = NULL;
	int64_t id;
	size_t nvars, i;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0 || (rc = kind_param(r, &kind)) < 0)
		return rc;
	rc = optional_body(r, &body);
	if (rc < 0)
		return rc;
	if (body && !cJSON_IsObject(body)) {
		rc = resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
		goto out;
	}
	memcpy(vals, sample_values, sizeof(vals));
	/* The signer: given in values, else the calling user, else the samples (set after the body is read). */
	vals[V_RECRUITER] = vals[V_RECRUITER_EMAIL] = NULL;
	rc = company_get(r->org_id, id, &c);
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", id);
		goto out;
	}
	company_values(&c, vals);
	rc = emailtpl_get(r->org_id, id, kind, &stored);
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", id);
		goto out;
	}
	emailtpl_view(&stored, &t);
	if (body) {
		const cJSON *cand = cJSON_GetObjectItemCaseSensitive(body, "candidate_id");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(body, "values");
		const cJSON *tpl = cJSON_GetObjectItemCaseSensitive(body, "template");

		if (cand && !cJSON_IsNull(cand)) {
			if (!cJSON_IsNumber(cand) || cand->valuedouble < 1 ||
			    cand->valuedouble != floor(cand->valuedouble)) {
				rc = resp_fail(r, ST_BAD_REQUEST, "candidate_id: must be a positive integer");
				goto out;
			}
			rc = candidate_name(r, id, (int64_t)cand->valuedouble, vals, &name);
			if (rc < 0)
				goto out;
		}
		if (values && !cJSON_IsObject(values)) {
			rc = resp_fail(r, ST_BAD_REQUEST, "values: must be an object");
			goto out;
		}
		if (values && (rc = vars_from_object(r, values, "values.", true, vals)) < 0)
			goto out;
		if (tpl && (rc = template_from_json(r, tpl, "template.", &t)) < 0)
			goto out;
		if (tpl && emailtpl_check(&t, err, sizeof(err)) < 0) {
			rc = resp_fail(r, ST_BAD_REQUEST, "template: %s", err);
			goto out;
		}
	}
	if ((rc = signer_from_user(r, vals, &user_addr, &user_name)) < 0)
		goto out;
	if (!vals[V_RECRUITER])
		vals[V_RECRUITER] = sample_values[V_RECRUITER];
	if (!vals[V_RECRUITER_EMAIL])
		vals[V_RECRUITER_EMAIL] = sample_values[V_RECRUITER_EMAIL];
	nvars = vars_collect(vals, vars);
	if (template_render(&t, vars, nvars, &outp, err, sizeof(err)) < 0) {
		rc = fail_render(r, id, template_kind_name(kind), err);
		goto out;
	}
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "job_id", (double)id);
	cJSON_AddStringToObject(res, "kind", template_kind_name(kind));
	cJSON_AddStringToObject(res, "subject", outp.subject);
	cJSON_AddStringToObject(res, "text", outp.text);
	json_add_str_or_null(res, "html", outp.html);
	used = cJSON_AddObjectToObject(res, "values");
	for (i = 0; i < nvars; i++)
		cJSON_AddStringToObject(used, vars[i].name, vars[i].value);
	rc = resp_json_take(r, 200, res);
out:
	template_output_release(&outp);
	emailtpl_release(&stored);
	company_release(&c);
	cJSON_Delete(body);
	free(name);
	free(user_addr);
	free(user_name);
	return rc;
}

/* Why a candidate cannot get this email, or NULL when it can (before rendering). */
static const char *refusal(const struct outbox_recipient *c, enum template_kind kind)
{
	if (!c->found)
		return "no such candidate in this job";
	if (c->status && (strcmp(c->status, "queued") == 0 || strcmp(c->status, "processing") == 0))
		return "the resume is still being processed";
	if (kind == TEMPLATE_REJECT) {
		if (!c->category)
			return "a rejection needs a scored resume; this one has no analysis";
		if (strcmp(c->category, "failed") == 0)
			return "the resume could not be processed (failed): a failure is never a rejection";
		if (strcmp(c->category, "needs_review") == 0)
			return "the resume needs review: a rejection is sent only after a human review";
	}
	if (!c->email)
		return "the resume has no contact email address";
	if (!mime_address_valid(c->email))
		return "the resume's contact email address is not valid";
	if (c->suppressed)
		return "the address is suppressed: an earlier message to it was refused permanently";
	return NULL;
}

/* The domain part of mail_from, for Message-IDs. */
static int mail_domain(char *out, size_t outlen)
{
	char *name = NULL, *addr = NULL;
	const char *at;
	int rc = -1;

	if (mime_mailbox_parse(config()->mail_from, &name, &addr) == 0 && (at = strrchr(addr, '@')) != NULL &&
	    snprintf(out, outlen, "%s", at + 1) < (int)outlen)
		rc = 0;
	free(name);
	free(addr);
	return rc;
}

struct send_request {
	enum template_kind kind;
	int64_t *ids;
	size_t nids;
	const char *category;
	const char *vals[V_COUNT];
	/* Where replies go (sender_for): recruiter_email and recruiter_name, given or the sending user's. */
	const char *reply_addr, *reply_name;
	char *user_addr, *user_name; /* owned */
};

/*
 * Fills in the sender: a signed-in user (or a user's key) signs with their
 * own name and address unless the request gives recruiter_name or
 * recruiter_email; replies go to recruiter_email (an organisation key
 * without one: no Reply-To, replies go to the From address).
 */
static int sender_for(struct req *r, struct send_request *s)
{
	const char *given = s->vals[V_RECRUITER_EMAIL];
	int rc;

	if (given && !mime_address_valid(given))
		return resp_fail(r, ST_BAD_REQUEST, "recruiter_email: '%s' is not an email address replies could go to",
				 given);
	rc = signer_from_user(r, s->vals, &s->user_addr, &s->user_name);
	if (rc < 0)
		return rc;
	s->reply_addr = s->vals[V_RECRUITER_EMAIL];
	s->reply_name = s->vals[V_RECRUITER];
	return 0;
}

static int send_parse(struct req *r, const cJSON *body, struct send_request *s)
{
	static const char *const categories[] = { "shortlist", "consider", "reject", "needs_review", "failed" };
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(body, "kind");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(body, "candidate_ids");
	const cJSON *cat = cJSON_GetObjectItemCaseSensitive(body, "category");
	const cJSON *it;
	size_t i;
	int rc;

	if (!cJSON_IsObject(body))
		return resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
	if (!cJSON_IsString(kind) || template_kind_parse(kind->valuestring, &s->kind) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "kind: must be invite, consider or reject");
	if ((ids != NULL) == (cat != NULL))
		return resp_fail(r, ST_BAD_REQUEST, "give exactly one of candidate_ids and category");
	if (cat) {
		for (i = 0; i < ARRAY_SIZE(categories); i++)
			if (cJSON_IsString(cat) && strcmp(cat->valuestring, categories[i]) == 0)
				break;
		if (i == ARRAY_SIZE(categories))
			return resp_fail(r, ST_BAD_REQUEST,
					 "category: must be shortlist, consider, reject, needs_review or failed");
		s->category = cat->valuestring;
	} else {
		int n = cJSON_IsArray(ids) ? cJSON_GetArraySize(ids) : -1;

		if (n < 1 || n > OUTBOX_SEND_MAX)
			return resp_fail(r, ST_BAD_REQUEST, "candidate_ids: must be an array of 1 to %d ids",
					 OUTBOX_SEND_MAX);
		s->ids = xcalloc((size_t)n, sizeof(*s->ids));
		cJSON_ArrayForEach(it, ids)
		{
			if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 9e15 ||
			    it->valuedouble != floor(it->valuedouble))
				return resp_fail(r, ST_BAD_REQUEST, "candidate_ids[%zu]: must be a positive integer",
						 s->nids);
			s->ids[s->nids++] = (int64_t)it->valuedouble;
		}
	}
	rc = vars_from_object(r, body, "", false, s->vals);
	if (rc < 0)
		return rc;
	if (s->vals[V_CANDIDATE] || s->vals[V_POSITION] || s->vals[V_COMPANY])
		return resp_fail(r, ST_BAD_REQUEST, "%s: comes from the candidate and the job, not from the request",
				 s->vals[V_CANDIDATE]  ? "candidate_name"
				 : s->vals[V_POSITION] ? "position"
						       : "company");
	return 0;
}

/* Renders and enqueues one candidate's email; sets the outcome members of item. Returns 0 or a db status code. */
static int send_one(const struct send_request *s, int64_t org_id, int64_t job_id, const struct template *t,
		    const char **vals, const struct outbox_recipient *c, const char *domain, cJSON *item, int *counts)
{
	struct template_var vars[V_COUNT];
	struct template_output o = { 0 };
	char err[512], msgid[MIME_MSGID_MAX + 1];
	const char *why = refusal(c, s->kind);
	const char *kind = template_kind_name(s->kind);
	int64_t id = 0;
	bool created = false;
	int rc = 0;

	if (!why && c->email_id) {
		cJSON_AddStringToObject(item, "status", "already_queued");
		cJSON_AddNumberToObject(item, "email_id", (double)c->email_id);
		json_add_str_or_null(item, "state", c->email_state);
		counts[1]++;
		return 0;
	}
	if (!why) {
		vals[V_CANDIDATE] = c->name && *c->name ? c->name : "Candidate";
		if (template_render(t, vars, vars_collect(vals, vars), &o, err, sizeof(err)) < 0)
			why = err;
		else if (template_mentions_score(o.subject) || template_mentions_score(o.text) ||
			 (o.html && template_mentions_score(o.html)))
			why = "the rendered email mentions a score or ranking";
		else if (mime_message_id_new(domain, msgid, sizeof(msgid)) < 0)
			why = "no Message-ID could be made";
	}
	if (!why) {
		struct outbox_new e = { org_id,
					job_id,
					c->resume_id,
					kind,
					c->email,
					c->name ? c->name : "",
					o.subject,
					o.text,
					o.html,
					msgid,
					outbox_priority(kind),
					s->reply_addr,
					s->reply_name };

		rc = outbox_enqueue(&e, &id, &created);
		if (rc == 0) {
			cJSON_AddStringToObject(item, "status", created ? "queued" : "already_queued");
			cJSON_AddNumberToObject(item, "email_id", (double)id);
			counts[created ? 0 : 1]++;
		}
	} else {
		cJSON_AddStringToObject(item, "status", "refused");
		cJSON_AddStringToObject(item, "reason", why);
		counts[2]++;
	}
	template_output_release(&o);
	return rc;
}

static int handle_emails_send(struct req *r)
{
	struct send_request s;
	struct company_info c = { 0 };
	struct emailtpl stored = { 0 };
	struct template t;
	struct template_var vars[V_COUNT];
	struct template_output probe = { 0 };
	struct outbox_recipient *list = NULL;
	size_t n = 0, i;
	cJSON *body = NULL, *res = NULL, *results;
	char err[512], domain[256];
	int counts[3] = { 0, 0, 0 };
	int64_t job_id;
	int rc = req_param_id(r, "id", &job_id);

	memset(&s, 0, sizeof(s));
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if ((rc = send_parse(r, body, &s)) < 0 || (rc = sender_for(r, &s)) < 0)
		goto out;
	if ((rc = company_get(r->org_id, job_id, &c)) < 0 ||
	    (rc = emailtpl_get(r->org_id, job_id, s.kind, &stored)) < 0) {
		rc = resp_fail_store(r, rc, "job", job_id);
		goto out;
	}
	company_values(&c, s.vals);
	emailtpl_view(&stored, &t);
	/* Whatever does not depend on the candidate must render before anything is queued. */
	s.vals[V_CANDIDATE] = "Candidate";
	if (template_render(&t, vars, vars_collect(s.vals, vars), &probe, err, sizeof(err)) < 0) {
		rc = fail_render(r, job_id, template_kind_name(s.kind), err);
		goto out;
	}
	if (mail_domain(domain, sizeof(domain)) < 0) {
		rc = resp_fail(r, ST_INTERNAL, "mail_from is not an address");
		goto out;
	}
	rc = outbox_recipients(r->org_id, job_id, s.ids, s.nids, s.category, template_kind_name(s.kind), &list, &n);
	if (rc == ST_BAD_REQUEST) {
		rc = resp_fail(r, rc, "the category selects more than %d candidates", OUTBOX_SEND_MAX);
		goto out;
	}
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", job_id);
		goto out;
	}
	res = cJSON_CreateObject();
	results = cJSON_CreateArray();
	rc = db_begin();
	for (i = 0; rc == 0 && i < n; i++) {
		cJSON *item = cJSON_CreateObject();

		cJSON_AddNumberToObject(item, "candidate_id", (double)list[i].resume_id);
		cJSON_AddItemToArray(results, item);
		rc = send_one(&s, r->org_id, job_id, &t, s.vals, &list[i], domain, item, counts);
	}
	if (rc == 0 && counts[0] > 0)
		rc = outbox_notify();
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		cJSON_Delete(results);
		rc = resp_fail_store(r, rc, "job", job_id);
		goto out;
	}
	log_info("emails: job %lld %s: %d queued, %d already queued, %d refused", (long long)job_id,
		 template_kind_name(s.kind), counts[0], counts[1], counts[2]);
	cJSON_AddNumberToObject(res, "job_id", (double)job_id);
	cJSON_AddStringToObject(res, "kind", template_kind_name(s.kind));
	cJSON_AddNumberToObject(res, "queued", counts[0]);
	cJSON_AddNumberToObject(res, "already_queued", counts[1]);
	cJSON_AddNumberToObject(res, "refused", counts[2]);
	cJSON_AddItemToObject(res, "results", results);
	rc = resp_json_take(r, counts[0] > 0 ? 202 : 200, res);
	res = NULL;
out:
	cJSON_Delete(res);
	outbox_recipients_free(list, n);
	template_output_release(&probe);
	emailtpl_release(&stored);
	company_release(&c);
	cJSON_Delete(body);
	free(s.ids);
	free(s.user_addr);
	free(s.user_name);
	return rc;
}

static int handle_emails_list(struct req *r)
{
	const char *job = req_query(r, "job_id"), *state = req_query(r, "state");
	cJSON *items = NULL;
	int64_t before, next, job_id = 0;
	int limit, rc;

	rc = page_params(r, &before, &limit);
	if (rc < 0)
		return rc;
	if (job && *job && parse_int64(job, 1, INT64_MAX, &job_id) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "job_id: must be a positive integer");
	if (state && *state && !outbox_state_valid(state))
		return resp_fail(r, ST_BAD_REQUEST, "state: must be queued, sending, sent, retrying or failed");
	rc = outbox_list_json(r->org_id, job_id, state && *state ? state : NULL, before, limit, &items, &next);
	if (rc < 0)
		return resp_fail_store(r, rc, "email", 0);
	return page_respond(r, items, next);
}

static int handle_emails_get(struct req *r)
{
	cJSON *o = NULL;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = outbox_get_json(r->org_id, id, true, &o);
	if (rc < 0)
		return resp_fail_store(r, rc, "email", id);
	return resp_json_take(r, 200, o);
}

static int handle_emails_stats(struct req *r)
{
	cJSON *o = NULL;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0)
		return rc;
	rc = outbox_stats_json(r->org_id, id, &o);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	return resp_json_take(r, 200, o);
}

/* Reads a pushed notification's body after its shared secret; the caller releases body. */
static int notification_body(struct req *r, const char *what, size_t max, struct buf *body)
{
	int rc = eventsecret_check(r, config()->mail_event_secret, "SHORTLIST_MAIL_EVENT_SECRET", what);

	if (rc < 0)
		return rc;
	buf_init(body, max);
	return req_read_body(r, body, max);
}

static int handle_email_notifications(struct req *r)
{
	struct buf body = BUF_INIT(0);
	struct sesnotify n = { 0 };
	cJSON *out = NULL;
	char err[300];
	int rc = notification_body(r, "bounce notifications", (size_t)config()->max_body_bytes, &body);

	if (rc < 0)
		goto out;
	if (sesnotify_parse(body.ptr ? body.ptr : "", body.len, (int)config()->max_json_depth, &n, err, sizeof(err)) <
	    0) {
		log_warn("bounce notifications: unreadable notification: %s", err);
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = bouncefeed_ses(&n, &out);
	if (rc < 0) {
		rc = resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; deliver the notification again");
		goto out;
	}
	rc = resp_json_take(r, 200, out);
	out = NULL;
out:
	cJSON_Delete(out);
	sesnotify_release(&n);
	buf_release(&body);
	return rc;
}

static int handle_email_dsn(struct req *r)
{
	const char *type = req_header(r, "CONTENT_TYPE");
	struct buf body = BUF_INIT(0);
	struct dsn d = { 0 };
	cJSON *out = NULL;
	char err[300];
	int rc;

	if (!type || (strncasecmp(type, "message/rfc822", 14) != 0 && strncasecmp(type, "message/global", 14) != 0))
		return resp_fail(r, ST_UNSUPPORTED_MEDIA, "send the raw report as Content-Type: message/rfc822");
	rc = notification_body(r, "delivery status notifications", DSN_MAX_BYTES, &body);
	if (rc < 0)
		goto out;
	if (dsn_parse(body.ptr ? body.ptr : "", body.len, &d, err, sizeof(err)) < 0) {
		log_warn("delivery status notifications: unreadable report: %s", err);
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = bouncefeed_dsn(&d, req_header(r, "HTTP_X_SHORTLIST_RECIPIENT"), &out);
	if (rc < 0) {
		rc = resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; deliver the report again");
		goto out;
	}
	rc = resp_json_take(r, 200, out);
	out = NULL;
out:
	cJSON_Delete(out);
	dsn_release(&d);
	buf_release(&body);
	return rc;
}

static const struct route routes[] = {
	{ "GET", "/api/v1/jobs/{id}/company", handle_company_show, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/company", handle_company_edit, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/templates/{kind}", handle_template_show, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/templates/{kind}", handle_template_edit, ROUTE_AUTH },
	{ "DELETE", "/api/v1/jobs/{id}/templates/{kind}", handle_template_reset, ROUTE_AUTH },
	{ "POST", "/api/v1/jobs/{id}/templates/{kind}/preview", handle_template_preview, ROUTE_AUTH },
	{ "POST", "/api/v1/jobs/{id}/emails", handle_emails_send, ROUTE_AUTH },
	{ "GET", "/api/v1/jobs/{id}/emails/stats", handle_emails_stats, ROUTE_AUTH },
	{ "GET", "/api/v1/emails", handle_emails_list, ROUTE_AUTH },
	{ "GET", "/api/v1/emails/{id}", handle_emails_get, ROUTE_AUTH },
	{ "POST", "/api/v1/emails/notifications", handle_email_notifications, ROUTE_PUBLIC },
	{ "POST", "/api/v1/emails/dsn", handle_email_dsn, ROUTE_PUBLIC },
};

int main(int argc, char **argv)
{
	static const struct app app = { "emails", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
