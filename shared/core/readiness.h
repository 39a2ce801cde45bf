/* readiness: the verdict on one dependency from its probes, so /readyz neither flaps on a slow answer nor hides an outage. */
#ifndef SHORTLIST_READINESS_H
#define SHORTLIST_READINESS_H

#include <stdbool.h>
#include <stdint.h>

/* What one probe saw. The values never overlap the ST_* range (0 and below). */
enum readiness_outcome {
	READINESS_ANSWERED = 1, /* the dependency answered in time: up */
	READINESS_FAILED = 2,	/* a timeout or an error answer: counts towards down */
	READINESS_REFUSED = 3,	/* nobody listens (connection refused, no such host): down at once */
};

#define READINESS_ERROR_MAX 320

/*
 * One dependency's state in one process (each process probes for itself:
 * the shared cache is itself a dependency). The caller owns the struct;
 * it holds no memory. Not thread safe.
 */
struct readiness {
	int down_after;			 /* consecutive failed probes that make it down (>= 1) */
	int64_t reuse_ms;		 /* a probe's verdict is reused this long (0: probe every time) */
	int64_t probed_at_ms;		 /* monotonic time of the last probe; meaningful once probes > 0 */
	int64_t probes;			 /* probes recorded so far */
	int failures;			 /* consecutive failed probes, 0 after an answer */
	bool up;			 /* the verdict */
	double latency_ms;		 /* of the last probe */
	char error[READINESS_ERROR_MAX]; /* what the last failed probe saw; "" after an answer */
};

/*
 * Classifies one probe: answered is ANSWERED; a transient failure (one the
 * dependency may get over by itself: a 5xx, a reset connection) or one that
 * ran out of its timeout_ms is FAILED; any other failure that came back
 * before the timeout (the dependency said no: refused, no such host, bad
 * credentials) is REFUSED.
 */
enum readiness_outcome readiness_outcome_of(bool answered, bool transient, int64_t elapsed_ms, int64_t timeout_ms);

/* Starts a dependency as up with no probe made. */
void readiness_init(struct readiness *r, int down_after, int64_t reuse_ms);

/* Whether a new probe is needed at now_ms (monotonic): none made yet, or the last one older than reuse_ms. */
bool readiness_due(const struct readiness *r, int64_t now_ms);

/*
 * Records a probe made at now_ms that took latency_ms and returns the new
 * verdict (true: up). An answer makes it up and clears the failures; a
 * refusal makes it down at once; a failure makes it down once down_after
 * of them follow each other. error (borrowed, may be NULL) is kept for a
 * failure or refusal.
 */
bool readiness_record(struct readiness *r, enum readiness_outcome outcome, int64_t now_ms, double latency_ms,
		      const char *error);

#endif
