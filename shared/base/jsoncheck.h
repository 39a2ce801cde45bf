/* jsoncheck: strict validation of untrusted JSON text, byte by byte, before a parser builds a tree from it. */
#ifndef SHORTLIST_JSONCHECK_H
#define SHORTLIST_JSONCHECK_H

#include <stddef.h>

/* Longest field path an error names; a deeper one ends in "...". */
#define JSONCHECK_PATH_MAX 200

/*
 * Checks len bytes of JSON text (not NUL-terminated; NUL bytes are refused)
 * against what a lenient parser such as cJSON lets through:
 *   - the RFC 8259 grammar: one value, strict numbers, literals, whitespace;
 *   - UTF-8 per RFC 3629 inside strings: no overlong forms, no surrogates
 *     (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence;
 *   - escapes: only the RFC's, \u with four hex digits, a high surrogate
 *     escape followed by a low one, no lone surrogate, no \u0000;
 *   - no raw control characters (below U+0020) inside strings;
 *   - no duplicate key in an object (compared after unescaping);
 *   - nesting at most max_depth arrays and objects deep.
 * Returns 0 when the text passes, else -1 with a message in err naming the
 * field as a dotted path (title, knockouts[0].type), the line, the column
 * and the byte offset (from 0) where the problem starts, e.g.
 *   "invalid UTF-8 in 'knockouts[0].type' at line 1, column 40 (byte 39)".
 * Allocates only while it runs (keys of open objects) and frees it all; the
 * recursion is bounded by max_depth. Thread-safe.
 */
int jsoncheck_validate(const char *text, size_t len, int max_depth, char *err, size_t errlen);

#endif
