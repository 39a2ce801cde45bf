/* counters: the counts kept by the database's counter triggers (0130) — reading a scope, compaction, check and rebuild. */
#ifndef SHORTLIST_COUNTERS_H
#define SHORTLIST_COUNTERS_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "core/db.h"

/* Most delta rows one compaction round folds together. */
#define COUNTERS_COMPACT_BATCH 10000

/* One hot statement by name, for the plan checks (shortlistctl statements). */
struct counters_statement {
	const char *name; /* "counters_scope", "progress_failures", ... */
	const char *sql;  /* its text, as the code prepares it */
	const char *args; /* a description of its parameters */
};

/*
 * The counters of one scope ("service" with id 0, "org", "job", "batch"):
 * rows (family, k1, k2, n) with a sum other than zero, ordered by family,
 * k1, k2; n is a decimal string (sums of tokens and cost are too). One
 * index range of counter_deltas. Returns 0 with *out set (caller frees with
 * db_result_free()), or a db status code.
 */
int counters_scope(const char *scope, int64_t id, struct db_result **out);

/*
 * The sum of one counter in the rows of counters_scope(), 0 when absent.
 * k2 NULL matches any second label (their sum). res is borrowed.
 */
double counters_sum(const struct db_result *res, const char *family, const char *k1, const char *k2);

/*
 * The counters of one family in the rows of counters_scope() as a new JSON
 * object {k1: sum} (caller frees; second labels summed), with every name of
 * labels (NULL-terminated, may be NULL) present, 0 when it has no counter.
 */
cJSON *counters_family_json(const struct db_result *res, const char *family, const char *const *labels);

/*
 * One compaction round: the oldest COUNTERS_COMPACT_BATCH deltas (skipping
 * rows a concurrent round holds) are deleted and their sums per counter
 * inserted again, in one statement; the sums of scopes that no longer
 * exist are dropped. Safe with concurrent writers and compactors under
 * READ COMMITTED. *folded: delta rows deleted (may be NULL). Returns 0 or a
 * db status code.
 */
int counters_compact(int64_t *folded);

/*
 * The drainer's call: one counters_compact(), logged when it folded
 * anything, unless no delta was written since this process's last round
 * (an idle service does not rewrite its deltas). Not thread-safe (one
 * static). Returns 0 or a db status code.
 */
int counters_tend(void);

/*
 * Every counter of an existing scope whose sum differs from a full count of
 * the rows: rows (scope, scope_id, family, k1, k2, stored, counted). Reads
 * every counted table: for repair and tests, not the request path (no
 * statement timeout). Returns 0 with *out set (caller frees), or a db code.
 */
int counters_check(struct db_result **out);

/*
 * Recomputes every counter and batch item from the rows, holding writers
 * of the counted tables off until it commits. *wrong: how many counters
 * differed before (0: nothing was rewritten). Returns 0 or a db code.
 */
int counters_rebuild(int64_t *wrong);

/* The hot statements of this module (borrowed, static); *n gets their number. */
const struct counters_statement *counters_statements(size_t *n);

#endif
