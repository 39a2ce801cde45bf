/* sha256: SHA-256 digests (one-shot and streaming) and HMAC-SHA256 over OpenSSL. */
#ifndef SHORTLIST_SHA256_H
#define SHORTLIST_SHA256_H

#include <stdbool.h>
#include <stddef.h>

#define SHA256_LEN 32
#define SHA256_HEX_LEN 64

/*
 * A streaming digest. sha256_init() must succeed before update/final;
 * sha256_release() frees it and accepts a zeroed or already released struct.
 */
struct sha256 {
	void *ctx;
};

/* Starts a digest; returns 0, or -1 (nothing to release) when OpenSSL fails. */
int sha256_init(struct sha256 *s);
/* Adds len bytes; returns 0 or -1. */
int sha256_update(struct sha256 *s, const void *data, size_t len);
/* Writes the 32-byte digest to out and releases the context; returns 0 or -1. */
int sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);
void sha256_release(struct sha256 *s);

/* One-shot digest of len bytes; returns 0 or -1. */
int sha256_digest(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* One-shot digest written as 64 lowercase hex digits and a NUL; returns 0 or -1. */
int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

/* HMAC-SHA256 of data under key; returns 0 or -1. */
int sha256_hmac(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[SHA256_LEN]);

/*
 * Whether the strings given and expected are equal, compared as SHA-256
 * digests so neither the length nor the first difference shows in the
 * timing (for secrets and signatures). False when either cannot be digested.
 */
bool sha256_secret_equal(const char *given, const char *expected);

#endif
