/* returnpath: per-email envelope senders (VERP) that say which email a bounce is about, signed so none can be forged. Pure. */
#ifndef SHORTLIST_RETURNPATH_H
#define SHORTLIST_RETURNPATH_H

#include <stddef.h>
#include <stdint.h>

/* Longest address returnpath_for writes, NUL excluded. */
#define RETURNPATH_MAX 254

/*
 * Writes the return path of email id into out (outlen bytes): base
 * "bounces@example.com" gives "bounces+<id>-<sig>@example.com", sig being
 * the first 16 hex digits of HMAC-SHA256(key, "returnpath:<id>"). Returns
 * 0, or -1 when base is not local@domain (or already holds a '+'), key is
 * empty, or the result does not fit.
 */
int returnpath_for(const char *base, const char *key, int64_t id, char *out, size_t outlen);

/*
 * Reads an address made by returnpath_for with the same base and key (the
 * local part and domain compared without case). Returns 0 and sets *id when
 * it is one with a valid signature, or -1 (not ours, or forged).
 */
int returnpath_parse(const char *addr, const char *base, const char *key, int64_t *id);

#endif
