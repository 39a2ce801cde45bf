/* bouncefeed: applying a parsed SES notification or DSN to our emails, recipient by recipient, and answering with counts. */
#include "mail/bouncefeed.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/log.h"
#include "mail/bounce.h"
#include "mail/returnpath.h"

struct tally {
	cJSON *out;
	cJSON *results;
	int received, bounced, complained, transient, duplicate, ignored;
};

static void tally_init(struct tally *t)
{
	memset(t, 0, sizeof(*t));
	t->out = cJSON_CreateObject();
	t->results = cJSON_CreateArray();
}

static void item(struct tally *t, const char *rcpt, const char *outcome, int64_t id, const char *state,
		 const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	if (rcpt)
		cJSON_AddStringToObject(o, "recipient", rcpt);
	else
		cJSON_AddNullToObject(o, "recipient");
	cJSON_AddStringToObject(o, "outcome", outcome);
	if (id > 0)
		cJSON_AddNumberToObject(o, "email_id", (double)id);
	else
		cJSON_AddNullToObject(o, "email_id");
	if (state && *state)
		cJSON_AddStringToObject(o, "state", state);
	else
		cJSON_AddNullToObject(o, "state");
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddItemToArray(t->results, o);
}

static cJSON *tally_done(struct tally *t)
{
	cJSON *o = t->out;

	cJSON_AddNumberToObject(o, "received", t->received);
	cJSON_AddNumberToObject(o, "bounced", t->bounced);
	cJSON_AddNumberToObject(o, "complained", t->complained);
	cJSON_AddNumberToObject(o, "transient", t->transient);
	cJSON_AddNumberToObject(o, "duplicate", t->duplicate);
	cJSON_AddNumberToObject(o, "ignored", t->ignored);
	cJSON_AddItemToObject(o, "results", t->results);
	return o;
}

/* Applies one report and counts it; returns 0 or a db status code. */
static int apply(struct tally *t, const struct bounce_report *b, const char *rcpt)
{
	enum bounce_result res;
	int64_t id;
	char state[32];
	int rc = bounce_apply(b, &res, &id, state, sizeof(state));

	if (rc < 0)
		return rc;
	if (res == BOUNCE_UNKNOWN) {
		t->ignored++;
		item(t, rcpt, "ignored", 0, NULL, "no email of ours matches");
	} else if (res == BOUNCE_DUPLICATE) {
		t->duplicate++;
		item(t, rcpt, "duplicate", id, state, NULL);
	} else {
		const char *o = b->kind == BOUNCE_PERMANENT   ? "bounced"
				: b->kind == BOUNCE_COMPLAINT ? "complained"
							      : "transient";

		if (b->kind == BOUNCE_PERMANENT)
			t->bounced++;
		else if (b->kind == BOUNCE_COMPLAINT)
			t->complained++;
		else
			t->transient++;
		item(t, rcpt, o, id, state, NULL);
		log_info("bounces: email %lld %s (%s)", (long long)id, o, b->detail ? b->detail : "no detail");
	}
	return 0;
}

int bouncefeed_ses(const struct sesnotify *n, cJSON **out)
{
	struct tally t;
	size_t i;
	int rc = 0;

	tally_init(&t);
	if (n->kind == SESNOTIFY_SUBSCRIPTION) {
		log_info("bounces: SNS subscription to topic '%s' awaits confirmation at '%s'",
			 n->topic_arn ? n->topic_arn : "", n->subscribe_url ? n->subscribe_url : "");
		cJSON_AddStringToObject(t.out, "subscription", "pending confirmation");
	} else if (n->kind == SESNOTIFY_DELIVERY || n->kind == SESNOTIFY_OTHER) {
		char why[128];

		snprintf(why, sizeof(why), "'%.64s' is not a bounce or complaint", n->type ? n->type : "");
		t.ignored++;
		item(&t, NULL, "ignored", 0, NULL, why);
	}
	for (i = 0; i < n->n && rc == 0; i++) {
		struct bounce_report b = { n->kind == SESNOTIFY_BOUNCE_PERMANENT ? BOUNCE_PERMANENT
					   : n->kind == SESNOTIFY_COMPLAINT	 ? BOUNCE_COMPLAINT
										 : BOUNCE_TRANSIENT,
					   n->message_id, 0, n->recipients[i].address, n->recipients[i].detail };

		t.received++;
		if (!n->message_id) {
			t.ignored++;
			item(&t, b.recipient, "ignored", 0, NULL,
			     "the notification carries no Message-ID (include the original headers in SES)");
			continue;
		}
		rc = apply(&t, &b, b.recipient);
	}
	*out = tally_done(&t);
	return rc;
}

int bouncefeed_dsn(const struct dsn *d, const char *envelope_rcpt, cJSON **out)
{
	const struct config *c = config();
	const char *rp = envelope_rcpt && *envelope_rcpt ? envelope_rcpt : d->to;
	struct tally t;
	int64_t id = 0;
	size_t i;
	int rc = 0;

	tally_init(&t);
	if (rp && c->return_path && *c->return_path &&
	    returnpath_parse(rp, c->return_path, c->mail_event_secret, &id) < 0)
		id = 0;
	for (i = 0; i < d->n && rc == 0; i++) {
		const struct dsn_recipient *r = &d->recipients[i];
		const char *rcpt = r->original_recipient ? r->original_recipient : r->final_recipient;
		struct bounce_report b = { dsn_recipient_permanent(r) ? BOUNCE_PERMANENT : BOUNCE_TRANSIENT,
					   d->original_message_id, id, id > 0 ? NULL : rcpt, NULL };
		char detail[DSN_FIELD_MAX + 32], why[64];

		t.received++;
		if (r->action != DSN_FAILED) {
			snprintf(why, sizeof(why), "action %s is not a bounce", dsn_action_name(r->action));
			t.ignored++;
			item(&t, rcpt, "ignored", 0, NULL, why);
			continue;
		}
		snprintf(detail, sizeof(detail), "%s%s%s", r->status, r->diagnostic ? " " : "",
			 r->diagnostic ? r->diagnostic : "");
		b.detail = detail;
		rc = apply(&t, &b, rcpt);
	}
	*out = tally_done(&t);
	return rc;
}
