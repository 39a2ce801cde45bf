/* dsn: reading delivery status notifications (RFC 3464 multipart/report) that come back to the return path. Pure. */
#ifndef SHORTLIST_DSN_H
#define SHORTLIST_DSN_H

#include <stdbool.h>
#include <stddef.h>

/* The largest report read, in bytes (the original message it quotes included). */
#define DSN_MAX_BYTES (1024 * 1024)
/* Most per-recipient groups one report may carry. */
#define DSN_MAX_RECIPIENTS 100
/* Longest kept text of a field (Diagnostic-Code, addresses); longer values are cut. */
#define DSN_FIELD_MAX 500

enum dsn_action {
	DSN_FAILED,    /* not delivered and will not be: a bounce when the status is 5.x.x */
	DSN_DELAYED,   /* still being tried: not a bounce */
	DSN_DELIVERED, /* delivered */
	DSN_RELAYED,   /* handed to a system that sends no DSNs */
	DSN_EXPANDED,  /* delivered to a list's members */
};

/* One per-recipient group; strings owned by the report. */
struct dsn_recipient {
	enum dsn_action action;
	char status[16];	  /* "5.1.1": class 2, 4 or 5, then two numbers */
	char *final_recipient;	  /* the address after "rfc822;" (lower case) */
	char *original_recipient; /* the same for Original-Recipient; NULL when absent */
	char *diagnostic;	  /* Diagnostic-Code as sent ("smtp; 550 5.1.1 ..."); NULL when absent */
};

/* A whole report; strings owned (dsn_release). */
struct dsn {
	char *to;		   /* the bare address of the report's To header (the return path), NULL when none */
	char *reporting_mta;	   /* Reporting-MTA as sent */
	char *original_message_id; /* Message-ID of the returned message or headers, with its <>, NULL when absent */
	struct dsn_recipient *recipients;
	size_t n;
};

/*
 * Parses a whole message of len bytes (CRLF or LF lines): it must be
 * multipart/report; report-type=delivery-status with a boundary, a closing
 * delimiter, exactly one message/delivery-status part (not transfer-
 * encoded) whose first group has Reporting-MTA and each following group
 * Final-Recipient, Action and Status, at most DSN_MAX_RECIPIENTS of them;
 * an optional message/rfc822 or text/rfc822-headers part gives the original
 * Message-ID. Input over DSN_MAX_BYTES or holding a NUL byte is refused
 * before it is read. Returns 0 with *out filled (zero it before; release
 * with dsn_release), or -1 with the reason in err (errlen bytes) and *out
 * empty.
 */
int dsn_parse(const char *text, size_t len, struct dsn *out, char *err, size_t errlen);

/* Frees what the report holds and zeroes it; accepts a zeroed one. */
void dsn_release(struct dsn *d);

/* Whether a recipient group is a permanent failure: Action failed with a 5.x.x status. */
bool dsn_recipient_permanent(const struct dsn_recipient *r);

/* "failed", "delayed", "delivered", "relayed", "expanded". Static string. */
const char *dsn_action_name(enum dsn_action a);

#endif
