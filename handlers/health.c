/*
 * health: liveness (/healthz), readiness (/readyz: PostgreSQL, memcached and
 * S3 each probed; up, slow or down) and the Prometheus counters (/metrics).
 */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/hostmetrics.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/readiness.h"
#include "core/readyboard.h"
#include "http/app.h"
#include "http/resp.h"
#include "intake/s3.h"
#include "intake/s3client.h"

static int handle_healthz(struct req *r)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "status", "ok");
	return resp_json_take(r, 200, body);
}

/*
 * Each dependency's verdict, shared by the host's processes through files
 * beside the metrics file (core/readyboard.h): one probe at a time per
 * dependency, reused for SHORTLIST_PROBE_REUSE_MS.
 */
enum { DEP_POSTGRESQL, DEP_MEMCACHED, DEP_S3, DEP_COUNT };
static const char *const dep_names[DEP_COUNT] = { "postgresql", "memcached", "s3" };
static struct readiness deps[DEP_COUNT];
static bool probing_elsewhere[DEP_COUNT];
static struct readyboard boards[DEP_COUNT];
static struct readiness_rules rules;
static bool deps_ready;

static const char *state_dir(char *out, size_t outlen);

static void add_check(cJSON *checks, const char *name, const struct readiness *d, bool probing)
{
	cJSON *c = cJSON_AddObjectToObject(checks, name);
	int64_t now = now_ms();

	cJSON_AddStringToObject(c, "status", readiness_state_name(d->state));
	cJSON_AddNumberToObject(c, "latency_ms", d->latency_ms);
	if (d->probes > 0)
		cJSON_AddNumberToObject(c, "age_ms", (double)(now - d->probed_at_ms));
	if (probing)
		cJSON_AddBoolToObject(c, "probing", true);
	if (d->failures > 0) {
		cJSON_AddNumberToObject(c, "consecutive_failures", d->failures);
		cJSON_AddNumberToObject(c, "failing_for_ms", (double)(now - d->failing_since_ms));
		cJSON_AddStringToObject(c, "error", d->error);
	}
}

static bool probe_s3(int connect_timeout_ms, int timeout_ms, bool *transient, char *err, size_t errlen)
{
	struct s3_error e = { 0 };
	struct s3_client *s3;

	*transient = false;
	if (s3client_get(&s3, &e) < 0) {
		snprintf(err, errlen, "%s", e.message);
		return false;
	}
	if (connect_timeout_ms > timeout_ms)
		connect_timeout_ms = timeout_ms;
	if (s3_probe_within(s3, connect_timeout_ms, timeout_ms, &e) == 0)
		return true;
	*transient = s3_error_transient(&e);
	snprintf(err, errlen, "%s%s%s", e.code, *e.code && *e.message ? ": " : "", e.message);
	return false;
}

/* Probes dependency i within timeout ms and records the verdict. */
static void probe(int i, int timeout)
{
	char err[S3_CODE_MAX + S3_MESSAGE_MAX + 8] = "";
	bool answered = false, transient = false;
	int64_t t = now_us(), elapsed_us;

	switch (i) {
	case DEP_POSTGRESQL:
		answered = db_ping(timeout) == 0;
		if (!answered) {
			snprintf(err, sizeof(err), "%s", db_last_error());
			/* Anything but nobody listening is an error answer (too many connections, shutting down...). */
			transient = !strstr(err, "Connection refused") &&
				    !strstr(err, "could not translate host name") &&
				    !strstr(err, "No such file or directory");
		}
		break;
	case DEP_MEMCACHED:
		answered = cache_probe(timeout, err, sizeof(err)) == 0;
		break;
	default:
		answered = probe_s3((int)config()->probe_connect_timeout_ms, timeout, &transient, err, sizeof(err));
		break;
	}
	elapsed_us = now_us() - t;
	readiness_record(&deps[i], &rules, readiness_outcome_of(answered, transient, elapsed_us / 1000, timeout),
			 now_ms(), (double)elapsed_us / 1000.0, err);
}

static void setup(void)
{
	char dir[512];
	const char *d = state_dir(dir, sizeof(dir));
	int i;

	rules.down_after = (int)config()->probe_down_after;
	rules.down_after_ms = config()->probe_timeouts_down_after_ms;
	rules.slow_ms = config()->probe_slow_ms;
	rules.reuse_ms = config()->probe_reuse_ms;
	for (i = 0; i < DEP_COUNT; i++) {
		readiness_init(&deps[i]);
		readyboard_init(&boards[i], d, dep_names[i]);
	}
	deps_ready = true;
}

/*
 * Brings every verdict up to date within SHORTLIST_PROBE_BUDGET_MS, so that
 * /readyz answers before the load balancer's check gives up on it: each
 * probe gets what is left of the budget (at most SHORTLIST_PROBE_TIMEOUT_MS),
 * the least recently probed dependency first, so one that hangs cannot
 * starve the others. A dependency that another process is probing, or
 * that the budget has no time left for, keeps its last verdict.
 */
