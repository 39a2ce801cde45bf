/* password: hashing and checking users' passwords (Argon2id through libsodium). */
#ifndef SHORTLIST_PASSWORD_H
#define SHORTLIST_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN_BYTES 10
#define PASSWORD_MAX_BYTES 1024
/* The stored form's size with its NUL (libsodium's crypto_pwhash_STRBYTES). */
#define PASSWORD_HASH_MAX 128

/*
 * Whether a password may be set: PASSWORD_MIN_BYTES to PASSWORD_MAX_BYTES
 * bytes of valid UTF-8 without control characters. On false, writes the
 * reason to err.
 */
bool password_acceptable(const char *pw, char *err, size_t errlen);

/*
 * Hashes pw with Argon2id at libsodium's "interactive" cost (64 MiB, about
 * a tenth of a second here) and a random salt, into the self-describing
 * string stored in users.password_hash. Returns 0, or -1 (out of memory).
 */
int password_hash(const char *pw, char out[PASSWORD_HASH_MAX]);

/*
 * Checks pw against a stored hash in time that does not depend on where
 * they differ. stored NULL (no such user, or no password set) is checked
 * against a fixed dummy hash so that the answer takes as long either way.
 */
bool password_verify(const char *stored, const char *pw);

#endif
