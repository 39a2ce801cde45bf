/* bouncefeed: applying a parsed SES notification or DSN to our emails, recipient by recipient, and answering with counts. */
#ifndef SHORTLIST_BOUNCEFEED_H
#define SHORTLIST_BOUNCEFEED_H

#include <cJSON.h>

#include "mail/dsn.h"
#include "mail/sesnotify.h"

/*
 * Both answer *out (caller frees) as {"received": recipients read,
 * "bounced", "complained", "transient": emails changed so, "duplicate":
 * already recorded, "ignored": not a bounce or not one of our emails,
 * "results": [{"recipient", "outcome", "email_id", "state", "reason"}]}.
 * They return 0, or a db status code when the database failed part-way
 * (what was applied stays applied; a replay of the whole notification is
 * then safe, every rule being idempotent).
 */

/*
 * SES: a permanent bounce, a transient one or a complaint per recipient,
 * matched by our Message-ID and the recipient; a delivery or another type
 * is one ignored item; a SubscriptionConfirmation is logged (never
 * fetched) and answered {"subscription": "pending confirmation"}.
 */
int bouncefeed_ses(const struct sesnotify *n, cJSON **out);

/*
 * DSN: each "failed" recipient is a permanent (5.x.x) or transient (4.x.x)
 * bounce; delayed, delivered, relayed and expanded ones are ignored. The
 * email is the one the return path names (envelope_rcpt, borrowed, may be
 * NULL, else the report's To), checked against the configured return_path
 * and mail_event_secret, and/or the original Message-ID; without a return
 * path the recipient must be the email's address too.
 */
int bouncefeed_dsn(const struct dsn *d, const char *envelope_rcpt, cJSON **out);

#endif
