/* emails: company details, templates, previews and sending of candidate emails, their delivery status, and the candidate notice's link. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "account/auth.h"
#include "account/blindview.h"
#include "base/buf.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "http/app.h"
#include "http/eventsecret.h"
#include "http/page.h"
#include "http/resp.h"
#include "mail/approval.h"
#include "mail/bouncefeed.h"
#include "mail/company.h"
#include "mail/dsn.h"
#include "mail/emailtpl.h"
#include "mail/mime.h"
#include "mail/notice.h"
#include "mail/outbox.h"
#include "mail/outbox_rules.h"
#include "mail/sesnotify.h"
#include "mail/template.h"
#include "score/demographics.h"
#include "queue/jobprep.h"
#include "score/ranking.h"

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
	bool revealed = true;
	int rc = outbox_recipients(r->org_id, job_id, &cand, 1, NULL, "invite", &rc_list, &n);

	if (rc < 0)
		return resp_fail_store(r, rc, "job", job_id);
	if (n != 1 || !rc_list[0].found) {
		outbox_recipients_free(rc_list, n);
		return resp_fail(r, ST_NOT_FOUND, "candidate %lld not found in job %lld", (long long)cand,
				 (long long)job_id);
	}
	/* Under the blind view a preview keeps the sample name until the candidate is shortlisted. */
	rc = blindview_applies_to(r);
	if (rc > 0)
		rc = blindview_resume_revealed(r->org_id, cand, &revealed);
	if (rc < 0) {
		outbox_recipients_free(rc_list, n);
		return resp_fail_store(r, rc, "candidate", cand);
	}
	*name = rc_list[0].name && revealed ? xstrdup(rc_list[0].name) : NULL;
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

/* A preview being made: the values, where they come from, and the template. */
struct preview {
	const char *vals[V_COUNT];
	struct company_info company;
	struct emailtpl stored;
	struct template t; /* the stored template, or parts given in the request (borrowed) */
	char *candidate_name, *user_addr, *user_name; /* owned: what vals may point at */
};

static void preview_release(struct preview *p)
{
	emailtpl_release(&p->stored);
	company_release(&p->company);
	free(p->candidate_name);
	free(p->user_addr);
	free(p->user_name);
}

/* The samples, the job's company details and its stored template of kind. */
static int preview_load(struct req *r, int64_t id, enum template_kind kind, struct preview *p)
{
	int rc;

	memcpy(p->vals, sample_values, sizeof(p->vals));
	/* The signer: given in values, else the calling user, else the samples (set after the body is read). */
	p->vals[V_RECRUITER] = p->vals[V_RECRUITER_EMAIL] = NULL;
	rc = company_get(r->org_id, id, &p->company);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	company_values(&p->company, p->vals);
	rc = emailtpl_get(r->org_id, id, kind, &p->stored);
	if (rc < 0)
		return resp_fail_store(r, rc, "job", id);
	emailtpl_view(&p->stored, &p->t);
	return 0;
}

/* What the request body changes: a real candidate's name, given values, a template to try. */
static int preview_apply(struct req *r, int64_t id, const cJSON *body, struct preview *p)
{
	const cJSON *cand = cJSON_GetObjectItemCaseSensitive(body, "candidate_id");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(body, "values");
	const cJSON *tpl = cJSON_GetObjectItemCaseSensitive(body, "template");
	char err[512];
	int rc;

	if (cand && !cJSON_IsNull(cand)) {
		if (!json_is_id(cand))
			return resp_fail(r, ST_BAD_REQUEST, "candidate_id: must be a positive integer");
		rc = candidate_name(r, id, (int64_t)cand->valuedouble, p->vals, &p->candidate_name);
		if (rc < 0)
			return rc;
	}
	if (values && !cJSON_IsObject(values))
		return resp_fail(r, ST_BAD_REQUEST, "values: must be an object");
	if (values && (rc = vars_from_object(r, values, "values.", true, p->vals)) < 0)
		return rc;
	if (tpl && (rc = template_from_json(r, tpl, "template.", &p->t)) < 0)
		return rc;
	if (tpl && emailtpl_check(&p->t, err, sizeof(err)) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "template: %s", err);
	return 0;
}

