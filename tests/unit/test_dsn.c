/* Unit tests for dsn: good reports, delays, temporary statuses, missing parts, garbage and bounded input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/dsn.h"
#include "suite.h"

#define HEAD \
	"From: MAILER-DAEMON@mx.example.org\r\nTo: bounces+42-0123456789abcdef@shortlist.example\r\n" \
	"Subject: Undelivered Mail Returned to Sender\r\nMIME-Version: 1.0\r\n"
#define CT_REPORT "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B1/x\"\r\n\r\n"
#define HUMAN "--B1/x\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
#define STATUS(rcpt) \
	"--B1/x\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\n" rcpt
#define ORIGINAL \
	"--B1/x\r\nContent-Type: message/rfc822\r\n\r\nFrom: Shortlist <noreply@shortlist.example>\r\n" \
	"Message-ID: <abc123@shortlist.example>\r\nSubject: Invitation\r\n\r\nDear Alex,\r\n"
#define HEADERS_ONLY "--B1/x\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID:\r\n <hdr9@shortlist.example>\r\n"
#define END "--B1/x--\r\n"
#define FAILED_5 \
	"Final-Recipient: rfc822; Alex@Example.ORG\r\nOriginal-Recipient: rfc822;alex@example.org\r\n" \
	"Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <alex@example.org>: user unknown\r\n"

struct ok_case {
	const char *name;
	const char *text;
	size_t n;
	const char *action; /* of the first recipient */
	const char *status;
	int permanent;
	const char *final;
	const char *message_id; /* NULL: none expected */
};

static const struct ok_case ok_cases[] = {
	{ "good bounce", HEAD CT_REPORT HUMAN STATUS(FAILED_5) ORIGINAL END, 1, "failed", "5.1.1", 1,
	  "alex@example.org", "<abc123@shortlist.example>" },
	{ "headers only, folded Message-ID",
	  HEAD CT_REPORT HUMAN STATUS("Final-Recipient: rfc822; b@example.org\r\nAction: failed\r\nStatus: 5.7.1\r\n")
		  HEADERS_ONLY END,
	  1, "failed", "5.7.1", 1, "b@example.org", "<hdr9@shortlist.example>" },
	{ "delayed is not a bounce",
	  HEAD CT_REPORT HUMAN STATUS("Final-Recipient: rfc822; c@example.org\r\nAction: delayed\r\nStatus: 4.4.1\r\n")
		  END,
	  1, "delayed", "4.4.1", 0, "c@example.org", NULL },
	{ "failed with 4.x.x is temporary",
	  HEAD CT_REPORT STATUS("Final-Recipient: rfc822; d@example.org\r\nAction: failed\r\nStatus: 4.4.7\r\n") END, 1,
	  "failed", "4.4.7", 0, "d@example.org", NULL },
	{ "LF line endings, two recipients",
	  "To: x@y.example\nContent-Type: multipart/report; boundary=zz; report-type=\"delivery-status\"\n\n--zz\n"
	  "Content-Type: message/delivery-status\n\nReporting-MTA: dns; a\n\nFinal-Recipient: rfc822; e@example.org\n"
	  "Action: failed\nStatus: 5.2.2\n\n\nFinal-Recipient: rfc822; f@example.org\nAction: delivered\nStatus: "
	  "2.0.0\n"
	  "--zz--\n",
	  2, "failed", "5.2.2", 1, "e@example.org", NULL },
};

START_TEST(test_good)
{
	const struct ok_case *c = &ok_cases[_i];
	struct dsn d = { 0 };
	char err[256] = "";

	ck_assert_msg(dsn_parse(c->text, strlen(c->text), &d, err, sizeof(err)) == 0, "%s: %s", c->name, err);
	ck_assert_uint_eq(d.n, c->n);
	ck_assert_str_eq(dsn_action_name(d.recipients[0].action), c->action);
	ck_assert_str_eq(d.recipients[0].status, c->status);
	ck_assert_int_eq(dsn_recipient_permanent(&d.recipients[0]), c->permanent);
	ck_assert_str_eq(d.recipients[0].final_recipient, c->final);
	if (c->message_id)
		ck_assert_str_eq(d.original_message_id, c->message_id);
	else
		ck_assert_ptr_null(d.original_message_id);
	ck_assert_ptr_nonnull(d.reporting_mta);
	dsn_release(&d);
}
END_TEST

START_TEST(test_good_fields)
{
	const char *t = ok_cases[0].text;
	struct dsn d = { 0 };
	char err[256];

	ck_assert_int_eq(dsn_parse(t, strlen(t), &d, err, sizeof(err)), 0);
	ck_assert_str_eq(d.to, "bounces+42-0123456789abcdef@shortlist.example");
	ck_assert_str_eq(d.recipients[0].original_recipient, "alex@example.org");
	ck_assert_str_eq(d.recipients[0].diagnostic, "smtp; 550 5.1.1 <alex@example.org>: user unknown");
	ck_assert_str_eq(d.reporting_mta, "dns; mx.example.org");
	dsn_release(&d);
}
END_TEST

