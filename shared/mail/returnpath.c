/* returnpath: per-email envelope senders (VERP) that say which email a bounce is about, signed so none can be forged. Pure. */
#include "mail/returnpath.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/sha256.h"
#include "base/util.h"

#define SIG_HEX 16

static int signature(const char *key, int64_t id, char out[SIG_HEX + 1])
{
	unsigned char mac[SHA256_LEN];
	char msg[48], hex[2 * SHA256_LEN + 1];
	int n = snprintf(msg, sizeof(msg), "returnpath:%" PRId64, id);

	if (!key || !*key || n < 0 || (size_t)n >= sizeof(msg) ||
	    sha256_hmac(key, strlen(key), msg, (size_t)n, mac) < 0)
		return -1;
	hex_encode(mac, sizeof(mac), hex);
	memcpy(out, hex, SIG_HEX);
	out[SIG_HEX] = '\0';
	return 0;
}

int returnpath_for(const char *base, const char *key, int64_t id, char *out, size_t outlen)
{
	const char *at = base ? strrchr(base, '@') : NULL;
	char sig[SIG_HEX + 1];
	int n;

	if (!at || at == base || !at[1] || memchr(base, '+', (size_t)(at - base)) || id <= 0 ||
	    signature(key, id, sig) < 0)
		return -1;
	n = snprintf(out, outlen, "%.*s+%" PRId64 "-%s%s", (int)(at - base), base, id, sig, at);
	if (n < 0 || (size_t)n >= outlen || n > RETURNPATH_MAX)
		return -1;
	return 0;
}

int returnpath_parse(const char *addr, const char *base, const char *key, int64_t *id)
{
	const char *bat = base ? strrchr(base, '@') : NULL, *at = addr ? strrchr(addr, '@') : NULL;
	const char *plus, *dash;
	size_t llen;
	char sig[SIG_HEX + 1];
	int64_t v;

	if (!bat || !at)
		return -1;
	llen = (size_t)(bat - base);
	plus = addr + llen;
	if ((size_t)(at - addr) <= llen || strncasecmp(addr, base, llen) != 0 || *plus != '+' ||
	    !str_equal_nocase(at, bat))
		return -1;
	dash = memchr(plus, '-', (size_t)(at - plus));
	if (!dash || at - dash - 1 != SIG_HEX ||
	    parse_int64_n(plus + 1, (size_t)(dash - plus - 1), 1, INT64_MAX, &v) < 0 || signature(key, v, sig) < 0)
		return -1;
	{
		char given[SIG_HEX + 1];
		size_t i;

		for (i = 0; i < SIG_HEX; i++)
			given[i] = (char)tolower((unsigned char)dash[1 + i]);
		given[SIG_HEX] = '\0';
		if (!sha256_secret_equal(given, sig))
			return -1;
	}
	*id = v;
	return 0;
}
