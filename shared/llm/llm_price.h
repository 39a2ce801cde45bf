/* llm_price: the price table of LLM models (built in, extended or replaced by configuration), and whether a model has a price. */
#ifndef SHORTLIST_LLM_PRICE_H
#define SHORTLIST_LLM_PRICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One entry: USD per 1M tokens of uncached input, cached input and output. */
struct llm_price {
	char prefix[64]; /* a model name or the start of one: "gpt-4o" prices "gpt-4o-2024-08-06" */
	double input, cached, output;
};

/* Most entries the table holds (built in and configured together). */
#define LLM_PRICE_MAX 128

/*
 * Parses configured entries into table (size max) after the n already there,
 * replacing an entry of the same prefix. Two forms, both USD per 1M tokens:
 * - spec: "MODEL=INPUT/CACHED/OUTPUT" entries separated by commas or
 *   whitespace (SHORTLIST_LLM_PRICES), e.g. "my-model=0.2/0.1/0.8";
 * - file: the text of a file with one entry a line, "MODEL INPUT CACHED
 *   OUTPUT"; blank lines and lines starting with '#' are skipped
 *   (SHORTLIST_LLM_PRICES_FILE).
 * kind selects the form (true: file). Prices must be numbers from 0 to
 * 100000. Returns the new count, or -1 with a message naming the entry in err.
 */
int llm_price_parse(struct llm_price *table, int n, int max, const char *text, bool file, char *err, size_t errlen);

/*
 * Loads the process's table once: the built-in entries, then
 * SHORTLIST_LLM_PRICES_FILE, then SHORTLIST_LLM_PRICES. Returns 0, or -1
 * with the reason in err (a bad entry, an unreadable file); the table then
 * holds the built-in entries only. Later calls return the first result.
 * Before config_load() it gives the built-in entries and loads again later.
 */
int llm_price_init(char *err, size_t errlen);

/*
 * The entry model is priced by: the longest prefix of model in the table
 * (llm_price_init() runs first if needed). A provider prefix as routers
 * write it ("openai/gpt-4o") is skipped. Returns the entry (valid for the
 * life of the process), or NULL when the model has no price; then, when
 * why is not NULL, a sentence saying so goes there.
 */
const struct llm_price *llm_price_of(const char *model, char *why, size_t whylen);

/* Cost of tokens at entry p in millionths of a US dollar (cached_tokens is part of prompt_tokens). */
int64_t llm_price_microusd(const struct llm_price *p, int64_t prompt_tokens, int64_t cached_tokens,
			   int64_t completion_tokens);

#endif
