/* Tests of the LLM engine against the fake provider: batches, 429 storms, faults, cache, dedup and answer parsing. */
#include <arpa/inet.h>
#include <check.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "llm/llm.h"
#include "llm/llm_cache.h"
#include "llm/llm_models.h"
#include "score/analysis.h"
#include "score/job.h"
#include "score/rubric.h"
#include "suite.h"

#define PYTHON "/usr/bin/python3"
#define FAKE "tests/fakes/fake_openai.py"
#define CORPUS "../shared/corpus/openai/"
#define PORT_LO 37000
#define PORT_HI 37999
#define RUN_MS (5 * 60 * 1000)

static const char job_json[] =
	"{\"title\":\"Backend Engineer\",\"description\":\"Build APIs in Go and Python, run PostgreSQL on Kubernetes "
	"and AWS, own monitoring with Prometheus.\",\"required_skills\":[\"Go\",\"PostgreSQL\"],"
	"\"rubric\":{\"criteria\":[{\"name\":\"Backend skills\",\"weight\":2,\"keywords\":[\"Go\",\"Python\","
	"\"PostgreSQL\"]},{\"name\":\"Operations\",\"weight\":1,\"keywords\":[\"Kubernetes\",\"AWS\"]}]}}";

/* ---- the fake provider ---- */

static pid_t fake_pid = -1;
static int fake_port;
static char fake_url[64];

static bool port_free(int port)
{
	struct sockaddr_in a = { 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, ok;

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Sends a request to the fake; returns the HTTP status (0 when it does not answer) and the body in out. */
static long fake_http(const char *method, const char *path, const char *body, struct buf *out)
{
	CURL *h = curl_easy_init();
	char url[128];
	long status = 0;
	FILE *sink = NULL;
	char *mem = NULL;
	size_t memlen = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", fake_port, path);
	sink = open_memstream(&mem, &memlen);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	fclose(sink);
	if (out)
		buf_append(out, mem, memlen);
	free(mem);
	return status;
}

/* Starts the fake with extra arguments (NULL-terminated) on a free port of the range; false when it cannot. */
static bool fake_start(const char *const *extra)
{
	const char *argv[32];
	int i, n = 0, port, tries;

	if (access(PYTHON, X_OK) != 0 || access(FAKE, R_OK) != 0) {
		printf("skip: %s or %s missing; no fake provider\n", PYTHON, FAKE);
		return false;
	}
	port = PORT_LO + (int)(getpid() % (PORT_HI - PORT_LO));
	for (tries = 0; tries < 200 && !port_free(port); tries++)
		port = port + 1 > PORT_HI ? PORT_LO : port + 1;
	fake_port = port;
	snprintf(fake_url, sizeof(fake_url), "http://127.0.0.1:%d/v1", port);
	argv[n++] = PYTHON;
	argv[n++] = FAKE;
	argv[n++] = "--port";
	argv[n++] = NULL; /* filled below */
	for (i = 0; extra && extra[i] && n < 30; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	{
		char portstr[16];

		snprintf(portstr, sizeof(portstr), "%d", port);
		argv[3] = portstr;
		fake_pid = fork();
		if (fake_pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			execv(PYTHON, (char *const *)argv);
			_exit(127);
		}
	}
	for (tries = 0; tries < 100; tries++) {
		if (fake_http("GET", "/health", NULL, NULL) == 200)
			return true;
		usleep(50 * 1000);
	}
	printf("skip: the fake provider did not start on port %d\n", port);
	kill(fake_pid, SIGTERM);
	waitpid(fake_pid, NULL, 0);
	fake_pid = -1;
	return false;
}

static void fake_stop(void)
{
	if (fake_pid > 0) {
		kill(fake_pid, SIGTERM);
		waitpid(fake_pid, NULL, 0);
	}
	fake_pid = -1;
}

static void fake_setup_plain(void)
{
	static const char *const args[] = { "--latency-median-ms", "30", NULL };

	curl_global_init(CURL_GLOBAL_DEFAULT);
	fake_start(args);
}

static void fake_setup_storm(void)
{
	static const char *const args[] = { "--rpm", "60", NULL };

	curl_global_init(CURL_GLOBAL_DEFAULT);
	fake_start(args);
}

static void fake_teardown(void)
{
	fake_stop();
	curl_global_cleanup();
}

/* A number from the fake's /_stats (path like "completions" or "faults_by_kind.500"). */
static int64_t fake_stat(const char *name)
{
	struct buf b = BUF_INIT(1 << 20);
	char err[128], key[64];
	const char *dot = strchr(name, '.');
	cJSON *root;
	const cJSON *o;
	int64_t v;

	ck_assert_int_eq(fake_http("GET", "/_stats", NULL, &b), 200);
	root = json_parse(b.ptr, b.len, 16, err, sizeof(err));
	ck_assert_ptr_nonnull(root);
	o = root;
	if (dot) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - name), name);
		o = cJSON_GetObjectItemCaseSensitive(root, key);
		name = dot + 1;
	}
	v = json_int(o, name, 0);
	cJSON_Delete(root);
	buf_release(&b);
	return v;
}

