/* template: email templates with {{variable}} placeholders, rendered for the subject, text and HTML parts. */
#include "mail/template.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "mail/html.h"
#include "mail/mime.h"

#define TEMPLATE_NAME_MAX 64

static const char *const known_vars[] = {
	"candidate_name",  "position",	      "company",	  "recruiter_name",
	"recruiter_email", "scheduling_link", "unsubscribe_link",
};

static const char *const forbidden_words[] = { "score", "rank", "rating", "category" };

static const struct template defaults[] = {
    [TEMPLATE_INVITE] =
	{
	    "Next steps for the {{position}} role at {{company}}",
	    "Dear {{candidate_name}},\n"
	    "\n"
	    "Thank you for applying for the {{position}} role at {{company}}. We enjoyed reading your application "
	    "and would like to invite you to an interview.\n"
	    "\n"
	    "Please choose a time that suits you: {{scheduling_link}}\n"
	    "\n"
	    "Kind regards,\n"
	    "{{recruiter_name}}\n"
	    "{{company}}\n",
	    "<p>Dear {{candidate_name}},</p>\n"
	    "<p>Thank you for applying for the {{position}} role at {{company}}. We enjoyed reading your application "
	    "and would like to invite you to an interview.</p>\n"
	    "<p><a href=\"{{scheduling_link}}\">Choose an interview time</a></p>\n"
	    "<p>Kind regards,<br>\n{{recruiter_name}}<br>\n{{company}}</p>\n",
	},
    [TEMPLATE_CONSIDER] =
	{
	    "Your application for {{position}} at {{company}}",
	    "Dear {{candidate_name}},\n"
	    "\n"
	    "Thank you for applying for the {{position}} role at {{company}}. We are still reviewing applications "
	    "and will be in touch as soon as we can.\n"
	    "\n"
	    "Thank you for your patience.\n"
	    "\n"
	    "Kind regards,\n"
	    "{{recruiter_name}}\n"
	    "{{company}}\n",
	    "<p>Dear {{candidate_name}},</p>\n"
	    "<p>Thank you for applying for the {{position}} role at {{company}}. We are still reviewing applications "
	    "and will be in touch as soon as we can.</p>\n"
	    "<p>Thank you for your patience.</p>\n"
	    "<p>Kind regards,<br>\n{{recruiter_name}}<br>\n{{company}}</p>\n",
	},
    [TEMPLATE_REJECT] =
	{
	    "Your application for {{position}} at {{company}}",
	    "Dear {{candidate_name}},\n"
	    "\n"
	    "Thank you for your interest in the {{position}} role at {{company}} and for the time you took to apply. "
	    "After careful consideration, we have decided not to move forward with your application.\n"
	    "\n"
	    "We wish you every success in your search.\n"
	    "\n"
	    "Kind regards,\n"
	    "{{recruiter_name}}\n"
	    "{{company}}\n",
	    "<p>Dear {{candidate_name}},</p>\n"
	    "<p>Thank you for your interest in the {{position}} role at {{company}} and for the time you took to "
	    "apply. After careful consideration, we have decided not to move forward with your application.</p>\n"
	    "<p>We wish you every success in your search.</p>\n"
	    "<p>Kind regards,<br>\n{{recruiter_name}}<br>\n{{company}}</p>\n",
	},
};

static const char *const kind_names[] = {
	[TEMPLATE_INVITE] = "invite", [TEMPLATE_CONSIDER] = "consider", [TEMPLATE_REJECT] = "reject"
};

const struct template *template_default(enum template_kind kind)
{
	if ((size_t)kind >= ARRAY_SIZE(defaults))
		return NULL;
	return &defaults[kind];
}

int template_kind_parse(const char *name, enum template_kind *out)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(kind_names); i++) {
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum template_kind)i;
			return 0;
		}
	}
	return -1;
}

const char *template_kind_name(enum template_kind kind)
{
	return (size_t)kind < ARRAY_SIZE(kind_names) ? kind_names[kind] : NULL;
}

bool template_var_known(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(known_vars); i++)
		if (strcmp(name, known_vars[i]) == 0)
			return true;
	return false;
}

static bool contains_nocase(const char *s, size_t len, const char *word)
{
	size_t wl = strlen(word), i, j;

	for (i = 0; i + wl <= len; i++) {
		for (j = 0; j < wl && tolower((unsigned char)s[i + j]) == word[j]; j++)
			;
		if (j == wl)
			return true;
	}
	return false;
}

