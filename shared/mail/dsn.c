/* dsn: reading delivery status notifications (RFC 3464 multipart/report) that come back to the return path. Pure. */
#include "mail/dsn.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "mail/mime.h"

#define HEADERS_MAX 500 /* fields in one header block or status group */
#define VALUE_MAX 8192	/* longest unfolded field value read */
#define PARTS_MAX 20	/* parts of the report */
#define BOUNDARY_MAX 70 /* RFC 2046 */
#define TOKEN_MAX 128

struct field {
	char *name;
	char *value;
};

struct fields {
	struct field *v;
	size_t n;
};

struct span {
	const char *p;
	const char *end;
};

static void fields_release(struct fields *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].value);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static char *trimmed(const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return xstrndup(p, n);
}

/*
 * Reads header fields from p up to an empty line (consumed) or end into f,
 * unfolding continuation lines. *next gets where reading stopped.
 */
static int fields_read(const char *p, const char *end, struct fields *f, const char **next, char *err, size_t errlen)
{
	while (p < end) {
		const char *e = line_end(p, end), *colon;
		size_t i;

		if (e == p) {
			p = e + 1;
			break;
		}
		if (*p == ' ' || *p == '\t') {
			struct field *last;
			char *more;
			size_t have, add;

			if (f->n == 0)
				return fail(err, errlen, "a header block starts with a continuation line");
			last = &f->v[f->n - 1];
			more = trimmed(p, (size_t)(e - p));
			have = strlen(last->value);
			add = strlen(more);
			if (have + add + 2 > VALUE_MAX) {
				free(more);
				return fail(err, errlen, "header '%.64s' is longer than %d bytes", last->name,
					    VALUE_MAX);
			}
			last->value = xrealloc(last->value, have + add + 2);
			if (have && add)
				last->value[have++] = ' ';
			memcpy(last->value + have, more, add + 1);
			free(more);
		} else {
			colon = memchr(p, ':', (size_t)(e - p));
			if (!colon || colon == p)
				return fail(err, errlen, "a header line has no field name: '%.40s'", p);
			for (i = 0; p + i < colon; i++)
				if (!isgraph((unsigned char)p[i]))
					return fail(err, errlen,
						    "a header field name holds a space or control character");
			if (f->n >= HEADERS_MAX)
				return fail(err, errlen, "more than %d header fields in one block", HEADERS_MAX);
			if (e - colon > VALUE_MAX)
				return fail(err, errlen, "header '%.*s' is longer than %d bytes",
					    (int)(colon - p < 64 ? colon - p : 64), p, VALUE_MAX);
			f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
			f->v[f->n].name = xstrndup(p, (size_t)(colon - p));
			f->v[f->n].value = trimmed(colon + 1, (size_t)(e - colon - 1));
			f->n++;
		}
		p = e < end ? e + 1 : e;
	}
	*next = p;
	return 0;
}

/* The value of the first field called name (any case), or NULL. Borrowed from f. */
static const char *field(const struct fields *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (str_equal_nocase(f->v[i].name, name))
			return f->v[i].value;
	return NULL;
}

/* The media type of a Content-Type value, lower case, in out; "text/plain" when v is NULL. */
static void media_type(const char *v, char *out, size_t outlen)
{
	size_t i = 0;

	if (!v)
		v = "text/plain";
	while (*v == ' ')
		v++;
	for (; v[i] && v[i] != ';' && v[i] != ' ' && i + 1 < outlen; i++)
		out[i] = (char)tolower((unsigned char)v[i]);
	out[i] = '\0';
}

/* A parameter of a Content-Type value (token or quoted string) in out; -1 when absent or too long. */
static int param(const char *v, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = strchr(v, ';');

	while (p) {
		size_t o = 0;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nlen) == 0 && p[nlen] == '=') {
			p += nlen + 1;
			if (*p == '"') {
				for (p++; *p && *p != '"'; p++) {
					if (*p == '\\' && p[1])
						p++;
					if (o + 1 >= outlen)
						return -1;
					out[o++] = *p;
				}
				if (*p != '"')
					return -1;
			} else {
				for (; *p && *p != ';' && *p != ' ' && *p != '\t'; p++) {
					if (o + 1 >= outlen)
						return -1;
					out[o++] = *p;
				}
			}
			out[o] = '\0';
			return o > 0 ? 0 : -1;
		}
		p = strchr(p, ';');
	}
	return -1;
}

