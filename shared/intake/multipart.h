/* multipart: a push-style streaming multipart/form-data parser (RFC 7578, RFC 2046) with bounded memory. */
#ifndef SHORTLIST_MULTIPART_H
#define SHORTLIST_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MULTIPART_BOUNDARY_MAX 70
#define MULTIPART_DEFAULT_MAX_HEADER_BYTES 16384
#define MULTIPART_DEFAULT_MAX_PARTS 10000
/* One header line may hold at most this many bytes before its CRLF. */
#define MULTIPART_MAX_HEADER_LINE 8192
/* Spaces and tabs accepted between a boundary and its CRLF (RFC 2046 transport padding). */
#define MULTIPART_MAX_PADDING 64

enum multipart_status {
	MULTIPART_OK = 0,
	MULTIPART_ERR_MALFORMED = -1,
	MULTIPART_ERR_HEADERS_TOO_LARGE = -2,
	MULTIPART_ERR_TOO_MANY_PARTS = -3,
	MULTIPART_ERR_TRUNCATED = -4,
	MULTIPART_ERR_ABORTED = -5,
};

/*
 * What part_begin learns about a part. Every pointer is borrowed until
 * part_begin returns; copy what you keep.
 *
 * name: the form field name (always present: a part without one is an error).
 * filename: NULL when the part has no filename parameter; otherwise the
 *   decoded filename*=UTF-8''... value when present and in UTF-8, else the
 *   filename= value as sent (quotes removed; a backslash escapes only '"' and
 *   '\', so Windows paths survive). It may hold any byte, even NUL (from
 *   %00), so use filename_len and sanitize it (filename.h) before use.
 * content_type: the part's Content-Type value trimmed, or NULL when absent.
 * index: 0 for the first part.
 */
struct multipart_part {
	const char *name;
	const char *filename;
	size_t filename_len;
	const char *content_type;
	size_t index;
};

/*
 * Callbacks: each returns 0 to go on, non-zero to stop the parse
 * (multipart_feed() then fails with MULTIPART_ERR_ABORTED). part_data gets
 * pieces of the part's body in order as they are found (any size, never
 * empty, never the whole part buffered). part_end is called once the
 * part's closing delimiter has been seen; it is never called after an
 * error, so a part without part_end is incomplete. Any callback may be NULL.
 */
struct multipart_callbacks {
	int (*part_begin)(void *ctx, const struct multipart_part *part);
	int (*part_data)(void *ctx, const void *data, size_t len);
	int (*part_end)(void *ctx);
};

/* Zero fields take the defaults above. */
struct multipart_limits {
	size_t max_header_bytes;
	size_t max_parts;
};

/*
 * Extracts the boundary from a Content-Type header value such as
 * 'multipart/form-data; boundary="abc"' into out (NUL-terminated,
 * 1..MULTIPART_BOUNDARY_MAX characters of RFC 2046 bchars, not ending in a
 * space; quoted or unquoted). Returns 0, or -1 with *why set to a static
 * message (for example "multipart/form-data content type has no boundary
 * parameter").
 */
int multipart_boundary_parse(const char *content_type, char out[MULTIPART_BOUNDARY_MAX + 1], const char **why);

/* Returns true when s is a valid boundary by the rules above. */
bool multipart_boundary_valid(const char *s);

/*
 * Creates a parser for a body with this boundary. limits may be NULL.
 * Returns NULL when the boundary is invalid; otherwise the caller frees it
 * with multipart_free(). Memory used is fixed at creation: about twice
 * max_header_bytes plus a few hundred bytes, whatever the body size.
 */
struct multipart *multipart_new(const char *boundary, const struct multipart_limits *limits,
				const struct multipart_callbacks *cb, void *ctx);
void multipart_free(struct multipart *mp);

/*
 * Feeds the next len bytes of the body (any split, any size). Returns 0,
 * or a negative enum multipart_status; once failed, every later call
 * returns the same code. The preamble and the epilogue are ignored.
 *
 * Line endings must be CRLF: a boundary followed by a bare LF is an error
 * ("expected CRLF after boundary"), and so is a header line ending in a
 * bare LF. A delimiter ("CRLF--boundary") followed by anything other than
 * "--", optional padding and CRLF, or LF is file content, not a boundary.
 */
int multipart_feed(struct multipart *mp, const void *data, size_t len);

/*
 * Declares the end of the body. Returns 0 when the closing boundary was
 * seen, MULTIPART_ERR_TRUNCATED when it was not, or the earlier error.
 */
int multipart_finish(struct multipart *mp);

/*
 * The last error as a sentence with the byte offset in the body where it
 * was found ("malformed multipart at byte 1234: expected CRLF after
 * boundary"), or "" when there was none. Borrowed until multipart_free().
 */
const char *multipart_error(const struct multipart *mp);
/* Offset in the body of the byte where the last error was found (0 if none). */
uint64_t multipart_error_offset(const struct multipart *mp);
/* Number of parts begun so far. */
size_t multipart_part_count(const struct multipart *mp);

#endif
