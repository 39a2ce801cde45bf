/* multipart: a push-style streaming multipart/form-data parser (RFC 7578, RFC 2046) with bounded memory. */
#include "intake/multipart.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* The delimiter is CRLF "--" boundary. */
#define DELIM_MAX (4 + MULTIPART_BOUNDARY_MAX)

enum mp_state { ST_SCAN, ST_TAIL, ST_HEADERS, ST_DONE, ST_ERROR };

/* Where we are in the bytes after a complete delimiter. */
enum mp_tail { TAIL_START, TAIL_DASH, TAIL_PAD, TAIL_CR };

struct multipart {
	struct multipart_callbacks cb;
	void *ctx;
	size_t max_header_bytes;
	size_t max_parts;

	enum mp_state state;
	enum mp_tail tail;
	int in_part;
	size_t parts;
	/* Offset in the body of the first byte of the chunk being worked on. */
	uint64_t offset;

	/*
	 * pend starts with the delimiter. pend_len bytes of it (a prefix of the
	 * delimiter, then whatever followed a complete delimiter) are held back
	 * until we know whether they are a delimiter or content.
	 */
	unsigned char pend[DELIM_MAX + MULTIPART_MAX_PADDING + 2];
	size_t dlen;
	size_t pend_len;

	/* The header block of the current part, and the values decoded from it. */
	char *hdr;
	size_t hdr_len;
	size_t line_start;
	uint64_t hdr_offset;
	char *vals;
	size_t vals_len;
	size_t vals_cap;

	int err;
	uint64_t err_offset;
	char errmsg[256];
};

/* A parameter of a header value: name=value, value either a token or the inside of a quoted string. */
struct param {
	const char *name;
	size_t name_len;
	const char *val;
	size_t val_len;
	int quoted;
};

static int is_bchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("'()+_,-./:=? ", c) != NULL;
}

static int is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int span_equal_nocase(const char *s, size_t len, const char *lit)
{
	return strlen(lit) == len && strncasecmp(s, lit, len) == 0;
}

