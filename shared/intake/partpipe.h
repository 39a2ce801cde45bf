/* partpipe: one background thread that runs one job at a time while the caller prepares the next. */
#ifndef SHORTLIST_PARTPIPE_H
#define SHORTLIST_PARTPIPE_H

#include <stdbool.h>

/* A job: runs on the pipe's thread; its return value is handed back by partpipe_wait(). */
typedef int (*partpipe_fn)(void *arg);

struct partpipe;

/*
 * Starts the thread. Returns a pipe (free with partpipe_free()); never
 * NULL: when no thread can be started the pipe runs each job inline, in
 * partpipe_start(), so callers need no second code path.
 */
struct partpipe *partpipe_new(void);

/*
 * Hands fn(arg) to the thread and returns at once. At most one job is in
 * flight: when one is, this first waits for it (its result is then lost, so
 * callers that care call partpipe_wait() before). Whatever arg points to
 * belongs to the job until partpipe_wait() returns; the caller must not touch it.
 */
void partpipe_start(struct partpipe *pp, partpipe_fn fn, void *arg);

/*
 * Waits for the job in flight. Returns true and sets *result (when result is
 * not NULL) to the job's return value, or false when no job was in flight.
 * After it returns the pipe is idle and everything the job wrote is visible
 * to the caller.
 */
bool partpipe_wait(struct partpipe *pp, int *result);

/* True while a started job has not been collected by partpipe_wait(). */
bool partpipe_busy(const struct partpipe *pp);

/* Waits for the job in flight, stops and joins the thread, frees the pipe; accepts NULL. */
void partpipe_free(struct partpipe *pp);

#endif