/* Renders the preview with the signer filled in and answers it. */
static int preview_respond(struct req *r, int64_t id, enum template_kind kind, struct preview *p)
{
	struct template_var vars[V_COUNT];
	struct template_output outp = { 0 };
	cJSON *res, *used;
	char err[512];
	size_t nvars, i;
	int rc;

	if ((rc = signer_from_user(r, p->vals, &p->user_addr, &p->user_name)) < 0)
		return rc;
	if (!p->vals[V_RECRUITER])
		p->vals[V_RECRUITER] = sample_values[V_RECRUITER];
	if (!p->vals[V_RECRUITER_EMAIL])
		p->vals[V_RECRUITER_EMAIL] = sample_values[V_RECRUITER_EMAIL];
	nvars = vars_collect(p->vals, vars);
	if (template_render(&p->t, vars, nvars, &outp, err, sizeof(err)) < 0)
		return fail_render(r, id, template_kind_name(kind), err);
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "job_id", (double)id);
	cJSON_AddStringToObject(res, "kind", template_kind_name(kind));
	cJSON_AddStringToObject(res, "subject", outp.subject);
	cJSON_AddStringToObject(res, "text", outp.text);
	json_add_str_or_null(res, "html", outp.html);
	used = cJSON_AddObjectToObject(res, "values");
	for (i = 0; i < nvars; i++)
		cJSON_AddStringToObject(used, vars[i].name, vars[i].value);
	template_output_release(&outp);
	return resp_json_take(r, 200, res);
}

