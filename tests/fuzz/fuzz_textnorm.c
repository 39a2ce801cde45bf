/*
 * libFuzzer harness: textnorm over arbitrary bytes (invalid UTF-8 and NULs included). Tokens lie inside the text,
 * in order and without overlap; each token's own bytes tokenise to that one token; a phrase made of tokens is found
 * no later than where it was taken from; stems stay bounded and terminated; counts stay under their maximum.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "text/textnorm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* How many tokens are checked one by one (the rest only for their offsets), to keep each run short. */
#define CHECKED_TOKENS 64

static void check_stem(const char *w, size_t len)
{
	char out[TEXTNORM_WORD_MAX + 2];
	size_t n, i;

	out[TEXTNORM_WORD_MAX + 1] = 'X';
	n = textnorm_stem(w, len, out);
	if (n > TEXTNORM_WORD_MAX || n > len || out[n] != '\0' || out[TEXTNORM_WORD_MAX + 1] != 'X')
		abort();
	for (i = 0; i < n; i++)
		if (out[i] >= 'A' && out[i] <= 'Z')
			abort();
	if (textnorm_word_key(w, len) != textnorm_hash(out, n))
		abort();
	(void)textnorm_is_stopword(w, len);
}

/* The token's bytes alone give back exactly that token, with the same key. */
static void check_alone(const char *text, const struct textnorm_token *t)
{
	size_t len = t->end - t->start, pos = 0, start, end;
	bool brk;

	if (!textnorm_next_word(text + t->start, len, &pos, &start, &end, &brk))
		abort();
	if (start != 0 || end != len || pos != len)
		abort();
	if (textnorm_next_word(text + t->start, len, &pos, &start, &end, &brk))
		abort();
}

/* The phrase made of tokens i..i+n-1 (as a C string, so only when their bytes hold no NUL). */
static void check_phrase(const struct textnorm_doc *d, size_t i, size_t n)
{
	const struct textnorm_token *first = &d->tok[i], *last = &d->tok[i + n - 1];
	size_t len = last->end - first->start, s = 0, e = 0, k;
	char *phrase;
	long at;

	if (memchr(d->text + first->start, '\0', len))
		return;
	for (k = 1; k < n; k++)
		if (d->tok[i + k].brk)
			return; /* a clause break between them: not a phrase */
	phrase = xmalloc(len + 1);
	memcpy(phrase, d->text + first->start, len);
	phrase[len] = '\0';
	at = textnorm_doc_find(d, phrase, &s, &e);
	/* Retokenising the span may split it differently (a dot or '+' at its edge), so only check what holds. */
	if (at >= 0) {
		if ((size_t)at >= d->ntok || s > e || e > d->len || s != d->tok[at].start)
			abort();
		if (textnorm_doc_count(d, phrase, 3) == 0 || textnorm_doc_count(d, phrase, 3) > 3)
			abort();
	}
	if (n == 1 && (at < 0 || (size_t)at > i || d->tok[at].key != first->key))
		abort(); /* a word of the text is not found where it is */
	free(phrase);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct textnorm_doc d;
	size_t i, prev_end = 0, pos = 0, start, end;
	uint64_t keys[2];
	bool brk;
	char *copy;

	if (textnorm_doc_init(&d, text, size) < 0)
		abort();
	if (d.text != text || d.len != size || d.ntok > size)
		abort();
	for (i = 0; i < d.ntok; i++) {
		const struct textnorm_token *t = &d.tok[i];

		if (t->start >= t->end || t->end > size || t->start < prev_end)
			abort();
		prev_end = t->end;
		/* The tokeniser and the doc agree token by token. */
		if (!textnorm_next_word(text, size, &pos, &start, &end, &brk) || start != t->start || end != t->end ||
		    brk != t->brk)
			abort();
		if (i >= CHECKED_TOKENS)
			continue;
		check_stem(text + t->start, t->end - t->start);
		check_alone(text, t);
		check_phrase(&d, i, 1);
		if (i + 1 < d.ntok)
			check_phrase(&d, i, 2);
		if (i + 2 < d.ntok)
			check_phrase(&d, i, 3);
		keys[0] = t->key;
		if (textnorm_doc_find_keys(&d, keys, 1, 0) < 0 ||
		    textnorm_doc_find_keys(&d, keys, 1, (long)i) != (long)i)
			abort();
	}
	if (textnorm_next_word(text, size, &pos, &start, &end, &brk) || pos != size)
		abort();
	if (d.ntok > 1) {
		keys[0] = d.tok[0].key;
		keys[1] = d.tok[1].key;
		if (!d.tok[1].brk && textnorm_doc_find_keys(&d, keys, 2, 0) != 0)
			abort();
	}

	/* The whole input as a phrase (up to its first NUL) and as a compound. */
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	{
		size_t s = 0, e = 0;
		long at = textnorm_doc_find(&d, copy, &s, &e);

		if (at >= 0 && ((size_t)at >= d.ntok || s > e || e > size))
			abort();
		if (textnorm_doc_count(&d, copy, 5) > 5)
			abort();
		(void)textnorm_compound_key(copy, strlen(copy));
	}
	textnorm_lower(copy);
	for (i = 0; i < size && copy[i]; i++)
		if ((copy[i] >= 'A' && copy[i] <= 'Z') ||
		    ((unsigned char)copy[i] != data[i] && !(data[i] >= 'A' && data[i] <= 'Z')))
			abort();
	free(copy);
	textnorm_doc_release(&d);
	return 0;
}
