/* procmetrics: what every process counts (requests, tasks, LLM calls, cache, mail, limits), summed over the host. */
#include "core/procmetrics.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"

enum label_kind { LV_NONE, LV_ENUM, LV_NAME, LV_CODE };

struct label {
	const char *name;
	enum label_kind kind;
	const char *const *values; /* LV_ENUM: values[0] is "other" */
	unsigned nvalues;
};

struct def {
	const char *name;
	const char *help;
	bool hist;
	double scale; /* stored units per exported unit: 1e6 for microseconds and micro-USD */
	struct label labels[3];
	const double *bounds; /* histograms: upper bounds in exported units, ascending; +Inf is implied */
	unsigned nbounds;
};

#define ENUM(n, v) \
	{ \
		n, LV_ENUM, v, ARRAY_SIZE(v) \
	}
#define NAME(n) \
	{ \
		n, LV_NAME, NULL, 0 \
	}
#define CODE(n) \
	{ \
		n, LV_CODE, NULL, 0 \
	}

static const char *const methods[] = { "other", "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS" };
static const char *const kinds[] = { "other", "process_resume" };
static const char *const task_outcomes[] = { "other",	"scored", "needs_review", "failed",
					     "retried", "lost",	  "released",	  "skipped" };
static const char *const llm_outcomes[] = { "other", "ok", "rate_limited", "error", "timeout" };
static const char *const directions[] = { "other", "prompt", "completion" };
static const char *const caches[] = { "other", "llm", "data", "counters" };
static const char *const cache_results[] = { "other", "hit", "miss", "error" };
static const char *const email_states[] = { "other", "sent", "retried", "failed" };
static const char *const smtp_classes[] = { "other", "2xx", "4xx", "5xx", "connect" };
static const char *const limits[] = { "other",	       "api-per-key",	"signin-per-email",
				      "llm-budget",    "api-per-user",	"signin-per-ip",
				      "unauth-per-ip", "readyz-per-ip", "metrics-per-ip" };

/* Extraction failure reasons: labels, and the start of each sentence extract/ writes with the label it gets. */
static const char *const extract_labels[] = { "other",		 "empty",	 "unsupported", "timeout",
					      "cpu_limit",	 "memory_limit", "crashed",	"no_extractor",
					      "extractor_error", "encrypted",	 "damaged",	"zip_bomb",
					      "refused_docx",	 "bad_text",	 "needs_review" };
enum { EXTRACT_NEEDS_REVIEW_LABEL = 14 };
static const struct {
	const char *prefix;
	unsigned label;
} extract_reasons[] = {
	{ "empty file", 1 },
	{ "unsupported file type", 2 },
	{ "extraction timed out", 3 },
	{ "cpu time limit", 4 },
	{ "memory limit", 5 },
	{ "extractor crashed", 6 },
	{ "cannot start the extractor", 7 },
	{ "extractor ", 8 },
	{ "encrypted", 9 },
	{ "damaged", 10 },
	{ "zip bomb", 11 },
	{ "DOCX part", 12 },
	{ "invalid UTF-16", 13 },
	{ "not valid UTF-8", 13 },
};

static const double http_bounds[] = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
static const double work_bounds[] = { 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300 };

