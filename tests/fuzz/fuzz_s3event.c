/*
 * libFuzzer harness: s3event_parse() over S3 event notifications and their SNS, SQS and EventBridge envelopes,
 * and s3event_key_decode() over the same bytes. A refusal says why and leaves the list as it was; an accepted body
 * gives events that keep their promises (a created object has a bucket and a UTF-8 key, an invalid one a reason),
 * appends them after what the list held, and gives the same events every time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "intake/s3event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s, len, i, &cp);

		/* utf8_decode is lenient: refuse here what a strict reader would (overlong forms, surrogates, > U+10FFFF). */
		if ((s[i] >= 0x80 && n == 1) || (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
		    (n == 4 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n;
	}
	return true;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_event(const struct s3event *e)
{
	switch (e->kind) {
	case S3EVENT_CREATED:
		if (!e->bucket || !*e->bucket || !e->key || !*e->key || !e->name)
			abort();
		if (!utf8_ok((const unsigned char *)e->key, strlen(e->key)))
			abort();
		break;
	case S3EVENT_INVALID:
		if (!e->reason || !*e->reason)
			abort();
		break;
	case S3EVENT_OTHER:
	case S3EVENT_TEST:
	case S3EVENT_SUBSCRIPTION:
		if (!e->name)
			abort();
		break;
	default:
		abort();
	}
	if (e->size < -1 || strcmp(s3event_kind_name(e->kind), "unknown") == 0)
		abort();
	if (e->kind != S3EVENT_INVALID && e->reason)
		abort();
	if (e->key && e->kind != S3EVENT_INVALID && !utf8_ok((const unsigned char *)e->key, strlen(e->key)))
		abort();
}

static bool same_event(const struct s3event *a, const struct s3event *b)
{
	return a->kind == b->kind && a->size == b->size && same_str(a->name, b->name) &&
	       same_str(a->bucket, b->bucket) && same_str(a->key, b->key) && same_str(a->reason, b->reason) &&
	       same_str(a->topic_arn, b->topic_arn) && same_str(a->subscribe_url, b->subscribe_url);
}

/* The key decoder alone: never longer than its input, '+' and escapes decoded, NULL only for a bad escape. */
static void check_key_decode(const char *s)
{
	char *k = s3event_key_decode(s);
	size_t i, len = strlen(s);
	bool bad = false;

	for (i = 0; i < len; i++) {
		if (s[i] != '%')
			continue;
		if (i + 2 >= len || hex_digit_value((unsigned char)s[i + 1]) < 0 ||
		    hex_digit_value((unsigned char)s[i + 2]) < 0 || (s[i + 1] == '0' && s[i + 2] == '0')) {
			bad = true;
			break;
		}
		i += 2;
	}
	if (bad != (k == NULL))
		abort();
	if (k && strlen(k) > len)
		abort();
	if (k && strchr(k, '+') && !strstr(s, "%2B") && !strstr(s, "%2b"))
		abort(); /* a '+' is a space unless it was escaped */
	free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3event_list l = { 0 };
	char err[256], *text;
	size_t i, n;
	int depth;

	if (size < 1)
		return 0;
	/* The first byte picks the depth limit (1 to 64); the body follows. */
	depth = 1 + data[0] % 64;
	text = xmalloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	check_key_decode(text);

	err[0] = '\0';
	if (s3event_parse(text, size - 1, depth, &l, err, sizeof(err)) < 0) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)) || l.n != 0 || l.items)
			abort();
		goto out;
	}
	/* Every event needs a few bytes of the body: no more events than bytes. */
	if (l.n > size)
		abort();
	for (i = 0; i < l.n; i++)
		check_event(&l.items[i]);
	n = l.n;
	/* A second parse into the same list appends the same events after the first ones. */
	if (s3event_parse(text, size - 1, depth, &l, err, sizeof(err)) < 0 || l.n != 2 * n)
		abort();
	for (i = 0; i < n; i++)
		if (!same_event(&l.items[i], &l.items[n + i]))
			abort();
	/* A refused body leaves what the list already held alone. */
	if (s3event_parse("{", 1, depth, &l, err, sizeof(err)) == 0 || l.n != 2 * n)
		abort();
out:
	s3event_list_release(&l);
	free(text);
	return 0;
}
