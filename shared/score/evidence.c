/* evidence: checks that quoted evidence really occurs in the resume text and finds where. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "score/evidence.h"

/* Text folded for comparison, with the original span of every folded byte. */
struct folded {
	char *s;
	size_t n;
	size_t *from; /* original offset where the source character starts */
	size_t *to;   /* original offset just after it */
};

static bool cp_is_space(uint32_t cp)
{
	return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v' || cp == 0xA0 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
	       cp == 0x3000;
}

static void emit(struct folded *f, char c, size_t from, size_t to)
{
	f->s[f->n] = c;
	f->from[f->n] = from;
	f->to[f->n] = to;
	f->n++;
}

static void fold(const char *text, size_t len, struct folded *f)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n;
	uint32_t cp;

	/* Folding never grows a character except "…" (3 bytes to 3 dots), so len + 1 is enough. */
	f->s = xmalloc(len + 1);
	f->from = xmalloc((len + 1) * sizeof(size_t));
	f->to = xmalloc((len + 1) * sizeof(size_t));
	f->n = 0;
	while (i < len) {
		n = utf8_decode(s, len, i, &cp);
		if (cp_is_space(cp)) {
			if (f->n > 0 && f->s[f->n - 1] != ' ')
				emit(f, ' ', i, i + n);
		} else if (cp == 0xAD || cp == 0x200B || cp == 0x200C || cp == 0x200D || cp == 0xFEFF) {
			/* invisible: dropped */
		} else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x201B || cp == 0x2032 || cp == 0x60 ||
			   cp == 0xB4) {
			emit(f, '\'', i, i + n);
		} else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x201F || cp == 0x2033 || cp == 0xAB ||
			   cp == 0xBB) {
			emit(f, '"', i, i + n);
		} else if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0xFE58 || cp == 0xFE63 ||
			   cp == 0xFF0D) {
			emit(f, '-', i, i + n);
		} else if (cp == 0x2026) {
			emit(f, '.', i, i + n);
			emit(f, '.', i, i + n);
			emit(f, '.', i, i + n);
		} else if (cp < 0x80) {
			char c = (char)cp;
			if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			emit(f, c, i, i + 1);
		} else {
			size_t k;
			for (k = 0; k < n; k++)
				emit(f, (char)s[i + k], i, i + n);
		}
		i += n;
	}
	f->s[f->n] = '\0';
}

static void folded_release(struct folded *f)
{
	free(f->s);
	free(f->from);
	free(f->to);
	memset(f, 0, sizeof(*f));
}

/* Trims spaces, wrapping quotation marks and leading or trailing ellipses from a folded quote. */
static void trim_quote(const char *s, size_t n, size_t *qs, size_t *qe)
{
	size_t a = 0, b = n;
	bool changed = true;

	while (changed) {
		changed = false;
		while (a < b && s[a] == ' ')
			a++, changed = true;
		while (b > a && s[b - 1] == ' ')
			b--, changed = true;
		if (b - a >= 2 && (s[a] == '"' || s[a] == '\'') && s[b - 1] == s[a])
			a++, b--, changed = true;
		if (b - a >= 3 && memcmp(s + a, "...", 3) == 0)
			a += 3, changed = true;
		if (b - a >= 3 && memcmp(s + b - 3, "...", 3) == 0)
			b -= 3, changed = true;
	}
	*qs = a;
	*qe = b;
}

static int locate_folded(const struct folded *t, const char *quote, size_t *start, size_t *end)
{
	struct folded q;
	size_t qs, qe, k, alnum = 0;
	const char *hit;
	int ret = -1;

	if (strlen(quote) > ANALYSIS_QUOTE_MAX)
		return -1;
	fold(quote, strlen(quote), &q);
	trim_quote(q.s, q.n, &qs, &qe);
	for (k = qs; k < qe; k++)
		if ((q.s[k] >= 'a' && q.s[k] <= 'z') || (q.s[k] >= '0' && q.s[k] <= '9') ||
		    (unsigned char)q.s[k] >= 0x80)
			alnum++;
	if (alnum < EVIDENCE_MIN_CHARS)
		goto out;
	hit = memmem(t->s, t->n, q.s + qs, qe - qs);
	if (!hit)
		goto out;
	k = (size_t)(hit - t->s);
	*start = t->from[k];
	*end = t->to[k + (qe - qs) - 1];
	ret = 0;
out:
	folded_release(&q);
	return ret;
}

int evidence_locate(const char *text, size_t len, const char *quote, size_t *start, size_t *end)
{
	struct folded t;
	int ret;

	fold(text, len, &t);
	ret = locate_folded(&t, quote, start, end);
	folded_release(&t);
	return ret;
}

size_t evidence_verify_analysis(struct analysis *a, const char *text, size_t len)
{
	struct folded t;
	size_t i, j, verified = 0;

	fold(text, len, &t);
	for (i = 0; i < a->ncriteria; i++) {
		struct analysis_criterion *c = &a->criteria[i];

		c->supported = false;
		for (j = 0; j < c->nevidence; j++) {
			struct analysis_evidence *e = &c->evidence[j];
			e->verified = locate_folded(&t, e->quote, &e->start, &e->end) == 0;
			if (!e->verified)
				e->start = e->end = 0;
			else
				verified++;
			c->supported = c->supported || e->verified;
		}
		if (c->nevidence && !c->supported && !analysis_list_has(&c->gaps, "no verifiable evidence"))
			analysis_list_add(&c->gaps, "no verifiable evidence");
	}
	folded_release(&t);
	return verified;
}
