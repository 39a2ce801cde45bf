/* textnorm: tokenising, light stemming, stop words and phrase search over resume and job text. */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "text/textnorm.h"

static bool is_ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static unsigned char lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Non-ASCII code points that separate words: spaces, punctuation, dashes, quotes, bullets, symbols. */
static bool cp_is_separator(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0xBF) || cp == 0xD7 || cp == 0xF7 || (cp >= 0x2000 && cp <= 0x2BFF) ||
	       (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xFE10 && cp <= 0xFE6F) ||
	       (cp >= 0xFF00 && cp <= 0xFF0F) || cp == 0xFEFF || cp == 0xFFFD || cp >= 0x1F000;
}

/* Separators that end a clause for phrase matching (bullets, semicolon-like marks). */
static bool cp_is_break(uint32_t cp)
{
	return cp == 0x2022 || cp == 0x25CF || cp == 0x25AA || cp == 0x25A0 || cp == 0x2023 || cp == 0x2043 ||
	       cp == 0x2026 || cp == 0x00B7 || cp == 0x3002 || cp == 0xFF0C || cp == 0x3001 || cp >= 0xE000;
}

/* Length of the word character at i, or 0 when the byte there is not part of a word. */
static size_t word_char(const unsigned char *s, size_t len, size_t i)
{
	uint32_t cp;
	size_t n;

	if (s[i] < 0x80)
		return is_ascii_alnum(s[i]) ? 1 : 0;
	n = utf8_decode(s, len, i, &cp);
	if (cp_is_separator(cp))
		return 0;
	return n;
}

bool textnorm_next_word(const char *text, size_t len, size_t *pos, size_t *start, size_t *end, bool *brk)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = *pos, n;
	int newlines = 0;
	bool b = false;

	while (i < len) {
		n = word_char(s, len, i);
		if (n)
			break;
		if (s[i] == '.' && i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == 'N') && i + 3 < len &&
		    (s[i + 2] == 'e' || s[i + 2] == 'E') && (s[i + 3] == 't' || s[i + 3] == 'T') &&
		    (i + 4 >= len || !is_ascii_alnum(s[i + 4])) && (i == 0 || !is_ascii_alnum(s[i - 1])))
			break; /* ".NET" keeps its dot */
		if (s[i] >= 0x80) {
			uint32_t cp;
			n = utf8_decode(s, len, i, &cp);
			if (cp_is_break(cp))
				b = true;
			i += n;
			continue;
		}
		if (s[i] == '\n') {
			if (++newlines >= 2)
				b = true;
		} else if (strchr(",;:!?()[]{}|<>\"*=", s[i]) != NULL || s[i] == '.') {
			b = true;
		} else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '-' && s[i] != '/' && s[i] != '\'' &&
			   s[i] != '&') {
			b = true;
		}
		i++;
	}
	if (i >= len) {
		*pos = len;
		return false;
	}
	*start = i;
	if (s[i] == '.')
		i++;
	for (;;) {
		while (i < len && (n = word_char(s, len, i)) != 0)
			i += n;
		/* A dot between word characters stays inside the word ("node.js", "asp.net"). */
		if (i + 1 < len && s[i] == '.' && is_ascii_alnum(s[i + 1]) && i > *start)
			i++;
		else
			break;
	}
	while (i < len && (s[i] == '+' || s[i] == '#') && i - *start < 4)
		i++;
	*end = i;
	*pos = i;
	*brk = b;
	return true;
}

static bool ends_with(const char *w, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && memcmp(w + len - n, suf, n) == 0;
}

static bool only_ascii_letters(const char *w, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z')))
			return false;
	return true;
}

size_t textnorm_stem(const char *w, size_t len, char *out)
{
	size_t i, n = len < TEXTNORM_WORD_MAX ? len : TEXTNORM_WORD_MAX;

	for (i = 0; i < n; i++)
		out[i] = (char)lower((unsigned char)w[i]);
	out[n] = '\0';
	if (len > TEXTNORM_WORD_MAX || n <= 3 || !only_ascii_letters(out, n))
		return n;
	if (ends_with(out, n, "ies") && n > 4) {
		n -= 2;
		out[n - 1] = 'y';
	} else if (ends_with(out, n, "sses")) {
		n -= 2;
	} else if (out[n - 1] == 's' && !ends_with(out, n, "ss") && !ends_with(out, n, "us") &&
		   !ends_with(out, n, "is")) {
		n -= 1;
	}
	if (ends_with(out, n, "ing") && n >= 7)
		n -= 3;
	else if (ends_with(out, n, "ation") && n >= 9)
		n -= 5;
	else if (ends_with(out, n, "ment") && n >= 8)
		n -= 4;
	else if (ends_with(out, n, "ed") && n >= 6)
		n -= 2;
	if (n > 4 && out[n - 1] == 'e')
		n -= 1;
	out[n] = '\0';
	return n;
}

