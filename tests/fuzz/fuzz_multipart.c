/* libFuzzer harness: multipart must give the same result for any chunking; filename and filetype must stay sane. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "intake/filename.h"
#include "intake/filetype.h"
#include "intake/multipart.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one parse produced: a hash of every event and byte, and the outcome. */
struct outcome {
	uint64_t hash;
	size_t begins, ends, max_piece;
	int in_part;
	int rc;
	uint64_t offset;
	char msg[256];
};

static void mix(struct outcome *o, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		o->hash ^= s[i];
		o->hash *= 1099511628211ULL;
	}
}

static void check_utf8_name(const char *s, size_t max)
{
	size_t n = strlen(s), i = 0;

	if (n == 0 || n > max)
		abort();
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80		    ? 1
			   : c >= 0xc2 && c <= 0xdf ? 2
			   : c >= 0xe0 && c <= 0xef ? 3
			   : c >= 0xf0 && c <= 0xf4 ? 4
						    : 0;

		if (k == 0 || i + k > n || c < 0x20 || c == 0x7f || c == '/' || c == '\\')
			abort();
		i += k;
	}
}

static int on_begin(void *ctx, const struct multipart_part *p)
{
	struct outcome *o = ctx;

	if (o->in_part || !p->name)
		abort();
	o->in_part = 1;
	o->begins++;
	mix(o, "<", 1);
	mix(o, p->name, strlen(p->name) + 1);
	if (p->filename) {
		char *clean = filename_sanitize(p->filename, p->filename_len);
		char *cd = filename_content_disposition(p->filename, p->filename_len, false);

		check_utf8_name(clean, FILENAME_MAX_BYTES);
		if (strpbrk(cd, "\r\n"))
			abort();
		mix(o, p->filename, p->filename_len);
		free(clean);
		free(cd);
	}
	mix(o, "|", 1);
	if (p->content_type)
		mix(o, p->content_type, strlen(p->content_type) + 1);
	return 0;
}

static int on_data(void *ctx, const void *d, size_t n)
{
	struct outcome *o = ctx;

	if (!o->in_part || n == 0)
		abort();
	if (n > o->max_piece)
		o->max_piece = n;
	mix(o, d, n);
	return 0;
}

static int on_end(void *ctx)
{
	struct outcome *o = ctx;

	if (!o->in_part)
		abort();
	o->in_part = 0;
	o->ends++;
	mix(o, ">", 1);
	return 0;
}

static const struct multipart_callbacks cbs = { on_begin, on_data, on_end };

static const char *const boundaries[] = {
	"XyZ",
	"XyZ",
	"a",
	"0123456789012345678901234567890123456789012345678901234567890123456789",
};

/* step 0: one chunk; 1: one byte at a time; otherwise pseudo-random chunks seeded by step. */
static void run(const char *boundary, const struct multipart_limits *lim, const uint8_t *body, size_t len,
		unsigned step, struct outcome *o, size_t *largest_chunk)
{
	struct multipart *mp = multipart_new(boundary, lim, &cbs, o);
	uint32_t s = step * 2654435761u + 1;
	size_t pos = 0;
	int rc = 0;

	if (!mp)
		abort();
	memset(o, 0, sizeof(*o));
	o->hash = 1469598103934665603ULL;
	*largest_chunk = 0;
	while (pos < len && rc == 0) {
		size_t n = len - pos;

		if (step == 1) {
			n = 1;
		} else if (step > 1) {
			s ^= s << 13;
			s ^= s >> 17;
			s ^= s << 5;
			n = 1 + s % 97;
			if (n > len - pos)
				n = len - pos;
		}
		if (n > *largest_chunk)
			*largest_chunk = n;
		rc = multipart_feed(mp, body + pos, n);
		pos += n;
	}
	if (rc == 0)
		rc = multipart_finish(mp);
	o->rc = rc;
	o->offset = multipart_error_offset(mp);
	snprintf(o->msg, sizeof(o->msg), "%s", multipart_error(mp));
	if (rc != 0 && (!strstr(o->msg, " at byte ") || o->offset > len))
		abort();
	if (rc == 0 && (o->msg[0] || o->in_part || o->begins != o->ends))
		abort();
	if (o->begins > multipart_part_count(mp))
		abort();
	multipart_free(mp);
}

static void same(const struct outcome *a, const struct outcome *b)
{
	if (a->hash != b->hash || a->rc != b->rc || a->offset != b->offset || strcmp(a->msg, b->msg) != 0 ||
	    a->begins != b->begins || a->ends != b->ends) {
		fprintf(stderr, "chunking changed the result: rc %d/%d offset %llu/%llu '%s' / '%s'\n", a->rc, b->rc,
			(unsigned long long)a->offset, (unsigned long long)b->offset, a->msg, b->msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct multipart_limits lim = { 0, 0 };
	struct outcome whole, other;
	const char *boundary;
	char ct[300], out[MULTIPART_BOUNDARY_MAX + 1], why[FILETYPE_REASON_MAX];
	const char *reason;
	size_t largest, ctlen;

	if (size < 2)
		return 0;
	boundary = boundaries[data[0] & 3];
	switch ((data[0] >> 2) & 3) {
	case 1:
		lim.max_header_bytes = 64;
		break;
	case 2:
		lim.max_parts = 2;
		break;
	case 3:
		lim.max_header_bytes = 200;
		lim.max_parts = 5;
		break;
	}
	run(boundary, &lim, data + 2, size - 2, 0, &whole, &largest);
	run(boundary, &lim, data + 2, size - 2, 2 + data[1], &other, &largest);
	same(&whole, &other);
	/* Nothing is held back across chunks beyond the delimiter and its padding. */
	if (other.max_piece > largest && other.max_piece > 4 + MULTIPART_BOUNDARY_MAX + MULTIPART_MAX_PADDING + 2)
		abort();
	if (size < 4096) {
		run(boundary, &lim, data + 2, size - 2, 1, &other, &largest);
		same(&whole, &other);
	}

	/* The same bytes as a Content-Type value, a file name and a file. */
	ctlen = size - 2 < sizeof(ct) - 1 ? size - 2 : sizeof(ct) - 1;
	memcpy(ct, data + 2, ctlen);
	ct[ctlen] = '\0';
	if (multipart_boundary_parse(ct, out, &reason) == 0) {
		if (!multipart_boundary_valid(out))
			abort();
	} else if (!reason || out[0]) {
		abort();
	}
	{
		char *clean = filename_sanitize((const char *)data + 2, size - 2);

		check_utf8_name(clean, FILENAME_MAX_BYTES);
		free(clean);
	}
	if (filetype_sniff(data + 2, size - 2, data[1] & 1, why, sizeof(why)) == FILETYPE_UNKNOWN && !why[0])
		abort();
	if (size - 2 >= 4 && memcmp(data + 2, "PK", 2) == 0)
		filetype_docx_verify(data + 2, size - 2, why, sizeof(why));
	return 0;
}
