/* log: structured JSON-lines logging to stderr, with the current request's context. */
#ifndef SHORTLIST_LOG_H
#define SHORTLIST_LOG_H

#include <stdint.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/*
 * Names the program in every line and sets the threshold from
 * SHORTLIST_LOG_LEVEL when the configuration is already loaded (info
 * otherwise). Call it after config_load().
 */
void log_init(const char *program);
void log_set_level(enum log_level level);

/*
 * The request context added to each line until log_clear_context(). The
 * strings are copied.
 */
void log_set_context(const char *request_id, const char *route);
void log_clear_context(void);

/*
 * One line: {"time":..., "level":..., "program":..., "msg":..., "request_id":..., "route":...}.
 * Messages follow the house style: lower case, subject first, quoted values.
 * Never pass secrets or resume text.
 */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The access line written once per request: method, path, status, duration and the client's address ("" or NULL: left out). */
void log_access(const char *method, const char *path, int status, int64_t duration_us, const char *client);

/*
 * The line written once per task the drainer settles: {"msg":"task",
 * "task_id", "kind", "attempt", "outcome", "duration_ms", "request_id"},
 * the request id being that of the request that made the task (none when
 * request_id is NULL or empty), so a request can be followed to its work.
 */
void log_task(const char *kind, int64_t task_id, int attempt, const char *outcome, int64_t duration_us,
	      const char *request_id);

/*
 * One line for an email the sender settled: its id, attempt, state (sent,
 * retrying, failed), SMTP reply code (0: none) and the request id of the
 * request that queued it (none when NULL or empty), so a request can be
 * followed to its emails.
 */
void log_email(int64_t email_id, int attempt, const char *state, int smtp_code, const char *request_id);

/* The current request's id (log_set_context()), borrowed; NULL outside a request. */
const char *log_request_id(void);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