static void fake_reset(void)
{
	ck_assert_int_eq(fake_http("POST", "/_reset", "{}", NULL), 200);
}

static void fake_fault(const char *body)
{
	ck_assert_int_eq(fake_http("POST", "/_fault", body, NULL), 200);
}

/* ---- results ---- */

struct slot {
	int calls;
	bool ok;
	enum llm_outcome outcome;
	bool retryable;
	bool cached;
	bool shared;
	int attempts;
	char reason[256];
	char category[16];
	size_t ncriteria;
	bool in_submit;
};

static bool submitting;

static void on_result(struct llm_result *res, void *userdata)
{
	struct slot *s = userdata;

	s->calls++;
	s->in_submit = submitting;
	s->ok = res->ok;
	s->outcome = res->outcome;
	s->retryable = res->retryable;
	s->cached = res->cached;
	s->shared = res->shared;
	s->attempts = res->attempts;
	snprintf(s->reason, sizeof(s->reason), "%s", res->reason);
	if (res->analysis) {
		snprintf(s->category, sizeof(s->category), "%s", analysis_category_name(res->analysis->category));
		s->ncriteria = res->analysis->ncriteria;
	}
	/* A failure is never a verdict: no analysis, so nothing can be a rejection. */
	ck_assert(res->ok == (res->analysis != NULL));
	if (!res->ok)
		ck_assert_str_ne(res->reason, "");
}

static struct job *test_job(void)
{
	struct job *job = NULL;
	char err[200];

	ck_assert_msg(job_parse(job_json, strlen(job_json), &job, err, sizeof(err)) == 0, "%s", err);
	return job;
}

static char *resume(const char *nonce, int i, const char *extra)
{
	struct buf b = BUF_INIT(0);

	buf_printf(&b,
		   "Candidate %d (%s)\nBackend engineer with %d years of Go and Python services.\n"
		   "Ran PostgreSQL clusters on Kubernetes in AWS for a payments company.\n"
		   "Built Prometheus dashboards and alerting for every production service.\n%s\n",
		   i, nonce, 2 + i % 9, extra ? extra : "");
	return buf_detach(&b, NULL);
}

static void make_nonce(char out[17])
{
	unsigned char r[8];

	ck_assert_int_eq(random_bytes(r, sizeof(r)), 0);
	hex_encode(r, sizeof(r), out);
}

static void openai_options(struct llm_options *o, int concurrency)
{
	llm_options_init(o);
	o->provider = LLM_PROVIDER_OPENAI;
	o->base_url = fake_url;
	o->api_key = "sk-test";
	o->model = "gpt-4o-mini";
	o->concurrency = concurrency;
	o->timeout_ms = 10000;
	o->cache = false;
	o->backoff_base_ms = 20;
	o->backoff_max_ms = 200;
}

/* Scores one resume (extra text appended) and returns its slot. */
static struct slot score_one(const struct llm_options *o, const char *extra)
{
	struct llm_engine *e;
	struct job *job = test_job();
	struct slot s = { 0 };
	char nonce[17], err[256], *text;

	make_nonce(nonce);
	text = resume(nonce, 1, extra);
	e = llm_engine_new(o, err, sizeof(err));
	ck_assert_msg(e != NULL, "%s", err);
	ck_assert_int_eq(llm_submit(e, job, text, strlen(text), on_result, &s), 0);
	ck_assert_int_eq(llm_engine_run(e, RUN_MS), 0);
	ck_assert_int_eq(s.calls, 1);
	llm_engine_free(e);
	free(text);
	job_free(job);
	return s;
}

#define NEED_FAKE() \
	do { \
		if (fake_pid <= 0) \
			return; \
	} while (0)

/* ---- against the fake ---- */

