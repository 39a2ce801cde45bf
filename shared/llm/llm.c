/* llm: the scoring provider interface (local scorer or OpenAI-compatible) and the asynchronous engine that calls it. */
#include "llm/llm.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "core/procmetrics.h"
#include "llm/llm_budget.h"
#include "llm/llm_cache.h"
#include "llm/llm_models.h"
#include "llm/llm_prompt.h"
#include "score/analysis.h"
#include "score/job.h"
#include "score/rubric.h"
#include "score/score_local.h"
#include "text/experience.h"

/* Largest answer body read from the provider. */
#define RESPONSE_MAX (4 * 1024 * 1024)
/* Connect timeout, within the request timeout. */
#define CONNECT_TIMEOUT_MS 10000
/* Hash buckets of the pending calls by cache key. */
#define KEY_BUCKETS 4096
/* Wait after a 429 with no usable header. */
#define DEFAULT_LIMITED_MS 1000
/* Suggested retry delay of a failure that may pass later (quota, engine stopped). */
#define RETRY_LATER_MS (60 * 60 * 1000)
#define STOPPED_RETRY_MS 1000

/* Someone waiting for an answer. The first waiter of a call owns its request. */
struct waiter {
	struct waiter *next;
	struct job *job;
	const char *text;
	size_t len;
	llm_callback cb;
	void *userdata;
	bool shared;
	int64_t org_id; /* whose request; the call's counters go to its first waiter's */
};

enum call_list { LIST_NONE, LIST_QUEUED, LIST_RUNNING, LIST_READY };

struct call {
	struct call *prev, *next; /* in the list named by where */
	struct call *hnext;	  /* in the key bucket */
	enum call_list where;
	bool keyed;
	char key[LLM_CACHE_KEY_LEN + 1];
	struct waiter *waiters, **tail;

	/* the request */
	char *body;
	size_t body_len;
	double est_tokens;
	int64_t not_before;
	int64_t sent_at;
	int attempts;
	int transient; /* 5xx, timeouts, connection errors so far */
	int limited;   /* 429s so far */
	int malformed;
	int64_t max_out; /* the answer's budget (max_completion_tokens) in the body */
	bool widened;	 /* the body was rebuilt once with a larger budget after a cut-off answer */

	/* the call in flight */
	CURL *easy;
	struct curl_slist *headers;
	struct buf response;
	struct llm_budget_headers rl;

	/* a ready answer (cache hit or local scorer) */
	bool from_cache;
	struct analysis *first; /* the first waiter's analysis */
	struct llm_cache_entry entry;
};

struct call_queue {
	struct call *head, *tail;
	size_t n;
};

struct llm_engine {
	enum llm_provider provider;
	char *base_url, *api_key, *model, *url;
	struct llm_options opt;
	CURLM *multi;
	struct call_queue queued, running, ready;
	struct call *buckets[KEY_BUCKETS];
	size_t pending; /* waiters not yet called back */
	struct llm_budget_aimd aimd;
	struct llm_budget_bucket rpm, tpm;
	int64_t budget_wait_until;
	uint64_t rng;
	struct llm_stats stats;
	bool delivering;
};

void llm_options_init(struct llm_options *o)
{
	memset(o, 0, sizeof(*o));
	o->provider = LLM_PROVIDER_LOCAL;
	o->base_url = "https://api.openai.com/v1";
	o->api_key = "";
	o->model = "gpt-4o-mini";
	o->concurrency = 64;
	o->timeout_ms = 60000;
	o->cache = true;
	o->cache_ttl = 604800;
	o->max_attempts = 4;
	o->max_rate_limited = 30;
	o->backoff_base_ms = 500;
	o->backoff_max_ms = 30000;
}

int llm_options_from_config(struct llm_options *o, char *err, size_t errlen)
{
	const struct config *c = config();

	llm_options_init(o);
	if (llm_provider_select(c->llm_provider, c->openai_api_key, &o->provider) < 0) {
		snprintf(err, errlen, "llm_provider: must be \"local\", \"openai\" or empty, not '%s'",
			 c->llm_provider);
		return -1;
	}
	o->base_url = c->openai_base_url;
	o->api_key = c->openai_api_key;
	o->model = c->openai_model;
	o->concurrency = (int)c->llm_concurrency;
	o->timeout_ms = (int)c->llm_timeout_ms;
	o->rpm = c->llm_rpm;
	o->tpm = c->llm_tpm;
	o->cache_ttl = (uint32_t)c->cache_ttl;
	return 0;
}

