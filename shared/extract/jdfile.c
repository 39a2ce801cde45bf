/* jdfile: a job description given as a file (PDF, DOCX, TXT; base64 in the job's JSON) turned into text. */
#include "extract/jdfile.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/util.h"
#include "extract/extract.h"

/* Decodes standard base64 (whitespace allowed); returns a new buffer and its length, or NULL. */
static unsigned char *decode_base64(const char *text, size_t *len)
{
	size_t n = strlen(text), i, o = 0, pad = 0;
	char *clean = xmalloc(n + 1);
	unsigned char *out;
	int got;

	for (i = 0; i < n; i++)
		if (text[i] != '\n' && text[i] != '\r' && text[i] != ' ' && text[i] != '\t')
			clean[o++] = text[i];
	clean[o] = '\0';
	if (o == 0 || o % 4 != 0) {
		free(clean);
		return NULL;
	}
	if (clean[o - 1] == '=')
		pad++;
	if (clean[o - 2] == '=')
		pad++;
	out = xmalloc(o / 4 * 3 + 1);
	got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)o);
	free(clean);
	if (got < 0 || (size_t)got < pad) {
		free(out);
		return NULL;
	}
	*len = (size_t)got - pad;
	return out;
}

int jdfile_apply(cJSON *obj, char *err, size_t errlen)
{
	cJSON *file = cJSON_GetObjectItemCaseSensitive(obj, "description_file");
	const char *b64;
	struct extract_limits lim;
	struct extract_result res;
	unsigned char *data;
	size_t len = 0;
	int rc = -1;

	if (!file)
		return 0;
	if (cJSON_IsNull(file)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "description_file");
		return 0;
	}
	b64 = json_str(file, "content_base64", NULL);
	if (!cJSON_IsObject(file) || !b64) {
		snprintf(err, errlen, "description_file: expected {\"filename\", \"content_base64\"}");
		return -1;
	}
	if (strlen(b64) > (size_t)JDFILE_MAX_BYTES / 3 * 4 + 1024) {
		snprintf(err, errlen, "description_file: larger than %d bytes", JDFILE_MAX_BYTES);
		return -1;
	}
	data = decode_base64(b64, &len);
	if (!data) {
		snprintf(err, errlen, "description_file.content_base64: not valid base64");
		return -1;
	}
	extract_limits_from_config(&lim);
	extract_buffer(data, len, &lim, &res);
	free(data);
	if (res.status != EXTRACT_OK || !res.text || !*res.text) {
		snprintf(err, errlen, "description_file: %s", res.reason && *res.reason ? res.reason : "no text found");
		goto out;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "description");
	cJSON_AddStringToObject(obj, "description", res.text);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "description_file");
	rc = 0;
out:
	extract_result_release(&res);
	return rc;
}
