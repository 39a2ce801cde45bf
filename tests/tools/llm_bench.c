/* llm_bench: scores N synthetic resumes against one job through the LLM engine and reports speed against the limit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "llm/llm.h"
#include "score/analysis.h"
#include "score/job.h"

static const char job_json[] =
	"{\"title\":\"Senior Backend Engineer\",\"company\":\"Example Logistics\",\"location\":\"Remote\","
	"\"description\":\"We are looking for a senior backend engineer to design and run the services behind our "
	"delivery platform. You will build APIs in Go and Python, run PostgreSQL and Redis in production on "
	"Kubernetes, own observability with Prometheus and Grafana, and mentor other engineers. At least 5 years of "
	"backend experience is required; experience with Kafka and AWS is a plus.\","
	"\"required_skills\":[\"Go\",\"Python\",\"PostgreSQL\",\"Kubernetes\",\"AWS\"]}";

static const char *const skills[] = { "Go",	 "Python", "PostgreSQL", "Kubernetes", "AWS",  "Kafka",
				      "Redis",	 "Java",   "React",	 "Terraform",  "gRPC", "Prometheus",
				      "Grafana", "Docker", "Rust",	 "MySQL" };
static const char *const roles[] = { "Backend Engineer", "Software Engineer", "Platform Engineer", "Data Engineer",
				     "Frontend Developer" };

struct tally {
	size_t ok, failed, retryable, rejected_failure, cached, shared;
};

static void on_result(struct llm_result *res, void *userdata)
{
	struct tally *t = userdata;

	if (res->ok) {
		t->ok++;
		t->cached += res->cached;
		t->shared += res->shared;
	} else {
		t->failed++;
		t->retryable += res->retryable;
		if (res->analysis)
			t->rejected_failure++;
		fprintf(stderr, "failed: %s\n", res->reason);
	}
}

/* A plausible resume, different for each i, with a run-specific reference so the cache cannot answer. */
static char *make_resume(size_t i, const char *nonce)
{
	struct buf b = BUF_INIT(0);
	size_t k, years = 2 + i % 12, start = 2024 - years;

	buf_printf(&b, "Candidate %zu\nReference %s-%zu\n\nSUMMARY\n", i, nonce, i);
	buf_printf(&b, "%s with %zu years of experience building reliable services for customers.\n\n",
		   roles[i % ARRAY_SIZE(roles)], years);
	buf_append_str(&b, "EXPERIENCE\n");
	buf_printf(&b, "%s, Acme Corporation, %zu - present\n", roles[(i + 1) % ARRAY_SIZE(roles)], start + years / 2);
	for (k = 0; k < 4; k++)
		buf_printf(&b, "- Built and operated services in %s and %s handling millions of requests a day.\n",
			   skills[(i + k) % ARRAY_SIZE(skills)], skills[(i * 3 + k + 5) % ARRAY_SIZE(skills)]);
	buf_printf(&b, "%s, Initech, %zu - %zu\n", roles[(i + 2) % ARRAY_SIZE(roles)], start, start + years / 2);
	buf_printf(&b, "- Migrated the reporting stack from %s to %s and cut costs by a third.\n\n",
		   skills[(i + 7) % ARRAY_SIZE(skills)], skills[(i + 9) % ARRAY_SIZE(skills)]);
	buf_append_str(&b, "SKILLS\n");
	for (k = 0; k < 6; k++)
		buf_printf(&b, "%s%s", k ? ", " : "", skills[(i * 5 + k * 3) % ARRAY_SIZE(skills)]);
	buf_append_str(&b, "\n\nEDUCATION\nBSc Computer Science, State University\n");
	return buf_detach(&b, NULL);
}

/*
 * The expected wall time of the ideal client against a provider whose
 * latency is lognormal (median, sigma): n calls started greedily on cap
 * slots, averaged over runs. With a tail, the last wave waits for its
 * slowest call, so this is above the plain ceil(n/cap) x median.
 */
