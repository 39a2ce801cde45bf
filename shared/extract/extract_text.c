/* extract_text: plain text and Markdown resumes, plus the UTF-8 helpers and text normaliser every format uses. */
#include <string.h>

#include "extract/extract_impl.h"

int32_t extract_utf8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *p = (const unsigned char *)s + *i;
	size_t left = len - *i, n, k;
	uint32_t cp, min;

	if (p[0] < 0x80) {
		*i += 1;
		return p[0];
	}
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1F;
		min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0F;
		min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else {
		*i += 1;
		return -1;
	}
	if (left < n) {
		*i += 1;
		return -1;
	}
	for (k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80) {
			*i += 1;
			return -1;
		}
		cp = (cp << 6) | (p[k] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		*i += 1;
		return -1;
	}
	*i += n;
	return (int32_t)cp;
}

bool extract_utf8_valid(const char *s, size_t len, size_t *bad_at)
{
	size_t i = 0, at;

	while (i < len) {
		at = i;
		if (extract_utf8_next(s, len, &i) <= 0) {
			if (bad_at)
				*bad_at = at;
			return false;
		}
	}
	return true;
}

size_t extract_utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

void extract_norm_init(struct extract_norm *n, size_t max)
{
	memset(n, 0, sizeof(*n));
	buf_init(&n->out, 0);
	n->max = max;
}

void extract_norm_release(struct extract_norm *n)
{
	buf_release(&n->out);
}

static bool at_line_start(const struct extract_norm *n)
{
	return n->out.len == 0 || n->out.ptr[n->out.len - 1] == '\n';
}

/* Writes one visible character, first settling owed newlines or a space. */
static void emit(struct extract_norm *n, uint32_t cp)
{
	char enc[4];
	size_t k = extract_utf8_encode(cp, enc), need = k;
	int nl = n->out.len ? n->pending_nl : 0;
	bool space = !nl && n->pending_space && !at_line_start(n);

	if (n->full) {
		n->dropped += k;
		return;
	}
	need += (size_t)nl + (space ? 1 : 0);
	if (n->out.len + need > n->max) {
		n->full = true;
		n->dropped += k;
		return;
	}
	while (nl-- > 0)
		buf_append_char(&n->out, '\n');
	if (space)
		buf_append_char(&n->out, ' ');
	buf_append(&n->out, enc, k);
	n->pending_nl = 0;
	n->pending_space = false;
	n->visible++;
}

void extract_norm_break(struct extract_norm *n, int newlines)
{
	n->pending_nl += newlines;
	if (n->pending_nl > 2)
		n->pending_nl = 2;
	n->pending_space = false;
}

void extract_norm_space(struct extract_norm *n)
{
	if (!n->pending_nl)
		n->pending_space = true;
}

static bool is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\v' || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0x180E;
}

/* Characters that carry nothing readable: controls, soft hyphen, zero-width and direction marks, private use. */
static bool is_dropped(uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
		return true;
	if (cp == 0xAD || cp == 0x34F || cp == 0x61C || cp == 0x115F || cp == 0x1160 || cp == 0x17B4 || cp == 0x17B5)
		return true;
	if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F))
		return true;
	if (cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFFFE || cp == 0xFFFF)
		return true;
	if ((cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xFFF9 && cp <= 0xFFFB))
		return true;
	return cp >= 0xE0000 && cp <= 0xE0FFF;
}

static void feed(struct extract_norm *n, uint32_t cp)
{
	static const char *const ligatures[] = { "ff", "fi", "fl", "ffi", "ffl", "st", "st" };
	const char *lig;

	if (cp == '\n' && n->after_cr) {
		n->after_cr = false;
		return;
	}
	n->after_cr = cp == '\r';
	if (cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028) {
		extract_norm_break(n, 1);
		return;
	}
	if (cp == '\f' || cp == 0x2029) {
		extract_norm_break(n, 2);
		return;
	}
	if (is_space(cp)) {
		extract_norm_space(n);
		return;
	}
	if (is_dropped(cp))
		return;
	if (cp >= 0xFB00 && cp <= 0xFB06) {
		for (lig = ligatures[cp - 0xFB00]; *lig; lig++)
			emit(n, (unsigned char)*lig);
		return;
	}
	if (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2212)
		cp = '-';
	emit(n, cp);
}

void extract_norm_text(struct extract_norm *n, const char *s, size_t len)
{
	size_t i = 0;
	int32_t cp;

	while (i < len) {
		cp = extract_utf8_next(s, len, &i);
		feed(n, cp < 0 ? 0xFFFD : (uint32_t)cp);
	}
}

/* Converts UTF-16 (after its BOM) to UTF-8; returns -1 on an odd length or a lone surrogate. */
static int utf16_to_utf8(const unsigned char *p, size_t len, bool big_endian, struct buf *out)
{
	char enc[4];
	size_t i;
	uint32_t u, lo;

	if (len % 2)
		return -1;
	for (i = 0; i < len; i += 2) {
		u = big_endian ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
		if (u >= 0xDC00 && u <= 0xDFFF)
			return -1;
		if (u >= 0xD800 && u <= 0xDBFF) {
			if (i + 3 >= len)
				return -1;
			lo = big_endian ? (uint32_t)(p[i + 2] << 8 | p[i + 3]) : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return -1;
			u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		}
		if (u == 0)
			return -1;
		if (buf_append(out, enc, extract_utf8_encode(u, enc)) < 0)
			return -1;
	}
	return 0;
}

void extract_plain(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r)
{
	const unsigned char *p = data;
	struct buf conv = BUF_INIT(0);
	struct extract_norm n;
	size_t bad_at;

	extract_norm_init(&n, lim->max_text_bytes);
	r->page_count = 1;
	r->pages_read = 1;
	if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
		if (utf16_to_utf8(p + 2, len - 2, p[0] == 0xFE, &conv) < 0) {
			extract_set_reason(r, EXTRACT_FAILED, "invalid UTF-16 text");
			goto out;
		}
		data = conv.ptr ? conv.ptr : "";
		len = conv.len;
	} else if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
		data = p + 3;
		len -= 3;
	}
	if (!extract_utf8_valid(data, len, &bad_at)) {
		extract_set_reason(r, EXTRACT_FAILED, "not valid UTF-8 text (bad byte at offset %zu)", bad_at);
		goto out;
	}
	extract_norm_text(&n, data, len);
	extract_take_text(r, &n, lim, "no text");
out:
	extract_norm_release(&n);
	buf_release(&conv);
}