START_TEST(test_batch_50_at_16)
{
	struct llm_options o;
	struct llm_engine *e;
	struct llm_stats st;
	struct job *job;
	struct slot slots[50] = { { 0 } };
	char *texts[50], nonce[17], err[256];
	int i;

	NEED_FAKE();
	fake_reset();
	job = test_job();
	make_nonce(nonce);
	openai_options(&o, 16);
	e = llm_engine_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	submitting = true;
	for (i = 0; i < 50; i++) {
		texts[i] = resume(nonce, i, NULL);
		ck_assert_int_eq(llm_submit(e, job, texts[i], strlen(texts[i]), on_result, &slots[i]), 0);
	}
	submitting = false;
	ck_assert_uint_eq(llm_engine_pending(e), 50);
	ck_assert_int_eq(llm_engine_run(e, RUN_MS), 0);
	llm_engine_stats(e, &st);
	for (i = 0; i < 50; i++) {
		ck_assert_int_eq(slots[i].calls, 1);
		ck_assert_msg(slots[i].ok, "resume %d: %s", i, slots[i].reason);
		ck_assert(!slots[i].in_submit);
		ck_assert_uint_ge(slots[i].ncriteria, 2);
		ck_assert_int_eq(slots[i].attempts, 1);
		free(texts[i]);
	}
	ck_assert_uint_eq(st.calls, 50);
	ck_assert_uint_eq(st.succeeded, 50);
	ck_assert_int_le(st.in_flight_max, 16);
	ck_assert_int_gt(st.in_flight_max, 1);
	ck_assert_int_eq(fake_stat("completions"), 50);
	ck_assert_int_le(fake_stat("max_in_flight"), 16);
	printf("batch: 50 scored, in flight at most %d, %lld prompt tokens, cost %lld micro-USD\n", st.in_flight_max,
	       (long long)st.prompt_tokens, (long long)st.cost_microusd);
	ck_assert_int_gt(st.cost_microusd, 0);
	llm_engine_free(e);
	job_free(job);
}
END_TEST

START_TEST(test_fault_500_retried)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	fake_fault("{\"clear\":true,\"next\":[\"500\"]}");
	openai_options(&o, 4);
	s = score_one(&o, NULL);
	ck_assert_msg(s.ok, "%s", s.reason);
	ck_assert_int_eq(s.attempts, 2);
	ck_assert_int_eq(fake_stat("faults_by_kind.500"), 1);
}
END_TEST

START_TEST(test_fault_500_exhausts_attempts)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	fake_fault("{\"clear\":true,\"next\":[\"500\",\"503\",\"500\"]}");
	openai_options(&o, 4);
	o.max_attempts = 3;
	s = score_one(&o, NULL);
	ck_assert(!s.ok);
	ck_assert_int_eq(s.outcome, LLM_OUTCOME_RETRY);
	ck_assert(s.retryable);
	ck_assert_int_eq(s.attempts, 3);
	ck_assert_ptr_nonnull(strstr(s.reason, "HTTP 500"));
}
END_TEST

START_TEST(test_fault_timeout_retried)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	fake_fault("{\"clear\":true,\"next\":[\"timeout\"],\"hang_ms\":5000}");
	openai_options(&o, 4);
	o.timeout_ms = 700;
	s = score_one(&o, NULL);
	ck_assert_msg(s.ok, "%s", s.reason);
	ck_assert_int_eq(s.attempts, 2);
	ck_assert_int_eq(fake_stat("faults_by_kind.timeout"), 1);
}
END_TEST

START_TEST(test_fault_disconnect_retried)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	fake_fault("{\"clear\":true,\"next\":[\"disconnect\"]}");
	openai_options(&o, 4);
	s = score_one(&o, NULL);
	ck_assert_msg(s.ok, "%s", s.reason);
	ck_assert_int_eq(s.attempts, 2);
}
END_TEST

START_TEST(test_fault_malformed_retried_once_then_fails)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	openai_options(&o, 4);
	s = score_one(&o, "FAKE_FAULT:malformed");
	ck_assert(!s.ok);
	ck_assert_int_eq(s.outcome, LLM_OUTCOME_MALFORMED);
	ck_assert(!s.retryable);
	ck_assert_int_eq(s.attempts, 2);
	ck_assert_str_eq(s.category, "");

	/* Once malformed, then fine: the retry answers. */
	fake_reset();
	fake_fault("{\"clear\":true,\"next\":[\"malformed\"]}");
	s = score_one(&o, NULL);
	ck_assert_msg(s.ok, "%s", s.reason);
	ck_assert_int_eq(s.attempts, 2);
}
END_TEST

START_TEST(test_fault_refusal_is_permanent)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	openai_options(&o, 4);
	s = score_one(&o, "FAKE_FAULT:refusal");
	ck_assert(!s.ok);
	ck_assert_int_eq(s.outcome, LLM_OUTCOME_REFUSED);
	ck_assert(!s.retryable);
	ck_assert_int_eq(s.attempts, 1);
	ck_assert_str_eq(s.reason, "provider refused");
	ck_assert_str_eq(s.category, "");
}
END_TEST

START_TEST(test_fault_length_is_failure)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	openai_options(&o, 4);
	s = score_one(&o, "FAKE_FAULT:length");
	ck_assert(!s.ok);
	ck_assert_int_eq(s.outcome, LLM_OUTCOME_TRUNCATED);
	ck_assert(!s.retryable);
	/* Asked once more with a larger budget, then given up. */
	ck_assert_int_eq(s.attempts, 2);
	ck_assert_str_eq(s.reason, "output truncated");
	ck_assert_str_eq(s.category, "");
}
END_TEST

/*
 * A reasoning model whose hidden reasoning leaves too little of the first
 * budget: the answer is cut off, the call is made once more with twice the
 * budget, and that answer scores. The request carries no temperature or
 * seed (the fake refuses temperature 0 for such a model with a 400).
 */