static int handle_template_preview(struct req *r)
{
	struct preview p = { 0 };
	enum template_kind kind;
	cJSON *body = NULL;
	int64_t id;
	int rc = req_param_id(r, "id", &id);

	if (rc < 0 || (rc = kind_param(r, &kind)) < 0)
		return rc;
	rc = optional_body(r, &body);
	if (rc < 0)
		return rc;
	if (body && !cJSON_IsObject(body))
		rc = resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
	if (rc == 0)
		rc = preview_load(r, id, kind, &p);
	if (rc == 0 && body)
		rc = preview_apply(r, id, body, &p);
	if (rc == 0)
		rc = preview_respond(r, id, kind, &p);
	preview_release(&p);
	cJSON_Delete(body);
	return rc;
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
	bool awaiting;		     /* the organisation wants a second person to approve these (approval.h) */
	bool waiting;		     /* the job's preparation is pending: the emails wait for it (mailwait.h) */
	int64_t user_id, key_id;     /* who asks */
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
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(body, "kind");
	const cJSON *ids = cJSON_GetObjectItemCaseSensitive(body, "candidate_ids");
	const cJSON *cat = cJSON_GetObjectItemCaseSensitive(body, "category");
	char err[128];
	int rc;

	if (!cJSON_IsObject(body))
		return resp_fail(r, ST_BAD_REQUEST, "the body must be a JSON object");
	if (!cJSON_IsString(kind) || template_kind_parse(kind->valuestring, &s->kind) < 0)
		return resp_fail(r, ST_BAD_REQUEST, "kind: must be invite, consider or reject");
	if ((ids != NULL) == (cat != NULL))
		return resp_fail(r, ST_BAD_REQUEST, "give exactly one of candidate_ids and category");
	if (outbox_rules_selection_refusal(s->kind, cat != NULL))
		return resp_fail(r, ST_BAD_REQUEST, "%s", outbox_rules_selection_refusal(s->kind, cat != NULL));
	if (cat) {
		if (!cJSON_IsString(cat) || !ranking_category_valid(cat->valuestring))
			return resp_fail(r, ST_BAD_REQUEST,
					 "category: must be shortlist, consider, reject, needs_review or failed");
		s->category = cat->valuestring;
	} else if (!(s->ids = json_id_array(ids, "candidate_ids", OUTBOX_SEND_MAX, &s->nids, err, sizeof(err)))) {
		return resp_fail(r, ST_BAD_REQUEST, "%s", err);
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

/* What one send request did, candidate by candidate. */
struct send_tally {
	int queued;
	int awaiting;	    /* of queued: enqueued awaiting approval */
	int already_queued; /* an email of this kind was queued for the candidate before */
	int refused;
};

/* Renders and enqueues one candidate's email; sets the outcome members of item. Returns 0 or a db status code. */
/* The values of the variables an email was asked with, as JSON text to render it again later; caller frees. */
static char *values_json(const char **vals)
{
	cJSON *o = cJSON_CreateObject();
	char *text;
	int i;

	for (i = 0; i < V_COUNT; i++)
		if (vals[i])
			cJSON_AddStringToObject(o, var_names[i], vals[i]);
	text = json_print(o);
	cJSON_Delete(o);
	return text;
}

static int send_one(const struct send_request *s, int64_t org_id, int64_t job_id, const struct template *t,
		    const char **vals, const struct outbox_recipient *c, const char *domain, cJSON *item,
		    struct send_tally *tally)
{
	struct template_var vars[V_COUNT];
	struct template_output o = { 0 };
	char err[512], msgid[MIME_MSGID_MAX + 1];
	const char *why = outbox_rules_refusal(c, s->kind);
	const char *kind = template_kind_name(s->kind);
	int64_t id = 0;
	bool created = false;
	int rc = 0;

	if (!why && c->email_id) {
		cJSON_AddStringToObject(item, "status", "already_queued");
		cJSON_AddNumberToObject(item, "email_id", (double)c->email_id);
		json_add_str_or_null(item, "state", c->email_state);
		tally->already_queued++;
		return 0;
	}
	if (!why) {
		vals[V_CANDIDATE] = c->name && *c->name ? c->name : "Candidate";
		if (template_render(t, vars, vars_collect(vals, vars), &o, err, sizeof(err)) < 0)
			why = err;
		else
			why = outbox_rules_content_refusal(&o);
		if (!why && mime_message_id_new(domain, msgid, sizeof(msgid)) < 0)
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
					s->reply_name,
					s->awaiting,
					s->user_id,
					s->key_id,
					NULL };
		char *values = s->waiting ? values_json(vals) : NULL;

		e.prep_values = values;
		rc = outbox_enqueue(&e, &id, &created);
		free(values);
		if (rc == 0 && created && s->waiting)
			cJSON_AddTrueToObject(item, "waiting_for_preparation");
		if (rc == 0) {
			cJSON_AddStringToObject(item, "status",
						!created      ? "already_queued"
						: s->awaiting ? "awaiting_approval"
							      : "queued");
			cJSON_AddNumberToObject(item, "email_id", (double)id);
			if (created && s->awaiting)
				tally->awaiting++;
			if (created)
				tally->queued++;
			else
				tally->already_queued++;
		}
	} else {
		cJSON_AddStringToObject(item, "status", "refused");
		cJSON_AddStringToObject(item, "reason", why);
		tally->refused++;
	}
	template_output_release(&o);
	return rc;
}

/*
 * The job's side of a send: company details, the stored template of the
 * kind (viewed in *t, borrowed from *stored), a render of all that does not
 * depend on the candidate, and the Message-ID domain. Nothing is queued.
 */
static int send_prepare(struct req *r, int64_t job_id, struct send_request *s, struct company_info *c,
			struct emailtpl *stored, struct template *t, char *domain, size_t domainlen)
{
	struct template_var vars[V_COUNT];
	struct template_output probe = { 0 };
	char err[512];
	int rc;

	if ((rc = company_get(r->org_id, job_id, c)) < 0 || (rc = emailtpl_get(r->org_id, job_id, s->kind, stored)) < 0)
		return resp_fail_store(r, rc, "job", job_id);
	company_values(c, s->vals);
	emailtpl_view(stored, t);
	/* Whatever does not depend on the candidate must render before anything is queued. */
	s->vals[V_CANDIDATE] = "Candidate";
	rc = template_render(t, vars, vars_collect(s->vals, vars), &probe, err, sizeof(err));
	template_output_release(&probe);
	if (rc < 0)
		return fail_render(r, job_id, template_kind_name(s->kind), err);
	if (mail_domain(domain, domainlen) < 0)
		return resp_fail(r, ST_INTERNAL, "mail_from is not an address");
	return 0;
}

/*
 * The audit event of a send request, in its transaction: the kind, the
 * candidates named (or the category), and the emails it created.
 */
static int send_audit(struct req *r, int64_t job_id, const struct send_request *s, const cJSON *results,
		      const struct send_tally *tally)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };
	struct audit_event ev = { "emails.send_requested", job_id, 0, NULL, 0, NULL };
	const cJSON *item;
	cJSON *details = cJSON_CreateObject(), *candidates = cJSON_CreateArray();
	int64_t *ids = xcalloc((size_t)cJSON_GetArraySize(results) + 1, sizeof(*ids));
	size_t n = 0;
	int rc;

	cJSON_ArrayForEach(item, results)
	{
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(item, "status");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "email_id");

		cJSON_AddItemToArray(candidates,
				     cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(item, "candidate_id"), 1));
		if (cJSON_IsString(st) &&
		    (strcmp(st->valuestring, "queued") == 0 || strcmp(st->valuestring, "awaiting_approval") == 0) &&
		    cJSON_IsNumber(id))
			ids[n++] = (int64_t)id->valuedouble;
	}
	cJSON_AddStringToObject(details, "kind", template_kind_name(s->kind));
	if (s->category)
		cJSON_AddStringToObject(details, "category", s->category);
	cJSON_AddItemToObject(details, "candidate_ids", candidates);
	cJSON_AddNumberToObject(details, "queued", tally->queued - tally->awaiting);
	cJSON_AddNumberToObject(details, "awaiting_approval", tally->awaiting);
	cJSON_AddNumberToObject(details, "already_queued", tally->already_queued);
	cJSON_AddNumberToObject(details, "refused", tally->refused);
	ev.email_ids = ids;
	ev.n_email_ids = n;
	ev.details = details;
	rc = audit_record(&who, &ev);
	cJSON_Delete(details);
	free(ids);
	return rc;
}