/* ---- lists and the key index ---- */

static void list_push(struct call_queue *q, struct call *c, bool front)
{
	c->prev = c->next = NULL;
	if (!q->head) {
		q->head = q->tail = c;
	} else if (front) {
		c->next = q->head;
		q->head->prev = c;
		q->head = c;
	} else {
		c->prev = q->tail;
		q->tail->next = c;
		q->tail = c;
	}
	q->n++;
}

static void list_remove(struct call_queue *q, struct call *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		q->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		q->tail = c->prev;
	c->prev = c->next = NULL;
	q->n--;
}

static struct call_queue *queue_of(struct llm_engine *e, enum call_list where)
{
	switch (where) {
	case LIST_QUEUED:
		return &e->queued;
	case LIST_RUNNING:
		return &e->running;
	case LIST_READY:
		return &e->ready;
	case LIST_NONE:
		break;
	}
	return NULL;
}

static void move_to(struct llm_engine *e, struct call *c, enum call_list where, bool front)
{
	if (c->where != LIST_NONE)
		list_remove(queue_of(e, c->where), c);
	c->where = where;
	if (where != LIST_NONE)
		list_push(queue_of(e, where), c, front);
}

static size_t bucket_of(const char *key)
{
	size_t h = 0;
	int i;

	for (i = 0; i < 8; i++)
		h = h * 16 + (size_t)(key[i] <= '9' ? key[i] - '0' : key[i] - 'a' + 10);
	return h % KEY_BUCKETS;
}

static struct call *key_find(struct llm_engine *e, const char *key)
{
	struct call *c;

	for (c = e->buckets[bucket_of(key)]; c; c = c->hnext)
		if (memcmp(c->key, key, LLM_CACHE_KEY_LEN) == 0)
			return c;
	return NULL;
}

static void key_insert(struct llm_engine *e, struct call *c)
{
	size_t b = bucket_of(c->key);

	c->hnext = e->buckets[b];
	e->buckets[b] = c;
	c->keyed = true;
}

static void key_remove(struct llm_engine *e, struct call *c)
{
	struct call **p;

	if (!c->keyed)
		return;
	for (p = &e->buckets[bucket_of(c->key)]; *p; p = &(*p)->hnext)
		if (*p == c) {
			*p = c->hnext;
			break;
		}
	c->keyed = false;
}

/* ---- results ---- */

static uint64_t next_random(struct llm_engine *e)
{
	/* xorshift64: jitter only, nothing secret. */
	e->rng ^= e->rng << 13;
	e->rng ^= e->rng >> 7;
	e->rng ^= e->rng << 17;
	return e->rng;
}

static void result_init(struct llm_engine *e, const struct call *c, struct llm_result *r)
{
	memset(r, 0, sizeof(*r));
	r->reason = "";
	r->provider = llm_provider_name(e->provider);
	r->model = "";
	r->fingerprint = "";
	r->raw = "";
	r->cache_key = c->key;
	r->attempts = c->attempts;
}

static void call_back(struct llm_engine *e, struct waiter *w, struct llm_result *r)
{
	r->shared = w->shared;
	if (r->ok)
		e->stats.succeeded++;
	else
		e->stats.failed++;
	e->pending--;
	w->cb(r, w->userdata);
	analysis_free(r->analysis);
	r->analysis = NULL;
}

static void call_free(struct call *c)
{
	struct waiter *w, *next;

	for (w = c->waiters; w; w = next) {
		next = w->next;
		free(w);
	}
	if (c->headers)
		curl_slist_free_all(c->headers);
	buf_release(&c->response);
	analysis_free(c->first);
	llm_cache_entry_release(&c->entry);
	free(c->body);
	free(c);
}

/* Removes a finished call from everything that can find it. */
static void detach(struct llm_engine *e, struct call *c)
{
	key_remove(e, c);
	move_to(e, c, LIST_NONE, false);
}

