/* readiness: the verdict on one dependency from its probes — up, slow or down — so /readyz neither drains a host for a slow answer nor hides an outage. */
#include "core/readiness.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A timed-out call returns within this much of its timeout (libcurl and poll round to milliseconds). */
#define TIMEOUT_SLACK_MS 5

enum readiness_outcome readiness_outcome_of(bool answered, bool transient, int64_t elapsed_ms, int64_t timeout_ms)
{
	if (answered)
		return READINESS_ANSWERED;
	if (elapsed_ms + TIMEOUT_SLACK_MS >= timeout_ms)
		return READINESS_TIMED_OUT;
	if (transient)
		return READINESS_FAILED;
	return READINESS_REFUSED;
}

void readiness_init(struct readiness *r)
{
	memset(r, 0, sizeof(*r));
	r->failing_since_ms = -1;
	r->state = READINESS_UP;
}

bool readiness_due(const struct readiness *r, const struct readiness_rules *rules, int64_t now_ms)
{
	return r->probes == 0 || rules->reuse_ms <= 0 || now_ms - r->probed_at_ms >= rules->reuse_ms ||
	       now_ms < r->probed_at_ms;
}

enum readiness_state readiness_record(struct readiness *r, const struct readiness_rules *rules,
				      enum readiness_outcome outcome, int64_t now_ms, double latency_ms,
				      const char *error)
{
	int down_after = rules->down_after < 1 ? 1 : rules->down_after;

	r->probed_at_ms = now_ms;
	r->probes++;
	r->latency_ms = latency_ms;
	if (outcome == READINESS_ANSWERED) {
		r->failures = 0;
		r->errors = 0;
		r->failing_since_ms = -1;
		r->error[0] = '\0';
		r->state = latency_ms > (double)rules->slow_ms ? READINESS_SLOW : READINESS_UP;
		return (enum readiness_state)r->state;
	}
	if (r->failures == 0 || r->failing_since_ms < 0)
		r->failing_since_ms = now_ms - (int64_t)latency_ms; /* when the first failed probe started */
	if (r->failures < INT32_MAX)
		r->failures++;
	snprintf(r->error, sizeof(r->error), "%s", error && *error ? error : "no answer");
	switch (outcome) {
	case READINESS_TIMED_OUT:
		if (r->state != READINESS_DOWN)
			r->state = READINESS_SLOW;
		break;
	case READINESS_FAILED:
		if (r->errors < INT32_MAX)
			r->errors++;
		if (r->errors >= down_after)
			r->state = READINESS_DOWN;
		break;
	default:
		if (r->errors < INT32_MAX)
			r->errors++;
		r->state = READINESS_DOWN;
		break;
	}
	if (now_ms - r->failing_since_ms >= rules->down_after_ms)
		r->state = READINESS_DOWN;
	return (enum readiness_state)r->state;
}

bool readiness_serves(const struct readiness *r)
{
	return r->state != READINESS_DOWN;
}

const char *readiness_state_name(int state)
{
	switch (state) {
	case READINESS_UP:
		return "up";
	case READINESS_SLOW:
		return "slow";
	default:
		return "down";
	}
}