bool multipart_boundary_valid(const char *s)
{
	size_t i, n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 1 || n > MULTIPART_BOUNDARY_MAX || s[n - 1] == ' ')
		return false;
	for (i = 0; i < n; i++)
		if (!is_bchar((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * Reads the next ";" name "=" value at s[*pos..len). Returns 1 with *pr
 * filled, 0 at the end of the value, -1 when malformed. Inside a quoted
 * string a backslash escapes only '"' and '\'; any other backslash is kept
 * as is, because browsers send Windows paths unescaped.
 */
static int param_next(const char *s, size_t len, size_t *pos, struct param *pr)
{
	size_t i = *pos, start;

	while (i < len && is_ows((unsigned char)s[i]))
		i++;
	if (i == len) {
		*pos = i;
		return 0;
	}
	if (s[i] != ';')
		return -1;
	i++;
	while (i < len && is_ows((unsigned char)s[i]))
		i++;
	if (i == len) {
		/* A trailing ";" is tolerated. */
		*pos = i;
		return 0;
	}
	start = i;
	while (i < len && is_tchar((unsigned char)s[i]))
		i++;
	if (i == start)
		return -1;
	pr->name = s + start;
	pr->name_len = i - start;
	while (i < len && is_ows((unsigned char)s[i]))
		i++;
	if (i == len || s[i] != '=')
		return -1;
	i++;
	while (i < len && is_ows((unsigned char)s[i]))
		i++;
	if (i < len && s[i] == '"') {
		i++;
		start = i;
		while (i < len && s[i] != '"') {
			if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '"' || s[i + 1] == '\\'))
				i++;
			i++;
		}
		if (i == len)
			return -1;
		pr->val = s + start;
		pr->val_len = i - start;
		pr->quoted = 1;
		i++;
	} else {
		start = i;
		while (i < len && s[i] != ';' && !is_ows((unsigned char)s[i]))
			i++;
		if (i == start)
			return -1;
		pr->val = s + start;
		pr->val_len = i - start;
		pr->quoted = 0;
	}
	*pos = i;
	return 1;
}

/* Writes the value of pr to dst (room for val_len + 1 bytes) and returns its length. */
static size_t param_unquote(const struct param *pr, char *dst)
{
	size_t i, n = 0;

	for (i = 0; i < pr->val_len; i++) {
		char c = pr->val[i];

		if (pr->quoted && c == '\\' && i + 1 < pr->val_len && (pr->val[i + 1] == '"' || pr->val[i + 1] == '\\'))
			c = pr->val[++i];
		dst[n++] = c;
	}
	dst[n] = '\0';
	return n;
}

int multipart_boundary_parse(const char *content_type, char out[MULTIPART_BOUNDARY_MAX + 1], const char **why)
{
	static const char media[] = "multipart/form-data";
	char tmp[MULTIPART_BOUNDARY_MAX + 1];
	struct param pr;
	size_t len, pos = 0, start;
	int found = 0, r;

	out[0] = '\0';
	if (!content_type || !*content_type) {
		*why = "request has no content type";
		return -1;
	}
	len = strlen(content_type);
	while (pos < len && is_ows((unsigned char)content_type[pos]))
		pos++;
	start = pos;
	while (pos < len && (is_tchar((unsigned char)content_type[pos]) || content_type[pos] == '/'))
		pos++;
	if (!span_equal_nocase(content_type + start, pos - start, media)) {
		*why = "content type is not multipart/form-data";
		return -1;
	}
	while ((r = param_next(content_type, len, &pos, &pr)) == 1) {
		if (!span_equal_nocase(pr.name, pr.name_len, "boundary"))
			continue;
		if (found) {
			*why = "content type has more than one boundary parameter";
			return -1;
		}
		found = 1;
		if (pr.val_len > 2 * MULTIPART_BOUNDARY_MAX) {
			*why = "boundary is longer than 70 characters";
			return -1;
		}
		{
			char big[2 * MULTIPART_BOUNDARY_MAX + 1];
			size_t n = param_unquote(&pr, big);

			if (n == 0) {
				*why = "boundary is empty";
				return -1;
			}
			if (n > MULTIPART_BOUNDARY_MAX) {
				*why = "boundary is longer than 70 characters";
				return -1;
			}
			memcpy(tmp, big, n + 1);
		}
	}
	if (r < 0) {
		*why = "malformed parameters in multipart/form-data content type";
		return -1;
	}
	if (!found) {
		*why = "multipart/form-data content type has no boundary parameter";
		return -1;
	}
	if (!multipart_boundary_valid(tmp)) {
		*why = tmp[strlen(tmp) - 1] == ' ' ? "boundary ends with a space"
						   : "boundary has characters not allowed by RFC 2046";
		return -1;
	}
	memcpy(out, tmp, strlen(tmp) + 1);
	return 0;
}

struct multipart *multipart_new(const char *boundary, const struct multipart_limits *limits,
				const struct multipart_callbacks *cb, void *ctx)
{
	struct multipart *mp;
	size_t blen;

	if (!multipart_boundary_valid(boundary))
		return NULL;
	blen = strlen(boundary);
	mp = xcalloc(1, sizeof(*mp));
	if (cb)
		mp->cb = *cb;
	mp->ctx = ctx;
	mp->max_header_bytes =
		limits && limits->max_header_bytes ? limits->max_header_bytes : MULTIPART_DEFAULT_MAX_HEADER_BYTES;
	mp->max_parts = limits && limits->max_parts ? limits->max_parts : MULTIPART_DEFAULT_MAX_PARTS;
	memcpy(mp->pend, "\r\n--", 4);
	memcpy(mp->pend + 4, boundary, blen);
	mp->dlen = 4 + blen;
	/* The first boundary may open the body without a CRLF before it: pretend one was seen. */
	mp->pend_len = 2;
	mp->state = ST_SCAN;
	mp->hdr = xmalloc(mp->max_header_bytes + 1);
	/* Decoded values are never longer than their source, plus one NUL each. */
	mp->vals_cap = mp->max_header_bytes + 8;
	mp->vals = xmalloc(mp->vals_cap);
	return mp;
}

void multipart_free(struct multipart *mp)
{
	if (!mp)
		return;
	free(mp->hdr);
	free(mp->vals);
	free(mp);
}

static void mp_fail(struct multipart *mp, int code, uint64_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void mp_fail(struct multipart *mp, int code, uint64_t at, const char *fmt, ...)
{
	va_list ap;

	mp->state = ST_ERROR;
	mp->err = code;
	mp->err_offset = at;
	va_start(ap, fmt);
	vsnprintf(mp->errmsg, sizeof(mp->errmsg), fmt, ap);
	va_end(ap);
}

static void fail_malformed(struct multipart *mp, uint64_t at, const char *what)
{
	mp_fail(mp, MULTIPART_ERR_MALFORMED, at, "malformed multipart at byte %" PRIu64 ": %s", at, what);
}

static void fail_aborted(struct multipart *mp, uint64_t at, const char *cb)
{
	mp_fail(mp, MULTIPART_ERR_ABORTED, at, "multipart parse stopped by %s at byte %" PRIu64, cb, at);
}

/* Hands content to part_data; content outside a part (the preamble) is dropped. Returns 0 or -1. */
static int emit(struct multipart *mp, const unsigned char *p, size_t n, uint64_t at)
{
	if (!mp->in_part || n == 0 || !mp->cb.part_data)
		return 0;
	if (mp->cb.part_data(mp->ctx, p, n) != 0) {
		fail_aborted(mp, at, "part_data");
		return -1;
	}
	return 0;
}

/* The held-back bytes turned out to be content: pass them on and go back to scanning. */
static int release_pending(struct multipart *mp, uint64_t at)
{
	size_t n = mp->pend_len;

	mp->pend_len = 0;
	mp->state = ST_SCAN;
	return emit(mp, mp->pend, n, at);
}

static int end_part(struct multipart *mp, uint64_t at)
{
	if (!mp->in_part)
		return 0;
	mp->in_part = 0;
	if (mp->cb.part_end && mp->cb.part_end(mp->ctx) != 0) {
		fail_aborted(mp, at, "part_end");
		return -1;
	}
	return 0;
}

/* Scans content with no delimiter prefix held: memchr for CR, then compare the delimiter. */
static size_t step_scan(struct multipart *mp, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		const unsigned char *cr = memchr(p + i, '\r', n - i);
		size_t k, m;

		if (!cr)
			break;
		k = (size_t)(cr - p);
		m = n - k < mp->dlen ? n - k : mp->dlen;
		if (memcmp(cr, mp->pend, m) == 0) {
			if (emit(mp, p, k, mp->offset) < 0)
				return 0;
			mp->pend_len = m;
			if (m == mp->dlen) {
				mp->state = ST_TAIL;
				mp->tail = TAIL_START;
			}
			return k + m;
		}
		i = k + 1;
	}
	if (emit(mp, p, n, mp->offset) < 0)
		return 0;
	return n;
}

/* Continues a delimiter prefix held from an earlier chunk. */
static size_t step_partial(struct multipart *mp, const unsigned char *p, size_t n)
{
	size_t i = 0;

	while (i < n && mp->pend_len < mp->dlen) {
		if (p[i] != mp->pend[mp->pend_len]) {
			/* The delimiter holds no CR after its first byte, so no delimiter starts inside the held bytes. */
			release_pending(mp, mp->offset + i);
			return i;
		}
		mp->pend_len++;
		i++;
	}
	if (mp->pend_len == mp->dlen) {
		mp->state = ST_TAIL;
		mp->tail = TAIL_START;
	}
	return i;
}

static void start_headers(struct multipart *mp, uint64_t at)
{
	mp->pend_len = 0;
	mp->parts++;
	if (mp->parts > mp->max_parts) {
		mp_fail(mp, MULTIPART_ERR_TOO_MANY_PARTS, at, "more than %zu parts at byte %" PRIu64, mp->max_parts,
			at);
		return;
	}
	mp->state = ST_HEADERS;
	mp->hdr_len = 0;
	mp->line_start = 0;
	mp->hdr_offset = at;
}

/* After a complete delimiter: "--" closes, padding + CRLF opens the next part, anything else is content. */
static size_t step_tail(struct multipart *mp, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		uint64_t at = mp->offset + i;

		switch (mp->tail) {
		case TAIL_START:
			if (c == '-') {
				mp->pend[mp->pend_len++] = c;
				mp->tail = TAIL_DASH;
				continue;
			}
			/* fall through */
		case TAIL_PAD:
			if (is_ows(c)) {
				if (mp->pend_len - mp->dlen >= MULTIPART_MAX_PADDING) {
					release_pending(mp, at);
					return i;
				}
				mp->pend[mp->pend_len++] = c;
				mp->tail = TAIL_PAD;
				continue;
			}
			if (c == '\r') {
				mp->pend[mp->pend_len++] = c;
				mp->tail = TAIL_CR;
				continue;
			}
			if (c == '\n') {
				fail_malformed(mp, at, "expected CRLF after boundary, found a bare LF");
				return i;
			}
			release_pending(mp, at);
			return i;
		case TAIL_DASH:
			if (c == '-') {
				mp->pend_len = 0;
				if (end_part(mp, at) == 0)
					mp->state = ST_DONE;
				return i + 1;
			}
			release_pending(mp, at);
			return i;
		case TAIL_CR:
			if (c == '\n') {
				if (end_part(mp, at) == 0)
					start_headers(mp, at + 1);
				return i + 1;
			}
			release_pending(mp, at);
			return i;
		}
	}
	return n;
}

