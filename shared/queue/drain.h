/* drain: the drainer's work loop — claim resume tasks, fetch, extract in sandboxed children, score, record. */
#ifndef SHORTLIST_DRAIN_H
#define SHORTLIST_DRAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct drain_options {
	bool follow;	     /* keep running, waiting for work; else stop when the queue is empty */
	int64_t max_seconds; /* stop claiming after this long (0: no limit) */
	int max_in_flight;   /* resume tasks held at once (0: twice the LLM concurrency) */
	int extract_workers; /* extraction children at once (0: one per core) */
	int lease_seconds;   /* task lease (0: configured) */
	int grace_seconds;   /* after a stop request, time given to work in flight before it is released */
};

struct drain_stats {
	int64_t claimed;
	int64_t scored;
	int64_t needs_review;
	int64_t failed;
	int64_t retried;
	int64_t released;
	int64_t pending_budget; /* parked to wait for their job's budget */
	int64_t batched;	/* put to sleep waiting for a provider batch (Batch API) */
	int64_t budget_busy;	/* given back for a moment: the budget's room was held by work in flight */
	int64_t lost;		/* claims that another drainer rescued: their results were dropped */
	int64_t rescued;
	int64_t emails_sent;
	int64_t emails_retried;
	int64_t emails_failed;
	int64_t uploads_recovered; /* presigned uploads whose S3 event never came, recorded by the sweep */
	int64_t notified;	   /* follow: idle waits ended by a notification (new work) rather than the timeout */
};

/*
 * Runs until the queue is empty (once), or forever (follow), or until
 * *stop becomes non-zero or max_seconds pass; then stops claiming, gives
 * work in flight grace_seconds to finish, and releases what is left back to
 * the queue unworked. Any number of drainers may run at once: claims never
 * overlap, a lost lease is noticed by the heartbeat, and results are written
 * only while the claim holds. Claims take only what can start soon and hold
 * it on a short lease until its work starts (then the full lease). While
 * the database is down or has no schema yet it claims nothing, probes it
 * quietly with backoff (at most 3 s apart) and logs the outage once per
 * 10 s, with either mode (max_seconds bounds a --once run's wait). Returns
 * 0, or a status code when it could not start (configuration, LLM engine).
 */
int drain_run(const struct drain_options *o, volatile sig_atomic_t *stop, struct drain_stats *stats);

#endif
