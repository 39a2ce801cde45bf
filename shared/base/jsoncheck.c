/* jsoncheck: strict validation of untrusted JSON text, byte by byte, before a parser builds a tree from it. */
#include "base/jsoncheck.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* A key of an open object, unescaped, and where it starts. */
struct key {
	char *text;
	size_t len;
	size_t at;
};

struct scan {
	const unsigned char *s;
	size_t len;
	size_t i;
	int max_depth;
	char *err;
	size_t errlen;
	/* The path of the value being scanned; plen is its logical length,
	   which may pass the buffer (only the part that fits is kept). */
	char path[JSONCHECK_PATH_MAX + 1];
	size_t plen;
	bool in_key; /* scanning an object's key: errors name the object */
};

static void path_append(struct scan *sc, const char *p, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++, sc->plen++)
		if (sc->plen < JSONCHECK_PATH_MAX)
			sc->path[sc->plen] = p[k];
}

static void path_push_key(struct scan *sc, const struct key *k)
{
	if (sc->plen > 0)
		path_append(sc, ".", 1);
	path_append(sc, k->text, k->len);
}

static void path_push_index(struct scan *sc, size_t n)
{
	char seg[32];
	int w = snprintf(seg, sizeof(seg), "[%zu]", n);

	if (w > 0 && (size_t)w < sizeof(seg))
		path_append(sc, seg, (size_t)w);
}

