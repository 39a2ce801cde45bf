/* llm: the scoring provider interface (local scorer or OpenAI-compatible) and the asynchronous engine that calls it. */
#ifndef SHORTLIST_LLM_H
#define SHORTLIST_LLM_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct analysis;
struct job;

/*
 * A provider scores one resume for one job. The engine hides which one:
 * the caller submits, then drives llm_engine_step() from its loop, and the
 * callback fires with the result in both cases (the local scorer completes
 * at the next step, without waiting).
 */
enum llm_provider { LLM_PROVIDER_LOCAL, LLM_PROVIDER_OPENAI };

/*
 * Chooses the provider: setting "local" or "openai" as given; an empty
 * setting means openai when api_key is set, else local. Returns 0, or -1
 * for any other setting.
 */
int llm_provider_select(const char *setting, const char *api_key, enum llm_provider *out);
/* "local" or "openai". */
const char *llm_provider_name(enum llm_provider p);

struct llm_options {
	enum llm_provider provider;
	const char *base_url; /* e.g. "https://api.openai.com/v1"; copied by llm_engine_new() */
	const char *api_key;  /* copied */
	const char *model;    /* copied */
	int concurrency;      /* most calls in flight, and the cap AIMD starts from and returns to */
	int timeout_ms;	      /* of one HTTP call */
	int64_t rpm;	      /* client budget of requests per minute (0: none) */
	int64_t tpm;	      /* client budget of tokens per minute (0: none) */
	bool cache;	      /* use the memcached response cache */
	uint32_t cache_ttl;   /* seconds a cached answer lives */
	int max_attempts;     /* calls per request for 5xx, timeouts and connection errors */
	int max_rate_limited; /* 429 answers a request may meet before it fails (retryable) */
	int backoff_base_ms;  /* first retry delay; doubles each time, with jitter */
	int backoff_max_ms;   /* ceiling of a retry delay */
};

/* Defaults: local provider, concurrency 64, timeout 60 s, cache on for a week, 4 attempts, 30 rate-limited retries. */
void llm_options_init(struct llm_options *o);
/*
 * The options from config(): llm_provider, openai_base_url, openai_api_key,
 * openai_model, llm_concurrency, llm_timeout_ms, llm_rpm, llm_tpm,
 * cache_ttl. The strings are borrowed from the configuration. Returns 0,
 * or -1 with a reason in err for a bad llm_provider value.
 */
int llm_options_from_config(struct llm_options *o, char *err, size_t errlen);

/* The outcome of one provider call, as classified from its answer. */
enum llm_outcome {
	LLM_OUTCOME_OK,		  /* an analysis */
	LLM_OUTCOME_RATE_LIMITED, /* 429: retried after the delay the headers say */
	LLM_OUTCOME_RETRY,	  /* 5xx, 408, 409, timeout, connection error: retried with backoff */
	LLM_OUTCOME_MALFORMED,	  /* unparsable answer or content: retried once */
	LLM_OUTCOME_REFUSED,	  /* the model refused (or its content filter stopped it): permanent */
	LLM_OUTCOME_TRUNCATED,	  /* finish_reason "length": permanent */
	LLM_OUTCOME_ERROR	  /* 400, 401, 403, 404 ...: permanent, with the provider's message */
};

/* "ok", "rate_limited", "retry", "malformed", "refused", "truncated", "error". */
const char *llm_outcome_name(enum llm_outcome o);

struct llm_usage {
	int64_t prompt_tokens;
	int64_t completion_tokens;
	int64_t cached_tokens; /* of prompt_tokens, served from the provider's prompt cache */
	int64_t cost_microusd; /* from the price table of llm_openai_cost_microusd() */
};

/*
 * What a callback receives. Everything is borrowed for the duration of the
 * callback, except that the callback may take the analysis: set
 * res->analysis to NULL and free it later with analysis_free().
 * A failure carries no analysis at all: it is never a verdict (the caller
 * records "failed" or retries, never "rejected").
 */
struct llm_result {
	bool ok;		   /* analysis is set */
	struct analysis *analysis; /* completed: evidence verified, weights, knock-outs and category applied */
	enum llm_outcome outcome;  /* of the last call (LLM_OUTCOME_OK for cache hits and the local scorer) */
	const char *reason;	   /* "" on success; else e.g. "provider refused", "output truncated" */
	bool retryable;		   /* the failure may go away later: retry the task after retry_after_ms */
	int64_t retry_after_ms;
	bool cached;		 /* answered from the response cache */
	bool shared;		 /* answered by an identical request's call in the same engine */
	int attempts;		 /* provider calls made for it */
	int http_status;	 /* of the last call; 0 when none */
	const char *provider;	 /* "local" or "openai" */
	const char *model;	 /* as the provider reported it; "" when unknown */
	const char *fingerprint; /* system_fingerprint; "" when unknown */
	struct llm_usage usage;	 /* of the call that answered (zero for shared answers and the local scorer) */
	const char *raw;	 /* the model's output JSON; "" when none */
	const char *cache_key;	 /* the response cache key asked or filled (llm_cache.h); "" when none */
};

typedef void (*llm_callback)(struct llm_result *res, void *userdata);