static char *vals_add(struct multipart *mp, const char *s, size_t n)
{
	char *p = mp->vals + mp->vals_len;

	memcpy(p, s, n);
	p[n] = '\0';
	mp->vals_len += n + 1;
	return p;
}

/* RFC 8187 attr-char: what may appear unencoded in an ext-value. */
static int is_attr_char(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL;
}

/*
 * Decodes a filename* value (charset'language'percent-encoded) into the
 * value arena. Returns 1 when decoded, 0 when its charset is not UTF-8 (the
 * caller falls back to filename=), -1 when malformed.
 */
static int decode_ext_value(struct multipart *mp, const struct param *pr, const char **out, size_t *out_len)
{
	const char *v = pr->val, *q1, *q2, *end = pr->val + pr->val_len;
	char *dst;
	size_t n = 0;

	if (pr->quoted)
		return -1;
	q1 = memchr(v, '\'', pr->val_len);
	if (!q1)
		return -1;
	q2 = memchr(q1 + 1, '\'', (size_t)(end - q1 - 1));
	if (!q2)
		return -1;
	if (!span_equal_nocase(v, (size_t)(q1 - v), "utf-8"))
		return 0;
	dst = mp->vals + mp->vals_len;
	for (v = q2 + 1; v < end; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '%') {
			int hi, lo;

			if (end - v < 3 || (hi = hex_digit_value((unsigned char)v[1])) < 0 ||
			    (lo = hex_digit_value((unsigned char)v[2])) < 0)
				return -1;
			dst[n++] = (char)(hi << 4 | lo);
			v += 2;
		} else if (is_attr_char(c)) {
			dst[n++] = (char)c;
		} else {
			return -1;
		}
	}
	dst[n] = '\0';
	mp->vals_len += n + 1;
	*out = dst;
	*out_len = n;
	return 1;
}

