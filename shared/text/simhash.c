/* simhash: a 64-bit locality-sensitive fingerprint of resume text, its bands and the distance between two. */
#include "text/simhash.h"

#include <stdbool.h>

#include "text/textnorm.h"

#define MAX_SHINGLE 8

/* The stem hash of the next word that is not a stop word, or false at the end. */
static bool next_key(const char *text, size_t len, size_t *pos, uint64_t *key)
{
	size_t start, end;
	bool brk;

	while (textnorm_next_word(text, len, pos, &start, &end, &brk)) {
		if (textnorm_is_stopword(text + start, end - start))
			continue;
		*key = textnorm_word_key(text + start, end - start);
		return true;
	}
	return false;
}

/* A 64-bit mix of a run of keys (splitmix64 steps), so that runs differing in one word differ in about half their bits. */
static uint64_t run_hash(const uint64_t *ring, size_t first, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ull;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= ring[(first + i) % MAX_SHINGLE];
		h += 0x9e3779b97f4a7c15ull;
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
		h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
		h ^= h >> 31;
	}
	return h;
}

static void add_feature(int64_t *v, uint64_t h)
{
	int b;

	for (b = 0; b < 64; b++)
		v[b] += (h >> b) & 1u ? 1 : -1;
}

uint64_t simhash_text_shingled(const char *text, size_t len, int shingle)
{
	int64_t v[64] = { 0 };
	uint64_t ring[MAX_SHINGLE], key, out = 0;
	size_t pos = 0, seen = 0, k;
	int b;

	if (shingle < 1)
		shingle = 1;
	if (shingle > MAX_SHINGLE)
		shingle = MAX_SHINGLE;
	k = (size_t)shingle;
	while (next_key(text, len, &pos, &key)) {
		ring[seen % MAX_SHINGLE] = key;
		seen++;
		if (seen >= k)
			add_feature(v, run_hash(ring, seen - k, k));
	}
	if (seen == 0)
		return 0;
	if (seen < k)
		add_feature(v, run_hash(ring, 0, seen));
	for (b = 0; b < 64; b++)
		if (v[b] > 0)
			out |= (uint64_t)1 << b;
	return out;
}

uint64_t simhash_text(const char *text, size_t len)
{
	return simhash_text_shingled(text, len, SIMHASH_SHINGLE);
}

int simhash_distance(uint64_t a, uint64_t b)
{
	return __builtin_popcountll(a ^ b);
}

unsigned simhash_band(uint64_t h, int i)
{
	return (unsigned)((h >> (i * SIMHASH_BAND_BITS)) & ((1u << SIMHASH_BAND_BITS) - 1u));
}

size_t simhash_word_count(const char *text, size_t len)
{
	size_t pos = 0, n = 0;
	uint64_t key;

	while (next_key(text, len, &pos, &key))
		n++;
	return n;
}