START_TEST(test_reasoning_cutoff_retried_with_larger_budget)
{
	struct llm_options o;
	struct job *job;
	struct slot s;
	char extra[64];
	int64_t first;

	NEED_FAKE();
	fake_reset();
	openai_options(&o, 4);
	o.model = "o4-mini";
	job = test_job();
	first = llm_model_output_budget("o4-mini", job_rubric(job)->ncriteria);
	job_free(job);
	snprintf(extra, sizeof(extra), "FAKE_REASONING:%lld", (long long)(first - 20));
	s = score_one(&o, extra);
	ck_assert_msg(s.ok, "%s", s.reason);
	ck_assert_int_eq(s.attempts, 2);
	/* Without a cut-off: one call. */
	s = score_one(&o, "FAKE_REASONING:100");
	ck_assert_msg(s.ok, "%s", s.reason);
	ck_assert_int_eq(s.attempts, 1);
}
END_TEST

START_TEST(test_http_401_is_permanent_with_message)
{
	struct llm_options o;
	struct slot s;

	NEED_FAKE();
	fake_reset();
	openai_options(&o, 4);
	o.api_key = "";
	s = score_one(&o, NULL);
	ck_assert(!s.ok);
	ck_assert_int_eq(s.outcome, LLM_OUTCOME_ERROR);
	ck_assert(!s.retryable);
	ck_assert_int_eq(s.attempts, 1);
	ck_assert_msg(strstr(s.reason, "HTTP 401") && strstr(s.reason, "API key"), "%s", s.reason);
}
END_TEST

START_TEST(test_unreachable_is_retryable)
{
	struct llm_options o;
	struct slot s;
	int port = PORT_HI;
	char url[64];

	NEED_FAKE();
	while (!port_free(port))
		port--;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", port);
	openai_options(&o, 4);
	o.base_url = url;
	o.max_attempts = 2;
	s = score_one(&o, NULL);
	ck_assert(!s.ok);
	ck_assert_int_eq(s.outcome, LLM_OUTCOME_RETRY);
	ck_assert(s.retryable);
	ck_assert_int_eq(s.attempts, 2);
	ck_assert_ptr_nonnull(strstr(s.reason, "unreachable"));
}
END_TEST

START_TEST(test_identical_resumes_share_one_call)
{
	struct llm_options o;
	struct llm_engine *e;
	struct llm_stats st;
	struct job *job = test_job();
	struct slot a = { 0 }, b = { 0 }, c = { 0 };
	char nonce[17], err[256], *t1, *t2, *t3;

	NEED_FAKE();
	fake_reset();
	make_nonce(nonce);
	t1 = resume(nonce, 7, NULL);
	t2 = resume(nonce, 7, NULL); /* same text, another buffer */
	t3 = resume(nonce, 8, NULL);
	openai_options(&o, 4);
	e = llm_engine_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	llm_submit(e, job, t1, strlen(t1), on_result, &a);
	llm_submit(e, job, t2, strlen(t2), on_result, &b);
	llm_submit(e, job, t3, strlen(t3), on_result, &c);
	ck_assert_int_eq(llm_engine_run(e, RUN_MS), 0);
	llm_engine_stats(e, &st);
	ck_assert(a.ok && b.ok && c.ok);
	ck_assert(!a.shared && b.shared && !c.shared);
	ck_assert_str_eq(a.category, b.category);
	ck_assert_uint_eq(st.calls, 2);
	ck_assert_uint_eq(st.shared, 1);
	ck_assert_int_eq(fake_stat("completions"), 2);
	llm_engine_free(e);
	free(t1);
	free(t2);
	free(t3);
	job_free(job);
}
END_TEST

/* Loads the configuration and checks memcached answers; false (after saying why) when it does not. */
static bool memcached_ready(void)
{
	char err[256];

	if (!getenv("SHORTLIST_CONFIG") && !getenv("SHORTLIST_MEMCACHED_SERVERS")) {
		printf("skip: SHORTLIST_CONFIG and SHORTLIST_MEMCACHED_SERVERS unset; no memcached to test against\n");
		return false;
	}
	if (config_load(NULL, err, sizeof(err)) < 0) {
		printf("skip: configuration does not load: %s\n", err);
		return false;
	}
	if (cache_probe(1000, err, sizeof(err)) < 0) {
		printf("skip: memcached '%s' does not answer: %s\n", config()->memcached_servers, err);
		cache_close();
		config_release();
		return false;
	}
	return true;
}

static uint64_t counter(const cJSON *stats, const char *name)
{
	return (uint64_t)json_int(stats, name, 0);
}