static int parse_disposition(struct multipart *mp, const char *v, size_t len, uint64_t at, struct multipart_part *part)
{
	struct param pr, fname = { 0 }, fname_ext = { 0 };
	size_t pos = 0;
	int r, have_fname = 0, have_ext = 0;

	while (pos < len && is_tchar((unsigned char)v[pos]))
		pos++;
	if (!span_equal_nocase(v, pos, "form-data")) {
		fail_malformed(mp, at, "Content-Disposition type is not form-data");
		return -1;
	}
	while ((r = param_next(v, len, &pos, &pr)) == 1) {
		if (span_equal_nocase(pr.name, pr.name_len, "name")) {
			if (part->name) {
				fail_malformed(mp, at, "duplicate name parameter in Content-Disposition");
				return -1;
			}
			char *dst = mp->vals + mp->vals_len;

			mp->vals_len += param_unquote(&pr, dst) + 1;
			part->name = dst;
		} else if (span_equal_nocase(pr.name, pr.name_len, "filename")) {
			if (have_fname) {
				fail_malformed(mp, at, "duplicate filename parameter in Content-Disposition");
				return -1;
			}
			have_fname = 1;
			fname = pr;
		} else if (span_equal_nocase(pr.name, pr.name_len, "filename*")) {
			if (have_ext) {
				fail_malformed(mp, at, "duplicate filename* parameter in Content-Disposition");
				return -1;
			}
			have_ext = 1;
			fname_ext = pr;
		}
	}
	if (r < 0) {
		fail_malformed(mp, at, "malformed Content-Disposition parameters");
		return -1;
	}
	if (!part->name) {
		fail_malformed(mp, at, "Content-Disposition has no name parameter");
		return -1;
	}
	if (have_ext) {
		r = decode_ext_value(mp, &fname_ext, &part->filename, &part->filename_len);
		if (r < 0) {
			fail_malformed(mp, at, "malformed filename* parameter");
			return -1;
		}
		if (r == 1)
			return 0;
	}
	if (have_fname) {
		char *dst = mp->vals + mp->vals_len;

		part->filename_len = param_unquote(&fname, dst);
		part->filename = dst;
		mp->vals_len += part->filename_len + 1;
	}
	return 0;
}