static double simulate_latency_bound(int64_t n, int cap, double median, double sigma)
{
	const int runs = 200;
	double total = 0, *slots = xcalloc((size_t)cap, sizeof(double));
	unsigned short seed[3] = { 1, 2, 3 };
	int r, k;
	int64_t i;

	for (r = 0; r < runs; r++) {
		double end = 0;

		memset(slots, 0, (size_t)cap * sizeof(double));
		for (i = 0; i < n; i++) {
			double u1 = erand48(seed), u2 = erand48(seed), z, best = slots[0];
			int bi = 0;

			for (k = 1; k < cap; k++)
				if (slots[k] < best) {
					best = slots[k];
					bi = k;
				}
			z = sqrt(-2.0 * log(u1 > 0 ? u1 : 1e-12)) * cos(2 * M_PI * u2);
			slots[bi] += median * exp(sigma * z);
			if (slots[bi] > end)
				end = slots[bi];
		}
		total += end;
	}
	free(slots);
	return total / runs;
}

static void usage(void)
{
	fprintf(stderr, "usage: llm_bench [--base-url URL] [--api-key KEY] [--model M] [-n N] [--concurrency C]\n"
			"                 [--timeout-ms T] [--rpm R] [--tpm T] [--cache] [--latency-ms L]\n"
			"                 [--latency-sigma PERCENT] [--provider-rpm R]\n"
			"  scores N synthetic resumes (default 100) against one job with the openai provider and\n"
			"  prints wall time, calls, 429s and the concurrency reached. --latency-ms and --provider-rpm\n"
			"  describe the provider (median latency, requests per minute) to print the physical limit\n"
			"  max(latency-bound, rate-bound), and a simulated limit for lognormal latency with\n"
			"  --latency-sigma in hundredths (default 25, the fake's). --rpm/--tpm are the client's own\n"
			"  budgets (0: none).\n"
			"  Without --cache no memcached is used.\n");
}

