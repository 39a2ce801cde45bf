/* slotrequest: one file a client asks an upload URL for, checked before any slot is made. */
#include "intake/slotrequest.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "intake/filename.h"

/* A media type as a signed header may carry it: type/subtype[; params], printable ASCII, no quotes needed. */
static bool media_type_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > SLOTREQUEST_MEDIA_TYPE_MAX || !strchr(s, '/') || s[0] == '/')
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	}
	return true;
}

static int check(const cJSON *f, int64_t max_bytes, struct slotrequest *out, char *why, size_t whylen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(f, "filename");
	const cJSON *ct = cJSON_GetObjectItemCaseSensitive(f, "content_type");
	const cJSON *sz = cJSON_GetObjectItemCaseSensitive(f, "size");

	if (!cJSON_IsObject(f))
		return fail(why, whylen, "entry is not an object");
	if (!cJSON_IsString(name) || !*name->valuestring)
		return fail(why, whylen, "filename is required (a non-empty string)");
	if (ct && !cJSON_IsNull(ct)) {
		if (!cJSON_IsString(ct) || !media_type_ok(ct->valuestring))
			return fail(why, whylen, "content_type is not a media type such as application/pdf");
		out->content_type = ct->valuestring;
	}
	if (sz && !cJSON_IsNull(sz)) {
		if (!cJSON_IsNumber(sz) || sz->valuedouble < 0 || sz->valuedouble > 9.0e15 ||
		    sz->valuedouble != (double)(int64_t)sz->valuedouble)
			return fail(why, whylen, "size must be a whole number of bytes");
		out->size = (int64_t)sz->valuedouble;
		if (out->size == 0)
			return fail(why, whylen, "empty file");
		if (out->size > max_bytes)
			return fail(why, whylen, "file of %lld bytes is larger than the limit of %lld bytes",
				    (long long)out->size, (long long)max_bytes);
	}
	return 0;
}

int slotrequest_parse(const cJSON *f, int64_t max_bytes, struct slotrequest *out, char *why, size_t whylen)
{
	const char *given = cJSON_IsObject(f) ? json_str(f, "filename", NULL) : NULL;
	int rc;

	out->filename = NULL;
	out->content_type = NULL;
	out->size = -1;
	rc = check(f, max_bytes, out, why, whylen);
	if (rc < 0) {
		out->content_type = NULL;
		out->size = -1;
	}
	if (given)
		out->filename = filename_sanitize(given, strlen(given));
	return rc;
}

void slotrequest_release(struct slotrequest *s)
{
	free(s->filename);
	s->filename = NULL;
}
