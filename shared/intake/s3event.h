/* s3event: reading S3 event notifications in every envelope they arrive in (S3, SNS, SQS, EventBridge). Pure. */
#ifndef SHORTLIST_S3EVENT_H
#define SHORTLIST_S3EVENT_H

#include <stddef.h>
#include <stdint.h>

/* How many envelopes may wrap one another (SQS body -> SNS Message -> S3 Records is 4 levels). */
#define S3EVENT_MAX_NESTING 8

enum s3event_kind {
	S3EVENT_CREATED,      /* an object was created: bucket, key, size */
	S3EVENT_OTHER,	      /* another event (ObjectRemoved, tagging, ACL ...): name; bucket and key when given */
	S3EVENT_INVALID,      /* a record that cannot be read: reason (and whatever else was readable) */
	S3EVENT_TEST,	      /* s3:TestEvent, sent when a notification configuration is saved */
	S3EVENT_SUBSCRIPTION, /* an SNS SubscriptionConfirmation: topic_arn, subscribe_url */
};

/* One event. Every string is owned by the list; NULL when absent. */
struct s3event {
	enum s3event_kind kind;
	char *name;   /* the event name as sent: "ObjectCreated:Put", "Object Created", "s3:TestEvent" ... */
	char *bucket; /* bucket name */
	char *key;    /* object key, URL-decoded ('+' is a space) */
	int64_t size; /* object size as announced, -1 when absent */
	char *reason; /* S3EVENT_INVALID: why */
	char *topic_arn;
	char *subscribe_url;
};

struct s3event_list {
	struct s3event *items;
	size_t n;
};

/*
 * Reads a notification body of len bytes: a plain S3 event ({"Records":
 * [...]}, MinIO's variant included, or a single bare record), an SNS
 * envelope (Notification, whose Message is JSON text or an object;
 * SubscriptionConfirmation; UnsubscribeConfirmation), SQS records whose
 * body (or Body) holds any of these, Lambda-style SNS records ({"Sns":
 * {...}}), an EventBridge event from aws.s3, or s3:TestEvent. Envelopes may
 * nest up to S3EVENT_MAX_NESTING levels and each JSON text up to max_depth.
 * Events are appended to out in the order they appear (out must be zeroed or
 * released before). A record that is recognisably an S3 record but lacks
 * what is needed (bucket, key, readable key encoding) becomes one
 * S3EVENT_INVALID entry and does not stop the rest. Returns 0, or -1 when
 * the body as a whole is malformed JSON, too deep, or not a notification;
 * err (errlen bytes) then says why and out holds nothing.
 */
int s3event_parse(const char *text, size_t len, int max_depth, struct s3event_list *out, char *err, size_t errlen);

/* Frees every event of the list and empties it; accepts an empty list. */
void s3event_list_release(struct s3event_list *l);

/*
 * Decodes an object key as S3 notifications write it: %XX escapes, '+' for
 * a space. Returns a newly allocated string (caller frees), or NULL when an
 * escape is malformed or decodes to a NUL byte.
 */
char *s3event_key_decode(const char *s);

/* A short name of a kind: "created", "other", "invalid", "test", "subscription". Static string. */
const char *s3event_kind_name(enum s3event_kind k);

#endif