static int arg_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	if (!s || parse_int64(s, min, max, out) < 0) {
		usage();
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct llm_options o;
	struct llm_engine *e = NULL;
	struct llm_stats st;
	struct job *job = NULL;
	struct tally t = { 0 };
	char **resumes = NULL, err[256], nonce[17];
	unsigned char rnd[8];
	int64_t n = 100, v, latency = 0, provider_rpm = 0, t0, wall;
	double latency_bound, rate_bound, limit, sigma = 0.25, simulated = 0;
	int i, ret = 2;

	llm_options_init(&o);
	o.provider = LLM_PROVIDER_OPENAI;
	o.cache = false;
	o.api_key = "bench";
	if (config_load(NULL, err, sizeof(err)) == 0) {
		o.base_url = config()->openai_base_url;
		o.model = config()->openai_model;
		o.concurrency = (int)config()->llm_concurrency;
		o.timeout_ms = (int)config()->llm_timeout_ms;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *next = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--base-url") == 0 && next) {
			o.base_url = next;
			i++;
		} else if (strcmp(a, "--api-key") == 0 && next) {
			o.api_key = next;
			i++;
		} else if (strcmp(a, "--model") == 0 && next) {
			o.model = next;
			i++;
		} else if (strcmp(a, "-n") == 0) {
			if (arg_int(next, 1, 1000000, &n) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--concurrency") == 0) {
			if (arg_int(next, 1, 1024, &v) < 0)
				goto out;
			o.concurrency = (int)v;
			i++;
		} else if (strcmp(a, "--timeout-ms") == 0) {
			if (arg_int(next, 1, 600000, &v) < 0)
				goto out;
			o.timeout_ms = (int)v;
			i++;
		} else if (strcmp(a, "--rpm") == 0) {
			if (arg_int(next, 0, 10000000, &o.rpm) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--tpm") == 0) {
			if (arg_int(next, 0, 1000000000, &o.tpm) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--latency-ms") == 0) {
			if (arg_int(next, 0, 600000, &latency) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--latency-sigma") == 0) {
			if (arg_int(next, 0, 1000, &v) < 0)
				goto out;
			sigma = (double)v / 100.0;
			i++;
		} else if (strcmp(a, "--provider-rpm") == 0) {
			if (arg_int(next, 0, 10000000, &provider_rpm) < 0)
				goto out;
			i++;
		} else if (strcmp(a, "--cache") == 0) {
			if (!config_is_loaded()) {
				fprintf(stderr, "error: --cache needs a configuration: %s\n", err);
				goto out;
			}
			o.cache = true;
		} else {
			usage();
			goto out;
		}
	}
	if (job_parse(job_json, strlen(job_json), &job, err, sizeof(err)) < 0) {
		fprintf(stderr, "error: bench job: %s\n", err);
		goto out;
	}
	if (random_bytes(rnd, sizeof(rnd)) < 0) {
		fprintf(stderr, "error: no random bytes\n");
		goto out;
	}
	hex_encode(rnd, sizeof(rnd), nonce);
	resumes = xcalloc((size_t)n, sizeof(*resumes));
	for (i = 0; i < n; i++)
		resumes[i] = make_resume((size_t)i, nonce);
	e = llm_engine_new(&o, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "error: %s\n", err);
		goto out;
	}
	t0 = now_ms();
	for (i = 0; i < n; i++)
		llm_submit(e, job, resumes[i], strlen(resumes[i]), on_result, &t);
	if (llm_engine_run(e, 30 * 60 * 1000) < 0)
		fprintf(stderr, "error: gave up after 30 minutes with %zu pending\n", llm_engine_pending(e));
	wall = now_ms() - t0;
	llm_engine_stats(e, &st);

	latency_bound = ceil((double)n / o.concurrency) * (double)latency;
	rate_bound = provider_rpm > 0 && n > provider_rpm ? (double)(n - provider_rpm) * 60000.0 / provider_rpm : 0;
	if (latency > 0)
		simulated = simulate_latency_bound(n, o.concurrency, (double)latency, sigma);
	limit = latency_bound > rate_bound ? latency_bound : rate_bound;
	printf("resumes: %lld\n", (long long)n);
	printf("scored: %zu\nfailed: %zu (retryable %zu)\n", t.ok, t.failed, t.retryable);
	printf("wall_ms: %lld\n", (long long)wall);
	printf("calls: %llu\nretries: %llu\nrate_limited_429: %llu\n", (unsigned long long)st.calls,
	       (unsigned long long)st.retries, (unsigned long long)st.rate_limited);
	printf("concurrency_cap: max %d, min %d, final %d\nin_flight_max: %d\n", st.cap_max, st.cap_min, st.cap,
	       st.in_flight_max);
	printf("tokens: prompt %lld, completion %lld; cost_usd: %.6f\n", (long long)st.prompt_tokens,
	       (long long)st.completion_tokens, (double)st.cost_microusd / 1e6);
	if (latency > 0 || provider_rpm > 0)
		printf("physical_limit_ms: %.0f (latency-bound %.0f = ceil(%lld/%d) x %lld ms; rate-bound %.0f from "
		       "%lld rpm with a full bucket at start)\nratio_to_limit: %.2f\n",
		       limit, latency_bound, (long long)n, o.concurrency, (long long)latency, rate_bound,
		       (long long)provider_rpm, limit > 0 ? (double)wall / limit : 0.0);
	if (latency > 0)
		printf("simulated_limit_ms: %.0f (ideal client, lognormal latency sigma %.2f, rate limit aside)\n"
		       "ratio_to_simulated: %.2f\n",
		       simulated, sigma, simulated > 0 ? (double)wall / simulated : 0.0);
	ret = t.failed || t.rejected_failure ? 1 : 0;
out:
	llm_engine_free(e);
	if (resumes)
		for (i = 0; i < n; i++)
			free(resumes[i]);
	free(resumes);
	job_free(job);
	if (config_is_loaded()) {
		cache_close();
		config_release();
	}
	return ret;
}
