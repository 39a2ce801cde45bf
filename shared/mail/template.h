/* template: email templates with {{variable}} placeholders, rendered for the subject, text and HTML parts. */
#ifndef SHORTLIST_TEMPLATE_H
#define SHORTLIST_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#define TEMPLATE_PART_MAX (64 * 1024)  /* each part of a template */
#define TEMPLATE_SUBJECT_MAX 400       /* rendered subject, bytes */
#define TEMPLATE_BODY_MAX (256 * 1024) /* each rendered body */
#define TEMPLATE_VALUE_MAX 1024	       /* a variable's value */
#define TEMPLATE_LINK_MAX 2048	       /* a *_link value */

/*
 * A template: three strings, borrowed. Placeholders are {{name}} (spaces
 * inside the braces allowed), name from the known set below. html may be
 * NULL (text only). Variables whose name ends in "_link" take absolute
 * http/https URLs only.
 */
struct template
{
	const char *subject;
	const char *text;
	const char *html;
};

/* A value for one placeholder; both strings borrowed. */
struct template_var {
	const char *name;
	const char *value;
};

/* A rendered template; every string newly allocated, html NULL when the template has none. */
struct template_output {
	char *subject;
	char *text;
	char *html;
};

enum template_kind { TEMPLATE_INVITE, TEMPLATE_CONSIDER, TEMPLATE_REJECT };

/* The built-in template of a kind (static storage), or NULL for an unknown kind. */
const struct template *template_default(enum template_kind kind);
/* "invite", "consider" or "reject" to a kind; returns 0 or -1. */
int template_kind_parse(const char *name, enum template_kind *out);
/* The name of a kind ("invite" ...), or NULL. */
const char *template_kind_name(enum template_kind kind);

/* Whether name is one of the placeholders templates may use (candidate_name, position, company, ...). */
bool template_var_known(const char *name);
/* Whether name looks like an evaluation (contains score, rank, rating or category, any case). */
bool template_var_forbidden(const char *name);

/*
 * Checks a template without values (the preview-time check): sizes, valid
 * UTF-8, well-formed placeholders, every name known and none forbidden, and
 * in HTML placeholders only in element text or quoted attribute values (a URL attribute such as href
 * takes exactly one *_link placeholder as its whole value; never inside a
 * tag, comment, script, style or event-handler attribute). Returns 0, or
 * -1 with a one-line reason naming the offending placeholder in err.
 */
int template_check(const struct template *t, char *err, size_t errlen);

/*
 * Checks and renders t with vars (nvars entries; extra known variables are
 * ignored). Every used placeholder needs a non-empty value; values must be
 * valid UTF-8 without control characters (so a subject can never gain a
 * line break); *_link values must pass html_url_is_safe(); any var named
 * like a score is refused even when unused. Text parts get values verbatim,
 * the HTML part escaped for its context. Returns 0 with out filled (release
 * with template_output_release), or -1 with err set and out zeroed.
 */
int template_render(const struct template *t, const struct template_var *vars, size_t nvars,
		    struct template_output *out, char *err, size_t errlen);

/* Frees the strings of out and zeroes it; accepts a zeroed struct. */
void template_output_release(struct template_output *out);

/*
 * Whether s mentions an evaluation: a word starting with "score", or the
 * words "rank", "ranked", "ranking", "percentile" (any case). A last check
 * before a rendered email goes out.
 */
bool template_mentions_score(const char *s);

#endif
