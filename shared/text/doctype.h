/* doctype: tells a resume from a document that is not one (a cover letter, a job description, a blank template); pure functions. */
#ifndef SHORTLIST_DOCTYPE_H
#define SHORTLIST_DOCTYPE_H

#include <stddef.h>

enum doctype {
	DOCTYPE_RESUME, /* or anything not recognised as one of the others */
	DOCTYPE_COVER_LETTER,
	DOCTYPE_JOB_DESCRIPTION,
	DOCTYPE_TEMPLATE,
};

/*
 * What the extracted text (len bytes of UTF-8, need not be NUL-terminated)
 * is. Conservative: a document is called something other than a resume
 * only on several signs together, so that a resume that mentions a
 * "requirement" or ends "Kind regards" stays a resume.
 * - cover letter: a salutation line ("Dear ...", "To whom it may concern")
 *   and a closing line ("Sincerely", "Kind regards", ...), and at most one
 *   resume section heading (Experience, Education, Skills, ...);
 * - job description: three or more of its headings and phrases
 *   (Responsibilities, Requirements, Nice to have, "we are looking for",
 *   "the ideal candidate", ...) and at least two more of them than resume
 *   headings;
 * - template: five or more lines that are bracketed placeholders
 *   ("[Your Name]", "[Type the job title]") making a third of the lines.
 */
enum doctype doctype_classify(const char *text, size_t len);

/*
 * The reason shown for a document that is not a resume ("not a resume: it
 * reads as a cover letter (a salutation and a closing, no resume
 * sections)"), or NULL for DOCTYPE_RESUME. A static string.
 */
const char *doctype_reason(enum doctype t);

#endif