static void fail_call(struct llm_engine *e, struct call *c, enum llm_outcome outcome, const char *reason,
		      bool retryable, int64_t retry_after_ms, long http_status)
{
	struct waiter *w;
	struct llm_result r;

	detach(e, c);
	log_warn("llm: scoring failed after %d call(s): %s", c->attempts, reason);
	for (w = c->waiters; w; w = w->next) {
		result_init(e, c, &r);
		r.outcome = outcome;
		r.reason = reason;
		r.retryable = retryable;
		r.retry_after_ms = retryable ? retry_after_ms : 0;
		r.http_status = (int)http_status;
		call_back(e, w, &r);
	}
	call_free(c);
}

/*
 * Delivers an answer to every waiter: the first gets first (already built),
 * the others an analysis built from content for their own job and text.
 */
static void answer_call(struct llm_engine *e, struct call *c, struct analysis *first, const char *content,
			const struct llm_reply *reply, long http_status)
{
	struct waiter *w;
	struct llm_result r;
	char err[256];

	detach(e, c);
	for (w = c->waiters; w; w = w->next) {
		result_init(e, c, &r);
		r.cached = c->from_cache;
		r.http_status = (int)http_status;
		r.raw = content ? content : "";
		if (reply) {
			r.model = reply->model ? reply->model : "";
			r.fingerprint = reply->fingerprint ? reply->fingerprint : "";
			if (w == c->waiters)
				r.usage = reply->usage;
		} else if (c->from_cache) {
			r.model = c->entry.model ? c->entry.model : "";
		}
		if (first) {
			r.analysis = first;
			first = NULL;
		} else if (e->provider == LLM_PROVIDER_LOCAL) {
			int year, month;

			experience_today(&year, &month);
			r.analysis = score_local(w->job, w->text, w->len, year, month);
		} else {
			r.analysis = llm_openai_analysis(content, strlen(content), w->job, w->text, w->len, err,
							 sizeof(err));
		}
		if (r.analysis) {
			r.ok = true;
			r.outcome = LLM_OUTCOME_OK;
		} else {
			r.outcome = LLM_OUTCOME_MALFORMED;
			r.reason = err;
		}
		call_back(e, w, &r);
	}
	analysis_free(first);
	c->first = NULL;
	call_free(c);
}

/* Delivers every ready call (cache hits and local answers). */
static void deliver_ready(struct llm_engine *e)
{
	struct call *c;

	while ((c = e->ready.head) != NULL) {
		struct analysis *first = c->first;

		c->first = NULL;
		answer_call(e, c, first, c->entry.content, NULL, 0);
	}
}

/* ---- sending ---- */

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	struct call *c = userdata;

	if (buf_append(&c->response, data, size * n) < 0)
		return 0; /* too large: curl stops with CURLE_WRITE_ERROR */
	return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata)
{
	struct call *c = userdata;

	/* A new status line (after a 100 Continue or a redirect) starts a new set of headers. */
	if (size * n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		llm_budget_headers_init(&c->rl);
	else
		llm_budget_headers_line(&c->rl, data, size * n);
	return size * n;
}

static int build_body(struct llm_engine *e, struct call *c)
{
	struct waiter *w = c->waiters;
	cJSON *req;

	if (c->body)
		return 0;
	req = llm_prompt_request(w->job, e->model, w->text, w->len);
	c->max_out = json_int(req, "max_completion_tokens", 0);
	c->body = json_print(req);
	cJSON_Delete(req);
	c->body_len = strlen(c->body);
	/* What the provider counts against a token budget: about 4 bytes a token, plus the answer bound. */
	c->est_tokens = (double)c->body_len / 4.0 + (double)c->max_out;
	return 0;
}

/*
 * After an answer cut off at its budget: the same body with a larger one,
 * once. Returns false when there is nothing larger to ask for.
 */
static bool widen_budget(struct llm_engine *e, struct call *c)
{
	int64_t more = llm_model_retry_budget(e->model, c->max_out);
	cJSON *req;

	if (c->widened || more <= c->max_out)
		return false;
	req = cJSON_Parse(c->body);
	if (!req)
		return false;
	cJSON_DeleteItemFromObjectCaseSensitive(req, "max_completion_tokens");
	cJSON_AddNumberToObject(req, "max_completion_tokens", (double)more);
	free(c->body);
	c->body = json_print(req);
	cJSON_Delete(req);
	c->body_len = strlen(c->body);
	c->est_tokens += (double)(more - c->max_out);
	c->max_out = more;
	c->widened = true;
	return true;
}

static int start_call(struct llm_engine *e, struct call *c, int64_t now)
{
	struct buf auth = BUF_INIT(0);
	struct curl_slist *h = NULL;

	build_body(e, c);
	c->easy = curl_easy_init();
	if (!c->easy)
		return -1;
	buf_printf(&auth, "Authorization: Bearer %s", e->api_key);
	h = curl_slist_append(h, "Content-Type: application/json");
	h = curl_slist_append(h, "Accept: application/json");
	h = curl_slist_append(h, "Expect:");
	if (*e->api_key)
		h = curl_slist_append(h, auth.ptr);
	buf_release(&auth);
	if (!h) {
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
		return -1;
	}
	c->headers = h;
	buf_init(&c->response, RESPONSE_MAX);
	llm_budget_headers_init(&c->rl);
	curl_easy_setopt(c->easy, CURLOPT_URL, e->url);
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, c->body);
	curl_easy_setopt(c->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->body_len);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->easy, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_PRIVATE, c);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, (long)e->opt.timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 (long)(e->opt.timeout_ms < CONNECT_TIMEOUT_MS ? e->opt.timeout_ms : CONNECT_TIMEOUT_MS));
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->easy, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (curl_multi_add_handle(e->multi, c->easy) != CURLM_OK) {
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
		curl_slist_free_all(c->headers);
		c->headers = NULL;
		return -1;
	}
	if (c->attempts > 0) {
		e->stats.retries++;
		procmetrics_count(PM_LLM_RETRIES, procmetrics_name(llm_openai_price_model(e->model)), 0, 0, 1);
	}
	c->attempts++;
	c->sent_at = now;
	e->stats.calls++;
	if (e->opt.cache)
		llm_cache_count(c->waiters->org_id, LLM_CACHE_CALLS, 1);
	move_to(e, c, LIST_RUNNING, false);
	if ((int)e->running.n > e->stats.in_flight_max)
		e->stats.in_flight_max = (int)e->running.n;
	return 0;
}

