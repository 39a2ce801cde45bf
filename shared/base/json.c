/* json: parsing untrusted JSON with size, depth and position-aware errors, and small cJSON helpers. */
#include "base/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Finds the first place nesting passes max_depth, ignoring brackets inside strings. */
static ssize_t too_deep_at(const char *s, size_t len, int max_depth)
{
	int depth = 0;
	bool in_string = false, escaped = false;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return (ssize_t)i;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return -1;
}

static void position_of(const char *s, size_t offset, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < offset; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

cJSON *json_parse(const char *text, size_t len, int max_depth, char *err, size_t errlen)
{
	const char *end = NULL;
	cJSON *root;
	ssize_t deep;
	int line, col;
	size_t i;

	for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'); i++)
		;
	if (i == len) {
		snprintf(err, errlen, "empty body: expected a JSON document");
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		position_of(text, (size_t)((const char *)memchr(text, '\0', len) - text), &line, &col);
		snprintf(err, errlen, "invalid JSON at line %d, column %d: NUL byte", line, col);
		return NULL;
	}
	deep = too_deep_at(text, len, max_depth);
	if (deep >= 0) {
		position_of(text, (size_t)deep, &line, &col);
		snprintf(err, errlen, "JSON nested deeper than %d levels at line %d, column %d", max_depth, line, col);
		return NULL;
	}
	root = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (!root) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;

		position_of(text, off, &line, &col);
		snprintf(err, errlen, "invalid JSON at line %d, column %d (byte %zu)", line, col, off);
		return NULL;
	}
	for (i = (size_t)(end - text); i < len; i++) {
		if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') {
			position_of(text, i, &line, &col);
			snprintf(err, errlen, "invalid JSON at line %d, column %d: unexpected data after the document",
				 line, col);
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

const char *json_str(const cJSON *obj, const char *name, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(v) ? v->valuestring : def;
}

int64_t json_int(const cJSON *obj, const char *name, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

bool json_bool(const cJSON *obj, const char *name, bool def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

char *json_print(const cJSON *item)
{
	char *s = cJSON_PrintUnformatted(item);

	if (!s) {
		fprintf(stderr, "fatal: out of memory printing JSON\n");
		abort();
	}
	return s;
}

void json_add_str_or_null(cJSON *obj, const char *name, const char *value)
{
	if (value)
		cJSON_AddStringToObject(obj, name, value);
	else
		cJSON_AddNullToObject(obj, name);
}

bool json_is_id(const cJSON *item)
{
	return cJSON_IsNumber(item) && item->valuedouble >= 1 && item->valuedouble <= 9e15 &&
	       item->valuedouble == floor(item->valuedouble);
}

int64_t *json_id_array(const cJSON *array, const char *name, int max, size_t *n, char *err, size_t errlen)
{
	int count = cJSON_IsArray(array) ? cJSON_GetArraySize(array) : -1;
	const cJSON *it;
	int64_t *ids;

	*n = 0;
	if (count < 1 || count > max) {
		snprintf(err, errlen, "%s: must be an array of 1 to %d ids", name, max);
		return NULL;
	}
	ids = xcalloc((size_t)count, sizeof(*ids));
	cJSON_ArrayForEach(it, array)
	{
		if (!json_is_id(it)) {
			snprintf(err, errlen, "%s[%zu]: must be a positive integer", name, *n);
			free(ids);
			*n = 0;
			return NULL;
		}
		ids[(*n)++] = (int64_t)it->valuedouble;
	}
	return ids;
}
