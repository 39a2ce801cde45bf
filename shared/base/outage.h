/* outage: a dependency found down, retried with capped, jittered backoff and reported once per interval. */
#ifndef SHORTLIST_OUTAGE_H
#define SHORTLIST_OUTAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/backoff.h"

/*
 * What a loop needs so that a service it depends on being down costs it
 * neither a core nor its log: when to try again (the n-th consecutive
 * failure waits backoff_delay_ms(policy, n)) and when to say so again
 * (the first failure, then at most once per report_every_ms). Pure: the
 * caller passes the time and logs. Times are milliseconds on one clock
 * (now_ms()). Not thread safe; one per dependency.
 */
struct outage {
	struct backoff policy;
	int64_t report_every_ms;
	bool down;		/* the last attempt failed */
	int failures;		/* consecutive failed attempts, since since_ms */
	int64_t since_ms;	/* when the first of them failed */
	int64_t next_try_ms;	/* no attempt is due before this while down */
	int64_t next_report_ms; /* the next OUTAGE_REPORT is not before this */
};

enum outage_event {
	OUTAGE_QUIET = 1, /* a failure to keep quiet about */
	OUTAGE_STARTED,	  /* the first failure: report that the dependency is down */
	OUTAGE_REPORT,	  /* report_every_ms since the last report: report it again, with o->failures */
};

/* clang-format off */
/* The drainer's policy for PostgreSQL: retry after 0.25 s, doubling, at most 3 s apart; report every 10 s. */
#define OUTAGE_DB_POLICY { 250, 250, 3000 }
#define OUTAGE_DB_REPORT_MS 10000
/* clang-format on */

/* Fills o: up, nothing failed yet. policy is copied. */
void outage_init(struct outage *o, const struct backoff *policy, int64_t report_every_ms);

/*
 * Records a failed attempt at now: counts it, sets next_try_ms with the
 * jittered delay for this failure (rnd as in backoff_delay_ms; NULL: the
 * default source) and says whether to report it. Returns an outage_event.
 */
enum outage_event outage_fail(struct outage *o, int64_t now, backoff_rand_fn rnd, void *arg);

/*
 * Records a successful attempt. Returns how many consecutive attempts had
 * failed before it (0: there was no outage); since_ms is left as it was, so
 * the caller can report how long the outage lasted.
 */
int outage_ok(struct outage *o);

/* Whether an attempt may be made at now: always when up, else from next_try_ms on. */
bool outage_due(const struct outage *o, int64_t now);

/* Milliseconds from now until an attempt is due (0 when due now). */
int64_t outage_wait_ms(const struct outage *o, int64_t now);

#endif