/* Checks the syntax of one header line (without its CRLF); returns the position of its colon, or 0 after failing. */
static size_t check_header_line(struct multipart *mp, const char *line, size_t llen, uint64_t at)
{
	size_t i, colon = 0;

	if (is_ows((unsigned char)line[0])) {
		fail_malformed(mp, at, "folded part header line (obsolete line folding is not accepted)");
		return 0;
	}
	for (i = 0; i < llen; i++) {
		unsigned char c = (unsigned char)line[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			fail_malformed(mp, at + i, "control character in part header");
			return 0;
		}
		if (c == ':' && !colon)
			colon = i;
	}
	for (i = 0; i < colon; i++)
		if (!is_tchar((unsigned char)line[i]))
			break;
	if (colon == 0 || i != colon) {
		fail_malformed(mp, at, "malformed part header line");
		return 0;
	}
	return colon;
}

/*
 * Parses the complete header block in hdr (every line ends in CRLF, the last
 * one is empty) and calls part_begin. The syntax of every line is checked
 * before any is interpreted, so the first bad byte is the one reported.
 */
static void parse_headers(struct multipart *mp, uint64_t end_at)
{
	struct multipart_part part = { 0 };
	size_t ls, llen;
	int pass, have_disp = 0;

	mp->vals_len = 0;
	part.index = mp->parts - 1;
	for (pass = 0; pass < 2; pass++) {
		for (ls = 0;; ls += llen + 2) {
			const char *line = mp->hdr + ls, *val;
			const char *lf = memchr(line, '\n', mp->hdr_len - ls);
			uint64_t at = mp->hdr_offset + ls;
			size_t colon, vlen;

			llen = (size_t)(lf - line) - 1;
			if (llen == 0)
				break;
			colon = check_header_line(mp, line, llen, at);
			if (colon == 0)
				return;
			if (pass == 0)
				continue;
			val = line + colon + 1;
			vlen = llen - colon - 1;
			while (vlen && is_ows((unsigned char)*val)) {
				val++;
				vlen--;
			}
			while (vlen && is_ows((unsigned char)val[vlen - 1]))
				vlen--;
			if (span_equal_nocase(line, colon, "content-disposition")) {
				if (have_disp) {
					fail_malformed(mp, at, "duplicate Content-Disposition header");
					return;
				}
				have_disp = 1;
				if (parse_disposition(mp, val, vlen, at, &part) < 0)
					return;
			} else if (span_equal_nocase(line, colon, "content-type")) {
				if (part.content_type) {
					fail_malformed(mp, at, "duplicate Content-Type header");
					return;
				}
				part.content_type = vals_add(mp, val, vlen);
			}
		}
	}
	if (!have_disp) {
		fail_malformed(mp, mp->hdr_offset, "part has no Content-Disposition header");
		return;
	}
	if (mp->cb.part_begin && mp->cb.part_begin(mp->ctx, &part) != 0) {
		fail_aborted(mp, end_at, "part_begin");
		return;
	}
	mp->in_part = 1;
	mp->state = ST_SCAN;
	mp->pend_len = 0;
}