bool template_var_forbidden(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(forbidden_words); i++)
		if (contains_nocase(name, strlen(name), forbidden_words[i]))
			return true;
	return false;
}

static bool is_link_var(const char *name)
{
	size_t len = strlen(name);

	return len > 5 && strcmp(name + len - 5, "_link") == 0;
}

enum part_mode { PART_SUBJECT, PART_TEXT, PART_HTML };

/* Where the HTML scanner stands in the template's own markup. */
enum html_state { HS_TEXT, HS_TAG, HS_ATTR_DQ, HS_ATTR_SQ, HS_COMMENT, HS_RAWTEXT };

struct html_scan {
	enum html_state state;
	char tag[16]; /* lower-case name of the current tag */
	size_t taglen;
	bool tag_closing;
	char word[32]; /* the attribute name being read */
	size_t wordlen;
	char attr[32];	     /* the attribute whose quoted value we are in */
	size_t value_len;    /* bytes of that value so far */
	const char *raw_end; /* "</script" or "</style" */
};

static bool at_nocase(const char *s, const char *word)
{
	size_t i;

	for (i = 0; word[i]; i++)
		if (tolower((unsigned char)s[i]) != word[i])
			return false;
	return true;
}

/* Advances the scanner over literal template bytes s[0..len). */
static void html_scan_literal(struct html_scan *h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		switch (h->state) {
		case HS_TEXT:
			if (c == '<' && at_nocase(s + i, "<!--")) {
				h->state = HS_COMMENT;
				i += 3;
			} else if (c == '<' && (isalpha((unsigned char)s[i + 1]) || s[i + 1] == '/')) {
				h->state = HS_TAG;
				h->taglen = 0;
				h->wordlen = 0;
				h->tag_closing = s[i + 1] == '/';
				if (h->tag_closing)
					i++;
				while (isalnum((unsigned char)s[i + 1]) && h->taglen + 1 < sizeof(h->tag))
					h->tag[h->taglen++] = (char)tolower((unsigned char)s[++i]);
				h->tag[h->taglen] = '\0';
			}
			break;
		case HS_TAG:
			if (c == '>') {
				h->state = HS_TEXT;
				if (!h->tag_closing &&
				    (strcmp(h->tag, "script") == 0 || strcmp(h->tag, "style") == 0)) {
					h->state = HS_RAWTEXT;
					h->raw_end = strcmp(h->tag, "script") == 0 ? "</script" : "</style";
				}
			} else if (c == '"' || c == '\'') {
				h->state = c == '"' ? HS_ATTR_DQ : HS_ATTR_SQ;
				h->value_len = 0;
			} else if (c == '=') {
				memcpy(h->attr, h->word, h->wordlen);
				h->attr[h->wordlen] = '\0';
			} else if (isalnum((unsigned char)c) || c == '-' || c == '_' || c == ':') {
				if (h->wordlen > 0 && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n'))
					h->wordlen = 0;
				if (h->wordlen + 1 < sizeof(h->word))
					h->word[h->wordlen++] = (char)tolower((unsigned char)c);
			} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
				/* The next name character starts a new attribute name. */
			} else {
				h->wordlen = 0;
			}
			break;
		case HS_ATTR_DQ:
		case HS_ATTR_SQ:
			if ((h->state == HS_ATTR_DQ && c == '"') || (h->state == HS_ATTR_SQ && c == '\'')) {
				h->state = HS_TAG;
				h->wordlen = 0;
			} else {
				h->value_len++;
			}
			break;
		case HS_COMMENT:
			if (c == '-' && at_nocase(s + i, "-->")) {
				h->state = HS_TEXT;
				i += 2;
			}
			break;
		case HS_RAWTEXT:
			if (c == '<' && at_nocase(s + i, h->raw_end)) {
				h->state = HS_TAG;
				h->tag_closing = true;
				h->tag[0] = '\0';
				h->wordlen = 0;
				i += strlen(h->raw_end) - 1;
			}
			break;
		}
	}
}

static bool is_url_attr(const char *attr)
{
	static const char *const url_attrs[] = {
		"href", "src", "action", "formaction", "background", "poster", "cite"
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(url_attrs); i++)
		if (strcmp(attr, url_attrs[i]) == 0)
			return true;
	return false;
}