static const struct def defs[PM_METRIC_COUNT] = {
	[PM_HTTP_REQUESTS] = { "shortlist_http_requests_total",
			       "HTTP requests answered, by route pattern, method and status.",
			       false,
			       1,
			       { NAME("route"), ENUM("method", methods), CODE("status") },
			       NULL,
			       0 },
	[PM_HTTP_DURATION] = { "shortlist_http_request_duration_seconds",
			       "Time from a request reaching the handler to its answer, by route pattern.",
			       true,
			       1e6,
			       { NAME("route") },
			       http_bounds,
			       ARRAY_SIZE(http_bounds) },
	[PM_UPLOAD_BYTES] = { "shortlist_upload_bytes_total",
			      "Bytes of resume files accepted (multipart uploads and presigned uploads' S3 events).",
			      false,
			      1,
			      { { 0 } },
			      NULL,
			      0 },
	[PM_UPLOAD_FILES] = { "shortlist_upload_files_total",
			      "Resume files accepted (multipart uploads and presigned uploads' S3 events).",
			      false,
			      1,
			      { { 0 } },
			      NULL,
			      0 },
	[PM_TASKS] = { "shortlist_tasks_total",
		       "Tasks settled by the drainers, by kind and outcome.",
		       false,
		       1,
		       { ENUM("kind", kinds), ENUM("outcome", task_outcomes) },
		       NULL,
		       0 },
	[PM_TASK_DURATION] = { "shortlist_task_duration_seconds",
			       "Time from a task's claim to its settling, by kind.",
			       true,
			       1e6,
			       { ENUM("kind", kinds) },
			       work_bounds,
			       ARRAY_SIZE(work_bounds) },
	[PM_LLM_REQUESTS] = { "shortlist_llm_requests_total",
			      "Calls to the LLM provider by model and outcome (rate_limited: 429).",
			      false,
			      1,
			      { NAME("model"), ENUM("outcome", llm_outcomes) },
			      NULL,
			      0 },
	[PM_LLM_DURATION] = { "shortlist_llm_request_duration_seconds",
			      "Duration of LLM provider calls, by model.",
			      true,
			      1e6,
			      { NAME("model") },
			      work_bounds,
			      ARRAY_SIZE(work_bounds) },
	[PM_LLM_TOKENS] = { "shortlist_llm_tokens_total",
			    "Tokens the LLM provider reported, by model and direction.",
			    false,
			    1,
			    { NAME("model"), ENUM("direction", directions) },
			    NULL,
			    0 },
	[PM_LLM_COST] = { "shortlist_llm_cost_usd_total",
			  "Cost of LLM calls from the price table, in US dollars.",
			  false,
			  1e6,
			  { NAME("model") },
			  NULL,
			  0 },
	[PM_LLM_RETRIES] = { "shortlist_llm_retries_total",
			     "LLM calls that repeated an earlier one, by model.",
			     false,
			     1,
			     { NAME("model") },
			     NULL,
			     0 },
	[PM_CACHE_REQUESTS] = { "shortlist_cache_requests_total",
				"Cache lookups in memcached, by cache and result.",
				false,
				1,
				{ ENUM("cache", caches), ENUM("result", cache_results) },
				NULL,
				0 },
	[PM_EMAILS] = { "shortlist_emails_total",
			"Email delivery attempts settled, by resulting state.",
			false,
			1,
			{ ENUM("state", email_states) },
			NULL,
			0 },
	[PM_SMTP_REPLIES] = { "shortlist_smtp_replies_total",
			      "SMTP replies by class (connect: no connection or no reply).",
			      false,
			      1,
			      { ENUM("class", smtp_classes) },
			      NULL,
			      0 },
	[PM_RATELIMIT_REFUSALS] = { "shortlist_ratelimit_refusals_total",
				    "Requests refused by a rate limit, by limit.",
				    false,
				    1,
				    { ENUM("limit", limits) },
				    NULL,
				    0 },
	[PM_EXTRACT_FAILURES] = { "shortlist_extract_failures_total",
				  "Documents that gave no scorable text, by reason.",
				  false,
				  1,
				  { ENUM("reason", extract_labels) },
				  NULL,
				  0 },
	[PM_DB_ERRORS] = { "shortlist_db_errors_total",
			   "PostgreSQL statements that failed.",
			   false,
			   1,
			   { { 0 } },
			   NULL,
			   0 },
	[PM_DB_RECONNECTS] = { "shortlist_db_reconnects_total",
			       "PostgreSQL connections opened again after a loss.",
			       false,
			       1,
			       { { 0 } },
			       NULL,
			       0 },
};

static struct metricsfile *file;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

/* A forked child (an extractor) shares the mapping but not the slot's index: it counts nothing. */
static void forget_in_child(void)
{
	file = NULL;
}

static void install_atfork(void)
{
	pthread_atfork(NULL, NULL, forget_in_child);
}

