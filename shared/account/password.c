/* password: hashing and checking users' passwords (Argon2id through libsodium). */
#include "account/password.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

_Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX, "PASSWORD_HASH_MAX too small");

#define OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

static bool ready(void)
{
	static int state; /* 0 unknown, 1 ready, -1 failed */

	if (state == 0)
		state = sodium_init() >= 0 ? 1 : -1;
	return state == 1;
}

bool password_acceptable(const char *pw, char *err, size_t errlen)
{
	size_t n = strlen(pw), i = 0;

	if (n < PASSWORD_MIN_BYTES || n > PASSWORD_MAX_BYTES) {
		snprintf(err, errlen, "a password has %d to %d bytes; this one has %zu", PASSWORD_MIN_BYTES,
			 PASSWORD_MAX_BYTES, n);
		return false;
	}
	while (i < n) {
		uint32_t cp = 0;
		size_t used = utf8_decode((const unsigned char *)pw, n, i, &cp);

		if (cp == 0xFFFD && used == 1 && (unsigned char)pw[i] >= 0x80) {
			snprintf(err, errlen, "a password must be valid UTF-8");
			return false;
		}
		if (cp < 0x20 || cp == 0x7F) {
			snprintf(err, errlen, "a password must not contain control characters");
			return false;
		}
		i += used;
	}
	return true;
}

int password_hash(const char *pw, char out[PASSWORD_HASH_MAX])
{
	if (!ready())
		return -1;
	return crypto_pwhash_str(out, pw, strlen(pw), OPS, MEM) == 0 ? 0 : -1;
}

bool password_verify(const char *stored, const char *pw)
{
	static char dummy[PASSWORD_HASH_MAX];

	if (!ready())
		return false;
	if (!stored || !*stored) {
		if (!*dummy && crypto_pwhash_str(dummy, "not a password of anyone", 24, OPS, MEM) != 0)
			return false;
		/* Same work as a real check; whatever it says, there is no such password. */
		int same = crypto_pwhash_str_verify(dummy, pw, strlen(pw));

		(void)same;
		return false;
	}
	return crypto_pwhash_str_verify(stored, pw, strlen(pw)) == 0;
}