/* Starts queued calls while the cap, the pause, the budgets and their own retry times allow. */
static void start_due(struct llm_engine *e)
{
	int64_t now = now_ms();
	struct call *c, *next;

	if (now < e->budget_wait_until)
		return;
	for (c = e->queued.head; c; c = next) {
		int64_t w1, w2;

		next = c->next;
		if (!llm_budget_aimd_may_send(&e->aimd, (int)e->running.n, now))
			return;
		if (c->not_before > now)
			continue;
		build_body(e, c);
		w1 = llm_budget_bucket_wait(&e->rpm, 1, now);
		w2 = llm_budget_bucket_wait(&e->tpm, c->est_tokens, now);
		if (w1 > 0 || w2 > 0) {
			e->budget_wait_until = now + (w1 > w2 ? w1 : w2);
			return;
		}
		if (start_call(e, c, now) < 0) {
			fail_call(e, c, LLM_OUTCOME_RETRY, "cannot start an HTTP request", true, STOPPED_RETRY_MS, 0);
			continue;
		}
		llm_budget_bucket_take(&e->rpm, 1, now);
		llm_budget_bucket_take(&e->tpm, c->est_tokens, now);
	}
}

/* Milliseconds until something queued may start (-1: nothing is waiting on time). */
static int64_t next_start_in(struct llm_engine *e, int64_t now)
{
	int64_t soonest = -1, t;
	struct call *c;

	if (!e->queued.head || (int)e->running.n >= e->aimd.cap)
		return -1;
	for (c = e->queued.head; c; c = c->next)
		if (soonest < 0 || c->not_before < soonest)
			soonest = c->not_before;
	t = soonest;
	if (e->aimd.paused_until > t)
		t = e->aimd.paused_until;
	if (e->budget_wait_until > t)
		t = e->budget_wait_until;
	return t > now ? t - now : 0;
}

static void note_cap(struct llm_engine *e)
{
	e->stats.cap = e->aimd.cap;
	if (e->aimd.cap < e->stats.cap_min) {
		e->stats.cap_min = e->aimd.cap;
		e->stats.cap_grown_after_min = e->aimd.cap;
	} else if (e->aimd.cap > e->stats.cap_grown_after_min) {
		e->stats.cap_grown_after_min = e->aimd.cap;
	}
}

static void requeue(struct llm_engine *e, struct call *c, int64_t delay_ms, int64_t now)
{
	c->not_before = now + delay_ms;
	move_to(e, c, LIST_QUEUED, true);
}

