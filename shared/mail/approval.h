/* approval: the second person's approval an organisation may require before rejection emails go out. */
#ifndef SHORTLIST_APPROVAL_H
#define SHORTLIST_APPROVAL_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit.h"

/*
 * With organisations.require_rejection_approval on, a requested rejection
 * is enqueued awaiting_approval (outbox.h), which no sender claims. Another
 * user of the organisation approves it, which makes it queued: the user who
 * requested it cannot, and nor can an organisation key that belongs to no
 * user (someone must be named). Other kinds never wait.
 */

/*
 * Whether emails of kind ("invite", "consider", "reject") to the
 * organisation's candidates must wait for approval, into *required.
 * Returns 0 or a db status code.
 */
int approval_required(int64_t org_id, const char *kind, bool *required);

/* Turns the setting on or off for the organisation. Returns 0, ST_NOT_FOUND (no such organisation) or a db code. */
int approval_set_required(int64_t org_id, bool required);

/*
 * Approves the emails ids (n of them, 1..OUTBOX_SEND_MAX, duplicates
 * allowed) of job_id, in one transaction with the audit event
 * "emails.approved" and a wake-up for senders. On success *out is
 * {"job_id", "approved": [ids now queued], "not_awaiting": [ids of this
 * job's emails that were not awaiting approval], "unknown": [ids that are
 * no email of this job]} (caller frees). Returns 0; ST_NOT_FOUND when the
 * organisation has no such job; ST_FORBIDDEN, nothing
 * changed, with *why (a static string) set, when who requested one of the
 * emails or is no user; or a db status code. Must not be called inside a
 * transaction.
 */
int approval_approve(const struct audit_actor *who, int64_t job_id, const int64_t *ids, size_t n, cJSON **out,
		     const char **why);

#endif
