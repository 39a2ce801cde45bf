/* notice: the candidate notice — an acknowledgement email with a signed link where the candidate asks for a human review. */
#include "mail/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/sha256.h"
#include "base/status.h"
#include "base/util.h"
#include "core/answercache.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/company.h"
#include "mail/html.h"
#include "mail/mime.h"
#include "mail/outbox.h"

/* Hex digits of the signature kept in a token: 128 bits. */
#define SIG_HEX 32

int notice_set(int64_t org_id, bool on)
{
	char org[24];
	const char *p[2] = { org, on ? "true" : "false" };
	int64_t n = 0;
	int rc;

	db_int_param(org_id, org);
	rc = db_exec("notice_set", "UPDATE organisations SET candidate_notice = $2::boolean WHERE id = $1", 2, p, &n);
	if (rc == 0 && n == 0)
		rc = ST_NOT_FOUND;
	return rc;
}

int notice_get(int64_t org_id, bool *on)
{
	struct db_result *res = NULL;
	char org[24];
	const char *p[1] = { org };
	int rc;

	*on = false;
	db_int_param(org_id, org);
	rc = db_query("notice_get", "SELECT candidate_notice FROM organisations WHERE id = $1", 1, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		*on = db_bool(res, 0, 0);
	db_result_free(res);
	return rc;
}

/* The signature of resume_id as SIG_HEX hex digits and a NUL. Returns 0, or -1 without a secret. */
static int signature(int64_t resume_id, char out[SIG_HEX + 1])
{
	const char *secret = config()->mail_event_secret;
	unsigned char mac[SHA256_LEN];
	char data[48], hex[2 * SHA256_LEN + 1];
	int n;

	if (!secret || !*secret)
		return -1;
	n = snprintf(data, sizeof(data), "notice:%lld", (long long)resume_id);
	if (n < 0 || (size_t)n >= sizeof(data) || sha256_hmac(secret, strlen(secret), data, (size_t)n, mac) < 0)
		return -1;
	hex_encode(mac, sizeof(mac), hex);
	memcpy(out, hex, SIG_HEX);
	out[SIG_HEX] = '\0';
	return 0;
}

int notice_token(int64_t resume_id, char out[NOTICE_TOKEN_MAX])
{
	char sig[SIG_HEX + 1];
	int n;

	if (signature(resume_id, sig) < 0)
		return -1;
	n = snprintf(out, NOTICE_TOKEN_MAX, "%lld-%s", (long long)resume_id, sig);
	return n > 0 && n < NOTICE_TOKEN_MAX ? 0 : -1;
}

int notice_token_check(const char *token, int64_t *resume_id)
{
	const char *dash = token ? strchr(token, '-') : NULL;
	char idtext[24], sig[SIG_HEX + 1];
	unsigned char diff = 0;
	size_t i;

	*resume_id = 0;
	if (!dash || dash == token || (size_t)(dash - token) >= sizeof(idtext) || strlen(dash + 1) != SIG_HEX)
		return -1;
	memcpy(idtext, token, (size_t)(dash - token));
	idtext[dash - token] = '\0';
	if (parse_int64(idtext, 1, INT64_MAX, resume_id) < 0 || signature(*resume_id, sig) < 0)
		return -1;
	/* Compared in constant time: the signature is a secret until it matches. */
	for (i = 0; i < SIG_HEX; i++)
		diff |= (unsigned char)(sig[i] ^ dash[1 + i]);
	if (diff)
		*resume_id = 0;
	return diff ? -1 : 0;
}

/* The domain part of mail_from, for the Message-ID. */
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

/* What the tool looks at, one sentence naming the job's skills when they are known; appended to out. */
static int looks_at(const struct company_info *c, struct buf *out)
{
	size_t i;
	int rc = buf_append_str(out, "It reads the text of your resume and compares your skills, experience and "
				     "qualifications with the requirements of the job");

	for (i = 0; rc == 0 && i < c->nskills; i++)
		rc = buf_printf(out, "%s%s", i == 0 ? " (among them: " : ", ", c->skills[i]);
	if (rc == 0 && c->nskills)
		rc = buf_append_str(out, ")");
	if (rc == 0)
		rc = buf_append_str(out, ". It scores how closely they match and suggests a category to the recruiter. "
					 "Your name and contact details are masked before it reads your resume.");
	return rc;
}

/* The email's parts. Returns 0 or -1 (too large). */
static int render(const struct company_info *c, const char *name, const char *link, struct buf *subject,
		  struct buf *text, struct buf *html)
{
	const char *company = c->company && *c->company ? c->company : "our company";
	const char *position = c->position && *c->position ? c->position : "the position";
	struct buf look = BUF_INIT(8192);
	char *e_name = NULL, *e_pos = NULL, *e_comp = NULL, *e_look = NULL, *e_link = NULL;
	int rc = 0;

	rc |= buf_printf(subject, "Your application for %s at %s: how it is screened", position, company);
	rc |= looks_at(c, &look);
	rc |= buf_printf(
		text,
		"Dear %s,\n\nThank you for applying for the %s role at %s. We have received your application.\n\n"
		"An automated tool assists our screening. %s It does not decide on its own: a person reviews its "
		"suggestions and makes every decision.\n\nYou may ask for a person to review your application without "
		"the tool, or for another selection process (for example an accommodation), here:\n%s\n\n"
		"This link is yours alone. You can also reply to this email.\n",
		name && *name ? name : "Candidate", position, company, look.ptr ? look.ptr : "", link);
	if (rc == 0) {
		e_name = html_escape_dup(name && *name ? name : "Candidate");
		e_pos = html_escape_dup(position);
		e_comp = html_escape_dup(company);
		e_look = html_escape_dup(look.ptr);
		e_link = html_escape_dup(link);
		rc |= buf_printf(
			html,
			"<p>Dear %s,</p><p>Thank you for applying for the %s role at %s. We have received your "
			"application.</p><p>An automated tool assists our screening. %s It does not decide on its "
			"own: a person reviews its suggestions and makes every decision.</p><p>You may ask for a "
			"person to review your application without the tool, or for another selection process "
			"(for example an accommodation): <a href=\"%s\">ask for a human review</a>.</p><p>This "
			"link is yours alone. You can also reply to this email.</p>",
			e_name, e_pos, e_comp, e_look, e_link);
	}
	free(e_name);
	free(e_pos);
	free(e_comp);
	free(e_look);
	free(e_link);
	buf_release(&look);
	return rc < 0 ? -1 : 0;
}

/*
 * Whether the candidate is due a notice: the setting is on and none was
 * queued yet, in one query, so a rescore of many resumes costs one read
 * each and no rendering.
 */
static int needed(int64_t org_id, int64_t job_id, int64_t resume_id, bool *due)
{
	struct db_result *res = NULL;
	char org[24], job[24], rid[24];
	const char *p[3] = { org, job, rid };
	int rc;

	*due = false;
	db_int_param(org_id, org);
	db_int_param(job_id, job);
	db_int_param(resume_id, rid);
	rc = db_query("notice_needed",
		      "SELECT o.candidate_notice AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.job_id = $2"
		      " AND e.resume_id = $3 AND e.kind = 'notice') FROM organisations o WHERE o.id = $1",
		      3, p, &res);
	if (rc == 0 && db_rows(res) == 1)
		*due = db_bool(res, 0, 0);
	db_result_free(res);
	return rc;
}

int notice_send(int64_t org_id, int64_t job_id, int64_t resume_id, const char *to, const char *name, bool *created)
{
	struct company_info c = { 0 };
	struct buf subject = BUF_INIT(1024), text = BUF_INIT(16384), html = BUF_INIT(32768), link = BUF_INIT(2048);
	char token[NOTICE_TOKEN_MAX], domain[256], msgid[MIME_MSGID_MAX + 1];
	int64_t id = 0;
	bool on = false;
	int rc;

	*created = false;
	if (!to || !*to)
		return 0;
	rc = needed(org_id, job_id, resume_id, &on);
	if (rc < 0 || !on)
		return rc;
	if (notice_token(resume_id, token) < 0) {
		log_warn("notice: SHORTLIST_MAIL_EVENT_SECRET is empty, so no notice can carry its link; none sent");
		return 0;
	}
	rc = company_get(org_id, job_id, &c);
	if (rc < 0)
		goto out;
	if (buf_printf(&link, "%s/notice.html#t=%s", config()->public_url, token) < 0 ||
	    render(&c, name, link.ptr, &subject, &text, &html) < 0 || mail_domain(domain, sizeof(domain)) < 0 ||
	    mime_message_id_new(domain, msgid, sizeof(msgid)) < 0) {
		log_error("notice: cannot make the notice of resume %lld", (long long)resume_id);
		rc = ST_INTERNAL;
		goto out;
	}
	{
		struct outbox_new e = { org_id,
					job_id,
					resume_id,
					"notice",
					to,
					name ? name : "",
					subject.ptr,
					text.ptr,
					html.ptr,
					msgid,
					OUTBOX_PRIORITY_INVITE,
					NULL,
					NULL,
					false,
					0,
					0,
					NULL };

		rc = db_begin();
		if (rc == 0)
			rc = outbox_enqueue(&e, &id, created);
		if (rc == 0 && *created)
			rc = outbox_notify();
		if (rc == 0)
			rc = db_commit();
		if (rc < 0)
			db_rollback();
	}
	if (rc == 0 && *created)
		log_info("notice: queued email %lld to the candidate of resume %lld", (long long)id,
			 (long long)resume_id);
out:
	company_release(&c);
	buf_release(&subject);
	buf_release(&text);
	buf_release(&html);
	buf_release(&link);
	return rc;
}

#define REQUEST_JSON \
	"CASE WHEN q.resume_id IS NULL THEN NULL ELSE jsonb_build_object('kind', q.kind, 'message', q.message," \
	" 'requested_at', q.created_at) END"

int notice_view_json(int64_t resume_id, cJSON **out)
{
	struct company_info c = { 0 };
	struct db_result *res = NULL;
	struct buf look = BUF_INIT(8192);
	char rid[24];
	const char *p[1] = { rid };
	cJSON *req = NULL;
	int rc;

	*out = NULL;
	db_int_param(resume_id, rid);
	rc = db_query("notice_view",
		      "SELECT r.org_id, r.job_id, (" REQUEST_JSON ")::text FROM resumes r"
		      " LEFT JOIN review_requests q ON q.resume_id = r.id WHERE r.id = $1",
		      1, p, &res);
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0)
		rc = company_get(db_int(res, 0, 0, 0), db_int(res, 0, 1, 0), &c);
	if (rc == 0 && looks_at(&c, &look) < 0)
		rc = ST_INTERNAL;
	if (rc == 0) {
		const char *q = db_value(res, 0, 2);

		req = q ? cJSON_Parse(q) : NULL;
		*out = cJSON_CreateObject();
		json_add_str_or_null(*out, "company", c.company);
		json_add_str_or_null(*out, "position", c.position);
		cJSON_AddStringToObject(*out, "looks_at", look.ptr);
		cJSON_AddItemToObject(*out, "review_request", req ? req : cJSON_CreateNull());
	}
	company_release(&c);
	buf_release(&look);
	db_result_free(res);
	return rc;
}

