/* Unit tests for outbox_rules: which candidate may get which kind of email, and which rendered email may go. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mail/outbox_rules.h"
#include "suite.h"

#define OK_ADDR "alex@example.com"

/* One candidate and kind; reason is a part of the expected refusal, NULL when the email may go. */
static const struct {
	bool found;
	const char *status, *category, *email;
	bool suppressed;
	enum template_kind kind;
	const char *reason;
} rows[] = {
	/* the candidate must be in the job, whatever the kind */
	{ false, "scored", "shortlist", OK_ADDR, false, TEMPLATE_INVITE, "no such candidate" },
	{ false, NULL, NULL, NULL, false, TEMPLATE_REJECT, "no such candidate" },
	/* still processing: no email of any kind */
	{ true, "queued", NULL, OK_ADDR, false, TEMPLATE_INVITE, "still being processed" },
	{ true, "processing", NULL, OK_ADDR, false, TEMPLATE_CONSIDER, "still being processed" },
	{ true, "processing", "reject", OK_ADDR, false, TEMPLATE_REJECT, "still being processed" },
	/* a rejection needs a scored resume: a failure is never a rejection, nor is a resume awaiting review */
	{ true, "failed", NULL, OK_ADDR, false, TEMPLATE_REJECT, "no analysis" },
	{ true, "scored", NULL, OK_ADDR, false, TEMPLATE_REJECT, "no analysis" },
	{ true, "failed", "failed", OK_ADDR, false, TEMPLATE_REJECT, "a failure is never a rejection" },
	{ true, "scored", "failed", OK_ADDR, false, TEMPLATE_REJECT, "a failure is never a rejection" },
	{ true, "needs_review", "needs_review", OK_ADDR, false, TEMPLATE_REJECT, "after a human review" },
	/* a person's decision to reject (the shown category) does not make a failed resume rejectable */
	{ true, "failed", "reject", OK_ADDR, false, TEMPLATE_REJECT, "a failure is never a rejection" },
	/* after a human review, a person's decision is what counts */
	{ true, "needs_review", "reject", OK_ADDR, false, TEMPLATE_REJECT, NULL },
	{ true, "scored", "reject", OK_ADDR, false, TEMPLATE_REJECT, NULL },
	{ true, "scored", "shortlist", OK_ADDR, false, TEMPLATE_REJECT, NULL },
	{ true, "scored", "consider", OK_ADDR, false, TEMPLATE_REJECT, NULL },
	/* invitations and "consider" emails are not held to the rejection rules */
	{ true, "failed", "failed", OK_ADDR, false, TEMPLATE_INVITE, NULL },
	{ true, "needs_review", "needs_review", OK_ADDR, false, TEMPLATE_CONSIDER, NULL },
	{ true, "scored", NULL, OK_ADDR, false, TEMPLATE_INVITE, NULL },
	{ true, NULL, NULL, OK_ADDR, false, TEMPLATE_CONSIDER, NULL },
	{ true, "scored", "shortlist", OK_ADDR, false, TEMPLATE_INVITE, NULL },
	/* the address: present, valid, not suppressed */
	{ true, "scored", "shortlist", NULL, false, TEMPLATE_INVITE, "no contact email" },
	{ true, "scored", "reject", NULL, false, TEMPLATE_REJECT, "no contact email" },
	{ true, "scored", "shortlist", "not an address", false, TEMPLATE_INVITE, "not valid" },
	{ true, "scored", "shortlist", OK_ADDR, true, TEMPLATE_INVITE, "suppressed" },
	{ true, "scored", "reject", OK_ADDR, true, TEMPLATE_REJECT, "suppressed" },
	/* the first rule that applies is the one given */
	{ true, "scored", "failed", NULL, true, TEMPLATE_REJECT, "a failure is never a rejection" },
	{ true, "scored", "shortlist", "not an address", true, TEMPLATE_INVITE, "not valid" },
};

START_TEST(test_refusal_table)
{
	struct outbox_recipient c;
	const char *why;

	memset(&c, 0, sizeof(c));
	c.resume_id = 1;
	c.found = rows[_i].found;
	c.status = (char *)rows[_i].status;
	c.category = (char *)rows[_i].category;
	c.email = (char *)rows[_i].email;
	c.suppressed = rows[_i].suppressed;
	why = outbox_rules_refusal(&c, rows[_i].kind);
	if (!rows[_i].reason) {
		ck_assert_msg(why == NULL, "row %d: refused: %s", _i, why);
	} else {
		ck_assert_msg(why != NULL, "row %d: not refused, expected '%s'", _i, rows[_i].reason);
		ck_assert_msg(strstr(why, rows[_i].reason) != NULL, "row %d: '%s' does not say '%s'", _i, why,
			      rows[_i].reason);
	}
}
END_TEST

static const struct {
	const char *subject, *text, *html;
	bool refused;
} contents[] = {
	{ "Your application", "We would like to meet you.", NULL, false },
	{ "Your application", "We would like to meet you.", "<p>We would like to meet you.</p>", false },
	{ "Your score", "We would like to meet you.", NULL, true },
	{ "Your application", "You ranked third.", NULL, true },
	{ "Your application", "Hello", "<p>Top percentile</p>", true },
	{ "Your application", "Your Scorecard is ready", NULL, true },
};

START_TEST(test_content_refusal_table)
{
	struct template_output o = { (char *)contents[_i].subject, (char *)contents[_i].text,
				     (char *)contents[_i].html };
	const char *why = outbox_rules_content_refusal(&o);

	ck_assert_msg((why != NULL) == contents[_i].refused, "row %d: %s", _i, why ? why : "not refused");
}
END_TEST

/* A rejection goes only to candidates a person named; the other kinds may select a category. */
static const struct {
	enum template_kind kind;
	bool by_category, refused;
} selections[] = {
	{ TEMPLATE_REJECT, true, true },   { TEMPLATE_REJECT, false, false },  { TEMPLATE_INVITE, true, false },
	{ TEMPLATE_INVITE, false, false }, { TEMPLATE_CONSIDER, true, false },
};

START_TEST(test_selection_refusal_table)
{
	const char *why = outbox_rules_selection_refusal(selections[_i].kind, selections[_i].by_category);

	ck_assert_msg((why != NULL) == selections[_i].refused, "row %d: %s", _i, why ? why : "not refused");
	if (why)
		ck_assert_msg(strstr(why, "candidate_ids") != NULL, "row %d: '%s' does not name candidate_ids", _i,
			      why);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("outbox_rules");
	TCase *tc = tcase_create("outbox_rules");
	int failed;

	tcase_add_loop_test(tc, test_refusal_table, 0, (int)(sizeof(rows) / sizeof(rows[0])));
	tcase_add_loop_test(tc, test_content_refusal_table, 0, (int)(sizeof(contents) / sizeof(contents[0])));
	tcase_add_loop_test(tc, test_selection_refusal_table, 0, (int)(sizeof(selections) / sizeof(selections[0])));
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
