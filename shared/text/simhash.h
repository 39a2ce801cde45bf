/* simhash: a 64-bit locality-sensitive fingerprint of resume text, its bands and the distance between two. */
#ifndef SHORTLIST_SIMHASH_H
#define SHORTLIST_SIMHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The fingerprint is cut into SIMHASH_BANDS = 8 bands of SIMHASH_BAND_BITS
 * = 8 bits. Two fingerprints at most 7 (SIMHASH_BANDS - 1) bits apart
 * differ in at most 7 of the 8 bands, so they agree on at least one whole
 * band (pigeonhole): looking up equal bands finds every pair within the
 * link distance (score/neardup.h), which must stay below SIMHASH_BANDS.
 */
#define SIMHASH_BANDS 8
#define SIMHASH_BAND_BITS 8
/* Words per shingle: the features are runs of this many consecutive words. */
#define SIMHASH_SHINGLE 1

/*
 * The SimHash of text[0..len): each run of `shingle` consecutive words
 * (textnorm words, stemmed, stop words left out) is hashed, and bit i of
 * the result is set when more of the runs' hashes have bit i set than
 * clear. shingle is clamped to 1..8; a text with fewer words than shingle
 * is hashed as one run. Returns 0 for a text with no words. Pure.
 */
uint64_t simhash_text_shingled(const char *text, size_t len, int shingle);

/* simhash_text_shingled(text, len, SIMHASH_SHINGLE). */
uint64_t simhash_text(const char *text, size_t len);

/* Number of bits in which a and b differ (0..64). */
int simhash_distance(uint64_t a, uint64_t b);

/* Band i (0 .. SIMHASH_BANDS - 1) of h, as an unsigned value below 2^SIMHASH_BAND_BITS. */
unsigned simhash_band(uint64_t h, int i);

/* Number of words (as simhash_text counts them) in text[0..len). */
size_t simhash_word_count(const char *text, size_t len);

#endif
