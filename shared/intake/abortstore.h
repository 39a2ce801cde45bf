/* abortstore: multipart uploads whose abort failed, kept in PostgreSQL until an abort succeeds. */
#ifndef SHORTLIST_ABORTSTORE_H
#define SHORTLIST_ABORTSTORE_H

#include <stdint.h>

/* One pending abort. key and upload_id are owned (abortstore_free() frees them). */
struct pending_abort {
	int64_t id;
	char *key;
	char *upload_id;
	int attempts; /* aborts tried so far, the first (failed) one included */
};

/*
 * Records that the abort of upload_id of key failed with error (a short
 * text, kept as last_error): the first attempt, the next one delay_ms from
 * now. An upload already recorded is left as it is. Returns 0 or a db status
 * code (logged by the db layer).
 */
int abortstore_record(const char *key, const char *upload_id, const char *error, int64_t delay_ms);

/*
 * Takes up to max pending aborts whose next attempt is due, oldest due
 * first, and moves their next attempt lease_ms out so that another drainer
 * does not take them meanwhile. *out gets *n entries (abortstore_free()
 * frees them; NULL when none). Returns 0 or a db status code.
 */
int abortstore_claim_due(int max, int64_t lease_ms, struct pending_abort **out, int *n);
void abortstore_free(struct pending_abort *a, int n);

/* Forgets a pending abort: the upload is gone. Returns 0 or a db status code. */
int abortstore_done(int64_t id);

/* Counts another failed attempt with its error; the next one comes delay_ms from now. Returns 0 or a db status code. */
int abortstore_retry_later(int64_t id, const char *error, int64_t delay_ms);

/* How many aborts are pending; returns 0 and sets *n, or a db status code. */
int abortstore_count(int64_t *n);

/*
 * Takes the turn of the periodic chore name (shared by every drainer): when
 * it has never run or its time came, moves its next time every_s seconds
 * out and returns 1; returns 0 when it is not due, or a db status code.
 */
int abortstore_chore_take(const char *name, int64_t every_s);

#endif
