/*
 * health: liveness (/handle_healthz), readiness (/handle_readyz: PostgreSQL, memcached and
 * S3 each probed) and the Prometheus counters (/handle_metrics).
 */
#include <cJSON.h>
#include <stdio.h>

#include "base/status.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/metrics.h"
#include "http/app.h"
#include "http/resp.h"
#include "intake/s3.h"

static struct s3_client *s3;

static int handle_healthz(struct req *r)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "status", "ok");
	return resp_json_take(r, 200, body);
}

static void add_check(cJSON *checks, cJSON *down, const char *name, bool up, int64_t started_us, const char *error)
{
	cJSON *c = cJSON_AddObjectToObject(checks, name);

	cJSON_AddStringToObject(c, "status", up ? "up" : "down");
	cJSON_AddNumberToObject(c, "latency_ms", (double)(now_us() - started_us) / 1000.0);
	if (!up) {
		cJSON_AddStringToObject(c, "error", error && *error ? error : "no answer");
		cJSON_AddItemToArray(down, cJSON_CreateString(name));
	}
}

static bool probe_s3(int timeout_ms, char *err, size_t errlen)
{
	struct s3_error e = { 0 };

	if (!s3 && s3_client_new_from_config(&s3, &e) < 0) {
		snprintf(err, errlen, "%s", e.message);
		return false;
	}
	if (s3_probe(s3, timeout_ms, &e) == 0)
		return true;
	snprintf(err, errlen, "%s%s%s", e.code, *e.code && *e.message ? ": " : "", e.message);
	return false;
}

static int handle_readyz(struct req *r)
{
	int timeout = (int)config()->probe_timeout_ms;
	cJSON *body = cJSON_CreateObject();
	cJSON *checks = cJSON_CreateObject();
	cJSON *down = cJSON_CreateArray();
	char err[S3_CODE_MAX + S3_MESSAGE_MAX + 8];
	int64_t t;
	bool up;

	t = now_us();
	up = db_ping(timeout) == 0;
	add_check(checks, down, "postgresql", up, t, up ? NULL : db_last_error());

	t = now_us();
	err[0] = '\0';
	up = cache_probe(timeout, err, sizeof(err)) == 0;
	add_check(checks, down, "memcached", up, t, err);

	t = now_us();
	err[0] = '\0';
	up = probe_s3(timeout, err, sizeof(err));
	add_check(checks, down, "s3", up, t, err);

	up = cJSON_GetArraySize(down) == 0;
	cJSON_AddStringToObject(body, "status", up ? "ready" : "unavailable");
	cJSON_AddItemToObject(body, "checks", checks);
	if (up) {
		cJSON_Delete(down);
	} else {
		cJSON_AddItemToObject(body, "down", down);
		resp_header(r, "Retry-After", "5");
	}
	resp_header(r, "Cache-Control", "no-store");
	return resp_json_take(r, up ? 200 : 503, body);
}

static int handle_metrics(struct req *r)
{
	struct buf text = BUF_INIT(0);
	int rc = metrics_render(&text);

	if (rc < 0) {
		buf_release(&text);
		return resp_fail(r, ST_UNAVAILABLE, "the database is unavailable; try again");
	}
	resp_header(r, "Cache-Control", "no-store");
	rc = resp_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text.ptr, text.len);
	buf_release(&text);
	return rc;
}

static const struct route routes[] = {
	{ "GET", "/healthz", handle_healthz, ROUTE_PUBLIC },
	{ "GET", "/readyz", handle_readyz, ROUTE_PUBLIC },
	{ "GET", "/metrics", handle_metrics, ROUTE_PUBLIC },
};

static void release(void)
{
	s3_client_free(s3);
}

int main(int argc, char **argv)
{
	static const struct app app = { "health", routes, ARRAY_SIZE(routes), NULL, NULL, release };

	(void)argc;
	return app_main(&app, argv);
}
