/* extract_impl: what the per-format extractors share with the runner (internal to shared/extract*.c). */
#ifndef SHORTLIST_EXTRACT_IMPL_H
#define SHORTLIST_EXTRACT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "extract/extract.h"

/*
 * The text normaliser: feed it UTF-8 pieces and breaks; it writes NUL-free
 * UTF-8 with whitespace runs collapsed to one space inside a line, no
 * leading or trailing spaces on a line, at most one blank line in a row,
 * soft hyphens, zero-width and control characters removed and ligatures
 * expanded. Invalid UTF-8 becomes U+FFFD. Output stops (at a character
 * boundary) at max bytes and full is set.
 */
struct extract_norm {
	struct buf out;
	size_t max;
	int pending_nl;
	bool pending_space;
	bool after_cr;
	bool full;
	size_t dropped; /* input bytes not written because the output was full */
	size_t visible; /* non-space characters written */
};

void extract_norm_init(struct extract_norm *n, size_t max);
void extract_norm_release(struct extract_norm *n);
void extract_norm_text(struct extract_norm *n, const char *s, size_t len);
/* Ends the line (newlines = 1) or the paragraph (2); consecutive breaks add up to at most one blank line. */
void extract_norm_break(struct extract_norm *n, int newlines);
void extract_norm_space(struct extract_norm *n);

/* Decodes one strict UTF-8 character at s[*i]; returns it and advances, or returns -1 (advancing one byte). */
int32_t extract_utf8_next(const char *s, size_t len, size_t *i);
/* Whether s is strict UTF-8 without NUL; else *bad_at (may be NULL) gets the offset of the first bad byte. */
bool extract_utf8_valid(const char *s, size_t len, size_t *bad_at);
/* Writes cp as UTF-8 into out (4 bytes room); returns the byte count. */
size_t extract_utf8_encode(uint32_t cp, char *out);

/* Sets status and a formatted reason (replacing any earlier one). */
void extract_set_reason(struct extract_result *r, enum extract_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Adds a flag (copied; sample cut to EXTRACT_FLAG_SAMPLE_BYTES at a character boundary); -1 when the list is full. */
int extract_add_flag(struct extract_result *r, const char *name, int64_t count, const char *sample, size_t sample_len);
/*
 * Moves the normalised text into r, marks truncation and, when r is still
 * ok, downgrades it to needs_review when there is no text (empty_reason) or
 * fewer than lim->min_text_chars visible characters.
 */
void extract_take_text(struct extract_result *r, struct extract_norm *n, const struct extract_limits *lim,
		       const char *empty_reason);

/* Text smaller than this (in points) cannot be read by a person: hidden, in every format. */
#define EXTRACT_HIDDEN_MAX_POINTS 2.0
/* A colour is too close to the one under it to be read when no channel (of 255) is further off than this. */
#define EXTRACT_CONTRAST_MIN 48

/*
 * Hidden text noticed over a document: its characters go here instead of
 * into the normaliser, and extract_hidden_flag() reports them as the
 * "hidden_text" flag (count = non-space characters, sample = the first of
 * them, spaces between words kept as one).
 */
struct extract_hidden {
	int64_t chars;
	struct buf sample;
	bool sample_space;
};

void extract_hidden_init(struct extract_hidden *h);
void extract_hidden_release(struct extract_hidden *h);
/* Adds one character: s[0..len) is its UTF-8, cp its code point. */
void extract_hidden_char(struct extract_hidden *h, const char *s, size_t len, int32_t cp);
/* Adds UTF-8 text of len bytes, character by character. */
void extract_hidden_text(struct extract_hidden *h, const char *s, size_t len);
/* Adds the "hidden_text" flag to r when some hidden character was seen. */
void extract_hidden_flag(struct extract_hidden *h, struct extract_result *r);

/* The format extractors; each fills r (already initialised, status ok) and never exits the process. */
void extract_pdf(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r);
void extract_docx(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r);
void extract_plain(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r);

#endif
