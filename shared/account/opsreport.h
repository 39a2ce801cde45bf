/* opsreport: an organisation's operations over time — throughput, latency, queue, LLM spend, errors, emails. */
#ifndef SHORTLIST_OPSREPORT_H
#define SHORTLIST_OPSREPORT_H

#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* The window the report covers, in hours: 24 unless asked, at most 14 days. */
#define OPSREPORT_HOURS_DEFAULT 24
#define OPSREPORT_HOURS_MAX (14 * 24)

/*
 * Reads the hours query parameter: NULL or "" is OPSREPORT_HOURS_DEFAULT,
 * else an integer from 1 to OPSREPORT_HOURS_MAX. Returns 0 with *hours set,
 * or -1 with the message for the caller in err.
 */
int opsreport_hours_parse(const char *s, int *hours, char *err, size_t errlen);

/*
 * Whether the caller may read the organisation's operations: its admins,
 * the same callers as may manage its API keys (an organisation key, or a
 * user whose role is admin; account/keystore.h). Returns 1, 0, or a status
 * code.
 */
int opsreport_may_view(int64_t org_id, int64_t user_id, int64_t key_id);

/*
 * Builds the report of organisation org_id over the last hours hours
 * (1..OPSREPORT_HOURS_MAX) in one statement, from its own rows only:
 *   {"hours", "from" (start of the first hour), "hourly" [{at, processed,
 *    failed, needs_review, latency_n, latency_p50_s, latency_p95_s}] (one per
 *    hour, oldest first, the current hour last), "daily" [{day, analyses,
 *    cost_usd, prompt_tokens, completion_tokens, emails_sent,
 *    emails_failed}] (one per UTC day the window touches, oldest first),
 *    "queue" [{kind, queued, running}] (now, by kind), "as_of"}.
 * processed counts the analyses written in the hour (a resume scored,
 * needing review or failed; a rescore too), failed and needs_review those of
 * that category. Latency is from upload to the resume's first analysis that
 * is not a failure, in seconds, for the resumes that got it in the hour (null
 * when none). emails_sent counts emails handed to the relay that day
 * (bounced later or not), emails_failed those that failed for good.
 * Each part is one range of an index on (org_id, time) (migration 0160),
 * bounded by the window. Returns 0 with *out set (caller frees), or a db
 * status code.
 */
int opsreport_json(int64_t org_id, int hours, cJSON **out);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *opsreport_statements(size_t *n);

#endif
