/* sesnotify: reading Amazon SES bounce, complaint and delivery notifications, bare or in an SNS envelope. Pure. */
#include "mail/sesnotify.h"

#include <cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"

#define DETAIL_MAX 500

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static const cJSON *child(const cJSON *o, const char *name)
{
	return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

/* Our Message-ID: the Message-ID header when headers are included, else commonHeaders.messageId. */
static char *message_id_of(const cJSON *mail)
{
	const cJSON *h, *common = child(mail, "commonHeaders");
	const char *v = NULL;

	cJSON_ArrayForEach(h, child(mail, "headers"))
	{
		const char *name = json_str(h, "name", NULL);

		if (name && str_equal_nocase(name, "Message-ID")) {
			v = json_str(h, "value", NULL);
			break;
		}
	}
	if (!v)
		v = json_str(common, "messageId", NULL);
	if (!v)
		return NULL;
	while (*v == ' ')
		v++;
	if (v[0] != '<' || !strchr(v, '>') || strlen(v) > 998)
		return NULL;
	return xstrndup(v, (size_t)(strchr(v, '>') - v + 1));
}

static int recipients(const cJSON *list, const char *what, const char *prefix, struct sesnotify *n, char *err,
		      size_t errlen)
{
	const cJSON *r;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0)
		return fail(err, errlen, "the %s names no recipients", what);
	if (cJSON_GetArraySize(list) > SESNOTIFY_MAX_RECIPIENTS)
		return fail(err, errlen, "the %s names more than %d recipients", what, SESNOTIFY_MAX_RECIPIENTS);
	n->recipients = xcalloc((size_t)cJSON_GetArraySize(list), sizeof(*n->recipients));
	cJSON_ArrayForEach(r, list)
	{
		const char *addr = json_str(r, "emailAddress", NULL);
		const char *diag = json_str(r, "diagnosticCode", NULL);
		struct sesnotify_recipient *x = &n->recipients[n->n];
		char detail[DETAIL_MAX + 1];
		size_t i;

		if (!addr || !*addr || strlen(addr) > 320)
			return fail(err, errlen, "recipient %zu of the %s has no emailAddress", n->n + 1, what);
		n->n++;
		x->address = xstrdup(addr);
		for (i = 0; x->address[i]; i++)
			x->address[i] = (char)tolower((unsigned char)x->address[i]);
		if (diag || *prefix) {
			snprintf(detail, sizeof(detail), "%s%s%s", prefix, diag && *prefix ? ": " : "",
				 diag ? diag : "");
			x->detail = xstrdup(detail);
		}
	}
	return 0;
}

static int ses(const cJSON *o, struct sesnotify *n, char *err, size_t errlen)
{
	const char *type = json_str(o, "notificationType", NULL);
	const cJSON *mail = child(o, "mail");
	char prefix[200];

	if (!type)
		type = json_str(o, "eventType", NULL);
	if (!type)
		return fail(err, errlen, "not an SES notification: no notificationType");
	n->type = xstrdup(type);
	n->ses_message_id = dup_or_null(json_str(mail, "messageId", NULL));
	n->message_id = message_id_of(mail);
	if (strcmp(type, "Bounce") == 0) {
		const cJSON *b = child(o, "bounce");
		const char *bt = json_str(b, "bounceType", NULL), *sub = json_str(b, "bounceSubType", NULL);

		if (!cJSON_IsObject(b) || !bt)
			return fail(err, errlen, "the bounce notification has no bounce.bounceType");
		if (strcmp(bt, "Permanent") == 0)
			n->kind = SESNOTIFY_BOUNCE_PERMANENT;
		else if (strcmp(bt, "Transient") == 0 || strcmp(bt, "Undetermined") == 0)
			n->kind = SESNOTIFY_BOUNCE_TRANSIENT;
		else
			return fail(err, errlen, "unknown bounceType '%.40s'", bt);
		snprintf(prefix, sizeof(prefix), "%.40s/%.80s", bt, sub ? sub : "General");
		if (recipients(child(b, "bouncedRecipients"), "bounce", prefix, n, err, errlen) < 0)
			return -1;
	} else if (strcmp(type, "Complaint") == 0) {
		const cJSON *c = child(o, "complaint");
		const char *fb = json_str(c, "complaintFeedbackType", NULL);

		if (!cJSON_IsObject(c))
			return fail(err, errlen, "the complaint notification has no complaint member");
		n->kind = SESNOTIFY_COMPLAINT;
		snprintf(prefix, sizeof(prefix), "complaint%s%.80s", fb ? ": " : "", fb ? fb : "");
		if (recipients(child(c, "complainedRecipients"), "complaint", prefix, n, err, errlen) < 0)
			return -1;
	} else {
		n->kind = strcmp(type, "Delivery") == 0 ? SESNOTIFY_DELIVERY : SESNOTIFY_OTHER;
		return 0;
	}
	if (!n->ses_message_id)
		return fail(err, errlen, "the %s notification has no mail.messageId", type);
	return 0;
}

