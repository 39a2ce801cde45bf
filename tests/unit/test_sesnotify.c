/* Unit tests for sesnotify (SES notifications, bare and in SNS envelopes) and returnpath (signed VERP addresses). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/returnpath.h"
#include "mail/sesnotify.h"
#include "suite.h"

#define BOUNCE_PERM \
	"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"General\"," \
	"\"bouncedRecipients\":[{\"emailAddress\":\"Alex@Example.org\",\"diagnosticCode\":\"smtp; 550 5.1.1 " \
	"unknown\"}]},\"mail\":{\"messageId\":\"0100-ses-1\",\"headers\":[{\"name\":\"From\",\"value\":\"x@y\"}," \
	"{\"name\":\"Message-ID\",\"value\":\"<m1@shortlist.example>\"}],\"commonHeaders\":{\"messageId\":" \
	"\"<other@x>\"}}}"
#define COMPLAINT \
	"{\"notificationType\":\"Complaint\",\"complaint\":{\"complaintFeedbackType\":\"abuse\"," \
	"\"complainedRecipients\":[{\"emailAddress\":\"b@example.org\"}]},\"mail\":{\"messageId\":\"0100-ses-2\"," \
	"\"commonHeaders\":{\"messageId\":\"<m2@shortlist.example>\"}}}"
#define TRANSIENT \
	"{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Transient\",\"bounceSubType\":" \
	"\"MailboxFull\",\"bouncedRecipients\":[{\"emailAddress\":\"c@example.org\"}]},\"mail\":{\"messageId\":" \
	"\"0100-ses-3\"}}"

/* An SNS envelope whose Message is the text of inner (escaped by the caller). */
static char *sns(const char *inner)
{
	size_t n = strlen(inner), i, o;
	char *out = malloc(2 * n + 300);

	o = (size_t)snprintf(out, 300,
			     "{\"Type\":\"Notification\",\"MessageId\":\"sns-1\",\"TopicArn\":\"arn:t\","
			     "\"Signature\":\"x\",\"SigningCertURL\":\"https://sns\",\"Message\":\"");
	for (i = 0; i < n; i++) {
		if (inner[i] == '"' || inner[i] == '\\')
			out[o++] = '\\';
		out[o++] = inner[i];
	}
	memcpy(out + o, "\"}", 3);
	return out;
}

struct ok_case {
	const char *name;
	const char *ses;
	int enveloped;
	enum sesnotify_kind kind;
	size_t n;
	const char *address;
	const char *detail;
	const char *message_id;
	const char *ses_id;
};

static const struct ok_case ok_cases[] = {
	{ "permanent bounce in SNS", BOUNCE_PERM, 1, SESNOTIFY_BOUNCE_PERMANENT, 1, "alex@example.org",
	  "Permanent/General: smtp; 550 5.1.1 unknown", "<m1@shortlist.example>", "0100-ses-1" },
	{ "bare permanent bounce", BOUNCE_PERM, 0, SESNOTIFY_BOUNCE_PERMANENT, 1, "alex@example.org",
	  "Permanent/General: smtp; 550 5.1.1 unknown", "<m1@shortlist.example>", "0100-ses-1" },
	{ "complaint, common headers", COMPLAINT, 1, SESNOTIFY_COMPLAINT, 1, "b@example.org", "complaint: abuse",
	  "<m2@shortlist.example>", "0100-ses-2" },
	{ "transient, no headers", TRANSIENT, 1, SESNOTIFY_BOUNCE_TRANSIENT, 1, "c@example.org",
	  "Transient/MailboxFull", NULL, "0100-ses-3" },
	{ "delivery", "{\"notificationType\":\"Delivery\",\"mail\":{\"messageId\":\"d\"}}", 1, SESNOTIFY_DELIVERY, 0,
	  NULL, NULL, NULL, "d" },
	{ "event publishing type", "{\"eventType\":\"Open\",\"mail\":{\"messageId\":\"e\"}}", 0, SESNOTIFY_OTHER, 0,
	  NULL, NULL, NULL, "e" },
};

START_TEST(test_ok)
{
	const struct ok_case *c = &ok_cases[_i];
	char *text = c->enveloped ? sns(c->ses) : strdup(c->ses);
	struct sesnotify n = { 0 };
	char err[256] = "";

	ck_assert_msg(sesnotify_parse(text, strlen(text), 32, &n, err, sizeof(err)) == 0, "%s: %s", c->name, err);
	ck_assert_str_eq(sesnotify_kind_name(n.kind), sesnotify_kind_name(c->kind));
	ck_assert_uint_eq(n.n, c->n);
	if (c->address) {
		ck_assert_str_eq(n.recipients[0].address, c->address);
		ck_assert_str_eq(n.recipients[0].detail, c->detail);
	}
	if (c->message_id)
		ck_assert_str_eq(n.message_id, c->message_id);
	else
		ck_assert_ptr_null(n.message_id);
	ck_assert_str_eq(n.ses_message_id, c->ses_id);
	if (c->enveloped)
		ck_assert_str_eq(n.sns_message_id, "sns-1");
	sesnotify_release(&n);
	free(text);
}
END_TEST

