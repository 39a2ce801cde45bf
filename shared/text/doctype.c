/* doctype: tells a resume from a document that is not one (a cover letter, a job description, a blank template); pure functions. */
#include "text/doctype.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"

/* Whole-line headings of a resume's sections (compared without case, a trailing ':' ignored). */
static const char *const resume_headings[] = {
	"experience",
	"work experience",
	"professional experience",
	"employment history",
	"employment",
	"work history",
	"education",
	"skills",
	"technical skills",
	"projects",
	"certifications",
	"summary",
	"professional summary",
	"objective",
	"career objective",
	"publications",
	"awards",
	"languages",
	"interests",
	"references",
	"volunteer experience",
	"education and training",
	"学历",
	"教育背景",
	"工作经历",
	"工作经验",
	"職歴",
	"学歴",
};

/* Whole-line headings of a job description. */
static const char *const jd_headings[] = {
	"responsibilities",
	"key responsibilities",
	"requirements",
	"qualifications",
	"minimum qualifications",
	"preferred qualifications",
	"nice to have",
	"nice-to-have",
	"nice to haves",
	"benefits",
	"what we offer",
	"about the role",
	"about the job",
	"about us",
	"what you'll do",
	"what you will do",
	"who you are",
	"how to apply",
	"the role",
	"role overview",
	"job description",
	"job summary",
	"desirable",
	"essential criteria",
	"desirable criteria",
	"perks",
	"compensation",
	"salary",
	"role summary",
	"position summary",
	"you will",
	"key objectives",
	"essential",
	"what you'll need",
	"what we're looking for",
	"skill set",
	"work schedule",
	"duties",
	"key duties",
	"main duties",
};

/* Phrases of a job description anywhere in the text (lower case). */
static const char *const jd_phrases[] = {
	"we are looking for",
	"we're looking for",
	"the ideal candidate",
	"you will be responsible",
	"equal opportunity employer",
	"to apply",
	"what you'll bring",
	"you'll work",
	"join our team",
	"the successful candidate",
	"you will have",
	"you will be",
	"we offer",
	"this role",
};

/* Salutations that open a letter's line (lower case). */
static const char *const salutations[] = { "dear ", "to whom it may concern", "hello hiring", "dear," };
/* Closings that make up most of a letter's line (lower case, a trailing ',' ignored). */
static const char *const closings[] = {
	"sincerely",	     "yours sincerely",
	"sincerely yours",   "kind regards",
	"best regards",	     "regards",
	"yours faithfully",  "respectfully",
	"with best regards", "warm regards",
	"yours truly",	     "best wishes",
	"thank you",	     "mit freundlichen grüßen",
};

/* Lines at most this long are compared with the headings. */
#define HEADING_MAX_BYTES 48

/* Trims spaces, Markdown's heading and emphasis marks ("## Qualifications", "**Skill set:**") and a trailing ':' or ','. */
static void trim(const char **s, size_t *n)
{
	str_trim_set(s, n, " \t\r#*_", " \t\r*_:,");
}

static bool line_is(const char *s, size_t n, const char *const *list, size_t count)
{
	size_t i;

	if (n == 0 || n > HEADING_MAX_BYTES)
		return false;
	for (i = 0; i < count; i++) {
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0)
			return true;
	}
	return false;
}

static bool line_starts(const char *s, size_t n, const char *const *list, size_t count)
{
	size_t i, k;

	for (i = 0; i < count; i++) {
		k = strlen(list[i]);
		if (n >= k && strncasecmp(s, list[i], k) == 0)
			return true;
	}
	return false;
}

/* A bracketed placeholder line: "[Your Name]", "[Street Address] | [City, ST ZIP Code]". */
static bool placeholder_line(const char *s, size_t n)
{
	return n >= 3 && s[0] == '[' && memchr(s, ']', n) != NULL;
}

/* Counts which phrases of list occur anywhere in text (each once), without case. */
static size_t phrases_in(const char *text, size_t len, const char *const *list, size_t count)
{
	size_t i, found = 0;

	for (i = 0; i < count; i++)
		if (str_find_nocase(text, len, list[i]) >= 0)
			found++;
	return found;
}

/* Marks the entry of list that line equals in seen (one bit each) and returns whether it was new. */
static bool mark(const char *s, size_t n, const char *const *list, size_t count, unsigned long long *seen)
{
	size_t i;

	if (n == 0 || n > HEADING_MAX_BYTES)
		return false;
	for (i = 0; i < count && i < 64; i++) {
		if (strlen(list[i]) == n && strncasecmp(s, list[i], n) == 0) {
			if (*seen & (1ULL << i))
				return false;
			*seen |= 1ULL << i;
			return true;
		}
	}
	return false;
}

enum doctype doctype_classify(const char *text, size_t len)
{
	unsigned long long seen_resume = 0, seen_jd = 0;
	size_t i = 0, end, n, lines = 0, placeholders = 0, resume = 0, jd = 0;
	bool salutation = false, closing = false;
	const char *s;

	while (i < len) {
		end = i;
		while (end < len && text[end] != '\n')
			end++;
		s = text + i;
		n = end - i;
		trim(&s, &n);
		if (n) {
			lines++;
			if (placeholder_line(s, n))
				placeholders++;
			if (mark(s, n, resume_headings, ARRAY_SIZE(resume_headings), &seen_resume))
				resume++;
			if (mark(s, n, jd_headings, ARRAY_SIZE(jd_headings), &seen_jd))
				jd++;
			if (line_starts(s, n, salutations, ARRAY_SIZE(salutations)))
				salutation = true;
			if (line_is(s, n, closings, ARRAY_SIZE(closings)))
				closing = true;
		}
		i = end + 1;
	}
	if (placeholders >= 5 && placeholders * 3 >= lines)
		return DOCTYPE_TEMPLATE;
	jd += phrases_in(text, len, jd_phrases, ARRAY_SIZE(jd_phrases));
	if (jd >= 3 && jd >= resume + 2)
		return DOCTYPE_JOB_DESCRIPTION;
	if (salutation && closing && resume <= 1)
		return DOCTYPE_COVER_LETTER;
	return DOCTYPE_RESUME;
}

const char *doctype_reason(enum doctype t)
{
	switch (t) {
	case DOCTYPE_COVER_LETTER:
		return "not a resume: it reads as a cover letter (a salutation and a closing, no resume sections)";
	case DOCTYPE_JOB_DESCRIPTION:
		return "not a resume: it reads as a job description (responsibilities, requirements, no work history)";
	case DOCTYPE_TEMPLATE:
		return "not a resume: it is a blank template (its fields are placeholders such as \"[Your Name]\")";
	case DOCTYPE_RESUME:
		break;
	}
	return NULL;
}