static void position_of(const unsigned char *s, size_t offset, size_t *line, size_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* Writes "<what> in '<path>' at line L, column C (byte B)[: <why>]" and returns -1. */
__attribute__((format(printf, 4, 5))) static int fail_at(struct scan *sc, size_t at, const char *what, const char *fmt,
							 ...)
{
	char where[JSONCHECK_PATH_MAX + 40], why[160] = "";
	size_t line, col, shown = sc->plen < JSONCHECK_PATH_MAX ? sc->plen : JSONCHECK_PATH_MAX;
	const char *more = sc->plen > JSONCHECK_PATH_MAX ? "..." : "";
	va_list ap;

	sc->path[shown] = '\0';
	if (sc->in_key)
		snprintf(where, sizeof(where), shown ? " in a key of '%s%s'" : " in a key", sc->path, more);
	else if (shown)
		snprintf(where, sizeof(where), " in '%s%s'", sc->path, more);
	else
		where[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	position_of(sc->s, at, &line, &col);
	snprintf(sc->err, sc->errlen, "%s%s at line %zu, column %zu (byte %zu)%s%s", what, where, line, col, at,
		 why[0] ? ": " : "", why);
	return -1;
}

static void skip_space(struct scan *sc)
{
	while (sc->i < sc->len) {
		unsigned char c = sc->s[sc->i];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		sc->i++;
	}
}

/* Length of the valid UTF-8 sequence (RFC 3629) at s[i], or 0 when there is none. */
static size_t utf8_valid_at(const unsigned char *s, size_t len, size_t i)
{
	unsigned char c = s[i];
	size_t n, k;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (len - i < n)
		return 0;
	if (s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (k = 2; k < n; k++)
		if (s[i + k] < 0x80 || s[i + k] > 0xbf)
			return 0;
	return n;
}

static int hex4(const unsigned char *s, size_t len, size_t i, uint32_t *out)
{
	uint32_t v = 0;
	size_t k;

	if (len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		unsigned char c = s[i + k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Appends the UTF-8 form of cp to a key being unescaped. */
static void key_put_cp(struct key *k, size_t *cap, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | (cp >> 6));
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | (cp >> 12));
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | (cp >> 18));
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (k->len + n > *cap) {
		*cap = (*cap ? *cap * 2 : 32) + n;
		k->text = xrealloc(k->text, *cap);
	}
	memcpy(k->text + k->len, u, n);
	k->len += n;
}

static void key_put_bytes(struct key *k, size_t *cap, const unsigned char *p, size_t n)
{
	if (k->len + n > *cap) {
		*cap = (*cap ? *cap * 2 : 32) + n;
		k->text = xrealloc(k->text, *cap);
	}
	memcpy(k->text + k->len, p, n);
	k->len += n;
}

/* Scans a string at sc->i (which is '"'); when key is not NULL, unescapes it there (caller frees key->text). */
static int scan_string(struct scan *sc, struct key *key)
{
	size_t cap = 0;

	sc->i++;
	while (sc->i < sc->len) {
		size_t at = sc->i, n;
		unsigned char c = sc->s[at];
		uint32_t cp, lo;

		if (c == '"') {
			sc->i++;
			return 0;
		}
		if (c < 0x20)
			return fail_at(sc, at, "control character in a string", "U+%04X must be written as an escape",
				       c);
		if (c != '\\') {
			n = utf8_valid_at(sc->s, sc->len, at);
			if (n == 0)
				return fail_at(sc, at, "invalid UTF-8", "byte 0x%02X starts no valid sequence", c);
			if (key)
				key_put_bytes(key, &cap, sc->s + at, n);
			sc->i += n;
			continue;
		}
		if (at + 1 >= sc->len)
			break;
		c = sc->s[at + 1];
		if (c != 'u') {
			static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
			const char *p = memchr(from, c, sizeof(from) - 1);

			if (!p)
				return fail_at(sc, at, "invalid escape in a string", "\\%c is not a JSON escape",
					       c >= 0x20 && c < 0x7f ? c : '?');
			if (key)
				key_put_cp(key, &cap, (unsigned char)to[p - from]);
			sc->i += 2;
			continue;
		}
		if (hex4(sc->s, sc->len, at + 2, &cp) < 0)
			return fail_at(sc, at, "invalid escape in a string", "\\u needs four hex digits");
		sc->i += 6;
		if (cp == 0)
			return fail_at(sc, at, "\\u0000 in a string", "NUL characters are not allowed");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return fail_at(sc, at, "lone surrogate in a string",
				       "\\u%04x is a low surrogate with no high one", cp);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (sc->len - sc->i < 6 || sc->s[sc->i] != '\\' || sc->s[sc->i + 1] != 'u' ||
			    hex4(sc->s, sc->len, sc->i + 2, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
				return fail_at(sc, at, "lone surrogate in a string",
					       "\\u%04x is not followed by a low surrogate escape", cp);
			sc->i += 6;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		}
		if (key)
			key_put_cp(key, &cap, cp);
	}
	return fail_at(sc, sc->len, "invalid JSON", "the string is not closed");
}

static int scan_number(struct scan *sc)
{
	size_t start = sc->i;
	const unsigned char *s = sc->s;

	if (sc->i < sc->len && s[sc->i] == '-')
		sc->i++;
	if (sc->i < sc->len && s[sc->i] == '0') {
		sc->i++;
	} else if (sc->i < sc->len && s[sc->i] >= '1' && s[sc->i] <= '9') {
		while (sc->i < sc->len && s[sc->i] >= '0' && s[sc->i] <= '9')
			sc->i++;
	} else {
		return fail_at(sc, start, "invalid JSON", "malformed number");
	}
	if (sc->i < sc->len && s[sc->i] == '.') {
		sc->i++;
		if (sc->i >= sc->len || s[sc->i] < '0' || s[sc->i] > '9')
			return fail_at(sc, start, "invalid JSON", "malformed number");
		while (sc->i < sc->len && s[sc->i] >= '0' && s[sc->i] <= '9')
			sc->i++;
	}
	if (sc->i < sc->len && (s[sc->i] == 'e' || s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->len && (s[sc->i] == '+' || s[sc->i] == '-'))
			sc->i++;
		if (sc->i >= sc->len || s[sc->i] < '0' || s[sc->i] > '9')
			return fail_at(sc, start, "invalid JSON", "malformed number");
		while (sc->i < sc->len && s[sc->i] >= '0' && s[sc->i] <= '9')
			sc->i++;
	}
	return 0;
}

static int scan_literal(struct scan *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->len - sc->i < n || memcmp(sc->s + sc->i, word, n) != 0)
		return fail_at(sc, sc->i, "invalid JSON", "expected a value");
	sc->i += n;
	return 0;
}

static int scan_value(struct scan *sc, int depth);

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->text, y->text, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* After an object closed: the first key (in document order) that repeats an earlier one, or -1. */
static int check_duplicates(struct scan *sc, struct key *keys, size_t n)
{
	size_t i, dup = SIZE_MAX;

	qsort(keys, n, sizeof(*keys), key_cmp);
	for (i = 1; i < n; i++)
		if (keys[i].len == keys[i - 1].len && memcmp(keys[i].text, keys[i - 1].text, keys[i].len) == 0 &&
		    (dup == SIZE_MAX || keys[i].at < keys[dup].at))
			dup = i;
	if (dup == SIZE_MAX)
		return 0;
	path_push_key(sc, &keys[dup]);
	return fail_at(sc, keys[dup].at, "duplicate key", "the object already has this key");
}

static int scan_object(struct scan *sc, int depth)
{
	struct key *keys = NULL;
	size_t n = 0, cap = 0, i, base = sc->plen;
	int rc = -1;

	sc->i++;
	skip_space(sc);
	if (sc->i < sc->len && sc->s[sc->i] == '}') {
		sc->i++;
		return 0;
	}
	for (;;) {
		struct key k = { NULL, 0, sc->i };

		if (sc->i >= sc->len || sc->s[sc->i] != '"') {
			fail_at(sc, sc->i, "invalid JSON", "expected a key in double quotes");
			goto out;
		}
		sc->in_key = true;
		rc = scan_string(sc, &k);
		sc->in_key = false;
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			keys = xrealloc(keys, cap * sizeof(*keys));
		}
		if (!k.text)
			k.text = xstrdup("");
		keys[n++] = k;
		if (rc < 0)
			goto out;
		rc = -1;
		skip_space(sc);
		if (sc->i >= sc->len || sc->s[sc->i] != ':') {
			fail_at(sc, sc->i, "invalid JSON", "expected ':' after a key");
			goto out;
		}
		sc->i++;
		path_push_key(sc, &k);
		if (scan_value(sc, depth) < 0)
			goto out;
		sc->plen = base;
		skip_space(sc);
		if (sc->i < sc->len && sc->s[sc->i] == ',') {
			sc->i++;
			skip_space(sc);
			continue;
		}
		if (sc->i < sc->len && sc->s[sc->i] == '}') {
			sc->i++;
			break;
		}
		fail_at(sc, sc->i, "invalid JSON", "expected ',' or '}'");
		goto out;
	}
	rc = check_duplicates(sc, keys, n);
out:
	for (i = 0; i < n; i++)
		free(keys[i].text);
	free(keys);
	return rc;
}

static int scan_array(struct scan *sc, int depth)
{
	size_t base = sc->plen, n = 0;

	sc->i++;
	skip_space(sc);
	if (sc->i < sc->len && sc->s[sc->i] == ']') {
		sc->i++;
		return 0;
	}
	for (;; n++) {
		path_push_index(sc, n);
		if (scan_value(sc, depth) < 0)
			return -1;
		sc->plen = base;
		skip_space(sc);
		if (sc->i < sc->len && sc->s[sc->i] == ',') {
			sc->i++;
			continue;
		}
		if (sc->i < sc->len && sc->s[sc->i] == ']') {
			sc->i++;
			return 0;
		}
		return fail_at(sc, sc->i, "invalid JSON", "expected ',' or ']'");
	}
}

static int scan_value(struct scan *sc, int depth)
{
	unsigned char c;

	skip_space(sc);
	if (sc->i >= sc->len)
		return fail_at(sc, sc->i, "invalid JSON", "expected a value, found the end of the body");
	c = sc->s[sc->i];
	if (c == '{' || c == '[') {
		if (depth + 1 > sc->max_depth) {
			size_t line, col;

			position_of(sc->s, sc->i, &line, &col);
			snprintf(sc->err, sc->errlen,
				 "JSON nested deeper than %d levels at line %zu, column %zu (byte %zu)", sc->max_depth,
				 line, col, sc->i);
			return -1;
		}
		return c == '{' ? scan_object(sc, depth + 1) : scan_array(sc, depth + 1);
	}
	if (c == '"')
		return scan_string(sc, NULL);
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(sc);
	if (c == 't')
		return scan_literal(sc, "true");
	if (c == 'f')
		return scan_literal(sc, "false");
	if (c == 'n')
		return scan_literal(sc, "null");
	if (c == 0)
		return fail_at(sc, sc->i, "invalid JSON", "NUL byte");
	return fail_at(sc, sc->i, "invalid JSON", "expected a value");
}

int jsoncheck_validate(const char *text, size_t len, int max_depth, char *err, size_t errlen)
{
	struct scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.s = (const unsigned char *)(text ? text : "");
	sc.len = text ? len : 0;
	sc.max_depth = max_depth;
	sc.err = err;
	sc.errlen = errlen;
	skip_space(&sc);
	if (sc.i == sc.len) {
		snprintf(err, errlen, "empty body: expected a JSON document");
		return -1;
	}
	if (scan_value(&sc, 0) < 0)
		return -1;
	skip_space(&sc);
	if (sc.i < sc.len)
		return fail_at(&sc, sc.i, "invalid JSON", "unexpected data after the document");
	return 0;
}
