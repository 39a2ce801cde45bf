/* outbox_rules: which candidates may be sent which kind of email, and which rendered emails may go out at all. */
#ifndef SHORTLIST_OUTBOX_RULES_H
#define SHORTLIST_OUTBOX_RULES_H

#include <stdbool.h>

#include "mail/outbox.h"
#include "mail/template.h"

/*
 * Why candidate c cannot be sent an email of kind, before anything is
 * rendered, or NULL when it can. The rules, in this order: the candidate
 * must be in the job; its resume must be done processing; a rejection
 * needs a scored resume, and a failure (category "failed") or a resume
 * awaiting review ("needs_review") is never rejected; the resume needs a
 * valid contact address that is not suppressed. Returns a static string.
 */
const char *outbox_rules_refusal(const struct outbox_recipient *c, enum template_kind kind);

/*
 * Why a send request for kind may not select its candidates by category
 * (by_category true) rather than name them, or NULL when it may. A
 * rejection goes only to candidates a person named: nothing selects them
 * for it. Returns a static string.
 */
const char *outbox_rules_selection_refusal(enum template_kind kind, bool by_category);

/*
 * Why a rendered email must not be sent, or NULL when it may: no subject,
 * text or HTML part may mention a score or a ranking. Returns a static string.
 */
const char *outbox_rules_content_refusal(const struct template_output *o);

#endif
