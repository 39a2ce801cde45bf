/* rubric_filler: words of job ads that can never be a criterion — number words and the generic verbs, adjectives and adverbs of the genre. */
#ifndef SHORTLIST_RUBRIC_FILLER_H
#define SHORTLIST_RUBRIC_FILLER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Whether key (textnorm_word_key() of a word) is filler: a number word
 * ("six", "twelfth"), a verb that any job asks for ("bring", "keep",
 * "write", "deal", "hit"), or an adjective or adverb that describes the
 * ad rather than the work ("clear", "full", "friendly", "desirable",
 * "calmly"). Words of the trades themselves ("wire", "audit", "nurse")
 * are never on the list. Builds its table on the first call (not thread
 * safe until then).
 */
bool rubric_filler_word(uint64_t key);

#endif