/* Queues the emails of the n candidates in one transaction, a result each in results. Returns 0 or a db code. */
static int send_all(struct req *r, int64_t job_id, struct send_request *s, const struct template *t,
		    const struct outbox_recipient *list, size_t n, const char *domain, cJSON *results,
		    struct send_tally *tally)
{
	size_t i;
	int rc = approval_required(r->org_id, template_kind_name(s->kind), &s->awaiting);

	s->user_id = r->user_id;
	s->key_id = r->key_id;
	if (rc == 0)
		rc = db_begin();
	if (rc == 0)
		rc = jobprep_pending(job_id, &s->waiting);
	for (i = 0; rc == 0 && i < n; i++) {
		cJSON *item = cJSON_CreateObject();

		cJSON_AddNumberToObject(item, "candidate_id", (double)list[i].resume_id);
		cJSON_AddItemToArray(results, item);
		rc = send_one(s, r->org_id, job_id, t, s->vals, &list[i], domain, item, tally);
	}
	if (rc == 0)
		rc = send_audit(r, job_id, s, results, tally);
	if (rc == 0 && tally->queued > tally->awaiting)
		rc = outbox_notify();
	if (rc == 0)
		rc = db_commit();
	if (rc < 0)
		db_rollback();
	return rc;
}

static int handle_emails_send(struct req *r)
{
	struct send_request s;
	struct send_tally tally = { 0 };
	struct company_info c = { 0 };
	struct emailtpl stored = { 0 };
	struct template t;
	struct outbox_recipient *list = NULL;
	size_t n = 0;
	cJSON *body = NULL, *res, *results = NULL;
	char domain[256];
	int64_t job_id;
	int rc = req_param_id(r, "id", &job_id);

	memset(&s, 0, sizeof(s));
	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if ((rc = send_parse(r, body, &s)) < 0 || (rc = sender_for(r, &s)) < 0 ||
	    (rc = send_prepare(r, job_id, &s, &c, &stored, &t, domain, sizeof(domain))) < 0)
		goto out;
	rc = outbox_recipients(r->org_id, job_id, s.ids, s.nids, s.category, template_kind_name(s.kind), &list, &n);
	if (rc == ST_BAD_REQUEST) {
		rc = resp_fail(r, rc, "the category selects more than %d candidates", OUTBOX_SEND_MAX);
		goto out;
	}
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", job_id);
		goto out;
	}
	results = cJSON_CreateArray();
	rc = send_all(r, job_id, &s, &t, list, n, domain, results, &tally);
	if (rc < 0) {
		rc = resp_fail_store(r, rc, "job", job_id);
		goto out;
	}
	log_info("emails: job %lld %s: %d queued, %d awaiting approval, %d already queued, %d refused",
		 (long long)job_id, template_kind_name(s.kind), tally.queued - tally.awaiting, tally.awaiting,
		 tally.already_queued, tally.refused);
	res = cJSON_CreateObject();
	cJSON_AddNumberToObject(res, "job_id", (double)job_id);
	cJSON_AddStringToObject(res, "kind", template_kind_name(s.kind));
	cJSON_AddNumberToObject(res, "queued", tally.queued - tally.awaiting);
	cJSON_AddNumberToObject(res, "awaiting_approval", tally.awaiting);
	cJSON_AddNumberToObject(res, "already_queued", tally.already_queued);
	cJSON_AddNumberToObject(res, "refused", tally.refused);
	cJSON_AddItemToObject(res, "results", results);
	results = NULL;
	rc = resp_json_take(r, tally.queued > 0 ? 202 : 200, res);
