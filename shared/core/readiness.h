/* readiness: the verdict on one dependency from its probes — up, slow or down — so /readyz neither drains a host for a slow answer nor hides an outage. */
#ifndef SHORTLIST_READINESS_H
#define SHORTLIST_READINESS_H

#include <stdbool.h>
#include <stdint.h>

/* What one probe saw. The values never overlap the ST_* range (0 and below). */
enum readiness_outcome {
	READINESS_ANSWERED = 1,	 /* the dependency answered: up, or slow when it took longer than slow_ms */
	READINESS_TIMED_OUT = 2, /* no answer within the probe's time: slow, down once that has lasted down_after_ms */
	READINESS_FAILED = 3,	 /* an error answer (a 5xx, a reset connection): down after down_after of them */
	READINESS_REFUSED = 4,	 /* nobody listens (connection refused, no such host, bad credentials): down at once */
};

/* The verdict. Only DOWN makes the host unready; SLOW is reported (a degraded host still serves). */
enum readiness_state {
	READINESS_UP = 0,
	READINESS_SLOW = 1,
	READINESS_DOWN = 2,
};

#define READINESS_ERROR_MAX 320

/* How probes become a verdict (from the configuration; the same for every dependency). */
struct readiness_rules {
	int down_after;	       /* consecutive error answers that make it down (>= 1) */
	int64_t down_after_ms; /* a run of probes without an answer (timeouts) lasting this long makes it down */
	int64_t slow_ms;       /* an answer slower than this is slow */
	int64_t reuse_ms;      /* a verdict is reused this long (0: probe every time) */
};

/*
 * One dependency's state. Plain data with no pointers, so that the
 * processes of a host can share it through a file (core/readyboard.h). The
 * caller owns the struct; it holds no memory. Not thread safe.
 */
struct readiness {
	int64_t probed_at_ms;		 /* monotonic time of the last probe; meaningful once probes > 0 */
	int64_t probes;			 /* probes recorded so far */
	int64_t failing_since_ms;	 /* monotonic start of the current run of failed probes; -1: none */
	int failures;			 /* consecutive probes without an answer (timeouts, errors, refusals) */
	int errors;			 /* of those, the error answers and refusals */
	int state;			 /* an enum readiness_state */
	double latency_ms;		 /* of the last probe */
	char error[READINESS_ERROR_MAX]; /* what the last failed probe saw; "" after an answer */
};

/*
 * Classifies one probe that took elapsed_ms of its timeout_ms: answered is
 * ANSWERED, however late; one that ran out of its time (within a few
 * milliseconds) is TIMED_OUT; a transient failure that came back sooner (a
 * 5xx, a reset connection) is FAILED; any other failure that came back
 * sooner (the dependency said no: refused, no such host, bad credentials)
 * is REFUSED.
 */
enum readiness_outcome readiness_outcome_of(bool answered, bool transient, int64_t elapsed_ms, int64_t timeout_ms);

/* Starts a dependency as up with no probe made. */
void readiness_init(struct readiness *r);

/* Whether a new probe is needed at now_ms (monotonic): none made yet, or the last one older than rules->reuse_ms. */
bool readiness_due(const struct readiness *r, const struct readiness_rules *rules, int64_t now_ms);

/*
 * Records a probe that ended at now_ms and took latency_ms, and returns the
 * new state. An answer clears the failures: up, or slow past slow_ms. A
 * timeout is slow, and down once the run of failures it belongs to started
 * down_after_ms or more before now_ms. An error answer counts: down at
 * down_after of them in the run, else the state stays what it was. A
 * refusal is down at once. Only an answer brings a down dependency back.
 * error (borrowed, may be NULL) is kept for a failure.
 */
enum readiness_state readiness_record(struct readiness *r, const struct readiness_rules *rules,
				      enum readiness_outcome outcome, int64_t now_ms, double latency_ms,
				      const char *error);

/* Whether the state lets the host serve (up or slow). */
bool readiness_serves(const struct readiness *r);

/* "up", "slow" or "down". Static string. */
const char *readiness_state_name(int state);

#endif
