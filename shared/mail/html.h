/* html: escaping helpers for text placed in HTML element content, quoted attributes and links. */
#ifndef SHORTLIST_HTML_H
#define SHORTLIST_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/*
 * Appends s (len bytes) escaped for HTML element content or a double- or
 * single-quoted attribute value: & < > " ' become character references.
 * Other bytes (UTF-8 included) pass through unchanged; a NUL byte is
 * dropped. Returns 0, or -1 when out would pass its maximum (out is then
 * left as it was).
 */
int html_escape(struct buf *out, const char *s, size_t len);

/* Same for a NUL-terminated string. */
int html_escape_str(struct buf *out, const char *s);

/*
 * Whether url is an absolute http:// or https:// URL with a host and no
 * whitespace, control characters, quotes, angle brackets or backslashes.
 * Such a URL is safe in an href once html_escape() has been applied.
 */
bool html_url_is_safe(const char *url);

/* Returns a newly allocated escaped copy of s (caller frees). */
char *html_escape_dup(const char *s);

#endif
