/* apikey: making API keys and the hash under which they are stored. */
#ifndef SHORTLIST_APIKEY_H
#define SHORTLIST_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

/* "sl_" + 64 hex digits (256 random bits). */
#define APIKEY_LEN 67
#define APIKEY_PREFIX_LEN 11

/*
 * Secret tokens in general (API keys, session tokens): a short prefix and
 * 64 lowercase hex digits of 256 random bits. token_generate writes one to
 * out (strlen(prefix) + 65 bytes) and returns 0, or -1 when no randomness is
 * available; token_shaped says whether s has that form.
 */
int token_generate(const char *prefix, char *out);
bool token_shaped(const char *s, const char *prefix);

/* Writes a new random key (NUL-terminated) to out. Returns 0 or -1 when no randomness is available. */
int apikey_generate(char out[APIKEY_LEN + 1]);
/* Whether s has the shape of a key (prefix, length, hex digits). */
bool apikey_well_formed(const char *s);
/* The stored form: 64 hex digits of SHA-256(key) plus NUL. */
void apikey_hash_hex(const char *key, char out[65]);

#endif