/* Counters of one engine (the memcached counters are shared by all processes: see llm_cache.h). */
struct llm_stats {
	uint64_t submitted;
	uint64_t succeeded;
	uint64_t failed;
	uint64_t calls;	       /* HTTP requests sent */
	uint64_t rate_limited; /* 429 answers */
	uint64_t retries;      /* calls that were repeats */
	uint64_t cache_hits;
	uint64_t cache_misses;
	uint64_t shared; /* requests attached to an identical one in flight */
	int cap;	 /* the current concurrency cap */
	int cap_min;	 /* the smallest it has been */
	int cap_max;	 /* the configured maximum */
	int in_flight;
	int in_flight_max; /* most calls ever in flight at once */
	uint64_t cap_decreases;
	uint64_t cap_increases;
	int cap_grown_after_min; /* the largest cap seen after cap_min was first reached */
	int64_t prompt_tokens;
	int64_t completion_tokens;
	int64_t cost_microusd;
};

struct llm_engine;

/*
 * Makes an engine: one curl multi handle with keep-alive connections (at
 * least concurrency per host), the AIMD cap and the optional rpm/tpm
 * buckets. Returns NULL with a reason in err when curl cannot start.
 * Free with llm_engine_free().
 */
struct llm_engine *llm_engine_new(const struct llm_options *o, char *err, size_t errlen);

/*
 * Fails every pending request through its callback (reason "engine
 * stopped", retryable) and frees the engine; accepts NULL.
 */
void llm_engine_free(struct llm_engine *e);

/*
 * Queues "score this resume for this job". job and text are borrowed until
 * the callback has run; the callback runs from llm_engine_step() (never
 * from llm_submit()). A memcached hit or the local scorer completes at the
 * next step; a request identical to one already pending (same cache key)
 * shares its call. Returns 0, or -1 when job is NULL or text too long.
 */
int llm_submit(struct llm_engine *e, struct job *job, const char *text, size_t len, llm_callback cb, void *userdata);
/*
 * The same for organisation org_id (0: none), whose cache counters the
 * call's hits, misses, calls and tokens also go to (llm_cache_count()).
 */
int llm_submit_org(struct llm_engine *e, int64_t org_id, struct job *job, const char *text, size_t len, llm_callback cb,
		   void *userdata);

/*
 * Starts what may start, waits at most timeout_ms for network activity (or
 * less when a retry or pause ends sooner; not at all when a result is
 * ready), handles the answers and runs the callbacks. Returns the number of
 * requests still pending.
 */
size_t llm_engine_step(struct llm_engine *e, int timeout_ms);
/*
 * The same, also waking when one of the caller's nfds descriptors is ready;
 * their revents are set as poll(2) would.
 */
size_t llm_engine_step_fds(struct llm_engine *e, struct pollfd *fds, unsigned nfds, int timeout_ms);
/* Requests submitted whose callback has not run yet. */
size_t llm_engine_pending(const struct llm_engine *e);
/* Steps until nothing is pending or timeout_ms have passed. Returns 0, or -1 on timeout. */
int llm_engine_run(struct llm_engine *e, int64_t timeout_ms);
void llm_engine_stats(const struct llm_engine *e, struct llm_stats *out);

/* ---- the OpenAI-compatible wire format (llm_openai.c) ---- */

/* One classified answer. */
struct llm_reply {
	enum llm_outcome outcome;
	long http_status;
	char reason[256];  /* why it failed, with the provider's message when it gave one */
	bool retry_later;  /* a permanent outcome that may still pass later (quota exhausted) */
	char *content;	   /* the model's output text (OK only); owned */
	char *model;	   /* owned; NULL when absent */
	char *fingerprint; /* owned; NULL when absent */
	struct llm_usage usage;
};

/*
 * Classifies the answer to a chat-completions call: status and body (len
 * bytes). 200 with choices[0].message.content is OK (content not yet
 * validated against the schema: see llm_openai_analysis()); a non-null
 * message.refusal or finish_reason "content_filter" is REFUSED; finish_reason
 * "length" is TRUNCATED; a body or message that is not what the API
 * promises is MALFORMED; 429 is RATE_LIMITED (but "insufficient_quota" is
 * ERROR with retry_later); 408, 409 and 5xx are RETRY; any other status is
 * ERROR with the provider's error.message in reason. Usage and cost are read
 * whenever present. Release with llm_reply_release().
 */
void llm_openai_parse_reply(long http_status, const char *body, size_t len, struct llm_reply *out);
void llm_reply_release(struct llm_reply *r);

/*
 * Cost of a call in millionths of a US dollar, from the price table of
 * llm_price.h (USD per 1M tokens: input, cached input, output; the longest
 * model-name prefix wins, so "gpt-4o-2024-08-06" is priced as "gpt-4o").
 * A model not in the table gives 0 here: whoever records or shows the cost
 * asks llm_price_of() whether the model has a price and says "unknown"
 * when it has none.
 */
int64_t llm_openai_cost_microusd(const char *model, int64_t prompt_tokens, int64_t cached_tokens,
				 int64_t completion_tokens);

/*
 * The price-table entry model is priced as (its longest matching prefix,
 * e.g. "gpt-4o" for "gpt-4o-2024-08-06"), or NULL when none matches: the
 * bounded set of model names the metrics use (procmetrics.h). Static.
 */
const char *llm_openai_price_model(const char *model);

/*
 * Turns the model's output (content, len bytes) into a completed analysis
 * for this job and resume text: parse the JSON, drop repeated criteria,
 * shorten over-long strings, analysis_from_json(), then analysis_complete()
 * (evidence verified against text, rubric weights, knock-outs, category).
 * Returns a new analysis (caller frees with analysis_free()) or NULL with
 * the reason in err.
 */
struct analysis *llm_openai_analysis(const char *content, size_t len, struct job *job, const char *text, size_t tlen,
				     char *err, size_t errlen);

#endif
