/* sha256: SHA-256 digests (one-shot and streaming) and HMAC-SHA256 over OpenSSL. */
#include "base/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <string.h>

#include "base/util.h"

int sha256_init(struct sha256 *s)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	s->ctx = NULL;
	if (!ctx)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -1;
	}
	s->ctx = ctx;
	return 0;
}

int sha256_update(struct sha256 *s, const void *data, size_t len)
{
	if (!s->ctx)
		return -1;
	if (len == 0)
		return 0;
	return EVP_DigestUpdate(s->ctx, data, len) == 1 ? 0 : -1;
}

int sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN])
{
	unsigned int n = 0;
	int ret = -1;

	if (!s->ctx)
		return -1;
	if (EVP_DigestFinal_ex(s->ctx, out, &n) == 1 && n == SHA256_LEN)
		ret = 0;
	sha256_release(s);
	return ret;
}

void sha256_release(struct sha256 *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

int sha256_digest(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	unsigned int n = 0;

	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != SHA256_LEN)
		return -1;
	return 0;
}

int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	unsigned char md[SHA256_LEN];

	if (sha256_digest(data, len, md) < 0)
		return -1;
	hex_encode(md, SHA256_LEN, out);
	return 0;
}

int sha256_hmac(const void *key, size_t keylen, const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	unsigned int n = 0;

	if (keylen > INT32_MAX)
		return -1;
	if (!HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n) || n != SHA256_LEN)
		return -1;
	return 0;
}

bool sha256_secret_equal(const char *given, const char *expected)
{
	unsigned char a[SHA256_LEN], b[SHA256_LEN];
	volatile unsigned char diff = 0;
	size_t i;

	if (sha256_digest(given, strlen(given), a) < 0 || sha256_digest(expected, strlen(expected), b) < 0)
		return false;
	for (i = 0; i < SHA256_LEN; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}