/* Collects header lines up to the empty line, enforcing the block and line limits at exact byte offsets. */
static size_t step_headers(struct multipart *mp, const unsigned char *p, size_t n)
{
	const unsigned char *lf = memchr(p, '\n', n);
	size_t want = lf ? (size_t)(lf - p) + 1 : n;
	size_t room_block = mp->max_header_bytes - mp->hdr_len;
	size_t room_line = MULTIPART_MAX_HEADER_LINE + 2 - (mp->hdr_len - mp->line_start);
	size_t line_len;

	if (want > room_block || want > room_line) {
		if (room_block <= room_line)
			mp_fail(mp, MULTIPART_ERR_HEADERS_TOO_LARGE, mp->offset + room_block,
				"part headers exceed %zu bytes at byte %" PRIu64, mp->max_header_bytes,
				mp->offset + room_block);
		else
			mp_fail(mp, MULTIPART_ERR_HEADERS_TOO_LARGE, mp->offset + room_line,
				"part header line exceeds %d bytes at byte %" PRIu64, MULTIPART_MAX_HEADER_LINE,
				mp->offset + room_line);
		return 0;
	}
	memcpy(mp->hdr + mp->hdr_len, p, want);
	mp->hdr_len += want;
	if (!lf)
		return want;
	line_len = mp->hdr_len - mp->line_start;
	if (line_len < 2 || mp->hdr[mp->hdr_len - 2] != '\r') {
		fail_malformed(mp, mp->offset + want - 1, "part header line ends in a bare LF, expected CRLF");
		return want;
	}
	if (line_len == 2) {
		mp->hdr[mp->hdr_len] = '\0';
		parse_headers(mp, mp->offset + want);
		return want;
	}
	mp->line_start = mp->hdr_len;
	return want;
}

int multipart_feed(struct multipart *mp, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len > 0 && mp->state != ST_ERROR) {
		size_t used = 0;

		switch (mp->state) {
		case ST_SCAN:
			used = mp->pend_len ? step_partial(mp, p, len) : step_scan(mp, p, len);
			break;
		case ST_TAIL:
			used = step_tail(mp, p, len);
			break;
		case ST_HEADERS:
			used = step_headers(mp, p, len);
			break;
		case ST_DONE:
			used = len;
			break;
		case ST_ERROR:
			break;
		}
		p += used;
		len -= used;
		mp->offset += used;
	}
	return mp->state == ST_ERROR ? mp->err : 0;
}

int multipart_finish(struct multipart *mp)
{
	if (mp->state == ST_ERROR)
		return mp->err;
	if (mp->state == ST_DONE)
		return 0;
	if (mp->parts == 0 && !mp->in_part && mp->state != ST_HEADERS)
		mp_fail(mp, MULTIPART_ERR_TRUNCATED, mp->offset,
			"truncated body at byte %" PRIu64 ": no boundary found", mp->offset);
	else
		mp_fail(mp, MULTIPART_ERR_TRUNCATED, mp->offset,
			"truncated body at byte %" PRIu64 ": closing boundary not found", mp->offset);
	return mp->err;
}

const char *multipart_error(const struct multipart *mp)
{
	return mp->errmsg;
}

uint64_t multipart_error_offset(const struct multipart *mp)
{
	return mp->err_offset;
}

size_t multipart_part_count(const struct multipart *mp)
{
	return mp->parts;
}
