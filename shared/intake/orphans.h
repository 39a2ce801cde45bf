/* orphans: multipart upload parts left in S3 — failed aborts retried, and unfinished uploads swept. */
#ifndef SHORTLIST_ORPHANS_H
#define SHORTLIST_ORPHANS_H

#include <stdint.h>

#include "base/backoff.h"

struct s3_client;
struct s3_error;

/* The prefix every upload key starts with; the sweep looks only under it. */
#define ORPHANS_PREFIX "orgs/"
/* clang-format off */
/* Retries of a failed abort: at least a minute, doubling from a minute, at most 6 hours apart. */
#define ORPHANS_BACKOFF { 60000, 60000, 21600000 }
/* clang-format on */
/* How often the sweep runs (across all drainers), and pending aborts retried per call at most. */
#define ORPHANS_SWEEP_EVERY_S 3600
#define ORPHANS_RETRY_MAX 100
/* Pages of ListMultipartUploads read per sweep at most (1000 uploads each). */
#define ORPHANS_SWEEP_MAX_PAGES 20

/*
 * What an abort's answer means for the upload. Positive, so that none is
 * ever taken for a status code (ST_*) or an S3 result.
 */
enum orphans_outcome {
	ORPHANS_ABORTED = 1,	 /* 2xx: the parts are gone */
	ORPHANS_GONE = 2,	 /* 404 (NoSuchUpload): nothing left to abort, counts as done */
	ORPHANS_UNSUPPORTED = 3, /* 405/501: the store cannot abort at all; keep it, retry at the cap */
	ORPHANS_RETRY = 4,	 /* anything else (S3 down, a refusal): retry with backoff */
};

/* Classifies the result rc of s3_multipart_abort() with its err (pure). */
enum orphans_outcome orphans_outcome_of(int rc, const struct s3_error *err);

/*
 * The delay before the next try of an abort that just failed for the
 * attempts-th time with outcome (ORPHANS_RETRY or ORPHANS_UNSUPPORTED):
 * a capped, jittered backoff (ORPHANS_BACKOFF), and for a store that cannot
 * abort at all a jittered delay near the cap (between half the cap and the
 * cap). rnd as in backoff_delay_ms() (NULL: the system's).
 */
int64_t orphans_retry_delay_ms(enum orphans_outcome outcome, int attempts, backoff_rand_fn rnd, void *arg);

/*
 * For callers whose s3_multipart_abort() of upload_id of key failed with rc
 * and err: records a pending abort for the drainer to retry (nothing when
 * the upload is already gone). When PostgreSQL is down too it only logs: the
 * sweep finds the upload later. Never fails; blocks for one statement.
 */
void orphans_abort_failed(const char *key, const char *upload_id, int rc, const struct s3_error *err);

/* Counts of one orphans_retry_aborts() or orphans_sweep() call. */
struct orphans_stats {
	int aborted;	 /* uploads aborted, or found already gone */
	int kept;	 /* aborts that failed again and stay pending */
	int unsupported; /* of them, refused as not implemented */
	int listed;	 /* unfinished uploads the sweep saw */
};

/*
 * Retries up to max pending aborts that are due: done ones are forgotten,
 * failed ones counted and put off by orphans_retry_delay_ms(). A store that
 * cannot abort is logged at most once per backoff cap across all drainers,
 * not per attempt. Adds to *st. Returns 0 or a db status code (the retries
 * stop then).
 */
int orphans_retry_aborts(struct s3_client *s3, int max, struct orphans_stats *st);

/*
 * Aborts every unfinished multipart upload under ORPHANS_PREFIX initiated
 * more than after_seconds ago (after_seconds <= 0: does nothing), reading at
 * most ORPHANS_SWEEP_MAX_PAGES pages; an abort that fails is recorded as
 * pending. A store that cannot list uploads (NotImplemented) is logged and
 * skipped. Adds to *st. Returns 0, 1 when the store cannot list uploads, or
 * an S3 result when listing failed.
 */
int orphans_sweep(struct s3_client *s3, int after_seconds, struct orphans_stats *st);

/*
 * The drainer's periodic hook: retries due aborts and, when its turn came
 * (every ORPHANS_SWEEP_EVERY_S across all drainers) and
 * config()->multipart_sweep_after_seconds is not 0, sweeps. Logs what it did;
 * s3 NULL does nothing.
 */
void orphans_tend(struct s3_client *s3);

#endif
