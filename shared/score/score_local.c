/* score_local: the built-in deterministic scorer, the default provider when no LLM is configured. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "score/rubric.h"
#include "score/score_local.h"
#include "text/experience.h"
#include "text/termweights.h"
#include "text/textnorm.h"

#define SHORT_PHRASE_MAX 160
#define HEADLINE_WORDS 30
#define LITTLE_TEXT 200
#define TITLE_PAIR_CREDIT 0.8

static const char *const degree_words[] = {
	"degree", "bachelor",	"bachelors", "master",	  "masters",	   "phd",	  "ph.d",    "doctorate",
	"mba",	  "diploma",	"bsc",	     "msc",	  "b.s",	   "m.s",	  "b.a",     "m.a",
	"b.sc",	  "m.sc",	"b.b.a",     "b.eng",	  "m.eng",	   "b.tech",	  "m.tech",  "btech",
	"mtech",  "university", "college",   "certified", "certification", "certificate", "licensed"
};

static bool utf8_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* The quote for a match at [ms, me): its line, trimmed, cut to a window around the match when long. */
static char *quote_around(const char *text, size_t len, size_t ms, size_t me)
{
	size_t ls = ms, le = me;

	while (ls > 0 && text[ls - 1] != '\n')
		ls--;
	while (le < len && text[le] != '\n')
		le++;
	if (le - ls > SCORE_LOCAL_QUOTE_MAX) {
		size_t room = me - ms >= SCORE_LOCAL_QUOTE_MAX ? 0 : (SCORE_LOCAL_QUOTE_MAX - (me - ms)) / 2;
		size_t ns = ms > ls + room ? ms - room : ls, ne = me + room < le ? me + room : le;
		/* Cut at spaces so the quote holds whole words, and never inside a UTF-8 sequence. */
		while (ns > ls && ns < ms && text[ns - 1] != ' ')
			ns++;
		while (ne < le && ne > me && text[ne] != ' ')
			ne--;
		ls = ns;
		le = ne;
	}
	while (ls < le && utf8_cont((unsigned char)text[ls]))
		ls++;
	while (le < len && le > ls && utf8_cont((unsigned char)text[le]))
		le--;
	while (ls < le && (text[ls] == ' ' || text[ls] == '\t' || text[ls] == '\r'))
		ls++;
	while (le > ls && (text[le - 1] == ' ' || text[le - 1] == '\t' || text[le - 1] == '\r'))
		le--;
	return xstrndup(text + ls, le - ls);
}

static void add_quote(struct analysis_criterion *c, const char *text, size_t len, size_t ms, size_t me)
{
	char *q;
	size_t i;

	if (c->nevidence >= SCORE_LOCAL_EVIDENCE_MAX)
		return;
	q = quote_around(text, len, ms, me);
	for (i = 0; i < c->nevidence; i++)
		if (strcmp(c->evidence[i].quote, q) == 0)
			break;
	if (i == c->nevidence && *q)
		analysis_add_evidence(c, q);
	free(q);
}

static void add_phrase(struct analysis_list *l, const char *prefix, const char *what)
{
	char s[SHORT_PHRASE_MAX];

	snprintf(s, sizeof(s), "%s%s", prefix, what);
	if (!analysis_list_has(l, s))
		analysis_list_add(l, s);
}

/*
 * How much keyword i of the criterion counts: its background weight (a
 * technology counts more than a common word such as "improve") times a
 * gentle decline from the first keyword listed to the last (1 to 0.5), as
 * lists put what matters most first.
 */
static double keyword_weight(const struct rubric_criterion *rc, size_t i)
{
	const char *k = rc->keywords[i];
	double w = termweights_phrase(k, strlen(k));

	if (w < TERMWEIGHTS_JOB_AD)
		w = TERMWEIGHTS_JOB_AD;
	return w * (1.0 - 0.5 * (double)i / (double)rc->nkeywords);
}

/* Weighted share of keywords found, with evidence, strengths and gaps. */
static double keyword_share(const struct rubric_criterion *rc, const struct textnorm_doc *doc,
			    struct analysis_criterion *c, struct analysis *a)
{
	size_t i, s, e;
	double found = 0, total = 0;

