/* procmetrics: what every process counts (requests, tasks, LLM calls, cache, mail, limits), summed over the host. */
#ifndef SHORTLIST_PROCMETRICS_H
#define SHORTLIST_PROCMETRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "core/metricsfile.h"

/*
 * The catalogue of the series every process counts, over the shared slot
 * file of metricsfile.h (why a file: see there). Each event is one call at
 * the place it happens; the scraper (GET /metrics on the loopback metrics
 * listener) renders the host's sums. Every label has a fixed, bounded set
 * of values: enums below (0 is always "other"), status codes 100..599,
 * and strings registered in the file's name table by the callers that own
 * a bounded set of them (route patterns of the route tables, model names of
 * the LLM price table, program names). Counting before procmetrics_open(),
 * after procmetrics_close(), in a forked child or without a metrics file
 * configured does nothing. Every call is thread-safe.
 */

enum pm_metric {
	PM_HTTP_REQUESTS = 1,  /* {route, method, status} */
	PM_HTTP_DURATION,      /* histogram {route} */
	PM_UPLOAD_BYTES,       /* {} */
	PM_UPLOAD_FILES,       /* {} */
	PM_TASKS,	       /* {kind, outcome} */
	PM_TASK_DURATION,      /* histogram {kind} */
	PM_LLM_REQUESTS,       /* {model, outcome} */
	PM_LLM_DURATION,       /* histogram {model} */
	PM_LLM_TOKENS,	       /* {model, direction} */
	PM_LLM_COST,	       /* {model}, in micro-USD */
	PM_LLM_RETRIES,	       /* {model} */
	PM_CACHE_REQUESTS,     /* {cache, result} */
	PM_EMAILS,	       /* {state} */
	PM_SMTP_REPLIES,       /* {class} */
	PM_RATELIMIT_REFUSALS, /* {limit} */
	PM_EXTRACT_FAILURES,   /* {reason} */
	PM_DB_ERRORS,	       /* {} */
	PM_DB_RECONNECTS,      /* {} */
	PM_METRIC_COUNT
};

enum pm_method { PM_METHOD_OTHER, PM_GET, PM_POST, PM_PUT, PM_PATCH, PM_DELETE, PM_HEAD, PM_OPTIONS };
enum pm_task_kind { PM_KIND_OTHER, PM_KIND_PROCESS_RESUME };
enum pm_task_outcome {
	PM_TASK_OTHER,
	PM_TASK_SCORED,
	PM_TASK_NEEDS_REVIEW,
	PM_TASK_FAILED,
	PM_TASK_RETRIED,
	PM_TASK_LOST,
	PM_TASK_RELEASED,
	PM_TASK_SKIPPED
};
enum pm_llm_outcome { PM_LLM_OTHER, PM_LLM_OK, PM_LLM_RATE_LIMITED, PM_LLM_ERROR, PM_LLM_TIMEOUT };
enum pm_direction { PM_DIRECTION_OTHER, PM_PROMPT, PM_COMPLETION };
enum pm_cache { PM_CACHE_OTHER, PM_CACHE_LLM, PM_CACHE_DATA, PM_CACHE_COUNTERS };
enum pm_cache_result { PM_CACHE_RESULT_OTHER, PM_HIT, PM_MISS, PM_CACHE_ERROR };
enum pm_email_state { PM_EMAIL_OTHER, PM_EMAIL_SENT, PM_EMAIL_RETRIED, PM_EMAIL_FAILED };
enum pm_smtp_class { PM_SMTP_OTHER, PM_SMTP_2XX, PM_SMTP_4XX, PM_SMTP_5XX, PM_SMTP_CONNECT };
/* Named as the 429 problem names them (its "limit" member). */
enum pm_limit {
	PM_LIMIT_OTHER,
	PM_LIMIT_API_KEY,
	PM_LIMIT_LOGIN,
	PM_LIMIT_LLM_BUDGET,
	PM_LIMIT_API_USER,
	PM_LIMIT_SIGNIN_IP,
	PM_LIMIT_UNAUTH_IP,
	PM_LIMIT_READYZ_IP,
	PM_LIMIT_METRICS_IP
};

/*
 * Opens the host's metrics file (config()->metrics_file; empty: none) and
 * claims this process's slot under the name program (a handler's app name,
 * "drainer"), which must stay valid for the life of the process. Logs and
 * carries on without metrics when the file cannot be used. Call once, after
 * config_load(); returns 0, or -1 when nothing will be counted.
 */
int procmetrics_open(const char *program);
/* Folds this process's counts into the host's retired total and closes the file (at exit). */
void procmetrics_close(void);
/* Whether this process counts (procmetrics_open() succeeded and it is not a forked child). */
bool procmetrics_enabled(void);
/* The open file, for the scraper and tests; NULL when not enabled. Borrowed. */
struct metricsfile *procmetrics_file(void);

/* Adds n to metric m with label values a, b, c (unused ones 0). */
void procmetrics_count(enum pm_metric m, unsigned a, unsigned b, unsigned c, uint64_t n);
/* One observation of us microseconds in histogram m with label a. */
void procmetrics_observe_us(enum pm_metric m, unsigned a, int64_t us);
/* The label number of a name with a lifetime of the process (a route pattern, a price-table model); 0: other. */
unsigned procmetrics_name(const char *name);

/* One request answered: route is the matched pattern (NULL: none matched), method as sent. */
void procmetrics_http(const char *route, const char *method, int status, int64_t duration_us);
/* One resume file of size bytes accepted: from a multipart upload, or a presigned upload's S3 event. */
void procmetrics_upload(int64_t size);
/* One task settled, after duration_us of work. */
void procmetrics_task(enum pm_task_outcome outcome, int64_t duration_us);
/* The label of a task outcome ("scored", "retried", ...), static storage. */
const char *procmetrics_task_outcome_name(enum pm_task_outcome outcome);
/*
 * One call to the LLM provider: model is the price-table entry it matched
 * (llm_openai_price_model(); NULL: other), outcome its class, with the
 * tokens and cost its answer reported.
 */
void procmetrics_llm_call(const char *model, enum pm_llm_outcome outcome, int64_t duration_us, int64_t prompt_tokens,
			  int64_t completion_tokens, int64_t cost_microusd);
/* One memcached lookup of key: rc 1 hit, 0 miss, -1 error; the cache is named by the key's prefix ("llm:": llm). */
void procmetrics_cache_lookup(const char *key, int rc);
/* One SMTP reply code (0: no connection or no reply). */
void procmetrics_smtp_reply(long code);
/* An extraction that did not give scorable text: needs_review, or failed with its reason sentence. */
void procmetrics_extract_failure(bool needs_review, const char *reason);

/*
 * Appends the exposition (Prometheus text format 0.0.4) of every series
 * above, summed over every process of the host, and the process gauges
 * (shortlist_process_up, shortlist_process_start_time_seconds). Appends the
 * HELP and TYPE lines alone when this process has no metrics file.
 */
void procmetrics_render(struct buf *out);

/* The same from a snapshot (exposed for tests). */
void procmetrics_render_snapshot(const struct mf_snapshot *s, struct buf *out);

/* Which bucket of histogram m an observation of us falls in (exposed for tests). */
unsigned procmetrics_bucket(enum pm_metric m, int64_t us);

/* The label of a limit's name as a 429 problem carries it ("signin-per-ip"); PM_LIMIT_OTHER for any other. */
enum pm_limit procmetrics_limit_of(const char *name);

#endif
