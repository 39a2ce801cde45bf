/* s3event: reading S3 event notifications in every envelope they arrive in (S3, SNS, SQS, EventBridge). Pure. */
#include "intake/s3event.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"

struct parse {
	int max_depth;
	char *err;
	size_t errlen;
};

static int envelope(struct parse *p, const cJSON *node, int depth, struct s3event_list *out);

static int parse_fail(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int parse_fail(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static struct s3event *add(struct s3event_list *l, enum s3event_kind kind, const char *name)
{
	struct s3event *e;

	l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
	e = &l->items[l->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->name = dup_or_null(name);
	e->size = -1;
	return e;
}

static void add_invalid(struct s3event_list *l, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_invalid(struct s3event_list *l, const char *name, const char *fmt, ...)
{
	char reason[300];
	struct s3event *e;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	e = add(l, S3EVENT_INVALID, name);
	e->reason = xstrdup(reason);
}

/* Moves every event of from to the end of to. */
static void merge(struct s3event_list *to, struct s3event_list *from)
{
	if (from->n == 0)
		return;
	to->items = xrealloc(to->items, (to->n + from->n) * sizeof(*to->items));
	memcpy(to->items + to->n, from->items, from->n * sizeof(*from->items));
	to->n += from->n;
	free(from->items);
	from->items = NULL;
	from->n = 0;
}

static bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (i + n >= len)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* Overlong forms, surrogates and code points past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

char *s3event_key_decode(const char *s)
{
	size_t len = strlen(s), i, o = 0;
	char *out = xmalloc(len + 1);

	for (i = 0; i < len; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < len ? hex_digit_value((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < len ? hex_digit_value((unsigned char)s[i + 2]) : -1;

			/* A truncated or non-hex escape, or an escaped NUL, names no key. */
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

static const cJSON *child(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const char *path_str(const cJSON *obj, const char *a, const char *b)
{
	const cJSON *o = child(obj, a);

	return cJSON_IsObject(o) ? json_str(o, b, NULL) : NULL;
}

static int64_t size_of(const cJSON *object)
{
	const cJSON *v = child(object, "size");

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9.0e15 ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	return (int64_t)v->valuedouble;
}

/*
 * Adds one object event from its parts: created or not, the bucket and the
 * raw (URL-encoded) key. A created object needs both to be acted on.
 */
static void add_object(struct s3event_list *out, const char *name, bool created, const char *bucket,
		       const char *raw_key, int64_t size)
{
	struct s3event *e;
	char *key = NULL;

	if (raw_key) {
		key = s3event_key_decode(raw_key);
		if (!key) {
			add_invalid(out, name, "object key is not valid URL encoding");
			return;
		}
		if (!utf8_valid((const unsigned char *)key, strlen(key))) {
			free(key);
			add_invalid(out, name, "object key is not valid UTF-8");
			return;
		}
	}
	if (created && (!bucket || !*bucket)) {
		free(key);
		add_invalid(out, name, "record has no bucket name");
		return;
	}
	if (created && (!key || !*key)) {
		free(key);
		add_invalid(out, name, "record has no object key");
		return;
	}
	e = add(out, created ? S3EVENT_CREATED : S3EVENT_OTHER, name);
	e->bucket = dup_or_null(bucket);
	e->key = key;
	e->size = size;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static bool is_s3_record(const cJSON *node)
{
	const char *source = json_str(node, "eventSource", NULL);

	return cJSON_IsObject(child(node, "s3")) || (source && ends_with(source, ":s3"));
}

/* One record of S3's own format (AWS, MinIO and other S3-compatible stores). */
static void s3_record(const cJSON *rec, struct s3event_list *out)
{
	const char *name = json_str(rec, "eventName", NULL);
	const char *source = json_str(rec, "eventSource", NULL);
	const cJSON *s3 = child(rec, "s3");
	const cJSON *object = cJSON_IsObject(s3) ? child(s3, "object") : NULL;
	const char *n;

	if (source && !ends_with(source, ":s3")) {
		add_invalid(out, name, "event source '%.64s' is not S3", source);
		return;
	}
	if (!name) {
		add_invalid(out, NULL, "record has no eventName");
		return;
	}
	if (!cJSON_IsObject(s3)) {
		add_invalid(out, name, "record has no s3 member");
		return;
	}
	/* MinIO writes "s3:ObjectCreated:Put" where AWS writes "ObjectCreated:Put". */
	n = str_has_prefix(name, "s3:") ? name + 3 : name;
	add_object(out, name, str_has_prefix(n, "ObjectCreated:"), path_str(s3, "bucket", "name"),
		   cJSON_IsObject(object) ? json_str(object, "key", NULL) : NULL,
		   cJSON_IsObject(object) ? size_of(object) : -1);
}

static void eventbridge(const cJSON *node, const char *detail_type, struct s3event_list *out)
{
	const cJSON *detail = child(node, "detail");
	const cJSON *object = cJSON_IsObject(detail) ? child(detail, "object") : NULL;

	if (!cJSON_IsObject(detail)) {
		add_invalid(out, detail_type, "EventBridge event has no detail");
		return;
	}
	add_object(out, detail_type, strcmp(detail_type, "Object Created") == 0, path_str(detail, "bucket", "name"),
		   cJSON_IsObject(object) ? json_str(object, "key", NULL) : NULL,
		   cJSON_IsObject(object) ? size_of(object) : -1);
}

/* An envelope inside another: JSON text (SNS Message, SQS body) or, as some tools store it, an object. */
static int nested(struct parse *p, const cJSON *v, const char *what, int depth, struct s3event_list *out)
{
	cJSON *root;
	char jerr[200];
	int rc;

	if (depth > S3EVENT_MAX_NESTING)
		return parse_fail(p, "envelopes nested deeper than %d levels", S3EVENT_MAX_NESTING);
	if (cJSON_IsObject(v))
		return envelope(p, v, depth, out);
	if (!cJSON_IsString(v))
		return parse_fail(p, "%s is neither JSON text nor an object", what);
	root = json_parse(v->valuestring, strlen(v->valuestring), p->max_depth, jerr, sizeof(jerr));
	if (!root)
		return parse_fail(p, "%s: %s", what, jerr);
	rc = envelope(p, root, depth, out);
	cJSON_Delete(root);
	return rc;
}

/* One element of a Records array: an S3 record, or an SQS or SNS record carrying an envelope. */
static void record(struct parse *p, const cJSON *rec, size_t index, int depth, struct s3event_list *out)
{
	struct s3event_list sub = { 0 };

	if (!cJSON_IsObject(rec)) {
		add_invalid(out, NULL, "record %zu is not an object", index);
		return;
	}
	if (is_s3_record(rec)) {
		s3_record(rec, out);
		return;
	}
	if (!child(rec, "Sns") && !child(rec, "body") && !child(rec, "Body") && !child(rec, "Records") &&
	    !child(rec, "Type") && !child(rec, "Event") && !child(rec, "detail-type")) {
		add_invalid(out, json_str(rec, "eventName", NULL), "record %zu is not an S3 event", index);
		return;
	}
	/* A poisoned message in a batch spoils only itself. */
	if (envelope(p, rec, depth, &sub) < 0) {
		s3event_list_release(&sub);
		add_invalid(out, NULL, "record %zu: %s", index, p->err);
		return;
	}
	merge(out, &sub);
}

static int sns_message(struct parse *p, const cJSON *node, const char *type, int depth, struct s3event_list *out)
{
	struct s3event *e;

	if (strcmp(type, "Notification") == 0) {
		const cJSON *msg = child(node, "Message");

		if (!msg)
			return parse_fail(p, "SNS notification has no Message");
		return nested(p, msg, "SNS Message", depth + 1, out);
	}
	if (strcmp(type, "SubscriptionConfirmation") == 0) {
		e = add(out, S3EVENT_SUBSCRIPTION, type);
		e->topic_arn = dup_or_null(json_str(node, "TopicArn", NULL));
		e->subscribe_url = dup_or_null(json_str(node, "SubscribeURL", NULL));
		return 0;
	}
	if (strcmp(type, "UnsubscribeConfirmation") == 0) {
		e = add(out, S3EVENT_OTHER, type);
		e->topic_arn = dup_or_null(json_str(node, "TopicArn", NULL));
		return 0;
	}
	return parse_fail(p, "unknown SNS message type '%.64s'", type);
}

static int envelope(struct parse *p, const cJSON *node, int depth, struct s3event_list *out)
{
	const cJSON *records, *v;
	const char *s;

	if (depth > S3EVENT_MAX_NESTING)
		return parse_fail(p, "envelopes nested deeper than %d levels", S3EVENT_MAX_NESTING);
	if (!cJSON_IsObject(node))
		return parse_fail(p, "not an S3 event notification (expected a JSON object)");
	records = child(node, "Records");
	if (records) {
		size_t i = 0;

		if (!cJSON_IsArray(records))
			return parse_fail(p, "Records is not an array");
		cJSON_ArrayForEach(v, records)
		{
			record(p, v, i++, depth + 1, out);
		}
		return 0;
	}
	s = json_str(node, "Type", NULL);
	if (s)
		return sns_message(p, node, s, depth, out);
	s = json_str(node, "Event", NULL);
	if (s && strcmp(s, "s3:TestEvent") == 0) {
		struct s3event *e = add(out, S3EVENT_TEST, s);

		e->bucket = dup_or_null(json_str(node, "Bucket", NULL));
		return 0;
	}
	s = json_str(node, "detail-type", NULL);
	if (s && strcmp(json_str(node, "source", ""), "aws.s3") == 0) {
		eventbridge(node, s, out);
		return 0;
	}
	if (is_s3_record(node)) {
		s3_record(node, out);
		return 0;
	}
	v = child(node, "Sns");
	if (v)
		return nested(p, v, "Sns", depth + 1, out);
	v = child(node, "body");
	if (!v)
		v = child(node, "Body");
	if (v)
		return nested(p, v, "SQS body", depth + 1, out);
	return parse_fail(p, "not an S3 event notification (no Records, SNS, SQS, EventBridge or test event)");
}

int s3event_parse(const char *text, size_t len, int max_depth, struct s3event_list *out, char *err, size_t errlen)
{
	struct parse p = { max_depth, err, errlen };
	struct s3event_list l = { 0 };
	cJSON *root;
	int rc;

	root = json_parse(text, len, max_depth, err, errlen);
	if (!root)
		return -1;
	rc = envelope(&p, root, 0, &l);
	cJSON_Delete(root);
	if (rc < 0) {
		s3event_list_release(&l);
		return -1;
	}
	merge(out, &l);
	return 0;
}

void s3event_list_release(struct s3event_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		struct s3event *e = &l->items[i];

		free(e->name);
		free(e->bucket);
		free(e->key);
		free(e->reason);
		free(e->topic_arn);
		free(e->subscribe_url);
	}
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

const char *s3event_kind_name(enum s3event_kind k)
{
	switch (k) {
	case S3EVENT_CREATED:
		return "created";
	case S3EVENT_OTHER:
		return "other";
	case S3EVENT_INVALID:
		return "invalid";
	case S3EVENT_TEST:
		return "test";
	case S3EVENT_SUBSCRIPTION:
		return "subscription";
	}
	return "unknown";
}
