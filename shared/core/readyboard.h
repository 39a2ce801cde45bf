/* readyboard: one host's readiness verdicts shared by its processes, and one probe at a time per dependency. */
#ifndef SHORTLIST_READYBOARD_H
#define SHORTLIST_READYBOARD_H

#include <stdbool.h>

#include "core/readiness.h"

/*
 * Why: lighttpd runs several health processes on a host (and one for the
 * metrics listener), and HAProxy, Kubernetes and Prometheus ask them at
 * the same time. Each asking its own probe would multiply the load on a
 * dependency that is already slow, and each counting its own failures
 * would give different answers on one host. So the verdict of each
 * dependency is a small file in the instance's run folder (DIR/readiness-NAME,
 * replaced whole by rename, so a reader never sees half of it), and a
 * probe is made under an exclusive lock on DIR/readiness-NAME.lock, taken
 * without waiting: a process that finds it taken reports the last verdict
 * instead of probing too. The kernel drops the lock of a process that dies
 * mid-probe. Without a folder (dir NULL or "") each process keeps its own
 * verdict, as one process serving alone would.
 */
struct readyboard {
	char path[480];
	char lock_path[490];
	int lock_fd; /* -1: not open */
	bool shared; /* false: process-local only */
	bool locked;
};

/* Sets up b for dependency name under dir (NULL or "": process-local). Opens nothing yet. */
void readyboard_init(struct readyboard *b, const char *dir, const char *name);

/*
 * Replaces *r with the host's last verdict when there is one of this
 * build's layout. Returns true when it read one.
 */
bool readyboard_load(struct readyboard *b, struct readiness *r);

/*
 * Takes the probe lock without waiting. Returns 1 when taken (the caller
 * probes, stores and unlocks), 0 when another process is probing, or -1
 * when the lock file cannot be used (logged once; the caller probes on its
 * own). Process-local boards always return 1.
 */
int readyboard_try_lock(struct readyboard *b);

/* Writes r as the host's verdict (best effort: a failure is logged and the next probe writes again). */
void readyboard_store(struct readyboard *b, const struct readiness *r);

/* Releases the probe lock taken by readyboard_try_lock. */
void readyboard_unlock(struct readyboard *b);

/* Closes the lock file. Accepts a board never opened. */
void readyboard_release(struct readyboard *b);

#endif
