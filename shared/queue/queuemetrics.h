/* queuemetrics: the queue's depth and oldest waiting age, read at scrape time, in the Prometheus text format. */
#ifndef SHORTLIST_QUEUEMETRICS_H
#define SHORTLIST_QUEUEMETRICS_H

#include <stddef.h>

#include "base/buf.h"

/*
 * Appends shortlist_queue_depth{kind,state} (queued and running tasks) and
 * shortlist_queue_oldest_age_seconds{kind} (how long the oldest task that
 * may run now has waited for a drainer; 0 when none waits). Both read only
 * the queue's partial indexes (queued: tasks_claimable_kind, which holds
 * kind and run_at; running: tasks_leases), so a scrape costs what the active
 * tasks cost, not the table. Every kind of the code (RESUME_TASK_KIND) is
 * present even at 0. Returns 0, or a status code when PostgreSQL cannot be
 * asked (nothing appended then).
 */
int queuemetrics_render(struct buf *out);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *queuemetrics_statements(size_t *n);

#endif
