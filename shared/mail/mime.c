/* mime: building RFC 5322 / RFC 2045 email messages (UTF-8, encoded-words, quoted-printable, CRLF). */
#include "mail/mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"

#define MIME_FOLD_AT 76	    /* preferred longest header line, RFC 2047 section 2 */
#define MIME_EW_OVERHEAD 12 /* "=?UTF-8?B?" + "?=" */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_append(struct buf *out, const unsigned char *in, size_t len)
{
	char q[4];
	size_t i;

	for (i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;

		if (i + 1 < len)
			v |= (unsigned)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		q[0] = b64_alphabet[(v >> 18) & 63];
		q[1] = b64_alphabet[(v >> 12) & 63];
		q[2] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		q[3] = i + 2 < len ? b64_alphabet[v & 63] : '=';
		if (buf_append(out, q, 4) < 0)
			return -1;
	}
	return 0;
}

/* Length of the UTF-8 sequence starting at s (at most len bytes), or 0 when it is not valid. */
static size_t utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n, i;
	unsigned cp;

	if (c == 0)
		return 0;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

bool mime_utf8_valid(const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Header inputs: valid UTF-8, no control characters at all (so no CR or LF). */
static int header_input_check(const char *what, const char *s, size_t max, char *err, size_t errlen)
{
	size_t i, len = strlen(s);

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\r' || c == '\n') {
			snprintf(err, errlen, "%s contains a line break", what);
			return -1;
		}
		if (c < 0x20 || c == 0x7f) {
			snprintf(err, errlen, "%s contains a control character", what);
			return -1;
		}
	}
	if (!mime_utf8_valid(s, len)) {
		snprintf(err, errlen, "%s is not valid UTF-8", what);
		return -1;
	}
	if (len > max) {
		snprintf(err, errlen, "%s is longer than %zu bytes", what, max);
		return -1;
	}
	return 0;
}

static bool is_ascii_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

/* Appends RFC 2047 B encoded-words for s; *col is the current line length and is updated. */
static int encoded_words_append(struct buf *out, const char *s, size_t *col)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0;
	bool first = true;

	while (i < len) {
		size_t room, maxbytes, take = 0, n;

		if (!first || *col + MIME_EW_OVERHEAD + 4 > MIME_FOLD_AT) {
			if (!first || *col > 0) {
				if (buf_append(out, "\r\n ", 3) < 0)
					return -1;
				*col = 1;
			}
		}
		room = MIME_FOLD_AT - *col - MIME_EW_OVERHEAD;
		maxbytes = room / 4 * 3;
		while (i + take < len) {
			n = utf8_seq_len(p + i + take, len - i - take);
			if (n == 0)
				return -1;
			if (take + n > maxbytes)
				break;
			take += n;
		}
		if (take == 0)
			return -1;
		if (buf_append_str(out, "=?UTF-8?B?") < 0 || b64_append(out, p + i, take) < 0 ||
		    buf_append_str(out, "?=") < 0)
			return -1;
		*col += MIME_EW_OVERHEAD + (take + 2) / 3 * 4;
		i += take;
		first = false;
	}
	return 0;
}

/* Appends printable ASCII folding before spaces so lines stay near MIME_FOLD_AT. */
static int folded_ascii_append(struct buf *out, const char *s, size_t *col)
{
	size_t i = 0, len = strlen(s);

	while (i < len) {
		size_t j = i;

		while (j < len && s[j] == ' ')
			j++;
		while (j < len && s[j] != ' ')
			j++;
		if (s[i] == ' ' && *col + (j - i) > MIME_FOLD_AT && *col > 1 && i > 0) {
			if (buf_append(out, "\r\n", 2) < 0)
				return -1;
			*col = 0;
		}
		if (buf_append(out, s + i, j - i) < 0)
			return -1;
		*col += j - i;
		i = j;
	}
	return 0;
}

