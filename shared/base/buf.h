/* buf: a growable byte buffer with a hard maximum size. */
#ifndef SHORTLIST_BUF_H
#define SHORTLIST_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A buffer always holds a NUL after its last byte, so buf.ptr can be used as
 * a C string when the content has no NUL of its own. A zeroed struct (or
 * BUF_INIT(max)) is an empty buffer; buf_release() frees its memory.
 *
 * Every append fails with -1 (and leaves the buffer unchanged) when the
 * result would exceed max bytes; max == 0 means no limit beyond memory.
 * Allocation failure aborts (xmalloc rules).
 */
struct buf {
	char *ptr;
	size_t len;
	size_t cap;
	size_t max;
};

/* clang-format off */
#define BUF_INIT(max_) { NULL, 0, 0, (max_) }
/* clang-format on */

void buf_init(struct buf *b, size_t max);
/* Frees the memory and leaves an empty buffer with the same max. */
void buf_release(struct buf *b);
/* Empties the buffer but keeps its memory for reuse. */
void buf_reset(struct buf *b);

int buf_append(struct buf *b, const void *data, size_t len);
int buf_append_str(struct buf *b, const char *s);
int buf_append_char(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Ensures room for extra more bytes; returns -1 when that would pass max. */
int buf_grow(struct buf *b, size_t extra);
/* Hands the content to the caller (caller frees) and empties the buffer. */
char *buf_detach(struct buf *b, size_t *len);
/* Removes the first n bytes (n <= len). */
void buf_consume(struct buf *b, size_t n);

#endif
