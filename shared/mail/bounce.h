/* bounce: applying bounces and complaints that arrive after delivery to the emails they are about. */
#ifndef SHORTLIST_BOUNCE_H
#define SHORTLIST_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The rules, in one statement per report:
 *   permanent: a sent email becomes bounced (bounced_at, bounce_type,
 *              bounce_detail) and its address is suppressed for the
 *              organisation (source 'bounce');
 *   complaint: a sent or bounced email becomes complained, address
 *              suppressed (source 'complaint');
 *   transient: the state stays; last_error, bounce_type and bounce_detail
 *              record it unless the email already bounced or complained.
 * A report that changes nothing (a replay, or an email in another state)
 * is a duplicate; one that matches no email is unknown. An email is found
 * by our Message-ID, by its id (from a verified return path), or both (then
 * both must agree); with recipient given, the email's address must be it.
 */

enum bounce_kind {
	BOUNCE_PERMANENT,
	BOUNCE_TRANSIENT,
	BOUNCE_COMPLAINT,
};

/* One report about one recipient; strings borrowed. */
struct bounce_report {
	enum bounce_kind kind;
	const char *message_id; /* "<...>", NULL when not known */
	int64_t email_id;	/* from a verified return path, 0 when not known */
	const char *recipient;	/* NULL: not checked */
	const char *detail;	/* why, as the reporter said it (cut to 1000 bytes); NULL: none */
};

/* What a report did; values apart from the ST_* codes. */
enum bounce_result {
	BOUNCE_APPLIED = 100, /* the email changed */
	BOUNCE_DUPLICATE,     /* found, nothing to change */
	BOUNCE_UNKNOWN,	      /* no email of ours matches */
};

/*
 * Applies one report. On success returns 0 and sets *result, *email_id
 * (0 when unknown) and state (the email's state afterwards, "" when
 * unknown; statelen bytes). Returns a db status code when the database
 * failed (nothing changed).
 */
int bounce_apply(const struct bounce_report *b, enum bounce_result *result, int64_t *email_id, char *state,
		 size_t statelen);

/* "applied", "duplicate", "unknown". Static string. */
const char *bounce_result_name(enum bounce_result r);

/* "permanent", "transient", "complaint". Static string. */
const char *bounce_kind_name(enum bounce_kind k);

#endif