/* Whether the line [p, e) is the delimiter "--boundary" (closing: "--boundary--"), trailing blanks allowed. */
static int delimiter(const char *p, const char *e, const char *boundary, size_t blen)
{
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - p) < blen + 2 || p[0] != '-' || p[1] != '-' || memcmp(p + 2, boundary, blen) != 0)
		return 0;
	if ((size_t)(e - p) == blen + 2)
		return 1;
	if ((size_t)(e - p) == blen + 4 && p[blen + 2] == '-' && p[blen + 3] == '-')
		return 2;
	return 0;
}

/* Splits a multipart body into its parts (the LF before each delimiter excluded); needs the closing delimiter. */
static int split(const char *p, const char *end, const char *boundary, struct span *parts, size_t *n, char *err,
		 size_t errlen)
{
	size_t blen = strlen(boundary);
	const char *start = NULL;

	*n = 0;
	while (p < end) {
		const char *e = line_end(p, end);
		int d = delimiter(p, e, boundary, blen);

		if (d) {
			if (start) {
				if (*n >= PARTS_MAX)
					return fail(err, errlen, "more than %d parts", PARTS_MAX);
				parts[*n].p = start;
				parts[*n].end = p > start ? p - 1 : p;
				(*n)++;
			}
			if (d == 2)
				return *n > 0 ? 0 : fail(err, errlen, "the report has no parts");
			start = e < end ? e + 1 : e;
		}
		p = e < end ? e + 1 : e;
	}
	return fail(err, errlen, start ? "the report has no closing boundary" : "the report's boundary never occurs");
}

static char *address_of(const char *v, char *err, size_t errlen, const char *what)
{
	const char *semi = strchr(v, ';');
	char *a;
	size_t i;

	if (!semi) {
		fail(err, errlen, "%s has no address type (expected 'rfc822; address')", what);
		return NULL;
	}
	a = trimmed(semi + 1, strlen(semi + 1));
	if (!*a || strlen(a) > DSN_FIELD_MAX) {
		free(a);
		fail(err, errlen, "%s has no address or an overlong one", what);
		return NULL;
	}
	for (i = 0; a[i]; i++)
		a[i] = (char)tolower((unsigned char)a[i]);
	return a;
}

static int action_of(const char *v, enum dsn_action *out)
{
	static const char *const names[] = { "failed", "delayed", "delivered", "relayed", "expanded" };
	char word[TOKEN_MAX];
	size_t i;

	media_type(v, word, sizeof(word)); /* the first word, lower case */
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (strcmp(word, names[i]) == 0) {
			*out = (enum dsn_action)i;
			return 0;
		}
	return -1;
}

/* Whether v is a status code "c.sss.ddd": class 2, 4 or 5 and two numbers of 1 to 3 digits. */
static int status_ok(const char *v)
{
	int part, digits;

	if (v[0] != '2' && v[0] != '4' && v[0] != '5')
		return 0;
	v++;
	for (part = 0; part < 2; part++) {
		if (*v++ != '.')
			return 0;
		for (digits = 0; isdigit((unsigned char)*v); v++)
			digits++;
		if (digits < 1 || digits > 3)
			return 0;
	}
	return *v == '\0' || *v == ' ';
}