uint64_t textnorm_hash(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

uint64_t textnorm_word_key(const char *w, size_t len)
{
	char stem[TEXTNORM_WORD_MAX + 1];
	size_t n = textnorm_stem(w, len, stem);

	return textnorm_hash(stem, n);
}

static const char *const stopwords[] = {
	"a",	 "about",  "above",   "across",	 "after",   "again",  "against", "all",	   "also",  "am",
	"among", "an",	   "and",     "any",	 "are",	    "around", "as",	 "at",	   "be",    "because",
	"been",	 "before", "being",   "below",	 "between", "both",   "but",	 "by",	   "can",   "could",
	"did",	 "do",	   "does",    "doing",	 "down",    "during", "each",	 "either", "etc",   "every",
	"few",	 "for",	   "from",    "further", "had",	    "has",    "have",	 "having", "he",    "her",
	"here",	 "hers",   "him",     "his",	 "how",	    "i",      "if",	 "in",	   "into",  "is",
	"it",	 "its",	   "just",    "may",	 "me",	    "might",  "more",	 "most",   "much",  "must",
	"my",	 "no",	   "nor",     "not",	 "of",	    "off",    "on",	 "once",   "one",   "only",
	"or",	 "other",  "our",     "ours",	 "out",	    "over",   "own",	 "per",	   "same",  "shall",
	"she",	 "should", "so",      "some",	 "such",    "than",   "that",	 "the",	   "their", "them",
	"then",	 "there",  "these",   "they",	 "this",    "those",  "through", "to",	   "too",   "under",
	"until", "up",	   "upon",    "us",	 "very",    "via",    "was",	 "we",	   "were",  "what",
	"when",	 "where",  "whether", "which",	 "while",   "who",    "whom",	 "whose",  "why",   "will",
	"with",	 "within", "without", "would",	 "you",	    "your",   "yours",
};

bool textnorm_is_stopword(const char *w, size_t len)
{
	size_t lo = 0, hi = ARRAY_SIZE(stopwords), i;
	char low[16];

	if (len == 0 || len >= sizeof(low))
		return false;
	for (i = 0; i < len; i++)
		low[i] = (char)lower((unsigned char)w[i]);
	low[len] = '\0';
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(low, stopwords[mid]);
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

void textnorm_lower(char *s)
{
	for (; *s; s++)
		*s = (char)lower((unsigned char)*s);
}

int textnorm_doc_init(struct textnorm_doc *d, const char *text, size_t len)
{
	size_t pos = 0, start, end, cap = 64, i;
	bool brk;

	memset(d, 0, sizeof(*d));
	if (len > (1u << 30))
		return -1;
	d->text = text;
	d->len = len;
	d->tok = xmalloc(cap * sizeof(*d->tok));
	while (textnorm_next_word(text, len, &pos, &start, &end, &brk)) {
		if (d->ntok == cap) {
			cap *= 2;
			d->tok = xrealloc(d->tok, cap * sizeof(*d->tok));
		}
		d->tok[d->ntok].start = (uint32_t)start;
		d->tok[d->ntok].end = (uint32_t)end;
		d->tok[d->ntok].key = textnorm_word_key(text + start, end - start);
		d->tok[d->ntok].brk = brk;
		d->ntok++;
	}
	d->nslots = 16;
	while (d->nslots < d->ntok * 2)
		d->nslots *= 2;
	d->slots = xcalloc(d->nslots, sizeof(*d->slots));
	d->next = xcalloc(d->ntok ? d->ntok : 1, sizeof(*d->next));
	/* Insert from the end so each chain runs in text order from the first occurrence. */
	for (i = d->ntok; i-- > 0;) {
		size_t h = (size_t)(d->tok[i].key & (d->nslots - 1));
		while (d->slots[h] && d->tok[d->slots[h] - 1].key != d->tok[i].key)
			h = (h + 1) & (d->nslots - 1);
		d->next[i] = d->slots[h];
		d->slots[h] = (uint32_t)(i + 1);
	}
	return 0;
}

void textnorm_doc_release(struct textnorm_doc *d)
{
	free(d->tok);
	free(d->slots);
	free(d->next);
	memset(d, 0, sizeof(*d));
}

long textnorm_doc_find_keys(const struct textnorm_doc *d, const uint64_t *keys, size_t n, long from)
{
	size_t h, i, k;
	uint32_t t;

	if (n == 0 || d->ntok == 0)
		return -1;
	h = (size_t)(keys[0] & (d->nslots - 1));
	while (d->slots[h] && d->tok[d->slots[h] - 1].key != keys[0])
		h = (h + 1) & (d->nslots - 1);
	for (t = d->slots[h]; t; t = d->next[t - 1]) {
		i = t - 1;
		if ((long)i < from)
			continue;
		if (i + n > d->ntok)
			break;
		for (k = 1; k < n; k++)
			if (d->tok[i + k].key != keys[k] || d->tok[i + k].brk)
				break;
		if (k == n)
			return (long)i;
	}
	return -1;
}

static size_t phrase_keys(const char *phrase, uint64_t *keys)
{
	size_t pos = 0, start, end, n = 0, len = strlen(phrase);
	bool brk;

	while (textnorm_next_word(phrase, len, &pos, &start, &end, &brk)) {
		if (n == TEXTNORM_PHRASE_MAX)
			return 0;
		keys[n++] = textnorm_word_key(phrase + start, end - start);
	}
	return n;
}

uint64_t textnorm_compound_key(const char *phrase, size_t len)
{
	char joined[TEXTNORM_WORD_MAX + 1];
	size_t pos = 0, start, end, n = 0, words = 0, k;
	bool brk;

	while (textnorm_next_word(phrase, len, &pos, &start, &end, &brk)) {
		if (++words > 2 || n + (end - start) > TEXTNORM_WORD_MAX)
			return 0;
		for (k = start; k < end; k++) {
			unsigned char c = (unsigned char)phrase[k];
			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
				return 0;
			joined[n++] = (char)c;
		}
	}
	return words == 2 ? textnorm_word_key(joined, n) : 0;
}

/* One phrase without alternatives. */
static long find_one(const struct textnorm_doc *d, const char *phrase, size_t *start, size_t *end)
{
	uint64_t keys[TEXTNORM_PHRASE_MAX];
	size_t n = phrase_keys(phrase, keys);
	long i;

	if (n == 0)
		return -1;
	i = textnorm_doc_find_keys(d, keys, n, 0);
	if (i < 0 && n == 2) {
		/* "front-end" and "front end" also match "frontend", written as one word. */
		n = 1;
		keys[0] = textnorm_compound_key(phrase, strlen(phrase));
		if (keys[0])
			i = textnorm_doc_find_keys(d, keys, 1, 0);
	}
	if (i < 0)
		return -1;
	if (start)
		*start = d->tok[i].start;
	if (end)
		*end = d->tok[(size_t)i + n - 1].end;
	return i;
}

/* Longest alternative of a phrase, in bytes. */
#define ALTERNATIVE_MAX 256

long textnorm_doc_find(const struct textnorm_doc *d, const char *phrase, size_t *start, size_t *end)
{
	const char *p = phrase, *sep;
	char one[ALTERNATIVE_MAX + 1];
	size_t len, s = 0, e = 0;
	long i, best = -1;

	if (!strstr(phrase, " or "))
		return find_one(d, phrase, start, end);
	/* "forklift licence or reach truck licence": the first occurrence of any alternative. */
	for (;;) {
		sep = strstr(p, " or ");
		len = sep ? (size_t)(sep - p) : strlen(p);
		if (len > 0 && len <= ALTERNATIVE_MAX) {
			memcpy(one, p, len);
			one[len] = '\0';
			i = find_one(d, one, &s, &e);
			if (i >= 0 && (best < 0 || i < best)) {
				best = i;
				if (start)
					*start = s;
				if (end)
					*end = e;
			}
		}
		if (!sep)
			break;
		p = sep + 4;
	}
	return best;
}

size_t textnorm_doc_count(const struct textnorm_doc *d, const char *phrase, size_t max)
{
	uint64_t keys[TEXTNORM_PHRASE_MAX];
	size_t n = phrase_keys(phrase, keys), count = 0;
	long i = 0;

	if (n == 0)
		return 0;
	while (count < max && (i = textnorm_doc_find_keys(d, keys, n, i)) >= 0) {
		count++;
		i += (long)n;
	}
	return count;
}