/*
 * Decides how a placeholder may appear at the scanner's position: 0 escaped
 * as text or attribute, 1 as a whole URL attribute value; -1 refused.
 */
static int html_placeholder_context(const struct html_scan *h, const char *name, const char *after, char *err,
				    size_t errlen)
{
	char quote = h->state == HS_ATTR_DQ ? '"' : '\'';

	switch (h->state) {
	case HS_TEXT:
		return 0;
	case HS_ATTR_DQ:
	case HS_ATTR_SQ:
		if (strncmp(h->attr, "on", 2) == 0 || strcmp(h->attr, "style") == 0 || strcmp(h->attr, "srcset") == 0) {
			snprintf(err, errlen, "placeholder '%s' is not allowed in the '%s' attribute", name, h->attr);
			return -1;
		}
		if (!is_url_attr(h->attr))
			return 0;
		if (!is_link_var(name) || h->value_len != 0 || *after != quote) {
			snprintf(err, errlen, "attribute '%s' must be exactly one link placeholder, not '%s'", h->attr,
				 name);
			return -1;
		}
		return 1;
	default:
		snprintf(err, errlen, "placeholder '%s' is inside a tag, comment, script or style", name);
		return -1;
	}
}

static const char *var_value(const struct template_var *vars, size_t nvars, const char *name)
{
	size_t i;

	for (i = 0; i < nvars; i++)
		if (vars[i].name && strcmp(vars[i].name, name) == 0)
			return vars[i].value;
	return NULL;
}

static int value_check(const char *name, const char *v, char *err, size_t errlen)
{
	size_t len = strlen(v), i, max = is_link_var(name) ? TEMPLATE_LINK_MAX : TEMPLATE_VALUE_MAX;

	if (len == 0) {
		snprintf(err, errlen, "missing value for variable '%s'", name);
		return -1;
	}
	if (len > max) {
		snprintf(err, errlen, "value of variable '%s' is longer than %zu bytes", name, max);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			snprintf(err, errlen, "value of variable '%s' contains a control character or line break",
				 name);
			return -1;
		}
	}
	if (!mime_utf8_valid(v, len)) {
		snprintf(err, errlen, "value of variable '%s' is not valid UTF-8", name);
		return -1;
	}
	if (is_link_var(name) && !html_url_is_safe(v)) {
		snprintf(err, errlen, "value of variable '%s' is not an http or https link", name);
		return -1;
	}
	return 0;
}

static const char *part_name(enum part_mode mode)
{
	return mode == PART_SUBJECT ? "subject" : mode == PART_TEXT ? "text" : "html";
}

/*
 * Walks one part: checks every placeholder and, when out is not NULL,
 * renders into it with values from vars.
 */
static int part_walk(const char *tpl, enum part_mode mode, const struct template_var *vars, size_t nvars,
		     struct buf *out, char *err, size_t errlen)
{
	struct html_scan hs = { .state = HS_TEXT };
	const char *p = tpl, *open;
	size_t len = strlen(tpl);

