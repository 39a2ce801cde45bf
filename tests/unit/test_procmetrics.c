/* Unit tests for procmetrics: the exposition parsed back (names, labels, HELP/TYPE, buckets), bounded labels, buckets. */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "core/config.h"
#include "core/procmetrics.h"
#include "suite.h"

static char dir[64], path[128];

static void setup(void)
{
	char err[256];

	snprintf(dir, sizeof(dir), "/tmp/test_procmetrics.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/metrics", dir);
	setenv("SHORTLIST_METRICS_FILE", path, 1);
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(procmetrics_open("test"), 0);
}

static void teardown(void)
{
	procmetrics_close();
	unlink(path);
	rmdir(dir);
}

/* The exposition as a string; caller frees. */
static char *render(void)
{
	struct buf out = BUF_INIT(0);

	procmetrics_render(&out);
	return buf_detach(&out, NULL);
}

/* The value of the sample line that starts with series followed by a space; -1 when absent. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

static bool valid_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* The family a sample name belongs to, given the TYPE of the family declared last. */
static bool belongs(const char *name, size_t n, const char *family, const char *type)
{
	size_t f = strlen(family);
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	size_t i;

	if (n == f && strncmp(name, family, f) == 0)
		return strcmp(type, "histogram") != 0;
	if (strcmp(type, "histogram") != 0 || n <= f || strncmp(name, family, f) != 0)
		return false;
	for (i = 0; i < 3; i++)
		if (n - f == strlen(suffixes[i]) && strncmp(name + f, suffixes[i], n - f) == 0)
			return true;
	return false;
}

/*
 * Parses the text format line by line: every sample follows the HELP and
 * TYPE of its family, names and label names are valid, label values are
 * quoted, values are numbers; each histogram's buckets are cumulative, le
 * ascending, and the +Inf bucket equals _count; no series appears twice.
 * Returns the samples seen.
 */
static int parse_exposition(const char *text)
{
	char family[128] = "", type[32] = "", helped[128] = "";
	double last_bucket = -1, last_le = -1, inf = -1;
	int samples = 0, i;
	const char *line = text;
	static char seen[1024][256];

	while (*line) {
		const char *end = strchr(line, '\n'), *p, *brace, *space;
		char name[128];
		size_t n;

		ck_assert_msg(end != NULL, "the text ends with a newline");
		n = (size_t)(end - line);
		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert(sscanf(line + 7, "%127s", helped) == 1);
		} else if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert(sscanf(line + 7, "%127s %31s", family, type) == 2);
			ck_assert_msg(strcmp(family, helped) == 0, "TYPE %s follows its HELP", family);
			ck_assert_msg(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
					      strcmp(type, "histogram") == 0,
				      "type %s", type);
			last_bucket = last_le = inf = -1;
		} else {
			ck_assert_msg(line[0] != '#', "no other comments: %.*s", (int)n, line);
			brace = memchr(line, '{', n);
			space = memchr(line, ' ', n);
			ck_assert_msg(space != NULL, "a value: %.*s", (int)n, line);
			p = brace && brace < space ? brace : space;
			snprintf(name, sizeof(name), "%.*s", (int)(p - line), line);
			ck_assert_msg(valid_name(name, strlen(name)), "name %s", name);
			ck_assert_msg(belongs(name, strlen(name), family, type), "%s is in family %s (%s)", name,
				      family, type);
			if (p == brace) {
				const char *close = memchr(brace, '}', (size_t)(end - brace));
				const char *q = brace + 1;

				ck_assert_msg(close != NULL, "labels close: %.*s", (int)n, line);
				while (q < close) {
					const char *eq = memchr(q, '=', (size_t)(close - q)), *v;

					ck_assert_msg(eq && valid_name(q, (size_t)(eq - q)) && eq[1] == '"',
						      "label in %.*s", (int)n, line);
					v = eq + 2;
					while (*v != '"') {
						ck_assert(v < close);
						v += *v == '\\' ? 2 : 1;
					}
					q = v + 1;
					if (*q == ',')
						q++;
				}
				space = close + 1;
				ck_assert(*space == ' ');
			}
			{
				char *numend;
				double v = strtod(space + 1, &numend);

				ck_assert_msg(numend == end, "a number: %.*s", (int)n, line);
				if (strstr(name, "_bucket")) {
					const char *le = strstr(line, "le=\"");
					double bound;

					ck_assert_ptr_nonnull(le);
					bound = strncmp(le + 4, "+Inf", 4) == 0 ? 1e300 : strtod(le + 4, NULL);
					if (last_le >= 0 && bound > last_le)
						ck_assert_msg(v >= last_bucket, "buckets are cumulative: %.*s", (int)n,
							      line);
					if (bound == 1e300)
						inf = v;
					last_le = bound == 1e300 ? -1 : bound;
					last_bucket = bound == 1e300 ? -1 : v;
				} else if (strstr(name, "_count") && strcmp(type, "histogram") == 0) {
					ck_assert_msg(inf == v, "+Inf equals the count: %.*s", (int)n, line);
					inf = -1;
				}
			}
			ck_assert(samples < 1024);
			snprintf(seen[samples], sizeof(seen[samples]), "%.*s", (int)(space - line), line);
			for (i = 0; i < samples; i++)
				ck_assert_msg(strcmp(seen[i], seen[samples]) != 0, "series %s appears once", seen[i]);
			samples++;
		}
		line = end + 1;
	}
	return samples;
}

