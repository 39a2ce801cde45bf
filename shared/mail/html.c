/* html: escaping helpers for text placed in HTML element content, quoted attributes and links. */
#include "mail/html.h"

#include <string.h>

#include "base/util.h"

static const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	default:
		return NULL;
	}
}

int html_escape(struct buf *out, const char *s, size_t len)
{
	size_t start = out->len, i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *ent = html_entity(c);

		if (!ent && c != '\0')
			continue;
		if (i > run && buf_append(out, s + run, i - run) < 0)
			goto fail;
		if (ent && buf_append_str(out, ent) < 0)
			goto fail;
		run = i + 1;
	}
	if (len > run && buf_append(out, s + run, len - run) < 0)
		goto fail;
	return 0;
fail:
	out->len = start;
	if (out->ptr)
		out->ptr[start] = '\0';
	return -1;
}

int html_escape_str(struct buf *out, const char *s)
{
	return html_escape(out, s, strlen(s));
}

bool html_url_is_safe(const char *url)
{
	const char *host;
	size_t i;

	if (str_has_prefix(url, "https://"))
		host = url + 8;
	else if (str_has_prefix(url, "http://"))
		host = url + 7;
	else
		return false;
	if (*host == '\0' || *host == '/' || *host == '?' || *host == '#' || *host == ':' || *host == '@')
		return false;
	for (i = 0; url[i]; i++) {
		unsigned char c = (unsigned char)url[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '<' || c == '>' || c == '\\' || c == '`')
			return false;
	}
	return i <= 4096;
}

char *html_escape_dup(const char *s)
{
	struct buf b = BUF_INIT(0);
	size_t len;

	html_escape_str(&b, s);
	return buf_detach(&b, &len);
}
