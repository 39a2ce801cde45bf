/*
 * answercache: the whole answers of the hot reads (a page of a shortlist, a
 * candidate, a batch's status), kept in memcached for a short time and
 * shared by every process and host, so that recruiters reading the same
 * pages cost PostgreSQL one query per answer and per SHORTLIST_ANSWER_CACHE_MS.
 *
 * What a reader sees:
 *  - Anything done through the API is seen at once. Every request of an
 *    organisation that may change something (any method but GET and HEAD,
 *    whatever its outcome; app.c) moves the organisation's generation on
 *    before its answer is sent, and an entry is used only under the
 *    generation it was stored under. So is every erasure, the retention
 *    sweep's included (erase.c), before its transaction and after it.
 *  - What the drainer does (tasks claimed and finished: new analyses,
 *    statuses, emails sent) shows within SHORTLIST_ANSWER_STEP_GAP_MS
 *    (500 ms): it steps each organisation's generation at most that often,
 *    after its commits, and at once when it has nothing more to do
 *    (queue.c, answercache_hold_steps() below).
 *  - SHORTLIST_ANSWER_CACHE_MS, the most an entry may be old, bounds what a
 *    lost generation step could leave (a memcached server that drops out
 *    and comes back with an older generation, or a drainer killed with
 *    steps held).
 *  - memcached down: nothing is kept, every read goes to PostgreSQL.
 *  - SHORTLIST_ANSWER_CACHE_MS=0 turns the cache off.
 * An entry is one organisation's, keyed by route, parameters and the
 * caller's view (whether the blind view hides identities from them); it is
 * never shared across organisations. Only 200 answers are kept.
 */
#ifndef SHORTLIST_ANSWERCACHE_H
#define SHORTLIST_ANSWERCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

/* Largest answer kept, in bytes (memcached's item limit is 1 MiB); a larger one is served uncached. */
#define ANSWERCACHE_VALUE_MAX (512 * 1024)
/* Longest key text: route and parameters. */
#define ANSWERCACHE_WHAT_MAX 200

/* A looked-up answer's place: filled by answercache_get(), used by answercache_put(). */
struct answer_slot {
	char key[ANSWERCACHE_WHAT_MAX + 64];
	uint64_t generation; /* the organisation's, read with the entry: what a put stores under */
	bool usable;	     /* false: the cache is off or memcached is down; put does nothing */
};

/*
 * Looks up the answer of what (route and parameters, printable, no spaces,
 * at most ANSWERCACHE_WHAT_MAX bytes) for org_id under its generation.
 * Returns 1 with the body appended to body and the number stored with it
 * in *aux (0 when none), or 0 (miss, too old, cache off or down), and
 * leaves slot ready for answercache_put().
 */
int answercache_get(struct answer_slot *slot, int64_t org_id, const char *what, struct buf *body, int64_t *aux);

/* Keeps body (a 200 answer) with aux under slot. Does nothing when the slot is not usable or body is too large. */
void answercache_put(const struct answer_slot *slot, const char *body, size_t len, int64_t aux);

/*
 * Moves org_id's generation on, so no answer kept before is used again.
 * Returns 0, or -1 when memcached could not count it (then no answer can be
 * read from it either, except from a server that comes back: see above).
 */
int answercache_invalidate(int64_t org_id);

/*
 * Steps from a process that makes many changes in a row (the drainer:
 * every task claimed or finished) are held back: after a step, an
 * organisation's next one waits until gap_ms have passed, and what changed
 * meanwhile is stepped then, once, by answercache_step_due(). Readers see
 * such a process's work within gap_ms and its loop's turn, instead of every
 * change ending the organisation's kept answers at once. Off (every step at
 * once) until a process calls answercache_hold_steps(); gap_ms 0 turns it
 * off again.
 */
void answercache_hold_steps(int gap_ms);

/*
 * answercache_invalidate() now, or (held steps) when the organisation's
 * gap has passed. Returns 0, or -1 as answercache_invalidate() does.
 */
int answercache_invalidate_soon(int64_t org_id);

/*
 * Makes the held steps whose gap has passed, or all of them (all: before
 * the process waits for work or exits). Call it every turn of the loop.
 */
void answercache_step_due(bool all);

#endif