struct bad_case {
	const char *name;
	const char *text;
	const char *reason; /* a piece of the error */
};

static const struct bad_case bad_cases[] = {
	{ "empty", "", "empty" },
	{ "garbage", "\x01\x02 this is not mail at all", "no field name" },
	{ "plain text mail", "Subject: hi\r\n\r\nhello\r\n", "not multipart/report" },
	{ "another report type",
	  "Content-Type: multipart/report; report-type=disposition-notification; "
	  "boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
	  "report-type=delivery-status" },
	{ "no boundary", "Content-Type: multipart/report; report-type=delivery-status\r\n\r\nx\r\n", "no boundary" },
	{ "boundary never occurs", HEAD CT_REPORT "just text\r\n", "never occurs" },
	{ "no closing boundary", HEAD CT_REPORT HUMAN STATUS(FAILED_5), "no closing boundary" },
	{ "no delivery-status part", HEAD CT_REPORT HUMAN ORIGINAL END, "no message/delivery-status part" },
	{ "two delivery-status parts", HEAD CT_REPORT STATUS(FAILED_5) STATUS(FAILED_5) END, "more than one" },
	{ "no Reporting-MTA",
	  HEAD CT_REPORT
	  "--B1/x\r\nContent-Type: message/delivery-status\r\n\r\nArrival-Date: now\r\n\r\n" FAILED_5 END,
	  "Reporting-MTA" },
	{ "no recipient", HEAD CT_REPORT STATUS("") END, "names no recipient" },
	{ "recipient without Status",
	  HEAD CT_REPORT STATUS("Final-Recipient: rfc822; a@b.example\r\nAction: failed\r\n") END, "lacks Status" },
	{ "recipient without Action",
	  HEAD CT_REPORT STATUS("Final-Recipient: rfc822; a@b.example\r\nStatus: 5.0.0\r\n") END, "lacks Action" },
	{ "unknown Action",
	  HEAD CT_REPORT STATUS("Final-Recipient: rfc822; a@b.example\r\nAction: exploded\r\nStatus: 5.0.0\r\n") END,
	  "unknown Action" },
	{ "bad Status",
	  HEAD CT_REPORT STATUS("Final-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 550\r\n") END,
	  "not a status code" },
	{ "Status class 3",
	  HEAD CT_REPORT STATUS("Final-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 3.1.1\r\n") END,
	  "not a status code" },
	{ "Final-Recipient without type",
	  HEAD CT_REPORT STATUS("Final-Recipient: a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n") END,
	  "no address type" },
	{ "base64 status part",
	  HEAD CT_REPORT "--B1/x\r\nContent-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n"
			 "UmVwb3J0aW5nLU1UQTogZG5zOyB4\r\n" END,
	  "base64-encoded" },
	{ "continuation first", " folded: nothing before\r\n\r\n", "continuation" },
	{ "NUL byte", "Content-Type: multipart/report\0", "NUL" },
};

START_TEST(test_bad)
{
	const struct bad_case *c = &bad_cases[_i];
	size_t len = strcmp(c->name, "NUL byte") == 0 ? 31 : strlen(c->text);
	struct dsn d = { 0 };
	char err[256] = "";

	ck_assert_msg(dsn_parse(c->text, len, &d, err, sizeof(err)) == -1, "%s was accepted", c->name);
	ck_assert_msg(strstr(err, c->reason) != NULL, "%s: '%s' does not say '%s'", c->name, err, c->reason);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_null(d.recipients);
}
END_TEST

/* Over the bound is refused unread; within it, many recipients stop at DSN_MAX_RECIPIENTS. */
START_TEST(test_bounds)
{
	size_t big = DSN_MAX_BYTES + 1, cap = 64 * 1024, o;
	char *text = calloc(1, big + 1);
	struct dsn d = { 0 };
	char err[256];
	int i;

	memset(text, 'a', big);
	ck_assert_int_eq(dsn_parse(text, big, &d, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "at most"));
	o = (size_t)snprintf(text, cap, "%s", HEAD CT_REPORT STATUS(""));
	for (i = 0; i <= DSN_MAX_RECIPIENTS; i++)
		o += (size_t)snprintf(text + o, cap - o,
				      "Final-Recipient: rfc822; r%d@example.org\r\nAction: failed\r\n"
				      "Status: 5.1.1\r\n\r\n",
				      i);
	o += (size_t)snprintf(text + o, cap - o, "%s", END);
	ck_assert_int_eq(dsn_parse(text, o, &d, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	/* A header longer than the field bound. */
	o = (size_t)snprintf(text, cap, "Subject: ");
	memset(text + o, 'x', 20000);
	o += 20000;
	o += (size_t)snprintf(text + o, cap - o, "\r\n\r\nbody\r\n");
	ck_assert_int_eq(dsn_parse(text, o, &d, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "longer than"));
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("dsn");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_good, 0, (int)(sizeof(ok_cases) / sizeof(ok_cases[0])));
	tcase_add_test(tc, test_good_fields);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_bounds);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? 1 : 0;
}
