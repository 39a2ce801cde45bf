/* sesnotify: reading Amazon SES bounce, complaint and delivery notifications, bare or in an SNS envelope. Pure. */
#ifndef SHORTLIST_SESNOTIFY_H
#define SHORTLIST_SESNOTIFY_H

#include <stddef.h>

/* Most recipients one notification may name. */
#define SESNOTIFY_MAX_RECIPIENTS 100

enum sesnotify_kind {
	SESNOTIFY_BOUNCE_PERMANENT, /* bounceType Permanent: the address is dead */
	SESNOTIFY_BOUNCE_TRANSIENT, /* Transient or Undetermined: recorded, not suppressed */
	SESNOTIFY_COMPLAINT,	    /* the recipient marked it as spam */
	SESNOTIFY_DELIVERY,	    /* delivered: nothing to do */
	SESNOTIFY_SUBSCRIPTION,	    /* an SNS SubscriptionConfirmation: topic_arn, subscribe_url */
	SESNOTIFY_OTHER,	    /* another SNS or SES type (UnsubscribeConfirmation, Send, Open ...): type */
};

/* One bounced or complaining recipient; strings owned by the notification. */
struct sesnotify_recipient {
	char *address; /* lower case */
	char *detail;  /* "Permanent/General: smtp; 550 5.1.1 user unknown" and the like, NULL when nothing was said */
};

/* A notification; every string owned (sesnotify_release), NULL when absent. */
struct sesnotify {
	enum sesnotify_kind kind;
	char *type;	      /* notificationType / eventType, or the SNS Type */
	char *sns_message_id; /* the SNS envelope's MessageId */
	char *ses_message_id; /* mail.messageId: SES's id of the sent message */
	char *message_id;     /* our Message-ID (with <>), from mail.headers or mail.commonHeaders */
	char *topic_arn;
	char *subscribe_url;
	struct sesnotify_recipient *recipients; /* bounce and complaint: bouncedRecipients / complainedRecipients */
	size_t n;
};

/*
 * Reads an SNS envelope (Type Notification, whose Message is the SES JSON
 * as text or an object; SubscriptionConfirmation; UnsubscribeConfirmation)
 * or a bare SES notification of len bytes, JSON nested at most max_depth.
 * A bounce or complaint must name its mail.messageId and at least one
 * recipient with an emailAddress (at most SESNOTIFY_MAX_RECIPIENTS).
 * Returns 0 with *out filled (zero it before; release with
 * sesnotify_release), or -1 with the reason in err (errlen bytes) and *out
 * empty.
 */
int sesnotify_parse(const char *text, size_t len, int max_depth, struct sesnotify *out, char *err, size_t errlen);

/* Frees what n holds and zeroes it; accepts a zeroed one. */
void sesnotify_release(struct sesnotify *n);

/* "bounce_permanent", "bounce_transient", "complaint", "delivery", "subscription", "other". Static string. */
const char *sesnotify_kind_name(enum sesnotify_kind k);

#endif