START_TEST(test_cache_second_run_makes_no_calls)
{
	struct llm_options o;
	struct llm_engine *e;
	struct llm_stats st;
	struct job *job;
	struct slot slots[20];
	char *texts[20], nonce[17], err[256];
	cJSON *before, *after;
	int run, i;

	NEED_FAKE();
	if (!memcached_ready())
		return;
	job = test_job();
	make_nonce(nonce);
	for (i = 0; i < 20; i++)
		texts[i] = resume(nonce, i, NULL);
	before = llm_cache_stats_json();
	ck_assert(json_bool(before, "available", false));
	for (run = 0; run < 2; run++) {
		fake_reset();
		memset(slots, 0, sizeof(slots));
		openai_options(&o, 8);
		o.cache = true;
		o.cache_ttl = 600;
		e = llm_engine_new(&o, err, sizeof(err));
		ck_assert_ptr_nonnull(e);
		for (i = 0; i < 20; i++)
			llm_submit(e, job, texts[i], strlen(texts[i]), on_result, &slots[i]);
		ck_assert_int_eq(llm_engine_run(e, RUN_MS), 0);
		llm_engine_stats(e, &st);
		for (i = 0; i < 20; i++) {
			ck_assert_msg(slots[i].ok, "run %d resume %d: %s", run, i, slots[i].reason);
			ck_assert(slots[i].cached == (run == 1));
			ck_assert_uint_ge(slots[i].ncriteria, 2);
		}
		if (run == 0) {
			ck_assert_uint_eq(st.calls, 20);
			ck_assert_uint_eq(st.cache_misses, 20);
			ck_assert_uint_eq(st.cache_hits, 0);
			ck_assert_int_eq(fake_stat("completions"), 20);
		} else {
			ck_assert_uint_eq(st.calls, 0);
			ck_assert_uint_eq(st.cache_hits, 20);
			ck_assert_int_eq(fake_stat("requests"), 0);
		}
		llm_engine_free(e);
	}
	after = llm_cache_stats_json();
	ck_assert_uint_ge(counter(after, "hits") - counter(before, "hits"), 20);
	ck_assert_uint_ge(counter(after, "misses") - counter(before, "misses"), 20);
	ck_assert_uint_ge(counter(after, "calls") - counter(before, "calls"), 20);
	ck_assert_uint_gt(counter(after, "tokens_saved"), counter(before, "tokens_saved"));
	ck_assert_uint_gt(counter(after, "cost_saved_microusd"), counter(before, "cost_saved_microusd"));
	ck_assert_uint_gt(counter(after, "prompt_tokens"), counter(before, "prompt_tokens"));
	cJSON_Delete(before);
	cJSON_Delete(after);
	for (i = 0; i < 20; i++)
		free(texts[i]);
	job_free(job);
	cache_close();
	config_release();
}
END_TEST

START_TEST(test_memcached_down_still_scores)
{
	struct llm_options o;
	struct llm_engine *e;
	struct llm_stats st;
	struct job *job;
	struct slot slots[5];
	char *texts[5], nonce[17], err[256], servers[64];
	cJSON *stats;
	int run, i, port = PORT_LO;

	NEED_FAKE();
	while (!port_free(port))
		port++;
	snprintf(servers, sizeof(servers), "127.0.0.1:%d", port);
	setenv("SHORTLIST_MEMCACHED_SERVERS", servers, 1);
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "%s", err);
	job = test_job();
	make_nonce(nonce);
	for (i = 0; i < 5; i++)
		texts[i] = resume(nonce, i, NULL);
	for (run = 0; run < 2; run++) {
		fake_reset();
		memset(slots, 0, sizeof(slots));
		openai_options(&o, 4);
		o.cache = true;
		e = llm_engine_new(&o, err, sizeof(err));
		ck_assert_ptr_nonnull(e);
		for (i = 0; i < 5; i++)
			llm_submit(e, job, texts[i], strlen(texts[i]), on_result, &slots[i]);
		ck_assert_int_eq(llm_engine_run(e, RUN_MS), 0);
		llm_engine_stats(e, &st);
		for (i = 0; i < 5; i++) {
			ck_assert_msg(slots[i].ok, "%s", slots[i].reason);
			ck_assert(!slots[i].cached);
		}
		/* Uncached: the second run asks again. */
		ck_assert_uint_eq(st.calls, 5);
		ck_assert_uint_eq(st.cache_hits, 0);
		ck_assert_int_eq(fake_stat("completions"), 5);
		llm_engine_free(e);
	}
	stats = llm_cache_stats_json();
	ck_assert(!json_bool(stats, "available", true));
	ck_assert_int_eq(json_int(stats, "hits", -1), 0);
	cJSON_Delete(stats);
	for (i = 0; i < 5; i++)
		free(texts[i]);
	job_free(job);
	cache_close();
	config_release();
}
END_TEST