static int header_text_append(struct buf *out, const char *s, size_t *col)
{
	size_t len = strlen(s);

	if (!mime_utf8_valid(s, len))
		return -1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	/* Text that looks like an encoded-word, or ends in a space, is encoded so it reads back unchanged. */
	if (is_ascii_printable(s) && !strstr(s, "=?") && (len == 0 || s[len - 1] != ' ') && s[0] != ' ')
		return folded_ascii_append(out, s, col);
	return encoded_words_append(out, s, col);
}

int mime_encode_header_text(struct buf *out, const char *s, size_t name_len)
{
	size_t start = out->len, col = name_len;

	if (header_text_append(out, s, &col) < 0) {
		out->len = start;
		if (out->ptr)
			out->ptr[start] = '\0';
		return -1;
	}
	return 0;
}

int mime_qp_encode(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, col = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		char tok[3];
		size_t toklen = 1;

		if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;
		if (c == '\n') {
			if (buf_append(out, "\r\n", 2) < 0)
				return -1;
			col = 0;
			continue;
		}
		tok[0] = (char)c;
		if (c == ' ' || c == '\t') {
			bool at_eol = i + 1 == len || s[i + 1] == '\n' ||
				      (s[i + 1] == '\r' && i + 2 < len && s[i + 2] == '\n');

			if (at_eol)
				toklen = 3;
		} else if (c < 33 || c > 126 || c == '=') {
			toklen = 3;
		}
		if (toklen == 3) {
			tok[0] = '=';
			tok[1] = hex[c >> 4];
			tok[2] = hex[c & 15];
		}
		if (col + toklen > MIME_FOLD_AT - 1) {
			if (buf_append(out, "=\r\n", 3) < 0)
				return -1;
			col = 0;
		}
		if (buf_append(out, tok, toklen) < 0)
			return -1;
		col += toklen;
	}
	return 0;
}

