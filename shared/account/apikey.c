/* apikey: making API keys and the hash under which they are stored. */
#include "account/apikey.h"

#include <openssl/sha.h>
#include <string.h>

#include "base/util.h"

#define TOKEN_RANDOM_BYTES 32

int token_generate(const char *prefix, char *out)
{
	unsigned char raw[TOKEN_RANDOM_BYTES];
	size_t n = strlen(prefix);

	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	memcpy(out, prefix, n);
	hex_encode(raw, sizeof(raw), out + n);
	return 0;
}

bool token_shaped(const char *s, const char *prefix)
{
	size_t n = strlen(prefix), i;

	if (strlen(s) != n + 2 * TOKEN_RANDOM_BYTES || strncmp(s, prefix, n) != 0)
		return false;
	for (i = n; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int apikey_generate(char out[APIKEY_LEN + 1])
{
	return token_generate("sl_", out);
}

bool apikey_well_formed(const char *s)
{
	return token_shaped(s, "sl_");
}

void apikey_hash_hex(const char *key, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)key, strlen(key), md);
	hex_encode(md, sizeof(md), out);
}
