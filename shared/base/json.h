/* json: parsing untrusted JSON with size, depth and position-aware errors, and small cJSON helpers. */
#ifndef SHORTLIST_JSON_H
#define SHORTLIST_JSON_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Parses len bytes of JSON text. Refuses nesting deeper than max_depth.
 * Invalid UTF-8, \u0000 and duplicate keys are left to cJSON, which keeps
 * them: check untrusted text with jsoncheck_validate() first. On failure
 * returns NULL and writes a reason with the line and column to err
 * ("invalid JSON at line 3, column 14: ...").
 * Returns a tree the caller frees with cJSON_Delete().
 */
cJSON *json_parse(const char *text, size_t len, int max_depth, char *err, size_t errlen);

/* Field getters: return the value, or def when the field is absent or of another type. */
const char *json_str(const cJSON *obj, const char *name, const char *def);
int64_t json_int(const cJSON *obj, const char *name, int64_t def);
bool json_bool(const cJSON *obj, const char *name, bool def);

/* Whether item is a number that is a whole id, 1 to 9e15 (what a bigint id and a double both hold exactly). */
bool json_is_id(const cJSON *item);

/*
 * An array of 1 to max ids (json_is_id), for the member called name.
 * Returns the ids (caller frees) with their count in *n, or NULL with the
 * refusal in err: "NAME: must be an array of 1 to MAX ids" or
 * "NAME[I]: must be a positive integer".
 */
int64_t *json_id_array(const cJSON *array, const char *name, int max, size_t *n, char *err, size_t errlen);

/* Prints without formatting; returns a newly allocated string (caller frees). Aborts on OOM. */
char *json_print(const cJSON *item);

/* Adds a string member only when value is not NULL; otherwise adds null. */
void json_add_str_or_null(cJSON *obj, const char *name, const char *value);

#endif