START_TEST(test_exposition_parses_back_with_exact_values)
{
	static const char jobs[] = "/api/v1/jobs";
	char *text;

	procmetrics_http(jobs, "GET", 200, 3000);
	procmetrics_http(jobs, "GET", 200, 70000);
	procmetrics_http(jobs, "POST", 422, 2000000);
	procmetrics_http(NULL, "BREW", 404, 100);
	procmetrics_upload(1234);
	procmetrics_upload(66);
	procmetrics_task(PM_TASK_SCORED, 1500000);
	procmetrics_llm_call("gpt-4o-mini", PM_LLM_OK, 800000, 1000, 200, 1500);
	procmetrics_llm_call("gpt-4o-mini", PM_LLM_RATE_LIMITED, 1000, 0, 0, 0);
	procmetrics_smtp_reply(250);
	procmetrics_smtp_reply(0);
	procmetrics_cache_lookup("llm:v1:abc", 1);
	procmetrics_cache_lookup("llm:v1:abd", 0);
	procmetrics_extract_failure(false, "extraction timed out after 20000 ms");
	procmetrics_extract_failure(true, "too little text (3 characters)");
	procmetrics_extract_failure(false, "damaged PDF: PDF document is damaged");
	procmetrics_extract_failure(false, "damaged DOCX: cannot parse 'word/document.xml'");
	procmetrics_extract_failure(false, "encrypted PDF (password required)");
	procmetrics_extract_failure(false, "invalid UTF-16 text");
	procmetrics_extract_failure(false, "not valid UTF-8 text (bad byte at offset 3)");
	procmetrics_extract_failure(false, "something new");
	text = render();
	ck_assert_int_gt(parse_exposition(text), 20);
	ck_assert_double_eq(
		sample(text, "shortlist_http_requests_total{route=\"/api/v1/jobs\",method=\"GET\",status=\"200\"}"), 2);
	ck_assert_double_eq(
		sample(text, "shortlist_http_requests_total{route=\"/api/v1/jobs\",method=\"POST\",status=\"422\"}"),
		1);
	ck_assert_double_eq(
		sample(text, "shortlist_http_requests_total{route=\"other\",method=\"other\",status=\"404\"}"), 1);
	ck_assert_double_eq(
		sample(text, "shortlist_http_request_duration_seconds_bucket{route=\"/api/v1/jobs\",le=\"0.005\"}"), 1);
	ck_assert_double_eq(
		sample(text, "shortlist_http_request_duration_seconds_bucket{route=\"/api/v1/jobs\",le=\"0.1\"}"), 2);
	ck_assert_double_eq(
		sample(text, "shortlist_http_request_duration_seconds_bucket{route=\"/api/v1/jobs\",le=\"+Inf\"}"), 3);
	ck_assert_double_eq_tol(sample(text, "shortlist_http_request_duration_seconds_sum{route=\"/api/v1/jobs\"}"),
				2.073, 1e-9);
	ck_assert_double_eq(sample(text, "shortlist_upload_bytes_total"), 1300);
	ck_assert_double_eq(sample(text, "shortlist_upload_files_total"), 2);
	ck_assert_double_eq(sample(text, "shortlist_tasks_total{kind=\"process_resume\",outcome=\"scored\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_llm_requests_total{model=\"gpt-4o-mini\",outcome=\"ok\"}"), 1);
	ck_assert_double_eq(
		sample(text, "shortlist_llm_requests_total{model=\"gpt-4o-mini\",outcome=\"rate_limited\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_llm_tokens_total{model=\"gpt-4o-mini\",direction=\"prompt\"}"),
			    1000);
	ck_assert_double_eq(sample(text, "shortlist_llm_tokens_total{model=\"gpt-4o-mini\",direction=\"completion\"}"),
			    200);
	ck_assert_double_eq_tol(sample(text, "shortlist_llm_cost_usd_total{model=\"gpt-4o-mini\"}"), 0.0015, 1e-12);
	ck_assert_double_eq(sample(text, "shortlist_smtp_replies_total{class=\"2xx\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_smtp_replies_total{class=\"connect\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_cache_requests_total{cache=\"llm\",result=\"hit\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_cache_requests_total{cache=\"llm\",result=\"miss\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_extract_failures_total{reason=\"timeout\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_extract_failures_total{reason=\"needs_review\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_extract_failures_total{reason=\"damaged\"}"), 2);
	ck_assert_double_eq(sample(text, "shortlist_extract_failures_total{reason=\"encrypted\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_extract_failures_total{reason=\"bad_text\"}"), 2);
	ck_assert_double_eq(sample(text, "shortlist_extract_failures_total{reason=\"other\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_process_up{program=\"test\"}"), 1);
	ck_assert(strstr(text, "# TYPE shortlist_db_errors_total counter\n") != NULL);
	ck_assert(strstr(text, "# TYPE shortlist_task_duration_seconds histogram\n") != NULL);
	free(text);
}
END_TEST

