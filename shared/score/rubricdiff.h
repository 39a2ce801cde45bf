/* rubricdiff: what changed between two versions of a rubric, criterion by criterion. */
#ifndef SHORTLIST_RUBRICDIFF_H
#define SHORTLIST_RUBRICDIFF_H

#include <stdbool.h>

#include <cJSON.h>

#include "score/rubric.h"

/* Whether two criteria say the same (name case-insensitive, every other field exactly). */
bool rubric_criterion_same(const struct rubric_criterion *a, const struct rubric_criterion *b);

/*
 * The changes from rubric a to rubric b, criteria matched by name
 * (case-insensitive; a reworded title is one removed and one added):
 * {"added": [names], "removed": [names], "changed": [{"name", "fields":
 * {FIELD: {"from", "to"}}}], "unchanged": N} where FIELD is description,
 * weight, must_have, kind, min_years or keywords. Order changes are not
 * changes. Caller frees with cJSON_Delete().
 */
cJSON *rubric_diff(const struct rubric *a, const struct rubric *b);

#endif