static int recipient_group(const struct fields *g, size_t index, struct dsn_recipient *r, char *err, size_t errlen)
{
	const char *fr = field(g, "Final-Recipient"), *ac = field(g, "Action"), *st = field(g, "Status");
	const char *orig = field(g, "Original-Recipient"), *diag = field(g, "Diagnostic-Code");
	char what[64];

	snprintf(what, sizeof(what), "recipient %zu: Final-Recipient", index + 1);
	if (!fr || !ac || !st)
		return fail(err, errlen, "recipient %zu lacks %s", index + 1,
			    !fr	  ? "Final-Recipient"
			    : !ac ? "Action"
				  : "Status");
	if (action_of(ac, &r->action) < 0)
		return fail(err, errlen, "recipient %zu: unknown Action '%.32s'", index + 1, ac);
	if (!status_ok(st) || strcspn(st, " ") >= sizeof(r->status))
		return fail(err, errlen, "recipient %zu: Status '%.32s' is not a status code like 5.1.1", index + 1,
			    st);
	memcpy(r->status, st, strcspn(st, " "));
	r->status[strcspn(st, " ")] = '\0';
	r->final_recipient = address_of(fr, err, errlen, what);
	if (!r->final_recipient)
		return -1;
	if (orig) {
		snprintf(what, sizeof(what), "recipient %zu: Original-Recipient", index + 1);
		r->original_recipient = address_of(orig, err, errlen, what);
		if (!r->original_recipient)
			return -1;
	}
	if (diag)
		r->diagnostic = xstrndup(diag, strlen(diag) > DSN_FIELD_MAX ? DSN_FIELD_MAX : strlen(diag));
	return 0;
}

/* The machine-readable part: a per-message group, then one group per recipient. */
static int status_part(const char *p, const char *end, struct dsn *d, char *err, size_t errlen)
{
	struct fields g = { 0 };
	const char *v;
	int rc = -1;

	while (p < end && *p == '\n')
		p++;
	if (fields_read(p, end, &g, &p, err, errlen) < 0)
		goto out;
	v = field(&g, "Reporting-MTA");
	if (!v) {
		fail(err, errlen, "the delivery-status part has no Reporting-MTA");
		goto out;
	}
	d->reporting_mta = xstrndup(v, strlen(v) > DSN_FIELD_MAX ? DSN_FIELD_MAX : strlen(v));
	for (;;) {
		fields_release(&g);
		while (p < end && *p == '\n')
			p++;
		if (p >= end)
			break;
		if (d->n >= DSN_MAX_RECIPIENTS) {
			fail(err, errlen, "more than %d recipients in one report", DSN_MAX_RECIPIENTS);
			goto out;
		}
		if (fields_read(p, end, &g, &p, err, errlen) < 0)
			goto out;
		d->recipients = xrealloc(d->recipients, (d->n + 1) * sizeof(*d->recipients));
		memset(&d->recipients[d->n], 0, sizeof(*d->recipients));
		d->n++;
		if (recipient_group(&g, d->n - 1, &d->recipients[d->n - 1], err, errlen) < 0)
			goto out;
	}
	if (d->n == 0) {
		fail(err, errlen, "the delivery-status part names no recipient");
		goto out;
	}
	rc = 0;
out:
	fields_release(&g);
	return rc;
}

/* The returned message or its headers: only its Message-ID is read. */
static int original_part(const char *p, const char *end, struct dsn *d, char *err, size_t errlen)
{
	struct fields h = { 0 };
	const char *v;

	if (fields_read(p, end, &h, &p, err, errlen) < 0) {
		fields_release(&h);
		return -1;
	}
	v = field(&h, "Message-ID");
	if (v && v[0] == '<' && strchr(v, '>') && strlen(v) <= DSN_FIELD_MAX)
		d->original_message_id = xstrndup(v, (size_t)(strchr(v, '>') - v + 1));
	fields_release(&h);
	return 0;
}