out:
	cJSON_Delete(results);
	outbox_recipients_free(list, n);
	emailtpl_release(&stored);
	company_release(&c);
	cJSON_Delete(body);
	free(s.ids);
	free(s.user_addr);
	free(s.user_name);
	return rc;
}

static int handle_emails_approve(struct req *r)
{
	struct audit_actor who = { r->org_id, r->user_id, r->key_id, r->request_id, NULL };
	cJSON *body = NULL, *out = NULL;
	const char *why = NULL;
	int64_t job_id, *v = NULL;
	char err[128];
	size_t n = 0;
	int rc = req_param_id(r, "id", &job_id);

	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if (!(v = json_id_array(cJSON_GetObjectItemCaseSensitive(body, "email_ids"), "email_ids", OUTBOX_SEND_MAX, &n,
				err, sizeof(err)))) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = approval_approve(&who, job_id, v, n, &out, &why);
	if (rc == ST_FORBIDDEN)
		rc = resp_fail(r, rc, "%s", why);
	else if (rc < 0)
		rc = resp_fail_store(r, rc, "job", job_id);
	else
		rc = resp_json_take(r, 200, out);
out:
	free(v);
	cJSON_Delete(body);
	return rc;
}

/* Hides the recipients of emails to candidates not yet shortlisted, when the blind view applies. Returns 0 or a status. */
static int blind_mask_emails(struct req *r, cJSON *emails, bool array)
{
	cJSON *e;
	int applies = blindview_applies_to(r), rc = 0;

	if (applies < 0)
		return applies;
	if (!array) {
		if (!applies)
			blindview_mark_shown(emails);
		return applies ? blindview_mask_email(r->org_id, emails) : 0;
	}
	cJSON_ArrayForEach(e, emails)
	{
		if (!applies)
			blindview_mark_shown(e);
		else if ((rc = blindview_mask_email(r->org_id, e)) < 0)
			break;
	}
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
		return resp_fail(r, ST_BAD_REQUEST,
				 "state: must be awaiting_approval, queued, sending, sent, retrying, failed, bounced "
				 "or complained");
	rc = outbox_list_json(r->org_id, job_id, state && *state ? state : NULL, before, limit, &items, &next);
	if (rc == 0)
		rc = blind_mask_emails(r, items, true);
	if (rc < 0) {
		cJSON_Delete(items);
		return resp_fail_store(r, rc, "email", 0);
	}
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
	if (rc == 0)
		rc = blind_mask_emails(r, o, false);
	if (rc < 0) {
		cJSON_Delete(o);
		return resp_fail_store(r, rc, "email", id);
	}
	return resp_json_take(r, 200, o);
}