int procmetrics_open(const char *program)
{
	char err[512];
	const char *path = config_is_loaded() ? config()->metrics_file : "";

	if (file || !path || !*path)
		return file ? 0 : -1;
	pthread_once(&atfork_once, install_atfork);
	file = metricsfile_open(path, program, err, sizeof(err));
	if (!file) {
		log_warn("%s; this process counts nothing", err);
		return -1;
	}
	return 0;
}

void procmetrics_close(void)
{
	struct metricsfile *f = file;

	file = NULL;
	metricsfile_close(f);
}

bool procmetrics_enabled(void)
{
	return file != NULL;
}

struct metricsfile *procmetrics_file(void)
{
	return file;
}

static unsigned bounded(const struct label *l, unsigned v)
{
	switch (l->kind) {
	case LV_ENUM:
		return v < l->nvalues ? v : 0;
	case LV_CODE:
		return v >= 100 && v <= 599 ? v : 0;
	case LV_NAME:
		return v < MF_NAMES ? v : 0;
	default:
		return 0;
	}
}

void procmetrics_count(enum pm_metric m, unsigned a, unsigned b, unsigned c, uint64_t n)
{
	const struct def *d;

	if (!file || m <= 0 || m >= PM_METRIC_COUNT || defs[m].hist)
		return;
	d = &defs[m];
	metricsfile_add(file,
			mf_key(m, bounded(&d->labels[0], a), bounded(&d->labels[1], b), bounded(&d->labels[2], c)), n);
}

unsigned procmetrics_bucket(enum pm_metric m, int64_t us)
{
	const struct def *d = &defs[m];
	unsigned i;

	for (i = 0; i < d->nbounds; i++)
		if ((double)us <= d->bounds[i] * d->scale)
			return i;
	return d->nbounds;
}

void procmetrics_observe_us(enum pm_metric m, unsigned a, int64_t us)
{
	if (!file || m <= 0 || m >= PM_METRIC_COUNT || !defs[m].hist)
		return;
	if (us < 0)
		us = 0;
	metricsfile_observe(file, mf_key(m, bounded(&defs[m].labels[0], a), 0, 0), procmetrics_bucket(m, us),
			    (uint64_t)us);
}

unsigned procmetrics_name(const char *name)
{
	return file ? metricsfile_name(file, name) : 0;
}

static unsigned method_of(const char *method)
{
	unsigned i;

	for (i = 1; method && i < ARRAY_SIZE(methods); i++)
		if (strcmp(method, methods[i]) == 0)
			return i;
	return PM_METHOD_OTHER;
}

void procmetrics_http(const char *route, const char *method, int status, int64_t duration_us)
{
	unsigned r;

	if (!file)
		return;
	r = procmetrics_name(route);
	procmetrics_count(PM_HTTP_REQUESTS, r, method_of(method), status > 0 ? (unsigned)status : 0, 1);
	procmetrics_observe_us(PM_HTTP_DURATION, r, duration_us);
}

void procmetrics_upload(int64_t size)
{
	procmetrics_count(PM_UPLOAD_FILES, 0, 0, 0, 1);
	procmetrics_count(PM_UPLOAD_BYTES, 0, 0, 0, size > 0 ? (uint64_t)size : 0);
}

void procmetrics_task(enum pm_task_outcome outcome, int64_t duration_us)
{
	procmetrics_count(PM_TASKS, PM_KIND_PROCESS_RESUME, outcome, 0, 1);
	procmetrics_observe_us(PM_TASK_DURATION, PM_KIND_PROCESS_RESUME, duration_us);
}

void procmetrics_llm_call(const char *model, enum pm_llm_outcome outcome, int64_t duration_us, int64_t prompt_tokens,
			  int64_t completion_tokens, int64_t cost_microusd)
{
	unsigned m;

	if (!file)
		return;
	m = procmetrics_name(model);
	procmetrics_count(PM_LLM_REQUESTS, m, outcome, 0, 1);
	procmetrics_observe_us(PM_LLM_DURATION, m, duration_us);
	if (prompt_tokens > 0)
		procmetrics_count(PM_LLM_TOKENS, m, PM_PROMPT, 0, (uint64_t)prompt_tokens);
	if (completion_tokens > 0)
		procmetrics_count(PM_LLM_TOKENS, m, PM_COMPLETION, 0, (uint64_t)completion_tokens);
	if (cost_microusd > 0)
		procmetrics_count(PM_LLM_COST, m, 0, 0, (uint64_t)cost_microusd);
}