START_TEST(test_rate_limit_storm)
{
	struct llm_options o;
	struct llm_engine *e;
	struct llm_stats st;
	struct job *job;
	struct slot slots[100] = { { 0 } };
	char *texts[100], nonce[17], err[256];
	int i;

	NEED_FAKE();
	fake_reset();
	job = test_job();
	make_nonce(nonce);
	openai_options(&o, 16);
	o.max_rate_limited = 1000;
	e = llm_engine_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	for (i = 0; i < 100; i++) {
		texts[i] = resume(nonce, i, NULL);
		llm_submit(e, job, texts[i], strlen(texts[i]), on_result, &slots[i]);
	}
	ck_assert_int_eq(llm_engine_run(e, RUN_MS), 0);
	llm_engine_stats(e, &st);
	printf("storm: %llu calls, %llu answered 429, cap 16 -> min %d -> back up to %d (final %d), %llu decreases, "
	       "%llu increases\n",
	       (unsigned long long)st.calls, (unsigned long long)st.rate_limited, st.cap_min, st.cap_grown_after_min,
	       st.cap, (unsigned long long)st.cap_decreases, (unsigned long long)st.cap_increases);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(slots[i].calls, 1);
		ck_assert_msg(slots[i].ok, "resume %d: %s", i, slots[i].reason);
		free(texts[i]);
	}
	ck_assert_uint_eq(st.succeeded, 100);
	ck_assert_int_eq(fake_stat("completions"), 100);
	ck_assert_uint_gt(st.rate_limited, 0);
	ck_assert_uint_eq(st.calls, 100 + st.rate_limited);
	ck_assert_int_lt(st.cap_min, 16);
	ck_assert_int_gt(st.cap_grown_after_min, st.cap_min);
	llm_engine_free(e);
	job_free(job);
}
END_TEST

/* ---- no services ---- */

START_TEST(test_local_provider_same_callback_path)
{
	struct llm_options o;
	struct llm_engine *e;
	struct job *job = test_job();
	struct slot s = { 0 };
	const char *text = "Go and Python engineer. Ran PostgreSQL on Kubernetes in AWS for five years.";
	char err[256];

	llm_options_init(&o);
	e = llm_engine_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(e);
	submitting = true;
	ck_assert_int_eq(llm_submit(e, job, text, strlen(text), on_result, &s), 0);
	submitting = false;
	ck_assert_int_eq(s.calls, 0); /* never from inside llm_submit */
	ck_assert_uint_eq(llm_engine_step(e, 0), 0);
	ck_assert_int_eq(s.calls, 1);
	ck_assert(s.ok);
	ck_assert_uint_ge(s.ncriteria, 2);
	ck_assert_int_eq(llm_submit(e, NULL, text, strlen(text), on_result, &s), -1);
	llm_engine_free(e);
	job_free(job);
}
END_TEST

static struct slot stopped;

START_TEST(test_free_fails_pending_as_retryable)
{
	struct llm_options o;
	struct llm_engine *e;
	struct job *job = test_job();
	char err[256];

	openai_options(&o, 1);
	o.base_url = "http://127.0.0.1:9/v1";
	e = llm_engine_new(&o, err, sizeof(err));
	memset(&stopped, 0, sizeof(stopped));
	llm_submit(e, job, "x y z", 5, on_result, &stopped);
	llm_engine_free(e);
	ck_assert_int_eq(stopped.calls, 1);
	ck_assert(!stopped.ok);
	ck_assert(stopped.retryable);
	ck_assert_str_eq(stopped.reason, "engine stopped");
	job_free(job);
}
END_TEST

START_TEST(test_provider_select)
{
	enum llm_provider p;

	ck_assert_int_eq(llm_provider_select("", "", &p), 0);
	ck_assert_int_eq(p, LLM_PROVIDER_LOCAL);
	ck_assert_int_eq(llm_provider_select("", "sk-x", &p), 0);
	ck_assert_int_eq(p, LLM_PROVIDER_OPENAI);
	ck_assert_int_eq(llm_provider_select("local", "sk-x", &p), 0);
	ck_assert_int_eq(p, LLM_PROVIDER_LOCAL);
	ck_assert_int_eq(llm_provider_select("openai", "", &p), 0);
	ck_assert_int_eq(p, LLM_PROVIDER_OPENAI);
	ck_assert_int_eq(llm_provider_select("anthropic", "", &p), -1);
}
END_TEST

static void parse(long status, const char *body, struct llm_reply *r)
{
	llm_openai_parse_reply(status, body, body ? strlen(body) : 0, r);
}