int notice_request_from_json(const cJSON *body, struct notice_request *in, char *err, size_t errlen)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(body, "kind"), *m, *msg;

	memset(in, 0, sizeof(*in));
	if (!cJSON_IsObject(body)) {
		snprintf(err, errlen, "body: must be a JSON object with kind");
		return -1;
	}
	cJSON_ArrayForEach(m, body)
	{
		if (strcmp(m->string, "kind") != 0 && strcmp(m->string, "message") != 0) {
			snprintf(err, errlen, "%.64s: unknown member (only kind and message)", m->string);
			return -1;
		}
	}
	if (!cJSON_IsString(kind) ||
	    (strcmp(kind->valuestring, "human_review") != 0 && strcmp(kind->valuestring, "alternative_process") != 0)) {
		snprintf(err, errlen, "kind: must be human_review or alternative_process");
		return -1;
	}
	msg = cJSON_GetObjectItemCaseSensitive(body, "message");
	if (msg && !cJSON_IsNull(msg) && !cJSON_IsString(msg)) {
		snprintf(err, errlen, "message: must be a string");
		return -1;
	}
	if (cJSON_IsString(msg) && strlen(msg->valuestring) > NOTICE_MESSAGE_MAX) {
		snprintf(err, errlen, "message: at most %d bytes", NOTICE_MESSAGE_MAX);
		return -1;
	}
	in->kind = kind->valuestring;
	in->message = cJSON_IsString(msg) ? msg->valuestring : "";
	return 0;
}