static int parse(const char *p, const char *end, struct dsn *d, char *err, size_t errlen)
{
	struct fields top = { 0 };
	struct span parts[PARTS_MAX];
	char type[TOKEN_MAX], boundary[BOUNDARY_MAX + 1], rtype[TOKEN_MAX];
	const char *ct, *to, *body;
	size_t n = 0, i, status_parts = 0;
	int rc = -1;

	if (fields_read(p, end, &top, &body, err, errlen) < 0)
		goto out;
	if (top.n == 0) {
		fail(err, errlen, "the message has no headers");
		goto out;
	}
	ct = field(&top, "Content-Type");
	media_type(ct, type, sizeof(type));
	if (strcmp(type, "multipart/report") != 0) {
		fail(err, errlen, "not a delivery status notification: Content-Type is %.64s, not multipart/report",
		     type);
		goto out;
	}
	if (param(ct, "report-type", rtype, sizeof(rtype)) < 0 || !str_equal_nocase(rtype, "delivery-status")) {
		fail(err, errlen, "a multipart/report without report-type=delivery-status is not a DSN");
		goto out;
	}
	if (param(ct, "boundary", boundary, sizeof(boundary)) < 0) {
		fail(err, errlen, "the report has no boundary (or one over %d characters)", BOUNDARY_MAX);
		goto out;
	}
	to = field(&top, "To");
	if (to) {
		char *name = NULL, *addr = NULL;

		if (mime_mailbox_parse(to, &name, &addr) == 0)
			d->to = addr;
		else
			free(addr);
		free(name);
	}
	if (split(body, end, boundary, parts, &n, err, errlen) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct fields ph = { 0 };
		const char *pbody, *cte;
		char ptype[TOKEN_MAX];
		int prc;

		if (fields_read(parts[i].p, parts[i].end, &ph, &pbody, err, errlen) < 0) {
			fields_release(&ph);
			goto out;
		}
		media_type(field(&ph, "Content-Type"), ptype, sizeof(ptype));
		cte = field(&ph, "Content-Transfer-Encoding");
		prc = 0;
		if (strcmp(ptype, "message/delivery-status") == 0) {
			status_parts++;
			if (cte && !str_equal_nocase(cte, "7bit") && !str_equal_nocase(cte, "8bit"))
				prc = fail(err, errlen, "the delivery-status part is %.32s-encoded", cte);
			else if (status_parts == 1)
				prc = status_part(pbody, parts[i].end, d, err, errlen);
		} else if (strcmp(ptype, "message/rfc822") == 0 || strcmp(ptype, "text/rfc822-headers") == 0) {
			if (!d->original_message_id)
				prc = original_part(pbody, parts[i].end, d, err, errlen);
		}
		fields_release(&ph);
		if (prc < 0)
			goto out;
	}
	if (status_parts != 1) {
		fail(err, errlen,
		     status_parts ? "the report has more than one delivery-status part"
				  : "the report has no message/delivery-status part");
		goto out;
	}
	rc = 0;
out:
	fields_release(&top);
	return rc;
}

int dsn_parse(const char *text, size_t len, struct dsn *out, char *err, size_t errlen)
{
	char *norm;
	size_t i, o = 0;
	int rc;

	if (len > DSN_MAX_BYTES)
		return fail(err, errlen, "the report is %zu bytes; at most %d are read", len, DSN_MAX_BYTES);
	if (len == 0)
		return fail(err, errlen, "the report is empty");
	if (memchr(text, '\0', len))
		return fail(err, errlen, "the report holds a NUL byte");
	/* One line ending: CRLF becomes LF. */
	norm = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		if (!(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			norm[o++] = text[i];
	norm[o] = '\0';
	rc = parse(norm, norm + o, out, err, errlen);
	free(norm);
	if (rc < 0)
		dsn_release(out);
	return rc;
}

void dsn_release(struct dsn *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->recipients[i].final_recipient);
		free(d->recipients[i].original_recipient);
		free(d->recipients[i].diagnostic);
	}
	free(d->recipients);
	free(d->to);
	free(d->reporting_mta);
	free(d->original_message_id);
	memset(d, 0, sizeof(*d));
}

bool dsn_recipient_permanent(const struct dsn_recipient *r)
{
	return r->action == DSN_FAILED && r->status[0] == '5';
}

const char *dsn_action_name(enum dsn_action a)
{
	switch (a) {
	case DSN_FAILED:
		return "failed";
	case DSN_DELAYED:
		return "delayed";
	case DSN_DELIVERED:
		return "delivered";
	case DSN_RELAYED:
		return "relayed";
	case DSN_EXPANDED:
		return "expanded";
	}
	return "unknown";
}
