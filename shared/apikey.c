/* apikey: making API keys and the hash under which they are stored. */
#include "apikey.h"

#include <openssl/sha.h>
#include <string.h>

#include "util.h"

int apikey_generate(char out[APIKEY_LEN + 1])
{
	unsigned char raw[32];

	if (random_bytes(raw, sizeof(raw)) < 0)
		return -1;
	memcpy(out, "sl_", 3);
	hex_encode(raw, sizeof(raw), out + 3);
	return 0;
}

bool apikey_well_formed(const char *s)
{
	size_t i;

	if (strlen(s) != APIKEY_LEN || strncmp(s, "sl_", 3) != 0)
		return false;
	for (i = 3; i < APIKEY_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

void apikey_hash_hex(const char *key, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)key, strlen(key), md);
	hex_encode(md, sizeof(md), out);
}