static int64_t backoff(struct llm_engine *e, int n)
{
	int64_t d = e->opt.backoff_base_ms;
	int i;

	for (i = 1; i < n && d < e->opt.backoff_max_ms; i++)
		d *= 2;
	if (d > e->opt.backoff_max_ms)
		d = e->opt.backoff_max_ms;
	/* Full jitter between half and all of it, so that retries of one burst spread out. */
	return d / 2 + (int64_t)(next_random(e) % (uint64_t)(d / 2 + 1));
}

static void finish_success(struct llm_engine *e, struct call *c, struct llm_reply *reply, struct analysis *first)
{
	struct llm_cache_entry entry = { 0 };

	if (llm_budget_aimd_success(&e->aimd)) {
		e->stats.cap_increases++;
		note_cap(e);
	}
	e->stats.prompt_tokens += reply->usage.prompt_tokens;
	e->stats.completion_tokens += reply->usage.completion_tokens;
	e->stats.cost_microusd += reply->usage.cost_microusd;
	if (e->opt.cache) {
		llm_cache_count(c->waiters->org_id, LLM_CACHE_PROMPT_TOKENS, (uint64_t)reply->usage.prompt_tokens);
		llm_cache_count(c->waiters->org_id, LLM_CACHE_COMPLETION_TOKENS,
				(uint64_t)reply->usage.completion_tokens);
		entry.content = reply->content;
		entry.model = reply->model;
		entry.prompt_tokens = reply->usage.prompt_tokens;
		entry.completion_tokens = reply->usage.completion_tokens;
		entry.cost_microusd = reply->usage.cost_microusd;
		if (c->keyed)
			llm_cache_store(c->key, &entry, e->opt.cache_ttl);
	}
	answer_call(e, c, first, reply->content, reply, reply->http_status);
}

/* Counts one finished provider call in the host's metrics (procmetrics.h). */
static void count_call(const struct llm_engine *e, CURLcode rc, long status, const struct llm_reply *reply,
		       int64_t sent_at_ms)
{
	enum pm_llm_outcome o = rc == CURLE_OPERATION_TIMEDOUT	   ? PM_LLM_TIMEOUT
				: rc != CURLE_OK		   ? PM_LLM_ERROR
				: status == 429			   ? PM_LLM_RATE_LIMITED
				: reply->outcome == LLM_OUTCOME_OK ? PM_LLM_OK
								   : PM_LLM_ERROR;

	procmetrics_llm_call(llm_openai_price_model(reply->model ? reply->model : e->model), o,
			     (now_ms() - sent_at_ms) * 1000, reply->usage.prompt_tokens, reply->usage.completion_tokens,
			     reply->usage.cost_microusd);
}