START_TEST(test_subscription)
{
	const char *t = "{\"Type\":\"SubscriptionConfirmation\",\"TopicArn\":\"arn:aws:sns:x\",\"SubscribeURL\":"
			"\"https://sns.example/confirm\",\"MessageId\":\"s\"}";
	struct sesnotify n = { 0 };
	char err[256];

	ck_assert_int_eq(sesnotify_parse(t, strlen(t), 32, &n, err, sizeof(err)), 0);
	ck_assert_int_eq(n.kind, SESNOTIFY_SUBSCRIPTION);
	ck_assert_str_eq(n.subscribe_url, "https://sns.example/confirm");
	ck_assert_str_eq(n.topic_arn, "arn:aws:sns:x");
	sesnotify_release(&n);
}
END_TEST

struct bad_case {
	const char *text;
	const char *reason;
};

static const struct bad_case bad_cases[] = {
	{ "", "" },
	{ "not json", "" },
	{ "[1]", "expected a JSON object" },
	{ "{\"Type\":\"Weird\"}", "unknown SNS message type" },
	{ "{\"Type\":\"Notification\"}", "no Message" },
	{ "{\"Type\":\"Notification\",\"Message\":\"{broken\"}", "SNS Message" },
	{ "{\"Type\":\"Notification\",\"Message\":\"[]\"}", "not a JSON object" },
	{ "{\"hello\":1}", "no notificationType" },
	{ "{\"notificationType\":\"Bounce\",\"mail\":{\"messageId\":\"x\"}}", "bounceType" },
	{ "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Soft\"},\"mail\":{}}", "unknown bounceType" },
	{ "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[]},"
	  "\"mail\":{\"messageId\":\"x\"}}",
	  "no recipients" },
	{ "{\"notificationType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bouncedRecipients\":[{}]},"
	  "\"mail\":{\"messageId\":\"x\"}}",
	  "no emailAddress" },
	{ "{\"notificationType\":\"Complaint\",\"complaint\":{\"complainedRecipients\":[{\"emailAddress\":\"a@b\"}]},"
	  "\"mail\":{}}",
	  "no mail.messageId" },
	{ "{\"notificationType\":\"Complaint\",\"mail\":{\"messageId\":\"x\"}}", "no complaint member" },
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	struct sesnotify n = { 0 };
	char err[256] = "";

	ck_assert_msg(sesnotify_parse(c->text, strlen(c->text), 32, &n, err, sizeof(err)) == -1, "'%s' accepted",
		      c->text);
	ck_assert_msg(*err && strstr(err, c->reason), "'%s': '%s' does not say '%s'", c->text, err, c->reason);
	ck_assert_ptr_null(n.recipients);
	ck_assert_ptr_null(n.type);
}
END_TEST

START_TEST(test_returnpath)
{
	char a[RETURNPATH_MAX + 1], forged[RETURNPATH_MAX + 1];
	int64_t id = 0;

	ck_assert_int_eq(returnpath_for("bounces@mail.example", "k1", 42, a, sizeof(a)), 0);
	ck_assert(strncmp(a, "bounces+42-", 11) == 0);
	ck_assert_uint_eq(strlen(a), strlen("bounces+42-") + 16 + strlen("@mail.example"));
	ck_assert_int_eq(returnpath_parse(a, "bounces@mail.example", "k1", &id), 0);
	ck_assert_int_eq(id, 42);
	id = 0;
	ck_assert_int_eq(returnpath_parse(a, "Bounces@MAIL.example", "k1", &id), 0);
	ck_assert_int_eq(id, 42);
	ck_assert_int_eq(returnpath_parse(a, "bounces@mail.example", "k2", &id), -1);
	ck_assert_int_eq(returnpath_parse(a, "bounces@other.example", "k1", &id), -1);
	snprintf(forged, sizeof(forged), "%s", a);
	forged[8] = '3'; /* another id, the same signature */
	ck_assert_int_eq(returnpath_parse(forged, "bounces@mail.example", "k1", &id), -1);
	ck_assert_int_eq(returnpath_parse("bounces@mail.example", "bounces@mail.example", "k1", &id), -1);
	ck_assert_int_eq(returnpath_parse("bounces+42@mail.example", "bounces@mail.example", "k1", &id), -1);
	ck_assert_int_eq(returnpath_parse("x", "bounces@mail.example", "k1", &id), -1);
	ck_assert_int_eq(returnpath_for("bounces@mail.example", "", 42, a, sizeof(a)), -1);
	ck_assert_int_eq(returnpath_for("no-at-sign", "k1", 42, a, sizeof(a)), -1);
	ck_assert_int_eq(returnpath_for("a+b@mail.example", "k1", 42, a, sizeof(a)), -1);
	ck_assert_int_eq(returnpath_for("bounces@mail.example", "k1", 42, a, 10), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sesnotify");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_ok, 0, (int)(sizeof(ok_cases) / sizeof(ok_cases[0])));
	tcase_add_test(tc, test_subscription);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_returnpath);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? 1 : 0;
}
