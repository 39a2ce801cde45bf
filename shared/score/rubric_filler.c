/* rubric_filler: words of job ads that can never be a criterion — number words and the generic verbs, adjectives and adverbs of the genre. */
#include "score/rubric_filler.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "text/textnorm.h"

/*
 * Three closed groups, so the list stays principled: what is on it could
 * stand in an ad for any job at all.
 */
static const char *const filler[] = {
	/* number words, cardinal and ordinal */
	"zero",
	"one",
	"two",
	"three",
	"four",
	"five",
	"six",
	"seven",
	"eight",
	"nine",
	"ten",
	"eleven",
	"twelve",
	"fifteen",
	"twenty",
	"thirty",
	"forty",
	"fifty",
	"hundred",
	"thousand",
	"million",
	"billion",
	"first",
	"second",
	"third",
	"fourth",
	"fifth",
	"dozen",
	"half",
	"single",
	"double",
	"couple",
	"several",
	"many",
	"few",
	"multiple",
	/* verbs any job asks for */
	"bring",
	"keep",
	"write",
	"read",
	"deal",
	"hit",
	"run",
	"hold",
	"know",
	"give",
	"show",
	"find",
	"think",
	"feel",
	"come",
	"go",
	"learn",
	"love",
	"enjoy",
	"care",
	"put",
	"let",
	"share",
	"speak",
	"talk",
	"tell",
	"turn",
	"try",
	"start",
	"stay",
	"handle",
	"deliver",
	"improve",
	"collaborate",
	"communicate",
	"contribute",
	"partner",
	"thrive",
	"value",
	"welcome",
	"offer",
	"grow",
	"achieve",
	"assist",
	"become",
	"believe",
	"continue",
	"follow",
	"look",
	"play",
	"receive",
	"see",
	"seem",
	"serve",
	"spend",
	"succeed",
	"want",
	"wish",
	"love",
	"motivate",
	/* adjectives and adverbs that describe the ad, not the work */
	"clear",
	"clearly",
	"full",
	"fully",
	"friendly",
	"desirable",
	"desired",
	"essential",
	"calm",
	"calmly",
	"manner",
	"quick",
	"quickly",
	"fast",
	"big",
	"small",
	"large",
	"fun",
	"exciting",
	"excited",
	"dynamic",
	"motivated",
	"independent",
	"independently",
	"reliable",
	"flexible",
	"creative",
	"positive",
	"happy",
	"busy",
	"smooth",
	"smoothly",
	"accurate",
	"accurately",
	"current",
	"daily",
	"weekly",
	"monthly",
	"annual",
	"qualified",
	"suitable",
	"ideally",
	"highly",
	"really",
	"truly",
	"always",
	"often",
	"every",
	"each",
	"whole",
	"real",
	"right",
	"best",
	"better",
	"top",
	"hard",
	"easy",
	"main",
	"major",
	"minor",
	"similar",
	"bonus",
	"nice",
	"welcome",
	"warmth",
	"awesome",
	"amazing",
	"fantastic",
	"brilliant",
	"outstanding",
};

static uint64_t *keys;
static size_t nkeys;

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

bool rubric_filler_word(uint64_t key)
{
	size_t i;

	if (!keys) {
		uint64_t *k = xcalloc(ARRAY_SIZE(filler), sizeof(*k));

		for (i = 0; i < ARRAY_SIZE(filler); i++)
			k[i] = textnorm_word_key(filler[i], strlen(filler[i]));
		qsort(k, ARRAY_SIZE(filler), sizeof(*k), key_cmp);
		nkeys = ARRAY_SIZE(filler);
		keys = k;
	}
	return bsearch(&key, keys, nkeys, sizeof(*keys), key_cmp) != NULL;
}
