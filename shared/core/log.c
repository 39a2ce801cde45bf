/* log: structured JSON-lines logging to stderr, with the current request's context. */
#include "core/log.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/config.h"

static const char *const level_names[] = { "debug", "info", "warn", "error" };
static char program_name[64] = "shortlist";
static enum log_level threshold = LOG_INFO;
static char *ctx_request_id;
static char *ctx_route;

void log_init(const char *program)
{
	size_t i;
	const char *base = strrchr(program, '/');

	snprintf(program_name, sizeof(program_name), "%s", base ? base + 1 : program);
	if (!config_is_loaded())
		return;
	for (i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcmp(config()->log_level, level_names[i]) == 0)
			threshold = (enum log_level)i;
}

void log_set_level(enum log_level level)
{
	threshold = level;
}

void log_set_context(const char *request_id, const char *route)
{
	log_clear_context();
	ctx_request_id = request_id ? xstrdup(request_id) : NULL;
	ctx_route = route ? xstrdup(route) : NULL;
}

void log_clear_context(void)
{
	free(ctx_request_id);
	free(ctx_route);
	ctx_request_id = NULL;
	ctx_route = NULL;
}

static void iso_time(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

static void emit(cJSON *line)
{
	char *text = cJSON_PrintUnformatted(line);

	if (text) {
		fprintf(stderr, "%s\n", text);
		fflush(stderr);
		free(text);
	}
	cJSON_Delete(line);
}

static cJSON *start_line(enum log_level level)
{
	char when[40];
	cJSON *line = cJSON_CreateObject();

	iso_time(when, sizeof(when));
	cJSON_AddStringToObject(line, "time", when);
	cJSON_AddStringToObject(line, "level", level_names[level]);
	cJSON_AddStringToObject(line, "program", program_name);
	return line;
}

static void add_context(cJSON *line)
{
	if (ctx_request_id)
		cJSON_AddStringToObject(line, "request_id", ctx_request_id);
	if (ctx_route)
		cJSON_AddStringToObject(line, "route", ctx_route);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	struct buf msg = BUF_INIT(8192);
	va_list ap;
	cJSON *line;

	if (level < threshold)
		return;
	va_start(ap, fmt);
	if (buf_vprintf(&msg, fmt, ap) < 0)
		buf_append_str(&msg, "(log message too long)");
	va_end(ap);
	line = start_line(level);
	cJSON_AddStringToObject(line, "msg", msg.ptr ? msg.ptr : "");
	add_context(line);
	emit(line);
	buf_release(&msg);
}

void log_access(const char *method, const char *path, int status, int64_t duration_us, const char *client)
{
	cJSON *line;

	if (LOG_INFO < threshold)
		return;
	line = start_line(LOG_INFO);
	cJSON_AddStringToObject(line, "msg", "request");
	add_context(line);
	cJSON_AddStringToObject(line, "method", method ? method : "");
	cJSON_AddStringToObject(line, "path", path ? path : "");
	cJSON_AddNumberToObject(line, "status", status);
	cJSON_AddNumberToObject(line, "duration_ms", (double)duration_us / 1000.0);
	if (client && *client)
		cJSON_AddStringToObject(line, "client", client);
	emit(line);
}

void log_task(const char *kind, int64_t task_id, int attempt, const char *outcome, int64_t duration_us,
	      const char *request_id)
{
	cJSON *line;

	if (LOG_INFO < threshold)
		return;
	line = start_line(LOG_INFO);
	cJSON_AddStringToObject(line, "msg", "task");
	cJSON_AddNumberToObject(line, "task_id", (double)task_id);
	cJSON_AddStringToObject(line, "kind", kind ? kind : "");
	cJSON_AddNumberToObject(line, "attempt", attempt);
	cJSON_AddStringToObject(line, "outcome", outcome ? outcome : "");
	cJSON_AddNumberToObject(line, "duration_ms", (double)duration_us / 1000.0);
	if (request_id && *request_id)
		cJSON_AddStringToObject(line, "request_id", request_id);
	emit(line);
}

void log_email(int64_t email_id, int attempt, const char *state, int smtp_code, const char *request_id)
{
	cJSON *line;

	if (LOG_INFO < threshold)
		return;
	line = start_line(LOG_INFO);
	cJSON_AddStringToObject(line, "msg", "email");
	cJSON_AddNumberToObject(line, "email_id", (double)email_id);
	cJSON_AddNumberToObject(line, "attempt", attempt);
	cJSON_AddStringToObject(line, "state", state ? state : "");
	if (smtp_code > 0)
		cJSON_AddNumberToObject(line, "smtp_code", smtp_code);
	if (request_id && *request_id)
		cJSON_AddStringToObject(line, "request_id", request_id);
	emit(line);
}

const char *log_request_id(void)
{
	return ctx_request_id;
}