START_TEST(test_parse_replies)
{
	struct llm_reply r;

	parse(200,
	      "{\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_1\",\"choices\":[{\"message\":{"
	      "\"content\":\"{\\\"criteria\\\":[]}\",\"refusal\":null},\"finish_reason\":\"stop\"}],\"usage\":{"
	      "\"prompt_tokens\":1000000,\"completion_tokens\":1000000,\"prompt_tokens_details\":{\"cached_tokens\":"
	      "500000}}}",
	      &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_OK);
	ck_assert_str_eq(r.content, "{\"criteria\":[]}");
	ck_assert_str_eq(r.model, "gpt-4o-mini-2024-07-18");
	ck_assert_str_eq(r.fingerprint, "fp_1");
	ck_assert_int_eq(r.usage.cached_tokens, 500000);
	/* 0.5M x 0.15 + 0.5M x 0.075 + 1M x 0.60 USD */
	ck_assert_int_eq(r.usage.cost_microusd, 712500);
	llm_reply_release(&r);

	parse(200, "{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"no\"},\"finish_reason\":\"stop\"}]}",
	      &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_REFUSED);
	ck_assert_str_eq(r.reason, "provider refused");
	llm_reply_release(&r);
	parse(200, "{\"choices\":[{\"message\":{\"content\":\"{\\\"\"},\"finish_reason\":\"length\"}]}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_TRUNCATED);
	llm_reply_release(&r);
	parse(200, "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"content_filter\"}]}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_REFUSED);
	llm_reply_release(&r);
	parse(200, "{\"choices\":[]}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_MALFORMED);
	llm_reply_release(&r);
	parse(200, "{\"choices\":[{\"message\":{\"content\":\"\"},\"finish_reason\":\"stop\"}]}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_MALFORMED);
	llm_reply_release(&r);
	parse(200, "{\"choices\":[{\"mess", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_MALFORMED);
	llm_reply_release(&r);
	parse(200, NULL, &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_MALFORMED);
	llm_reply_release(&r);

	parse(429, "{\"error\":{\"message\":\"Rate limit reached\",\"code\":\"rate_limit_exceeded\"}}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_RATE_LIMITED);
	llm_reply_release(&r);
	/* Larger than the whole per-minute budget: failed at once, never retried. */
	parse(429,
	      "{\"error\":{\"message\":\"Request too large for gpt-4o-mini in organization org-x on tokens per min "
	      "(TPM): "
	      "Limit 30000, Requested 41000.\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}",
	      &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_ERROR);
	ck_assert(!r.retry_later);
	ck_assert(strstr(r.reason, "request too large for the provider's rate limit") == r.reason);
	llm_reply_release(&r);
	parse(429, "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\"}}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_ERROR);
	ck_assert(r.retry_later);
	llm_reply_release(&r);
	parse(503, "<html>bad gateway</html>", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_RETRY);
	ck_assert_str_eq(r.reason, "provider error: HTTP 503: HTTP 503");
	llm_reply_release(&r);
	parse(409, "{}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_RETRY);
	llm_reply_release(&r);
	parse(400, "{\"error\":{\"message\":\"Invalid schema for response_format\\n 'x'\"}}", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_ERROR);
	ck_assert(!r.retry_later);
	ck_assert_str_eq(r.reason, "provider rejected the request: HTTP 400: Invalid schema for response_format  'x'");
	llm_reply_release(&r);
	parse(404, "", &r);
	ck_assert_int_eq(r.outcome, LLM_OUTCOME_ERROR);
	llm_reply_release(&r);
}
END_TEST

START_TEST(test_cost_table)
{
	ck_assert_int_eq(llm_openai_cost_microusd("gpt-4o-2024-08-06", 1000, 0, 1000), 12500);
	ck_assert_int_eq(llm_openai_cost_microusd("gpt-4o-mini", 1000, 0, 1000), 750);
	ck_assert_int_eq(llm_openai_cost_microusd("llama3:8b", 1000, 0, 1000), 0);
	ck_assert_int_eq(llm_openai_cost_microusd(NULL, 1000, 0, 1000), 0);
	/* More cached than prompt tokens is read as all cached. */
	ck_assert_int_eq(llm_openai_cost_microusd("gpt-4o", 100, 1000, 0), 125);
}
END_TEST

static char *read_corpus(const char *name)
{
	struct buf b = BUF_INIT(1 << 20);
	char path[256], chunk[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), CORPUS "%s", name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, NULL);
}

START_TEST(test_parse_corpus_replies)
{
	static const struct {
		const char *file;
		enum llm_outcome outcome;
	} cases[] = {
		{ "openai-python_chat-completion_structured-output_json-schema.json", LLM_OUTCOME_OK },
		{ "openai-python_chat-completion_structured-output_refusal.json", LLM_OUTCOME_REFUSED },
		{ "openai-python_chat-completion_finish-length_truncated-json.json", LLM_OUTCOME_TRUNCATED },
		{ "openai-python_chat-completion_plain_with-usage.json", LLM_OUTCOME_OK },
	};
	struct job *job = test_job();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char *body = read_corpus(cases[i].file), err[256];
		struct llm_reply r;

		if (!body) {
			printf("skip: corpus file %s absent\n", cases[i].file);
			continue;
		}
		parse(200, body, &r);
		ck_assert_msg(r.outcome == cases[i].outcome, "%s: %s", cases[i].file, llm_outcome_name(r.outcome));
		ck_assert_ptr_nonnull(r.model);
		ck_assert_int_gt(r.usage.prompt_tokens, 0);
		if (r.outcome == LLM_OUTCOME_OK) {
			/* Valid JSON, but not our schema: no analysis comes out of it. */
			struct analysis *a =
				llm_openai_analysis(r.content, strlen(r.content), job, "x", 1, err, sizeof(err));

			ck_assert_ptr_null(a);
			ck_assert_ptr_nonnull(strstr(err, "malformed output"));
		}
		llm_reply_release(&r);
		free(body);
	}
	job_free(job);
}
END_TEST

START_TEST(test_output_to_analysis)
{
	const char *text = "Go and Python services for ten years.\nRan PostgreSQL clusters on Kubernetes in AWS.\n";
	const char *out =
		"{\"criteria\":[{\"name\":\"Backend skills\",\"score\":9,\"evidence\":[{\"quote\":\"Go and "
		"Python services\"}],\"strengths\":[\"Go\"],\"gaps\":[]},{\"name\":\"Backend skills\","
		"\"score\":1,\"evidence\":[],\"strengths\":[],\"gaps\":[]},{\"name\":\"Operations\",\"score\":8,"
		"\"evidence\":[{\"quote\":\"invented quote that is not there\"}],\"strengths\":[],\"gaps\":[]}],"
		"\"summary\":\"ok\",\"matched_skills\":[\"Go\"],\"missing_skills\":[],\"category\":\"reject\","
		"\"score\":3}";
	struct job *job = test_job();
	struct analysis *a;
	char err[256];

	a = llm_openai_analysis(out, strlen(out), job, text, strlen(text), err, sizeof(err));
	ck_assert_msg(a != NULL, "%s", err);
	ck_assert_uint_eq(a->ncriteria, 2); /* the repeated criterion keeps its first entry */
	ck_assert_double_eq(a->criteria[0].score, 9);
	ck_assert(a->criteria[0].supported);
	ck_assert(a->criteria[0].evidence[0].verified);
	ck_assert_uint_eq(a->criteria[0].evidence[0].start, 0);
	ck_assert(!a->criteria[1].supported); /* invented evidence does not verify */
	/* The category is ours, not the model's: 2/3 of 90 = 60 -> consider. */
	ck_assert_str_eq(analysis_category_name(a->category), "consider");
	analysis_free(a);
	a = llm_openai_analysis("[1,2]", 5, job, text, strlen(text), err, sizeof(err));
	ck_assert_ptr_null(a);
	a = llm_openai_analysis("{\"criteria\":[{\"name\":\"Operations\",\"score\":11}]}", 47, job, text, strlen(text),
				err, sizeof(err));
	ck_assert_ptr_null(a);
	ck_assert_ptr_nonnull(strstr(err, "score"));
	job_free(job);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("llm");
	TCase *unit = tcase_create("unit"), *fake = tcase_create("fake"), *storm = tcase_create("storm");
	int failed;

	tcase_add_test(unit, test_provider_select);
	tcase_add_test(unit, test_parse_replies);
	tcase_add_test(unit, test_cost_table);
	tcase_add_test(unit, test_parse_corpus_replies);
	tcase_add_test(unit, test_output_to_analysis);
	tcase_add_test(unit, test_local_provider_same_callback_path);
	tcase_add_test(unit, test_free_fails_pending_as_retryable);
	suite_add_tcase(s, unit);

	tcase_add_unchecked_fixture(fake, fake_setup_plain, fake_teardown);
	tcase_set_timeout(fake, 120);
	tcase_add_test(fake, test_batch_50_at_16);
	tcase_add_test(fake, test_fault_500_retried);
	tcase_add_test(fake, test_fault_500_exhausts_attempts);
	tcase_add_test(fake, test_fault_timeout_retried);
	tcase_add_test(fake, test_fault_disconnect_retried);
	tcase_add_test(fake, test_fault_malformed_retried_once_then_fails);
	tcase_add_test(fake, test_fault_refusal_is_permanent);
	tcase_add_test(fake, test_fault_length_is_failure);
	tcase_add_test(fake, test_reasoning_cutoff_retried_with_larger_budget);
	tcase_add_test(fake, test_http_401_is_permanent_with_message);
	tcase_add_test(fake, test_unreachable_is_retryable);
	tcase_add_test(fake, test_identical_resumes_share_one_call);
	tcase_add_test(fake, test_cache_second_run_makes_no_calls);
	tcase_add_test(fake, test_memcached_down_still_scores);
	suite_add_tcase(s, fake);

	tcase_add_unchecked_fixture(storm, fake_setup_storm, fake_teardown);
	tcase_set_timeout(storm, 300);
	tcase_add_test(storm, test_rate_limit_storm);
	suite_add_tcase(s, storm);

	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