int notice_request(int64_t resume_id, const struct notice_request *in, const char *request_id, cJSON **out,
		   bool *created)
{
	struct db_result *res = NULL;
	char rid[24];
	const char *p[3] = { rid, in->kind, in->message };
	cJSON *details = NULL;
	int rc;

	*out = NULL;
	*created = false;
	db_int_param(resume_id, rid);
	rc = db_begin();
	if (rc == 0)
		rc = db_query("notice_request",
			      "INSERT INTO review_requests (resume_id, org_id, job_id, kind, message)"
			      " SELECT r.id, r.org_id, r.job_id, $2, $3 FROM resumes r WHERE r.id = $1"
			      " ON CONFLICT (resume_id) DO NOTHING RETURNING org_id, job_id",
			      3, p, &res);
	if (rc == 0 && db_rows(res) == 1) {
		struct audit_event ev = {
			"candidate.review_requested", db_int(res, 0, 1, 0), resume_id, NULL, 0, NULL
		};

		*created = true;
		/* The kind, not the message: the trail keeps no words of the candidate's. */
		details = cJSON_CreateObject();
		cJSON_AddStringToObject(details, "kind", in->kind);
		ev.details = details;
		rc = audit_record_candidate(db_int(res, 0, 0, 0), request_id, &ev);
		/* The candidate's page shows the request (answercache.h). */
		if (rc == 0)
			(void)db_after_commit(answercache_invalidate, db_int(res, 0, 0, 0));
	}
	if (rc == 0) {
		const char *q[1] = { rid };

		rc = db_query_json("notice_request_get",
				   "SELECT (" REQUEST_JSON ")::text FROM review_requests q WHERE q.resume_id = $1", 1,
				   q, out);
	}
	if (rc == 0)
		rc = db_commit();
	if (rc < 0) {
		db_rollback();
		cJSON_Delete(*out);
		*out = NULL;
	}
	cJSON_Delete(details);
	db_result_free(res);
	return rc;
}
