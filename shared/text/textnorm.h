/* textnorm: tokenising, light stemming, stop words and phrase search over resume and job text. */
#ifndef SHORTLIST_TEXTNORM_H
#define SHORTLIST_TEXTNORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest word kept whole; longer runs are still one token but are not stemmed. */
#define TEXTNORM_WORD_MAX 64
/* Most tokens a phrase given to textnorm_doc_find() may have. */
#define TEXTNORM_PHRASE_MAX 8

/*
 * A word is a run of ASCII letters and digits and non-ASCII letters, with
 * "." kept between two word characters ("node.js") and trailing "+" or "#"
 * kept ("c++", "c#"). Hyphens, slashes and apostrophes split words, so
 * "scikit-learn" and "CI/CD" are two-word phrases on both sides of a match.
 *
 * Finds the next word at or after *pos in text[0..len). Returns true and sets
 * *start and *end (byte offsets) and *brk (true when punctuation that ends a
 * clause, a bullet or a blank line lies between the previous word and this
 * one), and advances *pos; returns false at the end of the text.
 */
bool textnorm_next_word(const char *text, size_t len, size_t *pos, size_t *start, size_t *end, bool *brk);

/*
 * Lowercases (ASCII) and stems the word w[0..len) into out, which must hold
 * TEXTNORM_WORD_MAX + 1 bytes; returns the stem length. The stemmer only
 * strips a few English suffixes (plural s, ing, ed, ation, ment, final e)
 * so that "models", "modeling" and "model" meet; it is applied to both
 * sides of every comparison.
 */
size_t textnorm_stem(const char *w, size_t len, char *out);

/* 64-bit FNV-1a of s[0..len). */
uint64_t textnorm_hash(const char *s, size_t len);

/* The stem hash of a word: textnorm_hash(textnorm_stem(w)). */
uint64_t textnorm_word_key(const char *w, size_t len);

/* True for English stop words; w is compared case-insensitively. */
bool textnorm_is_stopword(const char *w, size_t len);

/* Lowercases ASCII letters of s in place. */
void textnorm_lower(char *s);

struct textnorm_token {
	uint32_t start;
	uint32_t end;
	uint64_t key;
	bool brk;
};

/*
 * A tokenised text with a hash index for phrase look-ups. The text is
 * borrowed and must outlive the doc.
 */
struct textnorm_doc {
	const char *text;
	size_t len;
	struct textnorm_token *tok;
	size_t ntok;
	uint32_t *slots; /* open addressing: token index + 1 of a key's first occurrence, 0 empty */
	size_t nslots;
	uint32_t *next; /* next token index + 1 with the same key, 0 none */
};

/* Tokenises text. Returns 0, or -1 when the text is larger than 1 GiB. Release with textnorm_doc_release(). */
int textnorm_doc_init(struct textnorm_doc *d, const char *text, size_t len);
/* Frees the doc's memory; safe on a zeroed doc. */
void textnorm_doc_release(struct textnorm_doc *d);

/*
 * Finds the first occurrence of phrase (tokenised and stemmed the same way,
 * words in order with no clause break between them); a phrase of two words
 * of letters that does not occur is also looked for as one closed word
 * ("front-end" and "front end" find "frontend"). Returns the index of
 * its first token and sets *start and *end to the byte span in the text (either
 * may be NULL), or returns -1 when the phrase does not occur or has no words
 * or more than TEXTNORM_PHRASE_MAX of them. A phrase of alternatives joined
 * by " or " ("forklift licence or reach truck licence", as the local rubric
 * writes them) finds the first occurrence of any of them.
 */
long textnorm_doc_find(const struct textnorm_doc *d, const char *phrase, size_t *start, size_t *end);

/*
 * The word key of a phrase of exactly two words of ASCII letters written
 * as one word ("front-end" gives the key of "frontend"), or 0 otherwise.
 */
uint64_t textnorm_compound_key(const char *phrase, size_t len);

/* Number of occurrences of phrase (same rules as textnorm_doc_find), at most max. */
size_t textnorm_doc_count(const struct textnorm_doc *d, const char *phrase, size_t max);

/* Like textnorm_doc_find but for an already tokenised phrase of n keys. */
long textnorm_doc_find_keys(const struct textnorm_doc *d, const uint64_t *keys, size_t n, long from);

#endif
