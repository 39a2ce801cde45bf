/* errdoc: the problem+json answer to a request lighttpd refused itself, given the request's X-Request-Id. */
#include "http/errdoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "http/resp.h"

#define ERRDOC_MAX_BYTES 4096

/* lighttpd's document for status as a JSON object, or NULL. */
static cJSON *load_document(int status)
{
	const char *dir = getenv("SHORTLIST_ERRORS_DIR");
	char path[4096], text[ERRDOC_MAX_BYTES], err[128];
	cJSON *doc = NULL;
	FILE *f;
	size_t n;
	int len;

	if (!dir || !*dir)
		return NULL;
	len = snprintf(path, sizeof(path), "%s/status-%d.html", dir, status);
	if (len < 0 || (size_t)len >= sizeof(path))
		return NULL;
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (n == sizeof(text))
		return NULL;
	doc = json_parse(text, n, 4, err, sizeof(err));
	if (doc && !cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		doc = NULL;
	}
	return doc;
}

bool errdoc_answer(struct req *r, const char *redirect_status)
{
	cJSON *doc;
	char *text;
	int64_t status;

	if (!redirect_status || parse_int64(redirect_status, 400, 599, &status) < 0)
		return false;
	doc = load_document((int)status);
	if (!doc) {
		doc = cJSON_CreateObject();
		cJSON_AddStringToObject(doc, "type", "about:blank");
		cJSON_AddStringToObject(doc, "title", status_reason((int)status));
		cJSON_AddNumberToObject(doc, "status", (double)status);
	}
	cJSON_DeleteItemFromObject(doc, "instance");
	cJSON_DeleteItemFromObject(doc, "request_id");
	if (r->path)
		cJSON_AddStringToObject(doc, "instance", r->path);
	cJSON_AddStringToObject(doc, "request_id", r->request_id);
	text = json_print(doc);
	resp_raw(r, (int)status, "application/problem+json", text, strlen(text));
	free(text);
	cJSON_Delete(doc);
	if (status == 503)
		resp_header(r, "Retry-After", "5");
	return true;
}
