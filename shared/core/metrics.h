/* metrics: the service's counters in the Prometheus text format, for GET /metrics. */
#ifndef SHORTLIST_METRICS_H
#define SHORTLIST_METRICS_H

#include <stddef.h>

#include "base/buf.h"

/*
 * Appends the exposition text to out: tasks by kind and state, resumes by
 * status, emails by state, analyses and their tokens and cost, and the LLM
 * cache counters from memcached (absent when it is down), the queue's depth
 * and age (queuemetrics.h) and the counters of every process of the host
 * (procmetrics.h). Counts are across all organisations, read from the
 * service's counters (core/counters.h). When PostgreSQL cannot be asked,
 * the families read from it (the gauges above and the queue's) are left
 * out, whole, and the rest is appended all the same, so that a scrape
 * while the database is down still carries every process's counters and
 * the dependency gauges that say why. Returns 0, or the status code of the
 * failed query (the database's families left out).
 */
int metrics_render(struct buf *out);

/*
 * The text of the i-th counting statement of metrics_render() and its name
 * (*name, static), for plan checks; NULL past the last one.
 */
const char *metrics_statement_sql(size_t i, const char **name);

#endif
