/* util: allocation that aborts on exhaustion, strict number parsing, small string helpers. */
#ifndef SHORTLIST_UTIL_H
#define SHORTLIST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocators that never return NULL: out of memory aborts the process. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * Parses a whole decimal integer (optional sign, no spaces, no trailing
 * bytes) within [min, max]. Returns 0 and sets *out, or -1.
 */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Same for a string of len bytes that need not be NUL-terminated. */
int parse_int64_n(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);
/* Parses "1", "true", "yes", "on" and "0", "false", "no", "off". */
int parse_bool(const char *s, bool *out);

/* Case-insensitive ASCII comparison of a NUL-terminated string with a prefix. */
bool str_has_prefix(const char *s, const char *prefix);
bool str_equal_nocase(const char *a, const char *b);

/*
 * Trims a span s[0..*len) in place: moves *s past leading bytes found in
 * lead and shortens *len past trailing bytes found in trail (either set may
 * be ""). str_trim() trims ASCII white space (space, tab, CR, LF, FF, VT)
 * from both ends.
 */
void str_trim_set(const char **s, size_t *len, const char *lead, const char *trail);
void str_trim(const char **s, size_t *len);

/* Offset of the first ASCII case-insensitive occurrence of needle in s[0..n) (need not be NUL-terminated), or -1. */
long str_find_nocase(const char *s, size_t n, const char *needle);

/*
 * Decodes the UTF-8 sequence at s[i] (len bytes in all): sets *cp and
 * returns its length; a byte that starts no complete sequence gives U+FFFD
 * and length 1, so scanning always advances. Lenient: overlong forms are
 * not refused (use it to read text, not to validate it).
 */
size_t utf8_decode(const unsigned char *s, size_t len, size_t i, uint32_t *cp);

/* Monotonic clock in milliseconds and in microseconds. */
int64_t now_ms(void);
int64_t now_us(void);
/* Wall clock in milliseconds since the epoch. */
int64_t wall_ms(void);
/*
 * Whether something stamped stored_ms (wall clock, perhaps by another host)
 * is at most max_age_ms old, and not stamped more than max_age_ms ahead of
 * this host's clock.
 */
bool wall_age_within(int64_t stored_ms, int64_t max_age_ms);

/* Fills out with n cryptographically random bytes; returns 0 or -1. */
int random_bytes(void *out, size_t n);
/* Writes 2*n lowercase hex digits and a NUL to out (size >= 2*n+1). */
void hex_encode(const unsigned char *in, size_t n, char *out);
/* The value 0-15 of one hex digit (0-9, a-f, A-F), or -1 for any other byte. */
int hex_digit_value(int c);

/*
 * The failure of a validator or parser that reports in an error buffer:
 * writes the printf-style message to err (truncated to errlen, always
 * terminated) and returns -1, so a check reads
 * `return fail(err, errlen, "name: must be a string");`. err may be NULL
 * (or errlen 0): nothing is written. The name is in parentheses so that
 * check.h's fail() macro, in unit tests, leaves the declaration alone.
 */
int(fail)(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
