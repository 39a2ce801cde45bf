/* outbox_rules: which candidates may be sent which kind of email, and which rendered emails may go out at all. */
#include "mail/outbox_rules.h"

#include <string.h>

#include "mail/mime.h"

static bool is(const char *s, const char *value)
{
	return s && strcmp(s, value) == 0;
}

const char *outbox_rules_refusal(const struct outbox_recipient *c, enum template_kind kind)
{
	if (!c->found)
		return "no such candidate in this job";
	if (is(c->status, "queued") || is(c->status, "processing"))
		return "the resume is still being processed";
	if (kind == TEMPLATE_REJECT) {
		if (!c->category)
			return "a rejection needs a scored resume; this one has no analysis";
		if (is(c->category, "failed") || is(c->status, "failed"))
			return "the resume could not be processed (failed): a failure is never a rejection";
		if (is(c->category, "needs_review"))
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

const char *outbox_rules_content_refusal(const struct template_output *o)
{
	if (template_mentions_score(o->subject) || template_mentions_score(o->text) ||
	    (o->html && template_mentions_score(o->html)))
		return "the rendered email mentions a score or ranking";
	return NULL;
}

const char *outbox_rules_selection_refusal(enum template_kind kind, bool by_category)
{
	if (kind == TEMPLATE_REJECT && by_category)
		return "category: rejections go only to candidates named in candidate_ids, never to a whole category";
	return NULL;
}