START_TEST(test_labels_outside_their_sets_are_other)
{
	char *text;

	procmetrics_count(PM_HTTP_REQUESTS, 60000, 99, 999, 1);
	procmetrics_count(PM_TASKS, 17, 42, 0, 1);
	procmetrics_count(PM_HTTP_DURATION, 0, 0, 0, 1); /* a histogram is not a counter: ignored */
	procmetrics_observe_us(PM_TASKS, 0, 5);		 /* and the other way round */
	text = render();
	parse_exposition(text);
	ck_assert_double_eq(
		sample(text, "shortlist_http_requests_total{route=\"other\",method=\"other\",status=\"other\"}"), 1);
	ck_assert_double_eq(sample(text, "shortlist_tasks_total{kind=\"other\",outcome=\"other\"}"), 1);
	ck_assert_ptr_null(strstr(text, "shortlist_http_request_duration_seconds_count"));
	free(text);
}
END_TEST

START_TEST(test_buckets_are_upper_bounds)
{
	ck_assert_uint_eq(procmetrics_bucket(PM_HTTP_DURATION, 0), 0);
	ck_assert_uint_eq(procmetrics_bucket(PM_HTTP_DURATION, 5000), 0);
	ck_assert_uint_eq(procmetrics_bucket(PM_HTTP_DURATION, 5001), 1);
	ck_assert_uint_eq(procmetrics_bucket(PM_HTTP_DURATION, 1000000), 7);
	ck_assert_uint_eq(procmetrics_bucket(PM_HTTP_DURATION, 999000000), 12); /* +Inf */
	ck_assert_uint_eq(procmetrics_bucket(PM_TASK_DURATION, 999000000), 13);
	ck_assert_uint_le(procmetrics_bucket(PM_LLM_DURATION, INT64_MAX), MF_BUCKETS - 1);
}
END_TEST

START_TEST(test_a_forked_child_counts_nothing)
{
	char *before, *after;
	int status;
	pid_t pid;

	procmetrics_upload(10);
	before = render();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		procmetrics_upload(5);
		_exit(procmetrics_enabled() ? 1 : 0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	after = render();
	ck_assert_double_eq(sample(after, "shortlist_upload_bytes_total"), 10);
	ck_assert_double_eq(sample(before, "shortlist_upload_bytes_total"), 10);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_without_a_file_only_the_families_render)
{
	char *text;

	procmetrics_close();
	procmetrics_upload(10);
	text = render();
	ck_assert_int_eq(parse_exposition(text), 2); /* the two counters of the metrics themselves */
	ck_assert(strstr(text, "# TYPE shortlist_upload_bytes_total counter\n") != NULL);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("procmetrics");
	TCase *tc = tcase_create("procmetrics");
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exposition_parses_back_with_exact_values);
	tcase_add_test(tc, test_labels_outside_their_sets_are_other);
	tcase_add_test(tc, test_buckets_are_upper_bounds);
	tcase_add_test(tc, test_a_forked_child_counts_nothing);
	tcase_add_test(tc, test_without_a_file_only_the_families_render);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