/* Decides what a finished call leads to: an answer, a failure, or another try. */
static void handle_reply(struct llm_engine *e, struct call *c, struct llm_reply *reply)
{
	int64_t now = now_ms(), hint, d;
	struct analysis *first = NULL;
	char err[256];

	if (reply->outcome == LLM_OUTCOME_OK) {
		first = llm_openai_analysis(reply->content, strlen(reply->content), c->waiters->job, c->waiters->text,
					    c->waiters->len, err, sizeof(err));
		if (!first) {
			reply->outcome = LLM_OUTCOME_MALFORMED;
			snprintf(reply->reason, sizeof(reply->reason), "%s", err);
		}
	}
	if (reply->outcome != LLM_OUTCOME_RATE_LIMITED) {
		/* Even a good answer may say the budget is spent: hold back new sends until it is back. */
		hint = llm_budget_headers_delay(&c->rl, false, 0);
		if (hint > 0)
			llm_budget_aimd_pause(&e->aimd, hint, now);
	}
	switch (reply->outcome) {
	case LLM_OUTCOME_OK:
		finish_success(e, c, reply, first);
		return;
	case LLM_OUTCOME_RATE_LIMITED:
		e->stats.rate_limited++;
		d = llm_budget_headers_delay(&c->rl, true, DEFAULT_LIMITED_MS);
		if (llm_budget_aimd_limited(&e->aimd, c->sent_at, d, now)) {
			e->stats.cap_decreases++;
			note_cap(e);
			log_info("llm: rate limited, concurrency cap now %d, pausing %lld ms", e->aimd.cap,
				 (long long)d);
		}
		if (++c->limited > e->opt.max_rate_limited) {
			fail_call(e, c, LLM_OUTCOME_RATE_LIMITED, "rate limited too many times", true, d,
				  reply->http_status);
			return;
		}
		requeue(e, c, d, now);
		return;
	case LLM_OUTCOME_RETRY:
		d = backoff(e, ++c->transient);
		hint = llm_budget_headers_delay(&c->rl, false, 0);
		if (c->rl.retry_after_ms >= 0 || c->rl.retry_after_s_ms >= 0)
			d = hint > d ? hint : d;
		if (c->transient >= e->opt.max_attempts) {
			fail_call(e, c, LLM_OUTCOME_RETRY, reply->reason, true, d, reply->http_status);
			return;
		}
		log_debug("llm: %s; retry %d in %lld ms", reply->reason, c->transient, (long long)d);
		requeue(e, c, d, now);
		return;
	case LLM_OUTCOME_MALFORMED:
		if (++c->malformed >= 2) {
			fail_call(e, c, LLM_OUTCOME_MALFORMED, reply->reason, false, 0, reply->http_status);
			return;
		}
		log_debug("llm: %s; retrying once", reply->reason);
		requeue(e, c, 0, now);
		return;
	case LLM_OUTCOME_TRUNCATED:
		hint = c->max_out;
		if (widen_budget(e, c)) {
			log_info("llm: answer cut off at %lld tokens; asking once more with %lld", (long long)hint,
				 (long long)c->max_out);
			requeue(e, c, 0, now);
			return;
		}
		fail_call(e, c, reply->outcome, reply->reason, false, 0, reply->http_status);
		return;
	case LLM_OUTCOME_REFUSED:
	case LLM_OUTCOME_ERROR:
		fail_call(e, c, reply->outcome, reply->reason, reply->retry_later, RETRY_LATER_MS, reply->http_status);
		return;
	}
}

static void transport_reply(CURLcode rc, int timeout_ms, struct llm_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	if (rc == CURLE_OPERATION_TIMEDOUT) {
		reply->outcome = LLM_OUTCOME_RETRY;
		snprintf(reply->reason, sizeof(reply->reason), "provider timed out after %d ms", timeout_ms);
	} else if (rc == CURLE_WRITE_ERROR) {
		reply->outcome = LLM_OUTCOME_MALFORMED;
		snprintf(reply->reason, sizeof(reply->reason), "malformed answer: larger than %d bytes", RESPONSE_MAX);
	} else {
		reply->outcome = LLM_OUTCOME_RETRY;
		snprintf(reply->reason, sizeof(reply->reason), "provider unreachable: %s", curl_easy_strerror(rc));
	}
}

static void collect_done(struct llm_engine *e)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
		struct llm_reply reply;
		struct call *c;
		char *priv = NULL;
		long status = 0;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
		c = (struct call *)(void *)priv;
		curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		if (m->data.result != CURLE_OK)
			transport_reply(m->data.result, e->opt.timeout_ms, &reply);
		else
			llm_openai_parse_reply(status, c->response.ptr, c->response.len, &reply);
		count_call(e, m->data.result, status, &reply, c->sent_at);
		curl_multi_remove_handle(e->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
		curl_slist_free_all(c->headers);
		c->headers = NULL;
		buf_release(&c->response);
		handle_reply(e, c, &reply);
		llm_reply_release(&reply);
	}
}

/* ---- the engine ---- */

struct llm_engine *llm_engine_new(const struct llm_options *o, char *err, size_t errlen)
{
	struct llm_engine *e = xcalloc(1, sizeof(*e));
	struct buf url = BUF_INIT(0);
	size_t n;
	int64_t now = now_ms();

