/* apikey: making API keys and the hash under which they are stored. */
#ifndef SHORTLIST_APIKEY_H
#define SHORTLIST_APIKEY_H

#include <stdbool.h>
#include <stddef.h>

/* "sl_" + 64 hex digits (256 random bits). */
#define APIKEY_LEN 67
#define APIKEY_PREFIX_LEN 11

/* Writes a new random key (NUL-terminated) to out. Returns 0 or -1 when no randomness is available. */
int apikey_generate(char out[APIKEY_LEN + 1]);
/* Whether s has the shape of a key (prefix, length, hex digits). */
bool apikey_well_formed(const char *s);
/* The stored form: 64 hex digits of SHA-256(key) plus NUL. */
void apikey_hash_hex(const char *key, char out[65]);

#endif
