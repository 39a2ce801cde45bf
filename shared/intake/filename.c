/* filename: make a user-supplied file name safe to keep as metadata and to send back in Content-Disposition. */
#include "intake/filename.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

/* An extension this long or shorter survives the length cap. */
#define EXT_KEEP_MAX 16

/*
 * Decodes one UTF-8 character at p[0..n). Returns the number of bytes it
 * takes and sets *cp; an invalid or cut sequence yields U+FFFD and the
 * length of its longest valid-looking beginning (at least 1), so a broken
 * sequence becomes a single replacement character.
 */
static size_t utf8_decode_strict(const unsigned char *p, size_t n, uint32_t *cp)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		*cp = 0xfffd;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || p[i] < lo || p[i] > hi) {
			*cp = 0xfffd;
			return i;
		}
		lo = 0x80;
		hi = 0xbf;
		v = v << 6 | (p[i] & 0x3f);
	}
	*cp = v;
	return need + 1;
}

static void utf8_append(struct buf *b, uint32_t cp)
{
	char s[4];
	size_t n;

	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xc0 | cp >> 6);
		s[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | cp >> 12);
		s[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		s[0] = (char)(0xf0 | cp >> 18);
		s[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		s[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_append(b, s, n);
}

/* Characters that never belong in a kept name: controls, and invisible ones that reorder or hide text. */
static int is_dropped(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return 1;
	if (cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 1;
	return cp == 0xfeff;
}

/* Removes spaces and dots from both ends of b. */
static void trim(struct buf *b)
{
	size_t start = 0;

	while (b->len && (b->ptr[b->len - 1] == ' ' || b->ptr[b->len - 1] == '.'))
		b->len--;
	while (start < b->len && (b->ptr[start] == ' ' || b->ptr[start] == '.'))
		start++;
	buf_consume(b, start);
	if (b->ptr)
		b->ptr[b->len] = '\0';
}

/* Largest cut <= max that does not split a UTF-8 character in s[0..len). */
static size_t char_boundary(const char *s, size_t len, size_t max)
{
	size_t cut = len < max ? len : max;

	while (cut > 0 && cut < len && ((unsigned char)s[cut] & 0xc0) == 0x80)
		cut--;
	return cut;
}

static void cap_length(struct buf *b)
{
	const char *dot;
	size_t ext_len = 0, cut;
	char ext[EXT_KEEP_MAX + 1];

	if (b->len <= FILENAME_MAX_BYTES)
		return;
	dot = memrchr(b->ptr, '.', b->len);
	if (dot && (size_t)(b->ptr + b->len - dot) <= EXT_KEEP_MAX) {
		ext_len = (size_t)(b->ptr + b->len - dot);
		memcpy(ext, dot, ext_len);
	}
	cut = char_boundary(b->ptr, b->len, FILENAME_MAX_BYTES - ext_len);
	b->len = cut;
	b->ptr[b->len] = '\0';
	/* The stem may now end in spaces or dots; the name never starts with them after trim(). */
	while (b->len && (b->ptr[b->len - 1] == ' ' || b->ptr[b->len - 1] == '.'))
		b->len--;
	b->ptr[b->len] = '\0';
	buf_append(b, ext, ext_len);
}

char *filename_sanitize(const char *name, size_t len)
{
	const unsigned char *p = (const unsigned char *)name;
	struct buf b = BUF_INIT(0);
	size_t i = 0;
	int separator = 0;

	while (i < len) {
		uint32_t cp;

		i += utf8_decode_strict(p + i, len - i, &cp);
		if (cp == '/' || cp == '\\') {
			separator = 1;
			continue;
		}
		if (is_dropped(cp))
			continue;
		if (separator) {
			/* A new component starts: only the last non-empty one is kept. */
			buf_reset(&b);
			separator = 0;
		}
		utf8_append(&b, cp);
	}
	trim(&b);
	cap_length(&b);
	if (b.len == 0)
		buf_append_str(&b, "unnamed");
	return buf_detach(&b, NULL);
}

/* RFC 8187 attr-char: sent as is in an ext-value; everything else is percent-encoded. */
static int is_attr_char(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$&+-.^_`|~", c) != NULL;
}

char *filename_content_disposition(const char *name, size_t len, bool as_inline)
{
	static const char hex[] = "0123456789ABCDEF";
	char *clean = filename_sanitize(name, len);
	struct buf b = BUF_INIT(0);
	size_t i, n = strlen(clean);

	buf_append_str(&b, as_inline ? "inline; filename=\"" : "attachment; filename=\"");
	for (i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode_strict((const unsigned char *)clean + i, n - i, &cp);

		if (cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\' && cp != '%')
			buf_append_char(&b, (char)cp);
		else
			buf_append_char(&b, '_');
		i += k;
	}
	buf_append_str(&b, "\"; filename*=UTF-8''");
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];

		if (is_attr_char(c)) {
			buf_append_char(&b, (char)c);
		} else {
			char enc[3] = { '%', hex[c >> 4], hex[c & 15] };

			buf_append(&b, enc, 3);
		}
	}
	free(clean);
	return buf_detach(&b, NULL);
}