	e->opt = *o;
	if (e->opt.concurrency < 1)
		e->opt.concurrency = 1;
	if (e->opt.max_attempts < 1)
		e->opt.max_attempts = 1;
	if (e->opt.timeout_ms < 1)
		e->opt.timeout_ms = 60000;
	if (e->opt.backoff_base_ms < 2)
		e->opt.backoff_base_ms = 2;
	if (e->opt.backoff_max_ms < e->opt.backoff_base_ms)
		e->opt.backoff_max_ms = e->opt.backoff_base_ms;
	e->provider = o->provider;
	e->base_url = xstrdup(o->base_url ? o->base_url : "");
	e->api_key = xstrdup(o->api_key ? o->api_key : "");
	e->model = xstrdup(o->model ? o->model : "");
	e->opt.base_url = e->base_url;
	e->opt.api_key = e->api_key;
	e->opt.model = e->model;
	n = strlen(e->base_url);
	while (n > 0 && e->base_url[n - 1] == '/')
		n--;
	buf_printf(&url, "%.*s/chat/completions", (int)n, e->base_url);
	e->url = buf_detach(&url, NULL);
	llm_budget_aimd_init(&e->aimd, e->opt.concurrency);
	llm_budget_bucket_init(&e->rpm, o->rpm, now);
	llm_budget_bucket_init(&e->tpm, o->tpm, now);
	e->rng = (uint64_t)now_us() * 0x9e3779b97f4a7c15ULL | 1;
	e->stats.cap = e->stats.cap_min = e->stats.cap_max = e->stats.cap_grown_after_min = e->aimd.cap;
	if (e->provider == LLM_PROVIDER_OPENAI) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "llm: curl_global_init failed");
			goto fail;
		}
		e->multi = curl_multi_init();
		if (!e->multi) {
			curl_global_cleanup();
			snprintf(err, errlen, "llm: curl_multi_init failed");
			goto fail;
		}
		/* Keep-alive connections for every call in flight, and no more than that per host. */
		curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)e->opt.concurrency);
		curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, (long)e->opt.concurrency + 4);
		curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	}
	return e;
fail:
	free(e->url);
	free(e->base_url);
	free(e->api_key);
	free(e->model);
	free(e);
	return NULL;
}

void llm_engine_free(struct llm_engine *e)
{
	struct call *c;

	if (!e)
		return;
	deliver_ready(e);
	while ((c = e->running.head) != NULL) {
		curl_multi_remove_handle(e->multi, c->easy);
		curl_easy_cleanup(c->easy);
		c->easy = NULL;
		fail_call(e, c, LLM_OUTCOME_RETRY, "engine stopped", true, STOPPED_RETRY_MS, 0);
	}
	while ((c = e->queued.head) != NULL)
		fail_call(e, c, LLM_OUTCOME_RETRY, "engine stopped", true, STOPPED_RETRY_MS, 0);
	if (e->multi) {
		curl_multi_cleanup(e->multi);
		curl_global_cleanup();
	}
	free(e->url);
	free(e->base_url);
	free(e->api_key);
	free(e->model);
	free(e);
}

static struct waiter *new_waiter(struct job *job, const char *text, size_t len, llm_callback cb, void *userdata)
{
	struct waiter *w = xcalloc(1, sizeof(*w));

	w->job = job;
	w->text = text;
	w->len = len;
	w->cb = cb;
	w->userdata = userdata;
	return w;
}

static struct call *new_call(struct waiter *w)
{
	struct call *c = xcalloc(1, sizeof(*c));

	c->waiters = w;
	c->tail = &w->next;
	return c;
}

/* Tries the response cache for a new call; true when it answered (the call is then ready). */
static bool try_cache(struct llm_engine *e, struct call *c)
{
	struct waiter *w = c->waiters;
	char err[256];

	if (llm_cache_lookup(c->key, &c->entry) != 1) {
		llm_cache_count(c->waiters->org_id, LLM_CACHE_MISSES, 1);
		e->stats.cache_misses++;
		return false;
	}
	c->first = llm_openai_analysis(c->entry.content, strlen(c->entry.content), w->job, w->text, w->len, err,
				       sizeof(err));
	if (!c->first) {
		/* An entry this version cannot read is a miss; the new answer will replace it. */
		log_warn("llm: cached answer unusable, calling the provider: %s", err);
		llm_cache_entry_release(&c->entry);
		llm_cache_count(c->waiters->org_id, LLM_CACHE_MISSES, 1);
		e->stats.cache_misses++;
		return false;
	}
	c->from_cache = true;
	e->stats.cache_hits++;
	llm_cache_count(c->waiters->org_id, LLM_CACHE_HITS, 1);
	llm_cache_count(c->waiters->org_id, LLM_CACHE_TOKENS_SAVED,
			(uint64_t)(c->entry.prompt_tokens + c->entry.completion_tokens));
	llm_cache_count(c->waiters->org_id, LLM_CACHE_COST_SAVED_MICROUSD, (uint64_t)c->entry.cost_microusd);
	return true;
}

