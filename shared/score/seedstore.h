/* seedstore: fills one job with synthetic scored candidates through set-based SQL, for benchmarks and plan tests. */
#ifndef SHORTLIST_SEEDSTORE_H
#define SHORTLIST_SEEDSTORE_H

#include <stdint.h>

/* Largest candidates count one call accepts, and the rows written per transaction. */
#define SEEDSTORE_MAX 10000000
#define SEEDSTORE_CHUNK 50000

/* How many seeded candidates fell in each category (a seeded resume's status follows it). */
struct seed_counts {
	int64_t shortlist;
	int64_t consider;
	int64_t reject;
	int64_t needs_review;
	int64_t failed;
};

/* The failed argument of seedstore_fill for outcomes drawn at random. */
#define SEED_FAILED_RANDOM (-1)

/* Called after each committed chunk with the candidates written so far and the total asked for. */
typedef void (*seed_progress_fn)(int64_t done, int64_t total, void *arg);

/*
 * Adds n candidates (1..SEEDSTORE_MAX) to job job_id of organisation org_id,
 * in one new batch (written to *batch_id), SEEDSTORE_CHUNK per transaction:
 * - resumes with s3 keys under orgs/ORG/jobs/JOB/seed/BATCH/ (no S3 object
 *   is written: a download of a seeded resume fails), a short text, contact
 *   details and a sha256 unique in the job;
 * - each resume's one current analysis: about 2% failed and 5%
 *   needs_review, each with a reason; the rest scored with a beta-like
 *   spread (mean about 57, sd about 11) and categorised by the job's
 *   thresholds, with per-criterion scores and verified evidence quotes for
 *   every criterion of the job's rubric, in the JSON shape the scorers write;
 * - a succeeded process_resume task per resume.
 * With failed >= 0 (at most n) the outcomes are fixed instead: candidates
 *   1..failed fail, none needs review, the rest are scored, so that two
 *   batches of one size are alike in what their status lists (benchmarks).
 * Scores are random: two runs give different candidates, the same shape.
 * progress (may be NULL) is called after each chunk. A chunk that fails is
 * rolled back; the chunks before it stay. Adds what was written to *counts
 * (caller zeroes it). Returns 0, ST_NOT_FOUND (no such job in the
 * organisation), ST_BAD_REQUEST (n or failed out of range) or a db status code.
 */
int seedstore_fill(int64_t org_id, int64_t job_id, int64_t n, int64_t failed, seed_progress_fn progress, void *arg,
		   int64_t *batch_id, struct seed_counts *counts);

#endif