void procmetrics_cache_lookup(const char *key, int rc)
{
	unsigned cache = key && strncmp(key, "llm:", 4) == 0 ? PM_CACHE_LLM : PM_CACHE_DATA;

	procmetrics_count(PM_CACHE_REQUESTS, cache, rc == 1 ? PM_HIT : rc == 0 ? PM_MISS : PM_CACHE_ERROR, 0, 1);
}

void procmetrics_smtp_reply(long code)
{
	unsigned c = code >= 200 && code < 300	 ? PM_SMTP_2XX
		     : code >= 400 && code < 500 ? PM_SMTP_4XX
		     : code >= 500 && code < 600 ? PM_SMTP_5XX
		     : code <= 0		 ? PM_SMTP_CONNECT
						 : PM_SMTP_OTHER;

	procmetrics_count(PM_SMTP_REPLIES, c, 0, 0, 1);
}

void procmetrics_extract_failure(bool needs_review, const char *reason)
{
	unsigned i, label = 0;

	for (i = 0; !needs_review && reason && i < ARRAY_SIZE(extract_reasons); i++) {
		if (strncmp(reason, extract_reasons[i].prefix, strlen(extract_reasons[i].prefix)) == 0) {
			label = extract_reasons[i].label;
			break;
		}
	}
	procmetrics_count(PM_EXTRACT_FAILURES, needs_review ? EXTRACT_NEEDS_REVIEW_LABEL : label, 0, 0, 1);
}

/* ---- rendering ---- */

static void put_escaped(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			buf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			buf_append_str(out, "\\n");
		else
			buf_append(out, s, 1);
	}
}

/* Writes {a="x",b="y"} (with extra, e.g. le="0.5", last) or nothing when there are no labels. */
static void put_labels(struct buf *out, const struct mf_snapshot *s, const struct def *d, uint64_t key,
		       const char *extra)
{
	bool any = false;
	int i;

	for (i = 0; i < 3 && d->labels[i].name; i++) {
		unsigned v = mf_key_label(key, i);

		buf_printf(out, "%s%s=\"", any ? "," : "{", d->labels[i].name);
		any = true;
		switch (d->labels[i].kind) {
		case LV_ENUM:
			put_escaped(out, v < d->labels[i].nvalues ? d->labels[i].values[v] : "other");
			break;
		case LV_CODE:
			if (v)
				buf_printf(out, "%u", v);
			else
				buf_append_str(out, "other");
			break;
		default:
			put_escaped(out, mf_snapshot_name(s, v));
			break;
		}
		buf_append_str(out, "\"");
	}
	if (extra) {
		buf_printf(out, "%s%s", any ? "," : "{", extra);
		any = true;
	}
	if (any)
		buf_append_str(out, "}");
}

static void put_value(struct buf *out, double scale, uint64_t v)
{
	if (scale == 1)
		buf_printf(out, " %llu\n", (unsigned long long)v);
	else
		buf_printf(out, " %.6f\n", (double)v / scale);
}

static void render_hist(struct buf *out, const struct mf_snapshot *s, const struct def *d, const struct mf_series *h)
{
	uint64_t cumulative = 0;
	char le[48];
	unsigned b;

	for (b = 0; b <= d->nbounds && b < MF_BUCKETS; b++) {
		cumulative += h->buckets[b];
		if (b < d->nbounds)
			snprintf(le, sizeof(le), "le=\"%g\"", d->bounds[b]);
		else
			snprintf(le, sizeof(le), "le=\"+Inf\"");
		buf_printf(out, "%s_bucket", d->name);
		put_labels(out, s, d, h->key, le);
		put_value(out, 1, b < d->nbounds ? cumulative : h->value);
	}
	buf_printf(out, "%s_sum", d->name);
	put_labels(out, s, d, h->key, NULL);
	put_value(out, d->scale, h->sum);
	buf_printf(out, "%s_count", d->name);
	put_labels(out, s, d, h->key, NULL);
	put_value(out, 1, h->value);
}