int llm_submit(struct llm_engine *e, struct job *job, const char *text, size_t len, llm_callback cb, void *userdata)
{
	return llm_submit_org(e, 0, job, text, len, cb, userdata);
}

int llm_submit_org(struct llm_engine *e, int64_t org_id, struct job *job, const char *text, size_t len, llm_callback cb,
		   void *userdata)
{
	struct waiter *w;
	struct call *c;
	char *jm;
	int year, month;

	if (!e || !job || !cb || (!text && len))
		return -1;
	if (!text)
		text = "";
	w = new_waiter(job, text, len, cb, userdata);
	w->org_id = org_id;
	e->stats.submitted++;
	e->pending++;
	if (e->provider == LLM_PROVIDER_LOCAL) {
		c = new_call(w);
		experience_today(&year, &month);
		c->first = score_local(job, text, len, year, month);
		move_to(e, c, LIST_READY, false);
		return 0;
	}
	jm = llm_prompt_job_message(job);
	c = new_call(w);
	if (llm_cache_key(llm_provider_name(e->provider), e->model, LLM_PROMPT_VERSION, job_rubric(job)->version, jm,
			  text, len, c->key) == 0) {
		struct call *same = key_find(e, c->key);

		if (same) {
			/* The same question is already pending: wait for its answer instead of asking again. */
			free(c);
			w->shared = true;
			*same->tail = w;
			same->tail = &w->next;
			e->stats.shared++;
			free(jm);
			return 0;
		}
		key_insert(e, c);
		if (e->opt.cache && try_cache(e, c)) {
			move_to(e, c, LIST_READY, false);
			free(jm);
			return 0;
		}
	}
	free(jm);
	move_to(e, c, LIST_QUEUED, false);
	return 0;
}

size_t llm_engine_step_fds(struct llm_engine *e, struct pollfd *fds, unsigned nfds, int timeout_ms)
{
	struct curl_waitfd stack[8], *wfds = stack;
	int64_t wait = timeout_ms < 0 ? 0 : timeout_ms, t;
	unsigned i;
	int running;

	deliver_ready(e);
	if (e->provider == LLM_PROVIDER_OPENAI) {
		start_due(e);
		t = next_start_in(e, now_ms());
		if (t >= 0 && t < wait)
			wait = t;
		if (e->ready.head)
			wait = 0;
		if (nfds > ARRAY_SIZE(stack))
			wfds = xcalloc(nfds, sizeof(*wfds));
		for (i = 0; i < nfds; i++) {
			wfds[i].fd = fds[i].fd;
			wfds[i].events = (short)(((fds[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
						 ((fds[i].events & POLLPRI) ? CURL_WAIT_POLLPRI : 0) |
						 ((fds[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
			wfds[i].revents = 0;
		}
		curl_multi_poll(e->multi, nfds ? wfds : NULL, nfds, (int)wait, NULL);
		for (i = 0; i < nfds; i++)
			fds[i].revents = (short)(((wfds[i].revents & CURL_WAIT_POLLIN) ? POLLIN : 0) |
						 ((wfds[i].revents & CURL_WAIT_POLLPRI) ? POLLPRI : 0) |
						 ((wfds[i].revents & CURL_WAIT_POLLOUT) ? POLLOUT : 0));
		if (wfds != stack)
			free(wfds);
		curl_multi_perform(e->multi, &running);
		collect_done(e);
		start_due(e);
		curl_multi_perform(e->multi, &running);
	} else if (nfds) {
		poll(fds, nfds, e->ready.head ? 0 : (int)wait);
	}
	deliver_ready(e);
	e->stats.in_flight = (int)e->running.n;
	return e->pending;
}

size_t llm_engine_step(struct llm_engine *e, int timeout_ms)
{
	return llm_engine_step_fds(e, NULL, 0, timeout_ms);
}

size_t llm_engine_pending(const struct llm_engine *e)
{
	return e->pending;
}

int llm_engine_run(struct llm_engine *e, int64_t timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (e->pending > 0) {
		int64_t left = deadline - now_ms();

		if (left <= 0)
			return -1;
		llm_engine_step(e, left > 1000 ? 1000 : (int)left);
	}
	return 0;
}

void llm_engine_stats(const struct llm_engine *e, struct llm_stats *out)
{
	*out = e->stats;
	out->cap = e->aimd.cap;
	out->in_flight = (int)e->running.n;
}
