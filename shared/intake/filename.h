/* filename: make a user-supplied file name safe to keep as metadata and to send back in Content-Disposition. */
#ifndef SHORTLIST_FILENAME_H
#define SHORTLIST_FILENAME_H

#include <stdbool.h>
#include <stddef.h>

/* Longest sanitized name, in bytes. */
#define FILENAME_MAX_BYTES 255

/*
 * Sanitizes the len bytes at name (which may hold any byte, NUL included;
 * name may be NULL when len is 0): keeps the last path component (both '/'
 * and '\' separate; trailing separators are ignored), replaces each invalid
 * UTF-8 sequence with U+FFFD, drops control characters (C0, DEL, C1), bidi
 * controls and U+FEFF, trims spaces and dots at both ends (so "." and ".."
 * disappear), and caps the result at FILENAME_MAX_BYTES on a character
 * boundary, keeping an extension of up to 16 bytes. An empty result becomes
 * "unnamed". Returns a newly allocated, NUL-terminated, valid UTF-8 string;
 * the caller frees it.
 */
char *filename_sanitize(const char *name, size_t len);

/*
 * Returns a newly allocated Content-Disposition header value (caller
 * frees) for sending a file with this name (sanitized first, as above):
 * 'attachment; filename="ascii"; filename*=UTF-8''percent-encoded' per RFC
 * 6266 and RFC 8187. The quoted filename is an ASCII fallback in which
 * non-ASCII characters, '"', '\' and '%' become '_'. as_inline selects
 * "inline" instead of "attachment".
 */
char *filename_content_disposition(const char *name, size_t len, bool as_inline);

#endif
