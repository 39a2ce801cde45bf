/* emailtpl: a job's email templates per kind in PostgreSQL, falling back to the built-in defaults. */
#ifndef SHORTLIST_EMAILTPL_H
#define SHORTLIST_EMAILTPL_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/template.h"

/* A job's template of one kind; strings owned (emailtpl_release). */
struct emailtpl {
	enum template_kind kind;
	char *subject;
	char *text;
	char *html;	  /* NULL: text only */
	bool is_default;  /* no edited version: the built-in one */
	char *updated_at; /* ISO 8601, NULL for a default */
	char *source;	  /* "edited" (a person's), "llm" (the drainer's draft) or "default" */
};

/*
 * Loads the template of kind for job_id of org_id: the stored one (edited,
 * or drafted by the LLM in the drainer: emailtpl_warm), else a copy of
 * template_default(kind). Never asks the LLM. Returns 0, ST_NOT_FOUND when the job is not the organisation's, or a db
 * status code.
 */
int emailtpl_get(int64_t org_id, int64_t job_id, enum template_kind kind, struct emailtpl *out);

/*
 * Stores t as the job's template of kind after template_check() and a check
 * that no part mentions a score or ranking (template_mentions_score); html
 * may be NULL. Returns 0, ST_BAD_REQUEST with the reason (naming the
 * variable or part) in err, ST_NOT_FOUND, or a db status code.
 */
int emailtpl_put(int64_t org_id, int64_t job_id, enum template_kind kind, const struct template *t, char *err,
		 size_t errlen);

/*
 * Stores an LLM draft as emailtpl_put() would, with source "llm", unless a
 * person's edit is stored (then nothing changes and 0 is returned).
 * Returns 0, ST_BAD_REQUEST with the reason in err, or a db status code.
 */
int emailtpl_put_llm(int64_t org_id, int64_t job_id, enum template_kind kind, const struct template *t, char *err,
		     size_t errlen);

/* Drops the edited template so the default applies again. Returns 0 (also when none was edited) or ST_NOT_FOUND. */
int emailtpl_reset(int64_t org_id, int64_t job_id, enum template_kind kind);

/* Checks t as emailtpl_put() would, without storing it. Returns 0 or -1 with err set. */
int emailtpl_check(const struct template *t, char *err, size_t errlen);

/* Borrowed view of tpl as a struct template (valid until emailtpl_release). */
void emailtpl_view(const struct emailtpl *tpl, struct template *out);

/* {"kind", "subject", "text", "html", "is_default", "source", "updated_at"}; caller frees. */
cJSON *emailtpl_to_json(const struct emailtpl *tpl);

/* Frees the strings of tpl and zeroes it; accepts a zeroed struct. */
void emailtpl_release(struct emailtpl *tpl);

#endif