	if (len > (mode == PART_SUBJECT ? TEMPLATE_SUBJECT_MAX : TEMPLATE_PART_MAX)) {
		snprintf(err, errlen, "template %s is too long", part_name(mode));
		return -1;
	}
	if (!mime_utf8_valid(tpl, len)) {
		snprintf(err, errlen, "template %s is not valid UTF-8", part_name(mode));
		return -1;
	}
	if (mode == PART_SUBJECT && (strchr(tpl, '\r') || strchr(tpl, '\n'))) {
		snprintf(err, errlen, "template subject contains a line break");
		return -1;
	}
	while ((open = strstr(p, "{{")) != NULL) {
		const char *q = open + 2, *nstart, *close;
		char name[TEMPLATE_NAME_MAX + 1];
		size_t nlen;
		const char *value;
		int ctx = 0;

		while (*q == ' ')
			q++;
		nstart = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		nlen = (size_t)(q - nstart);
		while (*q == ' ')
			q++;
		if (nlen == 0 || nlen > TEMPLATE_NAME_MAX || strncmp(q, "}}", 2) != 0) {
			snprintf(err, errlen, "template %s has a malformed placeholder at byte %zu", part_name(mode),
				 (size_t)(open - tpl));
			return -1;
		}
		close = q + 2;
		memcpy(name, nstart, nlen);
		name[nlen] = '\0';
		if (template_var_forbidden(name)) {
			snprintf(err, errlen, "variable '%s' is not allowed: emails never carry scores or rankings",
				 name);
			return -1;
		}
		if (!template_var_known(name)) {
			snprintf(err, errlen, "unknown variable '%s' in template %s", name, part_name(mode));
			return -1;
		}
		if (mode == PART_HTML) {
			html_scan_literal(&hs, p, (size_t)(open - p));
			ctx = html_placeholder_context(&hs, name, close, err, errlen);
			if (ctx < 0)
				return -1;
		}
		if (out) {
			value = var_value(vars, nvars, name);
			if (!value) {
				snprintf(err, errlen, "missing value for variable '%s'", name);
				return -1;
			}
			if (value_check(name, value, err, errlen) < 0)
				return -1;
			if (buf_append(out, p, (size_t)(open - p)) < 0)
				goto full;
			if (mode == PART_HTML ? html_escape_str(out, value) < 0 : buf_append_str(out, value) < 0)
				goto full;
		}
		p = close;
	}
	if (out && buf_append_str(out, p) < 0)
		goto full;
	return 0;
full:
	snprintf(err, errlen, "rendered %s is longer than %d bytes", part_name(mode),
		 mode == PART_SUBJECT ? TEMPLATE_SUBJECT_MAX : TEMPLATE_BODY_MAX);
	return -1;
}

int template_check(const struct template *t, char *err, size_t errlen)
{
	if (!t->subject || !*t->subject || !t->text || !*t->text) {
		snprintf(err, errlen, "template needs a subject and a text body");
		return -1;
	}
	if (part_walk(t->subject, PART_SUBJECT, NULL, 0, NULL, err, errlen) < 0 ||
	    part_walk(t->text, PART_TEXT, NULL, 0, NULL, err, errlen) < 0)
		return -1;
	if (t->html && part_walk(t->html, PART_HTML, NULL, 0, NULL, err, errlen) < 0)
		return -1;
	return 0;
}

static char *render_part(const char *tpl, enum part_mode mode, const struct template_var *vars, size_t nvars, char *err,
			 size_t errlen)
{
	struct buf b = BUF_INIT(mode == PART_SUBJECT ? TEMPLATE_SUBJECT_MAX : TEMPLATE_BODY_MAX);
	size_t len;

	if (part_walk(tpl, mode, vars, nvars, &b, err, errlen) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, &len);
}

int template_render(const struct template *t, const struct template_var *vars, size_t nvars,
		    struct template_output *out, char *err, size_t errlen)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < nvars; i++) {
		if (vars[i].name && template_var_forbidden(vars[i].name)) {
			snprintf(err, errlen, "variable '%s' is not allowed: emails never carry scores or rankings",
				 vars[i].name);
			return -1;
		}
	}
	if (template_check(t, err, errlen) < 0)
		return -1;
	out->subject = render_part(t->subject, PART_SUBJECT, vars, nvars, err, errlen);
	if (!out->subject)
		goto fail;
	out->text = render_part(t->text, PART_TEXT, vars, nvars, err, errlen);
	if (!out->text)
		goto fail;
	if (t->html) {
		out->html = render_part(t->html, PART_HTML, vars, nvars, err, errlen);
		if (!out->html)
			goto fail;
	}
	return 0;
fail:
	template_output_release(out);
	return -1;
}

void template_output_release(struct template_output *out)
{
	if (!out)
		return;
	free(out->subject);
	free(out->text);
	free(out->html);
	memset(out, 0, sizeof(*out));
}

bool template_mentions_score(const char *s)
{
	static const char *const words[] = { "rank", "ranked", "ranking", "percentile" };
	size_t i, j, wl;

	for (i = 0; s[i]; i++) {
		if (i > 0 && isalnum((unsigned char)s[i - 1]))
			continue;
		if (at_nocase(s + i, "score"))
			return true;
		for (j = 0; j < ARRAY_SIZE(words); j++) {
			wl = strlen(words[j]);
			if (at_nocase(s + i, words[j]) && !isalnum((unsigned char)s[i + wl]))
				return true;
		}
	}
	return false;
}