	for (i = 0; i < rc->nkeywords; i++) {
		double w = keyword_weight(rc, i);
		total += w;
		if (textnorm_doc_find(doc, rc->keywords[i], &s, &e) >= 0) {
			found += w;
			add_quote(c, doc->text, doc->len, s, e);
			add_phrase(&c->strengths, "has ", rc->keywords[i]);
			if (rc->kind == RUBRIC_SKILLS && !analysis_list_has(&a->matched_skills, rc->keywords[i]))
				analysis_list_add(&a->matched_skills, rc->keywords[i]);
		} else {
			add_phrase(&c->gaps, "no mention of ", rc->keywords[i]);
			if (rc->kind == RUBRIC_SKILLS && !analysis_list_has(&a->missing_skills, rc->keywords[i]))
				analysis_list_add(&a->missing_skills, rc->keywords[i]);
		}
	}
	return total > 0 ? found / total : 0;
}

/* True when the words a and b occur next to each other in the resume. */
static bool title_pair_found(const struct textnorm_doc *doc, const char *a, const char *b)
{
	char pair[2 * RUBRIC_KEYWORD_LEN_MAX + 2];

	if (snprintf(pair, sizeof(pair), "%s %s", a, b) >= (int)sizeof(pair))
		return false;
	return textnorm_doc_find(doc, pair, NULL, NULL) >= 0;
}

static double score_experience(const struct rubric_criterion *rc, const struct textnorm_doc *doc,
			       const struct experience *exp, struct analysis_criterion *c)
{
	double yc, tc = 0, credit, mix;
	size_t i, s, e;
	char line[SHORT_PHRASE_MAX];

	if (exp->known) {
		if (exp->nranges)
			add_quote(c, doc->text, doc->len, exp->ranges[0].offset, exp->ranges[0].offset + 1);
		if (exp->stated_years)
			add_quote(c, doc->text, doc->len, exp->stated_offset, exp->stated_offset + 1);
	}
	if (rc->min_years > 0) {
		/*
		 * Below the minimum credit grows with the years up to 0.5; above
		 * it, with the logarithm of years / minimum up to 1 at five times
		 * the minimum, so that 25 years still outrank 10 for a role
		 * asking 5 while each extra year counts less.
		 */
		if (!exp->known)
			yc = 0.4;
		else if (exp->years < rc->min_years)
			yc = 0.5 * exp->years / rc->min_years;
		else
			yc = 0.5 + 0.5 * fmin(1.0, log(exp->years / rc->min_years) / log(5.0));
		if (exp->known && exp->years >= rc->min_years) {
			snprintf(line, sizeof(line), "about %.1f years of experience (%d asked)", exp->years,
				 rc->min_years);
			add_phrase(&c->strengths, "", line);
		} else if (exp->known) {
			snprintf(line, sizeof(line), "about %.1f years of experience, %d asked", exp->years,
				 rc->min_years);
			add_phrase(&c->gaps, "", line);
		}
	} else {
		yc = exp->known ? fmin(1.0, 0.6 + 0.08 * exp->years) : 0.6;
		if (exp->known) {
			snprintf(line, sizeof(line), "about %.1f years of experience", exp->years);
			add_phrase(&c->strengths, "", line);
		}
	}
	if (!exp->known)
		add_phrase(&c->gaps, "", "no dates or stated years of experience");
	/*
	 * Title similarity: the job title's words in the resume's headline (its
	 * first words, where people put their current title) count most; found
	 * anywhere else they count a little.
	 */
	for (i = 0; i < rc->nkeywords; i++) {
		long t = textnorm_doc_find(doc, rc->keywords[i], &s, &e);
		if (t >= 0) {
			credit = t < HEADLINE_WORDS ? 1.0 : 0.3;
			/* Two of the title's words together ("full stack") name the same kind of role, wherever they are. */
			if (credit < TITLE_PAIR_CREDIT &&
			    ((i > 0 && title_pair_found(doc, rc->keywords[i - 1], rc->keywords[i])) ||
			     (i + 1 < rc->nkeywords && title_pair_found(doc, rc->keywords[i], rc->keywords[i + 1]))))
				credit = TITLE_PAIR_CREDIT;
			tc += credit;
			add_quote(c, doc->text, doc->len, s, e);
			add_phrase(&c->strengths, "title word ", rc->keywords[i]);
		} else {
			add_phrase(&c->gaps, "no mention of ", rc->keywords[i]);
		}
	}
	if (!rc->nkeywords)
		return 10.0 * yc;
	tc /= (double)rc->nkeywords;
	/* Years count for more when the job asks for a number of them. */
	mix = rc->min_years > 0 ? 0.7 : 0.5;
	return 10.0 * (mix * yc + (1.0 - mix) * tc);
}

