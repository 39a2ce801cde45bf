/* mime: building RFC 5322 / RFC 2045 email messages (UTF-8, encoded-words, quoted-printable, CRLF). */
#ifndef SHORTLIST_MIME_H
#define SHORTLIST_MIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Limits of what mime_build accepts. */
#define MIME_ADDR_MAX 254	    /* whole address, RFC 5321 path limit */
#define MIME_LOCAL_MAX 64	    /* local part */
#define MIME_NAME_MAX 256	    /* display name, bytes of UTF-8 */
#define MIME_SUBJECT_MAX 900	    /* subject, bytes of UTF-8 */
#define MIME_MSGID_MAX 250	    /* Message-ID including the angle brackets */
#define MIME_HEADER_VALUE_MAX 900   /* List-Unsubscribe */
#define MIME_BODY_MAX (1024 * 1024) /* each body part before encoding */

/* A mailbox: an optional display name (UTF-8) and an address. */
struct mime_address {
	const char *name; /* NULL or "" for none */
	const char *addr;
};

/*
 * Everything a message is built from; all strings are borrowed. Header
 * inputs must be valid UTF-8 without control characters (CR and LF
 * included); bodies must be valid UTF-8 and may use LF or CRLF line ends.
 */
struct mime_message {
	struct mime_address from;
	struct mime_address to;
	struct mime_address reply_to; /* addr NULL: no Reply-To */
	const char *subject;
	int64_t date;		      /* seconds since the epoch, written in UTC */
	const char *message_id;	      /* "<left@right>", fixed by the caller at enqueue time */
	const char *list_unsubscribe; /* NULL, or the header value, e.g. "<https://x/u?t=1>, <mailto:u@x>" */
	bool list_unsubscribe_post;   /* adds "List-Unsubscribe-Post: List-Unsubscribe=One-Click" */
	const char *text;	      /* required */
	const char *html;	      /* NULL: text/plain only; else multipart/alternative */
};

/*
 * Appends the complete message (headers, blank line, body; CRLF line ends,
 * no line over 998 bytes) to out. Returns 0, or -1 with a one-line reason
 * in err (e.g. "subject contains a line break") and out unchanged. Dot
 * stuffing is left to the SMTP client.
 */
int mime_build(const struct mime_message *m, struct buf *out, char *err, size_t errlen);

/*
 * Whether addr is a plausible "local@domain" address: ASCII, no spaces,
 * quotes or control characters, local part <= 64 bytes without leading,
 * trailing or doubled dots, domain of LDH labels of 1..63 bytes, whole
 * address <= 254 bytes.
 */
bool mime_address_valid(const char *addr);

/*
 * Writes a new Message-ID "<32 hex digits@domain>" to out. Returns 0, or -1
 * when domain is not a valid domain, outlen is too small or no random bytes
 * could be read.
 */
int mime_message_id_new(const char *domain, char *out, size_t outlen);

/* Writes t as an RFC 5322 date in UTC, e.g. "Sun, 29 Nov 2026 01:17:11 +0000". Returns 0 or -1. */
int mime_format_date(int64_t t, char *out, size_t outlen);

/*
 * Parses "Display Name <addr@domain>" or a bare "addr@domain" (as in the
 * mail_from setting). On success returns 0 and sets *name (possibly "") and
 * *addr to newly allocated strings the caller frees; returns -1 otherwise.
 */
int mime_mailbox_parse(const char *s, char **name, char **addr);

/*
 * Appends s encoded for an unstructured header after a header name of
 * name_len bytes ("Subject: " counts 9): plain folded ASCII when it can,
 * else RFC 2047 "=?UTF-8?B?...?=" words of at most 75 characters, split on
 * character boundaries, one per folded line. Returns 0, or -1 when s is not
 * valid UTF-8, holds a control character or out is full.
 */
int mime_encode_header_text(struct buf *out, const char *s, size_t name_len);

/*
 * Appends len bytes of UTF-8 text as quoted-printable with CRLF hard line
 * breaks (LF or CRLF in the input) and soft breaks keeping lines <= 76
 * characters. Returns 0, or -1 when out is full.
 */
int mime_qp_encode(struct buf *out, const char *s, size_t len);

/* Whether s (len bytes) is valid UTF-8 (no overlongs, surrogates or NUL). */
bool mime_utf8_valid(const char *s, size_t len);

#endif
