/* slotrequest: one file a client asks an upload URL for, checked before any slot is made. */
#ifndef SHORTLIST_SLOTREQUEST_H
#define SHORTLIST_SLOTREQUEST_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Longest content type a request may declare, in bytes. */
#define SLOTREQUEST_MEDIA_TYPE_MAX 127

/*
 * One requested file. filename is owned (sanitised; free with
 * slotrequest_release()), content_type is borrowed from the request JSON
 * (NULL when not given), size is in bytes (-1 when not given).
 */
struct slotrequest {
	char *filename;
	const char *content_type;
	int64_t size;
};

/*
 * Checks one entry of an upload-urls request: an object with a non-empty
 * string filename, an optional content_type that a signed header may carry
 * (type/subtype[; params], printable ASCII, 3 to 127 bytes) and an optional
 * whole size from 1 to max_bytes. Returns 0 and fills *out, or -1 with the
 * reason in why and *out empty. In both cases out->filename is set when
 * the entry names a file, so a refusal can say which one; release *out.
 */
int slotrequest_parse(const cJSON *f, int64_t max_bytes, struct slotrequest *out, char *why, size_t whylen);

/* Frees what *s owns (not s); accepts an empty or released request. */
void slotrequest_release(struct slotrequest *s);

#endif
