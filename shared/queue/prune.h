/* prune: deletes finished tasks and settled upload slots once they are older than their retention, a bounded batch at a time. */
#ifndef SHORTLIST_PRUNE_H
#define SHORTLIST_PRUNE_H

#include <stddef.h>
#include <stdint.h>

/* Most rows one statement deletes: a round never holds many locks or writes much WAL at once. */
#define PRUNE_BATCH 5000

/* What one round deleted. */
struct prune_counts {
	int64_t tasks;	    /* succeeded tasks finished over SHORTLIST_TASK_RETENTION_DAYS ago */
	int64_t dead_tasks; /* discarded (dead-letter) tasks finished over SHORTLIST_DEAD_TASK_RETENTION_DAYS ago */
	int64_t upload_slots; /* received, rejected or expired slots settled over SHORTLIST_UPLOAD_SLOT_RETENTION_DAYS ago */
};

/*
 * One round of pruning, oldest first, at most PRUNE_BATCH rows of each of
 * the three kinds, each in its own statement (rows another drainer is
 * deleting are skipped, not waited for). Queued and running tasks and
 * issued slots are never deleted, whatever their age; nothing an audit
 * needs is touched: resumes, analyses (every version), batches, emails and
 * suppressions stay. The drainer calls it from its periodic maintenance, so
 * a backlog shrinks by at most PRUNE_BATCH of each kind a round. Fills *out
 * (zeroed first). Returns 0 or a db status code (rows deleted by the
 * statements before a failure stay deleted).
 */
int prune_round(struct prune_counts *out);

/*
 * The drainer's call: one prune_round(), and a log line saying what it
 * deleted (nothing when it deleted nothing; a failure is logged by the
 * store). Returns what prune_round() returned.
 */
int prune_tend(void);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *prune_statements(size_t *n);

#endif