static void probe_all(void)
{
	int64_t deadline, order_at[DEP_COUNT];
	int order[DEP_COUNT], i, j, n;

	if (!deps_ready)
		setup();
	deadline = now_ms() + config()->probe_budget_ms;
	for (i = 0; i < DEP_COUNT; i++) {
		readyboard_load(&boards[i], &deps[i]);
		probing_elsewhere[i] = false;
		order[i] = i;
		order_at[i] = deps[i].probes ? deps[i].probed_at_ms : INT64_MIN;
	}
	for (i = 1; i < DEP_COUNT; i++)
		for (j = i; j > 0 && order_at[order[j]] < order_at[order[j - 1]]; j--) {
			n = order[j];
			order[j] = order[j - 1];
			order[j - 1] = n;
		}
	for (n = 0; n < DEP_COUNT; n++) {
		int64_t left;
		int locked;

		i = order[n];
		if (!readiness_due(&deps[i], &rules, now_ms()))
			continue;
		left = deadline - now_ms();
		if (left < 50)
			break;
		locked = readyboard_try_lock(&boards[i]);
		if (locked == 0) {
			probing_elsewhere[i] = true;
			continue;
		}
		/* Another process may have finished a probe between the load and the lock. */
		if (readyboard_load(&boards[i], &deps[i]) && !readiness_due(&deps[i], &rules, now_ms())) {
			readyboard_unlock(&boards[i]);
			continue;
		}
		probe(i, (int)(left < config()->probe_timeout_ms ? left : config()->probe_timeout_ms));
		readyboard_store(&boards[i], &deps[i]);
		readyboard_unlock(&boards[i]);
	}
}

static int handle_readyz(struct req *r)
{
	cJSON *body = cJSON_CreateObject();
	cJSON *checks = cJSON_CreateObject();
	cJSON *down = cJSON_CreateArray();
	cJSON *slow = cJSON_CreateArray();
	bool up, degraded = false;
	int i;

	probe_all();
	for (i = 0; i < DEP_COUNT; i++) {
		add_check(checks, dep_names[i], &deps[i], probing_elsewhere[i]);
		if (deps[i].state == READINESS_DOWN)
			cJSON_AddItemToArray(down, cJSON_CreateString(dep_names[i]));
		else if (deps[i].state == READINESS_SLOW)
			cJSON_AddItemToArray(slow, cJSON_CreateString(dep_names[i]));
		degraded = degraded || deps[i].state != READINESS_UP || deps[i].failures > 0;
	}

	up = cJSON_GetArraySize(down) == 0;
	cJSON_AddStringToObject(body, "status", !up ? "unavailable" : degraded ? "degraded" : "ready");
	cJSON_AddItemToObject(body, "checks", checks);
	if (cJSON_GetArraySize(slow) > 0)
		cJSON_AddItemToObject(body, "slow", slow);
	else
		cJSON_Delete(slow);
	if (up) {
		cJSON_Delete(down);
	} else {
		cJSON_AddItemToObject(body, "down", down);
		resp_header(r, "Retry-After", "5");
	}
	return resp_json_take(r, up ? 200 : 503, body);
}

/* The folder of the host's metrics file: the service's state, whose disk the scraper watches. */
static const char *state_dir(char *out, size_t outlen)
{
	const char *file = config()->metrics_file, *slash = strrchr(file, '/');

	if (!slash || (size_t)(slash - file) >= outlen)
		return NULL;
	snprintf(out, outlen, "%.*s", (int)(slash - file), file);
	return out;
}

static int handle_metrics(struct req *r)
{
	struct buf text = BUF_INIT(0);
	char dir[512];
	int rc;

	/*
	 * Without PostgreSQL its families are left out and the rest is served:
	 * a failed scrape would hide every counter, while this one says
	 * shortlist_dependency_up{dependency="postgresql"} 0.
	 */
	if (metrics_render(&text) < 0)
		log_warn("metrics: PostgreSQL cannot be asked; its gauges are left out of this scrape");
	probe_all();
	hostmetrics_render(&text, dep_names, deps, DEP_COUNT, state_dir(dir, sizeof(dir)));
	rc = resp_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text.ptr, text.len);
	buf_release(&text);
	return rc;
}

static const struct route routes[] = {
	{ "GET", "/healthz", handle_healthz, ROUTE_PUBLIC | ROUTE_IP_NONE },
	{ "GET", "/readyz", handle_readyz, ROUTE_STORE | ROUTE_IP_READYZ },
	{ "GET", "/metrics", handle_metrics, ROUTE_PUBLIC | ROUTE_IP_METRICS },
};

int main(int argc, char **argv)
{
	static const struct app app = { "health", routes, ARRAY_SIZE(routes), NULL, NULL, NULL };

	(void)argc;
	return app_main(&app, argv);
}