static bool domain_valid(const char *d, size_t len)
{
	size_t i, label = 0;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i < len; i++) {
		char c = d[i];

		if (c == '.') {
			if (label == 0 || d[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return false;
		if (c == '-' && label == 0)
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0 && d[len - 1] != '-';
}

bool mime_address_valid(const char *addr)
{
	const char *at;
	size_t len, local, i;

	if (!addr)
		return false;
	len = strlen(addr);
	at = strrchr(addr, '@');
	if (len == 0 || len > MIME_ADDR_MAX || !at)
		return false;
	local = (size_t)(at - addr);
	if (local == 0 || local > MIME_LOCAL_MAX || addr[0] == '.' || addr[local - 1] == '.')
		return false;
	for (i = 0; i < local; i++) {
		unsigned char c = (unsigned char)addr[i];

		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>@[\\]", c))
			return false;
		if (c == '.' && addr[i + 1] == '.')
			return false;
	}
	return domain_valid(at + 1, len - local - 1);
}

int mime_message_id_new(const char *domain, char *out, size_t outlen)
{
	unsigned char raw[16];
	char hex[33];
	int n;

	if (!domain || !domain_valid(domain, strlen(domain)) || random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	hex_encode(raw, sizeof(raw), hex);
	n = snprintf(out, outlen, "<%s@%s>", hex, domain);
	if (n < 0 || (size_t)n >= outlen || (size_t)n > MIME_MSGID_MAX)
		return -1;
	return 0;
}

int mime_format_date(int64_t t, char *out, size_t outlen)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	int n;

	if (t < 0 || !gmtime_r(&tt, &tm) || tm.tm_year + 1900 > 9999)
		return -1;
	n = snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		     months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static bool message_id_valid(const char *id)
{
	size_t len = strlen(id), i, ats = 0;
	const char *at;

	if (len < 5 || len > MIME_MSGID_MAX || id[0] != '<' || id[len - 1] != '>')
		return false;
	for (i = 1; i < len - 1; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' || c == '(' || c == ')' ||
		    c == ',' || c == ';' || c == ':' || c == '[' || c == ']')
			return false;
		if (c == '@')
			ats++;
	}
	at = strchr(id, '@');
	return ats == 1 && at > id + 1 && at < id + len - 2;
}

static char *trim_dup(const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return xstrndup(s, len);
}

int mime_mailbox_parse(const char *s, char **name, char **addr)
{
	const char *lt, *gt;
	char *n = NULL, *a = NULL;
	size_t i, j;

	*name = *addr = NULL;
	if (!s || strchr(s, '\r') || strchr(s, '\n'))
		return -1;
	lt = strrchr(s, '<');
	if (!lt) {
		a = trim_dup(s, strlen(s));
		n = xstrdup("");
	} else {
		gt = strchr(lt, '>');
		if (!gt)
			goto fail;
		for (i = 1; gt[i]; i++)
			if (gt[i] != ' ' && gt[i] != '\t')
				goto fail;
		a = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		n = trim_dup(s, (size_t)(lt - s));
		i = strlen(n);
		if (i >= 2 && n[0] == '"' && n[i - 1] == '"') {
			/* Unquote in place: drop the quotes and the backslash of each quoted pair. */
			for (i = 1, j = 0; n[i + 1]; i++) {
				if (n[i] == '\\' && n[i + 1] && n[i + 2])
					i++;
				n[j++] = n[i];
			}
			n[j] = '\0';
		}
	}
	if (!mime_address_valid(a))
		goto fail;
	*name = n;
	*addr = a;
	return 0;
fail:
	free(n);
	free(a);
	return -1;
}

/* Appends "Field: name <addr>" with the name quoted or encoded as needed. */
static int mailbox_header_append(struct buf *out, const char *field, const struct mime_address *mb, char *err,
				 size_t errlen)
{
	size_t col;

	if (!mb->addr || !mime_address_valid(mb->addr)) {
		snprintf(err, errlen, "%s address is not valid", field);
		return -1;
	}
	if (mb->name && header_input_check(field, mb->name, MIME_NAME_MAX, err, errlen) < 0)
		return -1;
	if (buf_printf(out, "%s: ", field) < 0)
		goto full;
	col = strlen(field) + 2;
	if (mb->name && *mb->name) {
		if (is_ascii_printable(mb->name)) {
			const char *p;

			if (buf_append_char(out, '"') < 0)
				goto full;
			for (p = mb->name; *p; p++) {
				if ((*p == '"' || *p == '\\') && buf_append_char(out, '\\') < 0)
					goto full;
				if (buf_append_char(out, *p) < 0)
					goto full;
				col++;
			}
			if (buf_append_char(out, '"') < 0)
				goto full;
			col += 2;
		} else if (encoded_words_append(out, mb->name, &col) < 0) {
			goto full;
		}
		if (col + 3 + strlen(mb->addr) > MIME_FOLD_AT) {
			if (buf_append_str(out, "\r\n") < 0)
				goto full;
		}
		if (buf_printf(out, " <%s>\r\n", mb->addr) < 0)
			goto full;
	} else if (buf_printf(out, "%s\r\n", mb->addr) < 0) {
		goto full;
	}
	return 0;
full:
	snprintf(err, errlen, "message is too large");
	return -1;
}

static int body_check(const char *what, const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s);

	if (len > MIME_BODY_MAX) {
		snprintf(err, errlen, "%s body is longer than %d bytes", what, MIME_BODY_MAX);
		return -1;
	}
	if (!mime_utf8_valid(s, len)) {
		snprintf(err, errlen, "%s body is not valid UTF-8", what);
		return -1;
	}
	return 0;
}

static int part_append(struct buf *out, const char *subtype, const char *body)
{
	size_t len = strlen(body);

	if (buf_printf(out,
		       "Content-Type: text/%s; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
		       subtype) < 0 ||
	    mime_qp_encode(out, body, len) < 0)
		return -1;
	return 0;
}

static int headers_check(const struct mime_message *m, char *err, size_t errlen)
{
	if (!m->subject || !m->message_id || !m->text) {
		snprintf(err, errlen, "%s is missing",
			 !m->subject	  ? "subject"
			 : !m->message_id ? "message id"
					  : "text body");
		return -1;
	}
	if (header_input_check("subject", m->subject, MIME_SUBJECT_MAX, err, errlen) < 0 ||
	    header_input_check("message id", m->message_id, MIME_MSGID_MAX, err, errlen) < 0)
		return -1;
	if (!message_id_valid(m->message_id)) {
		snprintf(err, errlen, "message id is not of the form <left@right>");
		return -1;
	}
	if (m->list_unsubscribe) {
		if (header_input_check("list-unsubscribe", m->list_unsubscribe, MIME_HEADER_VALUE_MAX, err, errlen) < 0)
			return -1;
		if (m->list_unsubscribe[0] != '<' || !is_ascii_printable(m->list_unsubscribe) ||
		    !strchr(m->list_unsubscribe, '>')) {
			snprintf(err, errlen, "list-unsubscribe must be ASCII <uri> entries");
			return -1;
		}
	}
	if (body_check("text", m->text, err, errlen) < 0 || (m->html && body_check("html", m->html, err, errlen) < 0))
		return -1;
	return 0;
}

int mime_build(const struct mime_message *m, struct buf *out, char *err, size_t errlen)
{
	size_t start = out->len, col;
	char date[64], boundary[48];
	unsigned char raw[16];
	char hex[33];

	if (headers_check(m, err, errlen) < 0)
		goto fail;
	if (mime_format_date(m->date, date, sizeof(date)) < 0) {
		snprintf(err, errlen, "date is out of range");
		goto fail;
	}
	if (mailbox_header_append(out, "From", &m->from, err, errlen) < 0 ||
	    mailbox_header_append(out, "To", &m->to, err, errlen) < 0)
		goto fail;
	if (m->reply_to.addr && mailbox_header_append(out, "Reply-To", &m->reply_to, err, errlen) < 0)
		goto fail;
	col = 9;
	if (buf_append_str(out, "Subject: ") < 0 || header_text_append(out, m->subject, &col) < 0 ||
	    buf_printf(out, "\r\nDate: %s\r\nMessage-ID: %s\r\n", date, m->message_id) < 0)
		goto full;
	if (m->list_unsubscribe && buf_printf(out, "List-Unsubscribe: %s\r\n", m->list_unsubscribe) < 0)
		goto full;
	if (m->list_unsubscribe && m->list_unsubscribe_post &&
	    buf_append_str(out, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n") < 0)
		goto full;
	if (buf_append_str(out, "MIME-Version: 1.0\r\n") < 0)
		goto full;
	if (!m->html) {
		if (part_append(out, "plain", m->text) < 0 || buf_append_str(out, "\r\n") < 0)
			goto full;
		return 0;
	}
	if (random_bytes(raw, sizeof(raw)) < 0) {
		snprintf(err, errlen, "no random bytes for the boundary");
		goto fail;
	}
	hex_encode(raw, sizeof(raw), hex);
	/* "=_" cannot occur in quoted-printable output, so the boundary never collides with a body. */
	snprintf(boundary, sizeof(boundary), "=_sl_%s", hex);
	if (buf_printf(out, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", boundary) < 0 ||
	    buf_printf(out, "--%s\r\n", boundary) < 0 || part_append(out, "plain", m->text) < 0 ||
	    buf_printf(out, "\r\n--%s\r\n", boundary) < 0 || part_append(out, "html", m->html) < 0 ||
	    buf_printf(out, "\r\n--%s--\r\n", boundary) < 0)
		goto full;
	return 0;
full:
	snprintf(err, errlen, "message is too large");
fail:
	out->len = start;
	if (out->ptr)
		out->ptr[start] = '\0';
	return -1;
}
