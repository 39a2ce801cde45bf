/* readiness: the verdict on one dependency from its probes, so /readyz neither flaps on a slow answer nor hides an outage. */
#include "core/readiness.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum readiness_outcome readiness_outcome_of(bool answered, bool transient, int64_t elapsed_ms, int64_t timeout_ms)
{
	if (answered)
		return READINESS_ANSWERED;
	if (transient || elapsed_ms >= timeout_ms)
		return READINESS_FAILED;
	return READINESS_REFUSED;
}

void readiness_init(struct readiness *r, int down_after, int64_t reuse_ms)
{
	memset(r, 0, sizeof(*r));
	r->down_after = down_after < 1 ? 1 : down_after;
	r->reuse_ms = reuse_ms < 0 ? 0 : reuse_ms;
	r->up = true;
}

bool readiness_due(const struct readiness *r, int64_t now_ms)
{
	return r->probes == 0 || r->reuse_ms == 0 || now_ms - r->probed_at_ms >= r->reuse_ms ||
	       now_ms < r->probed_at_ms;
}

bool readiness_record(struct readiness *r, enum readiness_outcome outcome, int64_t now_ms, double latency_ms,
		      const char *error)
{
	r->probed_at_ms = now_ms;
	r->probes++;
	r->latency_ms = latency_ms;
	if (outcome == READINESS_ANSWERED) {
		r->failures = 0;
		r->error[0] = '\0';
		r->up = true;
		return true;
	}
	if (r->failures < INT32_MAX)
		r->failures++;
	snprintf(r->error, sizeof(r->error), "%s", error && *error ? error : "no answer");
	if (outcome == READINESS_REFUSED || r->failures >= r->down_after)
		r->up = false;
	return r->up;
}