static void render_processes(const struct mf_snapshot *s, struct buf *out)
{
	size_t i, j;

	buf_append_str(out, "# HELP shortlist_process_up Processes of the host counting metrics, by program.\n"
			    "# TYPE shortlist_process_up gauge\n");
	for (i = 0; i < s->nprocesses; i++) {
		size_t n = 0;

		for (j = 0; j < i && strcmp(s->processes[j].program, s->processes[i].program) != 0; j++)
			;
		if (j < i)
			continue; /* counted with the first of its program */
		for (j = i; j < s->nprocesses; j++)
			n += strcmp(s->processes[j].program, s->processes[i].program) == 0;
		buf_append_str(out, "shortlist_process_up{program=\"");
		put_escaped(out, s->processes[i].program);
		buf_printf(out, "\"} %zu\n", n);
	}
	buf_append_str(out, "# HELP shortlist_process_start_time_seconds Start of the newest live process of each "
			    "program, in seconds since the epoch.\n"
			    "# TYPE shortlist_process_start_time_seconds gauge\n");
	for (i = 0; i < s->nprocesses; i++) {
		int64_t newest = s->processes[i].started_unix;

		for (j = 0; j < i && strcmp(s->processes[j].program, s->processes[i].program) != 0; j++)
			;
		if (j < i)
			continue;
		for (j = i; j < s->nprocesses; j++)
			if (strcmp(s->processes[j].program, s->processes[i].program) == 0 &&
			    s->processes[j].started_unix > newest)
				newest = s->processes[j].started_unix;
		buf_append_str(out, "shortlist_process_start_time_seconds{program=\"");
		put_escaped(out, s->processes[i].program);
		buf_printf(out, "\"} %lld\n", (long long)newest);
	}
	buf_printf(out,
		   "# HELP shortlist_metrics_dropped_series_total Series not counted because a slot was full.\n"
		   "# TYPE shortlist_metrics_dropped_series_total counter\n"
		   "shortlist_metrics_dropped_series_total %llu\n"
		   "# HELP shortlist_metrics_retired_processes_total Processes whose counts were folded into the "
		   "host's total (exited or found dead).\n"
		   "# TYPE shortlist_metrics_retired_processes_total counter\n"
		   "shortlist_metrics_retired_processes_total %llu\n",
		   (unsigned long long)s->dropped, (unsigned long long)s->folded);
}

void procmetrics_render_snapshot(const struct mf_snapshot *s, struct buf *out)
{
	unsigned m;
	size_t i;

	for (m = 1; m < PM_METRIC_COUNT; m++) {
		const struct def *d = &defs[m];
		const char *family = d->name;

		buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", family, d->help, family,
			   d->hist ? "histogram" : "counter");
		if (d->hist) {
			for (i = 0; i < s->nhists; i++)
				if (mf_key_metric(s->hists[i].key) == m)
					render_hist(out, s, d, &s->hists[i]);
			continue;
		}
		for (i = 0; i < s->ncounters; i++) {
			if (mf_key_metric(s->counters[i].key) != m)
				continue;
			buf_append_str(out, family);
			put_labels(out, s, d, s->counters[i].key, NULL);
			put_value(out, d->scale, s->counters[i].value);
		}
	}
	render_processes(s, out);
}

void procmetrics_render(struct buf *out)
{
	struct mf_snapshot s;

	if (metricsfile_snapshot(file, &s) < 0)
		memset(&s, 0, sizeof(s));
	procmetrics_render_snapshot(&s, out);
	metricsfile_snapshot_release(&s);
}

enum pm_limit procmetrics_limit_of(const char *name)
{
	size_t i;

	for (i = 1; name && i < ARRAY_SIZE(limits); i++)
		if (strcmp(limits[i], name) == 0)
			return (enum pm_limit)i;
	return PM_LIMIT_OTHER;
}

const char *procmetrics_task_outcome_name(enum pm_task_outcome outcome)
{
	return (size_t)outcome < ARRAY_SIZE(task_outcomes) ? task_outcomes[outcome] : "other";
}