static int envelope(const cJSON *o, int max_depth, struct sesnotify *n, char *err, size_t errlen)
{
	const char *type = json_str(o, "Type", NULL);
	const cJSON *msg;
	cJSON *inner;
	char jerr[200];
	int rc;

	if (!cJSON_IsObject(o))
		return fail(err, errlen, "not a notification (expected a JSON object)");
	if (!type)
		return ses(o, n, err, errlen);
	n->sns_message_id = dup_or_null(json_str(o, "MessageId", NULL));
	n->topic_arn = dup_or_null(json_str(o, "TopicArn", NULL));
	if (strcmp(type, "SubscriptionConfirmation") == 0) {
		n->kind = SESNOTIFY_SUBSCRIPTION;
		n->type = xstrdup(type);
		n->subscribe_url = dup_or_null(json_str(o, "SubscribeURL", NULL));
		return 0;
	}
	if (strcmp(type, "UnsubscribeConfirmation") == 0) {
		n->kind = SESNOTIFY_OTHER;
		n->type = xstrdup(type);
		return 0;
	}
	if (strcmp(type, "Notification") != 0)
		return fail(err, errlen, "unknown SNS message type '%.64s'", type);
	msg = child(o, "Message");
	if (cJSON_IsObject(msg))
		return ses(msg, n, err, errlen);
	if (!cJSON_IsString(msg))
		return fail(err, errlen, "the SNS notification has no Message");
	inner = json_parse(msg->valuestring, strlen(msg->valuestring), max_depth, jerr, sizeof(jerr));
	if (!inner)
		return fail(err, errlen, "SNS Message: %s", jerr);
	rc = cJSON_IsObject(inner) ? ses(inner, n, err, errlen) : fail(err, errlen, "SNS Message is not a JSON object");
	cJSON_Delete(inner);
	return rc;
}

int sesnotify_parse(const char *text, size_t len, int max_depth, struct sesnotify *out, char *err, size_t errlen)
{
	cJSON *root = json_parse(text, len, max_depth, err, errlen);
	int rc;

	if (!root)
		return -1;
	rc = envelope(root, max_depth, out, err, errlen);
	cJSON_Delete(root);
	if (rc < 0)
		sesnotify_release(out);
	return rc;
}

void sesnotify_release(struct sesnotify *n)
{
	size_t i;

	for (i = 0; i < n->n; i++) {
		free(n->recipients[i].address);
		free(n->recipients[i].detail);
	}
	free(n->recipients);
	free(n->type);
	free(n->sns_message_id);
	free(n->ses_message_id);
	free(n->message_id);
	free(n->topic_arn);
	free(n->subscribe_url);
	memset(n, 0, sizeof(*n));
}

const char *sesnotify_kind_name(enum sesnotify_kind k)
{
	switch (k) {
	case SESNOTIFY_BOUNCE_PERMANENT:
		return "bounce_permanent";
	case SESNOTIFY_BOUNCE_TRANSIENT:
		return "bounce_transient";
	case SESNOTIFY_COMPLAINT:
		return "complaint";
	case SESNOTIFY_DELIVERY:
		return "delivery";
	case SESNOTIFY_SUBSCRIPTION:
		return "subscription";
	case SESNOTIFY_OTHER:
		return "other";
	}
	return "unknown";
}