static double score_education(const struct rubric_criterion *rc, const struct textnorm_doc *doc,
			      struct analysis_criterion *c, struct analysis *a)
{
	size_t i, s, e;
	double base = 0, share;

	for (i = 0; i < ARRAY_SIZE(degree_words); i++) {
		if (textnorm_doc_find(doc, degree_words[i], &s, &e) >= 0) {
			base = 1;
			add_quote(c, doc->text, doc->len, s, e);
			add_phrase(&c->strengths, "", "has a degree or certification");
			break;
		}
	}
	if (!base)
		add_phrase(&c->gaps, "", "no degree or certification found");
	share = keyword_share(rc, doc, c, a);
	return 10.0 * (0.4 * base + 0.6 * sqrt(share));
}

static void write_summary(struct analysis *a, const struct experience *exp)
{
	struct buf b = BUF_INIT(ANALYSIS_STRING_MAX);
	size_t total = a->matched_skills.n + a->missing_skills.n, i;
	const struct analysis_criterion *best = NULL;

	if (total) {
		buf_printf(&b, "Matches %zu of %zu skills", a->matched_skills.n, total);
		for (i = 0; i < a->missing_skills.n && i < 3; i++)
			buf_printf(&b, "%s%s", i ? ", " : " (missing: ", a->missing_skills.v[i]);
		if (a->missing_skills.n > 3)
			buf_printf(&b, ", and %zu more", a->missing_skills.n - 3);
		buf_printf(&b, "%s. ", a->missing_skills.n ? ")" : "");
	}
	if (exp->known)
		buf_printf(&b, "About %.1f years of experience. ", exp->years);
	else
		buf_printf(&b, "Years of experience could not be determined. ");
	for (i = 0; i < a->ncriteria; i++)
		if (!best || a->criteria[i].score > best->score)
			best = &a->criteria[i];
	if (best)
		buf_printf(&b, "Strongest: %s (%.1f/10).", best->name, round(best->score * 10) / 10);
	while (b.len && b.ptr[b.len - 1] == ' ')
		b.ptr[--b.len] = '\0';
	analysis_set_summary(a, b.ptr ? b.ptr : "");
	buf_release(&b);
}

struct analysis *score_local(struct job *job, const char *text, size_t len, int ref_year, int ref_month)
{
	const struct rubric *r = job_rubric(job);
	struct analysis *a = analysis_new();
	struct textnorm_doc doc;
	struct experience exp;
	size_t i, letters = 0;

	textnorm_doc_init(&doc, text, len);
	experience_estimate(text, len, ref_year, ref_month, &exp);
	for (i = 0; i < r->ncriteria; i++) {
		const struct rubric_criterion *rc = &r->criteria[i];
		struct analysis_criterion *c = analysis_add_criterion(a, rc->name, rc->weight, 0);
		double score;

		switch (rc->kind) {
		case RUBRIC_EXPERIENCE:
			score = score_experience(rc, &doc, &exp, c);
			break;
		case RUBRIC_EDUCATION:
			score = score_education(rc, &doc, c, a);
			break;
		case RUBRIC_SKILLS:
		case RUBRIC_TERMS:
		default:
			score = 10.0 * sqrt(keyword_share(rc, &doc, c, a));
			break;
		}
		c->score = round(fmin(10.0, fmax(0.0, score)) * 10.0) / 10.0;
	}
	for (i = 0; i < doc.ntok; i++)
		letters += doc.tok[i].end - doc.tok[i].start;
	if (letters < LITTLE_TEXT)
		analysis_list_add(&a->flags, "little_text");
	if (!exp.known)
		analysis_list_add(&a->flags, "years_unknown");
	write_summary(a, &exp);
	textnorm_doc_release(&doc);
	analysis_complete(a, job, text, len, ref_year, ref_month);
	return a;
}
