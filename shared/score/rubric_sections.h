/* rubric_sections: the required and nice-to-have sections of a job description and the skills their bullets name (pure functions). */
#ifndef SHORTLIST_RUBRIC_SECTIONS_H
#define SHORTLIST_RUBRIC_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* One skill a bullet names: "forklift licence", "PAT testing", "tableau or power bi" (alternatives kept together). */
struct rubric_item {
	char *text;	   /* the keyword: lower case except acronyms and mixed-case names; " or " joins alternatives */
	size_t start, end; /* the bullet's byte span in the description */
	bool nice;	   /* from a nice-to-have section */
	bool cert;	   /* a licence, certificate or certification */
	bool degree;	   /* a degree ("BSc in Nursing"): education, not a skill */
};

struct rubric_sections {
	struct rubric_item *items;
	size_t nitems;
	size_t (*nice)[2]; /* byte spans [start, end) of nice-to-have sections */
	size_t nnice;
};

/*
 * Reads the description text[0..len): a heading line ("Requirements",
 * "What you'll need", "Essential", "Nice to have", "Desirable", "Bonus
 * points", "Responsibilities", ... with or without a trailing ':' or
 * Markdown marks) starts a section, and each bullet or short line of a
 * required or nice-to-have section gives its skills. Lead-ins are dropped
 * ("Experience with", "Knowledge of", "A valid", "Strong"), as are the
 * parts after a dash, colon or parenthesis; a line about years ("3+ years
 * of ...") or an ability ("Ability to lift 25 kg") and a sentence of more
 * than six words give none. A comma list gives one skill an item ("Python,
 * SQL and Tableau"), or one keyword of alternatives when it ends in "or";
 * "X or Y" stays one keyword of alternatives; "health and safety" stays
 * one skill, "Excel and Word" (both capitalised) two. Outside the
 * sections, a sentence of prose that lists skills after a cue gives them
 * too: "You will need a, b and c." or "The successful candidate will have
 * ..." (required, a comma list), "It would be great if you also had ...",
 * "Bonus points for ..." or "X or Y is a plus." (nice to have). s must be
 * zeroed.
 */
void rubric_sections_parse(const char *text, size_t len, struct rubric_sections *s);
void rubric_sections_release(struct rubric_sections *s);

/* Whether byte offset pos lies in a nice-to-have section. */
bool rubric_sections_in_nice(const struct rubric_sections *s, size_t pos);
/* Whether byte offset pos lies in a bullet that gave a required skill. */
bool rubric_sections_in_item(const struct rubric_sections *s, size_t pos);

#endif