static int handle_emails_stats(struct req *r)
{
	return resp_store_get(r, "id", "job", outbox_stats_json);
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
		rc = rc == ST_UNAVAILABLE
			     ? resp_fail(r, rc, "the database is unavailable; deliver the notification again")
			     : resp_fail(r, rc, "cannot record the notification");
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
		rc = rc == ST_UNAVAILABLE ? resp_fail(r, rc, "the database is unavailable; deliver the report again")
					  : resp_fail(r, rc, "cannot record the report");
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

/* The resume a notice link's token names; answers 404 for a token this service did not sign. */
static int notice_resume(struct req *r, int64_t *resume_id)
{
	if (notice_token_check(req_param(r, "token"), resume_id) < 0)
		return resp_fail(r, ST_NOT_FOUND, "notice link: not a link this service sent, or no longer valid");
	return 0;
}

static int handle_notice_show(struct req *r)
{
	cJSON *out = NULL;
	int64_t id;
	int rc = notice_resume(r, &id);

	if (rc < 0)
		return rc;
	rc = notice_view_json(id, &out);
	if (rc == ST_NOT_FOUND)
		return resp_fail(r, rc, "notice link: the application it was sent for is no longer held");
	if (rc < 0)
		return resp_fail_store(r, rc, "candidate", id);
	resp_header(r, "Cache-Control", "no-store");
	return resp_json_take(r, 200, out);
}

static int handle_notice_review(struct req *r)
{
	struct notice_request in;
	cJSON *body = NULL, *out = NULL;
	char err[256];
	int64_t id;
	bool created = false;
	int rc = notice_resume(r, &id);

	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if (notice_request_from_json(body, &in, err, sizeof(err)) < 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = notice_request(id, &in, r->request_id, &out, &created);
	if (rc == ST_NOT_FOUND)
		rc = resp_fail(r, rc, "notice link: the application it was sent for is no longer held");
	else if (rc < 0)
		rc = resp_fail_store(r, rc, "candidate", id);
	else
		rc = resp_json_take(r, created ? 201 : 200, out);
out:
	cJSON_Delete(body);
	return rc;
}

/* The candidate's own answers for the bias audit, optional, through the link: 204, nothing shown back. */
static int handle_notice_demographics(struct req *r)
{
	struct demographics_input in;
	cJSON *body = NULL;
	char err[400];
	int64_t id;
	int rc = notice_resume(r, &id);

	if (rc < 0)
		return rc;
	rc = req_json_body(r, &body);
	if (rc < 0)
		return rc;
	if (demographics_from_json(body, &in, err, sizeof(err)) < 0) {
		rc = resp_fail(r, ST_BAD_REQUEST, "%s", err);
		goto out;
	}
	rc = demographics_set_by_candidate(id, &in, r->request_id);
	if (rc == ST_NOT_FOUND)
		rc = resp_fail(r, rc, "notice link: the application it was sent for is no longer held");
	else if (rc < 0)
		rc = resp_fail_store(r, rc, "candidate", id);
	else
		r->status = 204;
out:
	cJSON_Delete(body);
	return rc;
}

static const struct route routes[] = {
	{ "GET", "/api/v1/jobs/{id}/company", handle_company_show, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/company", handle_company_edit, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs/{id}/templates/{kind}", handle_template_show, ROUTE_AUTH },
	{ "PUT", "/api/v1/jobs/{id}/templates/{kind}", handle_template_edit, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "DELETE", "/api/v1/jobs/{id}/templates/{kind}", handle_template_reset, ROUTE_AUTH },
	{ "POST", "/api/v1/jobs/{id}/templates/{kind}/preview", handle_template_preview,
	  ROUTE_AUTH | ROUTE_JSON_BODY | ROUTE_KEEPS_ANSWERS },
	{ "POST", "/api/v1/jobs/{id}/emails", handle_emails_send, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "POST", "/api/v1/jobs/{id}/emails/approve", handle_emails_approve, ROUTE_AUTH | ROUTE_JSON_BODY },
	{ "GET", "/api/v1/jobs/{id}/emails/stats", handle_emails_stats, ROUTE_AUTH },
	{ "GET", "/api/v1/emails", handle_emails_list, ROUTE_AUTH },
	{ "GET", "/api/v1/emails/{id}", handle_emails_get, ROUTE_AUTH },
	{ "POST", "/api/v1/emails/notifications", handle_email_notifications,
	  ROUTE_PUBLIC | ROUTE_STORE | ROUTE_IP_NONE },
	{ "POST", "/api/v1/emails/dsn", handle_email_dsn, ROUTE_PUBLIC | ROUTE_STORE | ROUTE_IP_NONE },
	/* A candidate's notice link: public, so limited per address (unauth-per-ip) like every public route. */
	{ "GET", "/api/v1/notice/{token}", handle_notice_show, ROUTE_PUBLIC | ROUTE_STORE },
	{ "POST", "/api/v1/notice/{token}/review", handle_notice_review, ROUTE_PUBLIC | ROUTE_STORE | ROUTE_JSON_BODY },
	{ "PUT", "/api/v1/notice/{token}/demographics", handle_notice_demographics,
	  ROUTE_PUBLIC | ROUTE_STORE | ROUTE_JSON_BODY },
};

int main(int argc, char **argv)
{
	static const struct app app = { "emails", routes, ARRAY_SIZE(routes), auth_request, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
