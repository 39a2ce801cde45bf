/*
 * health: liveness (/healthz), readiness (/readyz: PostgreSQL, memcached and
 * S3 each probed) and the Prometheus counters (/metrics).
 */
#include <cJSON.h>
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

/* Each dependency's verdict in this process: reused briefly, down after consecutive failures or a refusal. */
enum { DEP_POSTGRESQL, DEP_MEMCACHED, DEP_S3, DEP_COUNT };
static const char *const dep_names[DEP_COUNT] = { "postgresql", "memcached", "s3" };
static struct readiness deps[DEP_COUNT];
static bool deps_ready;

static void add_check(cJSON *checks, cJSON *down, const char *name, const struct readiness *d)
{
	cJSON *c = cJSON_AddObjectToObject(checks, name);

	cJSON_AddStringToObject(c, "status", d->up ? "up" : "down");
	cJSON_AddNumberToObject(c, "latency_ms", d->latency_ms);
	if (d->failures > 0) {
		cJSON_AddNumberToObject(c, "consecutive_failures", d->failures);
		cJSON_AddStringToObject(c, "error", d->error);
	}
	if (!d->up)
		cJSON_AddItemToArray(down, cJSON_CreateString(name));
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
	if (s3_probe_within(s3, connect_timeout_ms, timeout_ms, &e) == 0)
		return true;
	*transient = s3_error_transient(&e);
	snprintf(err, errlen, "%s%s%s", e.code, *e.code && *e.message ? ": " : "", e.message);
	return false;
}

/* Probes dependency i unless its last verdict is recent enough to reuse. */
static void probe(int i)
{
	int timeout = (int)config()->probe_timeout_ms;
	char err[S3_CODE_MAX + S3_MESSAGE_MAX + 8] = "";
	bool answered = false, transient = false;
	int64_t t = now_us(), elapsed_us;

	if (!readiness_due(&deps[i], now_ms()))
		return;
	switch (i) {
	case DEP_POSTGRESQL:
		answered = db_ping(timeout) == 0;
		if (!answered)
			snprintf(err, sizeof(err), "%s", db_last_error());
		break;
	case DEP_MEMCACHED:
		answered = cache_probe(timeout, err, sizeof(err)) == 0;
		break;
	default:
		answered = probe_s3((int)config()->probe_connect_timeout_ms, timeout, &transient, err, sizeof(err));
		break;
	}
	elapsed_us = now_us() - t;
	readiness_record(&deps[i], readiness_outcome_of(answered, transient, elapsed_us / 1000, timeout), now_ms(),
			 (double)elapsed_us / 1000.0, err);
}

/* Probes every dependency whose verdict is not recent enough to reuse. */
static void probe_all(void)
{
	int i;

	for (i = 0; i < DEP_COUNT; i++) {
		if (!deps_ready)
			readiness_init(&deps[i], (int)config()->probe_down_after, config()->probe_reuse_ms);
		probe(i);
	}
	deps_ready = true;
}

static int handle_readyz(struct req *r)
{
	cJSON *body = cJSON_CreateObject();
	cJSON *checks = cJSON_CreateObject();
	cJSON *down = cJSON_CreateArray();
	bool up;
	int i;

	probe_all();
	for (i = 0; i < DEP_COUNT; i++)
		add_check(checks, down, dep_names[i], &deps[i]);

	up = cJSON_GetArraySize(down) == 0;
	cJSON_AddStringToObject(body, "status", up ? "ready" : "unavailable");
	cJSON_AddItemToObject(body, "checks", checks);
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
