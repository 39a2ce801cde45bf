/* outage: a dependency found down, retried with capped, jittered backoff and reported once per interval. */
#include "base/outage.h"

#include <string.h>

void outage_init(struct outage *o, const struct backoff *policy, int64_t report_every_ms)
{
	memset(o, 0, sizeof(*o));
	o->policy = *policy;
	o->report_every_ms = report_every_ms > 0 ? report_every_ms : 0;
}

enum outage_event outage_fail(struct outage *o, int64_t now, backoff_rand_fn rnd, void *arg)
{
	enum outage_event ev = OUTAGE_QUIET;

	if (!o->down) {
		o->down = true;
		o->failures = 0;
		o->since_ms = now;
		o->next_report_ms = now + o->report_every_ms;
		ev = OUTAGE_STARTED;
	} else if (now >= o->next_report_ms) {
		o->next_report_ms = now + o->report_every_ms;
		ev = OUTAGE_REPORT;
	}
	if (o->failures < INT32_MAX)
		o->failures++;
	o->next_try_ms = now + backoff_delay_ms(&o->policy, o->failures, rnd, arg);
	return ev;
}

int outage_ok(struct outage *o)
{
	int failed = o->down ? o->failures : 0;

	o->down = false;
	o->failures = 0;
	o->next_try_ms = 0;
	return failed;
}

bool outage_due(const struct outage *o, int64_t now)
{
	return !o->down || now >= o->next_try_ms;
}

int64_t outage_wait_ms(const struct outage *o, int64_t now)
{
	return outage_due(o, now) ? 0 : o->next_try_ms - now;
}
