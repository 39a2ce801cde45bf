/* Unit tests for extract: fixtures of every format, normalisation, hidden text, limits, the sandbox and the corpus. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/config.h"
#include "corpus.h"
#include "extract/extract.h"
#include "fixtures.h"
#include "suite.h"

static char fixtures[256];

static int read_path(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(out, chunk, n);
	fclose(f);
	return 0;
}

/* Extracts a fixture through the sandbox with lim (NULL: defaults). */
static void extract_fixture(const char *name, const struct extract_limits *lim, struct extract_result *r)
{
	struct buf data = BUF_INIT(0);
	char path[512];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", fixtures, name), (int)sizeof(path));
	ck_assert_msg(read_path(path, &data) == 0, "cannot read fixture '%s'", path);
	ck_assert_int_eq(extract_buffer(data.ptr ? data.ptr : "", data.len, lim, r), 0);
	buf_release(&data);
}

static bool contains(const struct extract_result *r, const char *needle)
{
	return strstr(r->text, needle) != NULL;
}

static bool valid_utf8_no_nul(const char *s, size_t len)
{
	size_t i = 0;
	unsigned char c;
	int follow;

	if (strlen(s) != len)
		return false;
	while (i < len) {
		c = (unsigned char)s[i++];
		follow = c < 0x80 ? 0 : c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
		if (follow < 0)
			return false;
		while (follow-- > 0) {
			if (i >= len || ((unsigned char)s[i++] & 0xC0) != 0x80)
				return false;
		}
	}
	return true;
}

START_TEST(test_resume_pdf)
{
	struct extract_result r;

	extract_fixture("resume.pdf", NULL, &r);
	ck_assert_str_eq(extract_status_name(r.status), "ok");
	ck_assert_int_eq(r.format, EXTRACT_FORMAT_PDF);
	ck_assert_str_eq(r.reason, "");
	ck_assert_int_eq(r.page_count, 1);
	ck_assert_int_eq(r.pages_read, 1);
	ck_assert(!r.truncated);
	ck_assert(contains(&r, "Jane Q. Example\n"));
	ck_assert(contains(&r, "C, Go, PostgreSQL, Redis, Kubernetes"));
	ck_assert(contains(&r, "Senior Software Engineer, Acme Widgets Ltd 2019 - 2024"));
	ck_assert(valid_utf8_no_nul(r.text, r.text_len));
	ck_assert_ptr_null(extract_result_flag(&r, "hidden_text"));
	ck_assert_ptr_nonnull(r.contact.name);
	ck_assert_str_eq(r.contact.name, "Jane Q. Example");
	ck_assert_uint_eq(r.contact.n_emails, 1);
	ck_assert_str_eq(r.contact.emails[0], "jane.example@example.com");
	ck_assert_uint_eq(r.contact.n_phones, 1);
	ck_assert_str_eq(r.contact.phones[0], "+1 (555) 010-4477");
	ck_assert_uint_eq(r.contact.n_links, 2);
	ck_assert_str_eq(r.contact.links[0], "https://linkedin.com/in/jane-example");
	ck_assert_str_eq(r.contact.links[1], "https://github.com/jexample");
	extract_result_release(&r);
	ck_assert_ptr_null(r.text);
}
END_TEST

START_TEST(test_three_pages_and_page_cap)
{
	struct extract_limits lim;
	struct extract_result r;
	const struct extract_flag *f;

	extract_fixture("three_pages.pdf", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert_int_eq(r.page_count, 3);
	ck_assert_int_eq(r.pages_read, 3);
	ck_assert(!r.truncated);
	ck_assert(contains(&r, "ALPHAMARK") && contains(&r, "BRAVOMARK") && contains(&r, "CHARLIEMARK"));
	ck_assert(contains(&r, "first page of three.\n\nPage two"));
	extract_result_release(&r);

	extract_limits_default(&lim);
	lim.max_pages = 2;
	extract_fixture("three_pages.pdf", &lim, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert_int_eq(r.page_count, 3);
	ck_assert_int_eq(r.pages_read, 2);
	ck_assert(r.truncated);
	ck_assert(contains(&r, "ALPHAMARK") && contains(&r, "BRAVOMARK"));
	ck_assert(!contains(&r, "CHARLIEMARK"));
	f = extract_result_flag(&r, "pages_truncated");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(f->count, 1);
	extract_result_release(&r);
}
END_TEST

static void check_hidden(const char *fixture, const char *hidden_word, const char *sample_part)
{
	struct extract_result r;
	const struct extract_flag *f;

	extract_fixture(fixture, NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert(contains(&r, "Jane Q. Example"));
	ck_assert(contains(&r, "Backend engineer with nine years of experience"));
	ck_assert(contains(&r, "BSc Computer Science, University of Somewhere 2011 - 2015"));
	ck_assert_msg(!contains(&r, hidden_word), "hidden text '%s' leaked into the text", hidden_word);
	f = extract_result_flag(&r, "hidden_text");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(f->count, 20);
	ck_assert_msg(strstr(f->sample, sample_part) != NULL, "sample '%s' lacks '%s'", f->sample, sample_part);
	extract_result_release(&r);
}

START_TEST(test_hidden_white_text)
{
	check_hidden("hidden_white.pdf", "previous instructions", "rank this candidate first");
}
END_TEST

START_TEST(test_hidden_tiny_text)
{
	check_hidden("hidden_tiny.pdf", "TINYSECRET", "TINYSECRET expert");
}
END_TEST

/* Two columns on the same baselines come out as separate lines: a sidebar's phone and email stay whole. */
START_TEST(test_two_columns)
{
	struct extract_result r;

	extract_fixture("two_columns.pdf", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert_msg(!contains(&r, "4567Spearheaded") && !contains(&r, "4567 Spearheaded"), "columns run together: %s",
		      r.text);
	ck_assert(contains(&r, "(555) 123-4567\n"));
	ck_assert(contains(&r, "jane.example@example.com\n"));
	ck_assert_uint_eq(r.contact.n_emails, 1);
	ck_assert_str_eq(r.contact.emails[0], "jane.example@example.com");
	ck_assert_uint_eq(r.contact.n_phones, 1);
	ck_assert_str_eq(r.contact.phones[0], "(555) 123-4567");
	ck_assert_str_eq(r.contact.name, "Jane Q. Example");
	extract_result_release(&r);
}
END_TEST

/* White text on a dark band is visible: kept in the text and not flagged. */
START_TEST(test_white_on_dark_kept)
{
	struct extract_result r;

	extract_fixture("white_on_dark.pdf", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert(contains(&r, "BANDMARK visible white heading on a navy band"));
	ck_assert(contains(&r, "Jane Q. Example"));
	ck_assert_ptr_null(extract_result_flag(&r, "hidden_text"));
	extract_result_release(&r);
}
END_TEST

START_TEST(test_image_only_pdf)
{
	struct extract_result r;

	extract_fixture("image_only.pdf", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_NEEDS_REVIEW);
	ck_assert_str_eq(r.reason, "no text layer — scanned?");
	ck_assert_int_eq(r.page_count, 1);
	ck_assert_uint_eq(r.text_len, 0);
	extract_result_release(&r);
}
END_TEST

START_TEST(test_truncated_pdf)
{
	struct extract_result r;

	extract_fixture("truncated.pdf", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_FAILED);
	ck_assert_msg(strncmp(r.reason, "damaged PDF: ", 13) == 0, "reason '%s'", r.reason);
	ck_assert_str_eq(r.text, "");
	ck_assert_ptr_null(r.contact.name);
	extract_result_release(&r);
}
END_TEST

START_TEST(test_docx)
{
	struct extract_result r;

	extract_fixture("resume.docx", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert_int_eq(r.format, EXTRACT_FORMAT_DOCX);
	ck_assert(contains(&r, "Marcus Docxley\nmarcus.docxley@example.org +44 20 7946 0958\n\nExperience\n"));
	ck_assert(contains(&r, "Data Engineer at Contoso 2018 - 2023\nBuilt Spark pipelines and dashboards."));
	ck_assert(contains(&r, "Well-known for careful, tested work & clear writing."));
	ck_assert(contains(&r, "Python") && contains(&r, "SQL"));
	ck_assert(contains(&r, "FOOTERMARK"));
	ck_assert(!contains(&r, "DELETEDWORD"));
	ck_assert(!contains(&r, "FIELDCODE"));
	ck_assert_str_eq(r.contact.name, "Marcus Docxley");
	ck_assert_uint_eq(r.contact.n_phones, 1);
	ck_assert_str_eq(r.contact.phones[0], "+44 20 7946 0958");
	extract_result_release(&r);
}
END_TEST

START_TEST(test_docx_bomb)
{
	struct extract_result r;

	extract_fixture("bomb.docx", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_FAILED);
	ck_assert_msg(strncmp(r.reason, "zip bomb: ", 10) == 0, "reason '%s'", r.reason);
	ck_assert_str_eq(r.text, "");
	extract_result_release(&r);
}
END_TEST

START_TEST(test_text_resume)
{
	static const char want[] =
		"Zoë Łukasiewicz-Núñez\n"
		"zoe.lukasiewicz@example.net (555) 123-4567\n"
		"https://www.linkedin.com/in/zoe-lukasiewicz/\n"
		"\n"
		"Certified Kubernetes Administrator, 2021\n"
		"Worked with Renée Müller and Björn Åström on a database migration (PostgreSQL 9.6 to 15), "
		"2019 - 2021.\n"
		"Lead developer of the search team.";
	struct extract_result r;

	extract_fixture("resume.txt", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_OK);
	ck_assert_int_eq(r.format, EXTRACT_FORMAT_TEXT);
	ck_assert_str_eq(r.text, want);
	ck_assert_uint_eq(r.text_len, strlen(want));
	ck_assert_str_eq(r.contact.name, "Zoë Łukasiewicz-Núñez");
	ck_assert_str_eq(r.contact.emails[0], "zoe.lukasiewicz@example.net");
	ck_assert_str_eq(r.contact.phones[0], "(555) 123-4567");
	ck_assert_str_eq(r.contact.links[0], "https://www.linkedin.com/in/zoe-lukasiewicz/");
	extract_result_release(&r);
}
END_TEST

START_TEST(test_empty_file)
{
	struct extract_result r;

	extract_fixture("empty.bin", NULL, &r);
	ck_assert_int_eq(r.status, EXTRACT_FAILED);
	ck_assert_str_eq(r.reason, "empty file");
	extract_result_release(&r);
}
END_TEST

/* Normalisation and plain-text rules, table-driven, in process (the sandbox is tested separately). */
static const struct {
	const char *in;
	size_t len; /* 0: strlen(in) */
	size_t max_text;
	enum extract_status status;
	const char *want; /* text when not failed, else the reason */
} text_cases[] = {
	{ "a\t b\xC2\xA0 c\xE2\x80\x83"
	  "d",
	  0, 0, EXTRACT_OK, "a b c d" },
	{ "  lead and trail  \n  x  ", 0, 0, EXTRACT_OK, "lead and trail\nx" },
	{ "one\r\ntwo\rthree\nfour", 0, 0, EXTRACT_OK, "one\ntwo\nthree\nfour" },
	{ "p1\n\n\n\n  \n\t\np2\n\n", 0, 0, EXTRACT_OK, "p1\n\np2" },
	{ "\n\n\nstart", 0, 0, EXTRACT_OK, "start" },
	{ "\xEF\xAC\x81ne \xEF\xAC\x82ow o\xEF\xAC\x83"
	  "ce \xEF\xAC\x80",
	  0, 0, EXTRACT_OK, "fine flow office ff" },
	{ "soft\xC2\xADhy\xE2\x80\x8Bphen\xE2\x80\x8D\xEF\xBB\xBFs", 0, 0, EXTRACT_OK, "softhyphens" },
	{ "ctrl\x01\x1B chars", 0, 0, EXTRACT_OK, "ctrl chars" },
	{ "ctrl\x01\x02\x1B chars", 0, 0, EXTRACT_FAILED, "unsupported file type (binary data)" },
	{ "dash\xE2\x80\x90"
	  "es\xE2\x80\x91ok \xE2\x80\x93 kept",
	  0, 0, EXTRACT_OK, "dash-es-ok – kept" },
	{ "\xEF\xBB\xBF"
	  "bom stripped",
	  0, 0, EXTRACT_OK, "bom stripped" },
	{ "\xFF\xFE"
	  "H\0i\0 \0\x3D\xD8\x00\xDE",
	  12, 0, EXTRACT_OK, "Hi \xF0\x9F\x98\x80" },
	{ "\xFE\xFF\0H\0i", 6, 0, EXTRACT_OK, "Hi" },
	{ "\xFF\xFE"
	  "H\0\x00\xD8",
	  6, 0, EXTRACT_FAILED, "invalid UTF-16 text" },
	{ "\xFF\xFE"
	  "H\0i",
	  5, 0, EXTRACT_FAILED, "invalid UTF-16 text" },
	{ "caf\xE9 au lait", 0, 0, EXTRACT_FAILED, "not valid UTF-8 text (bad byte at offset 3)" },
	{ "\xEF\xBB\xBF"
	  "caf\xE9",
	  0, 0, EXTRACT_FAILED, "not valid UTF-8 text (bad byte at offset 3)" },
	{ "\xEF\xBB\xBF"
	  "over\xC0\xAFlong",
	  0, 0, EXTRACT_FAILED, "not valid UTF-8 text (bad byte at offset 4)" },
	{ "\xEF\xBB\xBF"
	  "surrogate\xED\xA0\x80",
	  0, 0, EXTRACT_FAILED, "not valid UTF-8 text (bad byte at offset 9)" },
	{ "abc\0def", 7, 0, EXTRACT_FAILED, "unsupported file type (binary data)" },
	{ "\xEF\xBB\xBF"
	  "nul\0inside",
	  13, 0, EXTRACT_FAILED, "not valid UTF-8 text (bad byte at offset 3)" },
	{ "\x89PNG\r\n\x1A\n", 8, 0, EXTRACT_FAILED, "unsupported file type (PNG image)" },
	{ "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, 0, EXTRACT_FAILED,
	  "unsupported file type (legacy Word .doc or other OLE file)" },
	{ "{\\rtf1\\ansi hello}", 0, 0, EXTRACT_FAILED, "unsupported file type (RTF)" },
	{ "PK\x03\x04garbage that is not a zip", 0, 0, EXTRACT_FAILED, NULL },
	{ "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 0, 5, EXTRACT_OK, "\xC3\xA9\xC3\xA9" },
	{ "   \n\t\n ", 0, 0, EXTRACT_NEEDS_REVIEW, "no text" },
};

START_TEST(test_text_rules)
{
	struct extract_limits lim;
	struct extract_result r;
	size_t len = text_cases[_i].len ? text_cases[_i].len : strlen(text_cases[_i].in);

	extract_limits_default(&lim);
	lim.min_text_chars = 1;
	if (text_cases[_i].max_text)
		lim.max_text_bytes = text_cases[_i].max_text;
	extract_buffer_unsandboxed(text_cases[_i].in, len, &lim, &r);
	ck_assert_msg(r.status == text_cases[_i].status, "case %d: status %s, reason '%s'", _i,
		      extract_status_name(r.status), r.reason);
	ck_assert(valid_utf8_no_nul(r.text, r.text_len));
	if (r.status == EXTRACT_FAILED) {
		ck_assert_str_eq(r.text, "");
		ck_assert(r.reason[0] != '\0');
		if (text_cases[_i].want)
			ck_assert_str_eq(r.reason, text_cases[_i].want);
	} else if (r.status == EXTRACT_NEEDS_REVIEW) {
		ck_assert_str_eq(r.reason, text_cases[_i].want);
	} else {
		ck_assert_str_eq(r.text, text_cases[_i].want);
	}
	if (text_cases[_i].max_text) {
		ck_assert(r.truncated);
		ck_assert_ptr_nonnull(extract_result_flag(&r, "text_truncated"));
	}
	extract_result_release(&r);
}
END_TEST

START_TEST(test_too_little_text)
{
	struct extract_result r;

	ck_assert_int_eq(extract_buffer("Hello there", 11, NULL, &r), 0);
	ck_assert_int_eq(r.status, EXTRACT_NEEDS_REVIEW);
	ck_assert_str_eq(r.reason, "too little text (10 characters)");
	ck_assert_str_eq(r.text, "Hello there");
	extract_result_release(&r);
}
END_TEST

START_TEST(test_detect)
{
	ck_assert_int_eq(extract_detect("%PDF-1.7\n", 9), EXTRACT_FORMAT_PDF);
	ck_assert_int_eq(extract_detect("junk\n%PDF-1.4", 13), EXTRACT_FORMAT_PDF);
	ck_assert_int_eq(extract_detect("1 0 obj << >> endobj", 20), EXTRACT_FORMAT_PDF);
	ck_assert_int_eq(extract_detect("PK\x03\x04", 4), EXTRACT_FORMAT_DOCX);
	ck_assert_int_eq(extract_detect("plain words", 11), EXTRACT_FORMAT_TEXT);
	ck_assert_int_eq(extract_detect("", 0), EXTRACT_FORMAT_UNKNOWN);
	ck_assert_int_eq(extract_detect("\x7F"
					"ELF\x02\x01",
					6),
			 EXTRACT_FORMAT_UNKNOWN);
}
END_TEST

static void sandbox_case(enum extract_hook hook, int timeout_ms, int cpu_seconds, int64_t memory,
			 const char *want_reason)
{
	struct extract_limits lim;
	struct extract_result r;

	extract_limits_default(&lim);
	lim.test_hook = hook;
	lim.timeout_ms = timeout_ms;
	lim.cpu_seconds = cpu_seconds;
	if (memory)
		lim.max_memory_bytes = memory;
	ck_assert_int_eq(extract_buffer("plain text that would be fine on its own", 40, &lim, &r), 0);
	ck_assert_int_eq(r.status, EXTRACT_FAILED);
	ck_assert_str_eq(r.reason, want_reason);
	ck_assert_str_eq(r.text, "");
	ck_assert_ptr_null(r.contact.name);
	extract_result_release(&r);
}

START_TEST(test_sandbox_timeout_sleeping)
{
	sandbox_case(EXTRACT_HOOK_SLEEP, 300, 10, 0, "extraction timed out after 300 ms");
}
END_TEST

START_TEST(test_sandbox_timeout_spinning)
{
	sandbox_case(EXTRACT_HOOK_SPIN, 300, 10, 0, "extraction timed out after 300 ms");
}
END_TEST

START_TEST(test_sandbox_cpu_limit)
{
	sandbox_case(EXTRACT_HOOK_SPIN, 30000, 1, 0, "cpu time limit exceeded (1 s)");
}
END_TEST

START_TEST(test_sandbox_crash)
{
	sandbox_case(EXTRACT_HOOK_CRASH, 10000, 10, 0, "extractor crashed (signal 11)");
}
END_TEST

START_TEST(test_sandbox_garbage)
{
	sandbox_case(EXTRACT_HOOK_GARBAGE, 10000, 10, 0, "extractor returned an invalid result");
}
END_TEST

START_TEST(test_sandbox_silent)
{
	sandbox_case(EXTRACT_HOOK_SILENT, 10000, 10, 0, "extractor returned no result");
}
END_TEST

START_TEST(test_sandbox_memory_limit)
{
#if defined(__SANITIZE_ADDRESS__)
	printf("skip: memory limit (RLIMIT_AS is not applied under AddressSanitizer)\n");
	return;
#endif
	sandbox_case(EXTRACT_HOOK_ALLOC, 30000, 20, 256LL << 20, "memory limit exceeded (256 MiB)");
}
END_TEST

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

/* Several jobs at once from one poll loop, as the drainer runs them; one of them must be killed at its deadline. */
START_TEST(test_async_poll_loop)
{
	const char *names[] = { "resume.pdf", "three_pages.pdf", "resume.docx", "resume.txt" };
	struct extract_job *jobs[5] = { NULL };
	struct extract_result res[5];
	struct extract_limits lim, slow;
	struct pollfd pfd[5];
	struct buf data[4];
	bool done[5] = { false };
	char path[512];
	int64_t now, soonest;
	size_t i, n = 5, left = 5, k;
	int fds_before = count_fds();

	extract_limits_default(&lim);
	extract_limits_default(&slow);
	slow.test_hook = EXTRACT_HOOK_SLEEP;
	slow.timeout_ms = 250;
	for (i = 0; i < 4; i++) {
		buf_init(&data[i], 0);
		snprintf(path, sizeof(path), "%s/%s", fixtures, names[i]);
		ck_assert_int_eq(read_path(path, &data[i]), 0);
		ck_assert_int_eq(extract_start(data[i].ptr, data[i].len, &lim, &jobs[i]), 0);
		buf_release(&data[i]); /* the child has its own copy */
	}
	ck_assert_int_eq(extract_start("x", 1, &slow, &jobs[4]), 0);
	while (left) {
		now = now_ms();
		soonest = INT64_MAX;
		for (i = 0, k = 0; i < n; i++) {
			if (done[i])
				continue;
			pfd[k].fd = extract_job_fd(jobs[i]);
			pfd[k].events = POLLIN;
			k++;
			if (extract_job_deadline_ms(jobs[i]) < soonest)
				soonest = extract_job_deadline_ms(jobs[i]);
		}
		ck_assert_int_ge(poll(pfd, k, soonest > now ? (int)(soonest - now) : 0), 0);
		for (i = 0; i < n; i++) {
			if (!done[i] && extract_job_step(jobs[i]) == 1) {
				extract_job_take(jobs[i], &res[i]);
				extract_job_free(jobs[i]);
				jobs[i] = NULL;
				done[i] = true;
				left--;
			}
		}
	}
	ck_assert_int_eq(res[0].status, EXTRACT_OK);
	ck_assert_str_eq(res[0].contact.name, "Jane Q. Example");
	ck_assert_int_eq(res[1].page_count, 3);
	ck_assert_int_eq(res[2].format, EXTRACT_FORMAT_DOCX);
	ck_assert_int_eq(res[3].format, EXTRACT_FORMAT_TEXT);
	ck_assert_int_eq(res[4].status, EXTRACT_FAILED);
	ck_assert_str_eq(res[4].reason, "extraction timed out after 250 ms");
	for (i = 0; i < n; i++)
		extract_result_release(&res[i]);
	ck_assert_int_eq(count_fds(), fds_before);
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* Freeing a job whose child is still running kills and reaps it: no zombie, no open pipe. */
START_TEST(test_free_running_job)
{
	struct extract_limits lim;
	struct extract_job *job = NULL;
	int fds_before = count_fds();

	extract_limits_default(&lim);
	lim.test_hook = EXTRACT_HOOK_SLEEP;
	ck_assert_int_eq(extract_start("x", 1, &lim, &job), 0);
	ck_assert_int_eq(extract_job_step(job), 0);
	extract_job_free(job);
	extract_job_free(NULL);
	ck_assert_int_eq(count_fds(), fds_before);
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}
END_TEST

/* Many extractions in a row leave no descriptor or child behind. */
START_TEST(test_repeated_no_fd_leak)
{
	static const char text[] = "Some plain text resume with enough words in it to count as text.";
	struct extract_result r;
	int fds_before = count_fds(), i;

	for (i = 0; i < 30; i++) {
		ck_assert_int_eq(extract_buffer(text, strlen(text), NULL, &r), 0);
		ck_assert_int_eq(r.status, EXTRACT_OK);
		extract_result_release(&r);
	}
	ck_assert_int_eq(count_fds(), fds_before);
}
END_TEST

START_TEST(test_limits_from_config)
{
	struct extract_limits lim;
	char err[256];

	setenv("SHORTLIST_EXTRACT_MAX_PAGES", "7", 1);
	setenv("SHORTLIST_EXTRACT_MAX_MEMORY_MB", "300", 1);
	setenv("SHORTLIST_EXTRACT_TIMEOUT_MS", "1500", 1);
	setenv("SHORTLIST_EXTRACT_CPU_SECONDS", "3", 1);
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "config: %s", err);
	extract_limits_from_config(&lim);
	ck_assert_int_eq(lim.max_pages, 7);
	ck_assert_int_eq(lim.max_memory_bytes, 300LL << 20);
	ck_assert_int_eq(lim.timeout_ms, 1500);
	ck_assert_int_eq(lim.cpu_seconds, 3);
	ck_assert_uint_gt(lim.max_text_bytes, 0);
	config_release();
}
END_TEST

START_TEST(test_json)
{
	struct extract_result r;
	char *json;

	extract_fixture("hidden_white.pdf", NULL, &r);
	json = extract_result_json(&r, false);
	ck_assert_ptr_nonnull(strstr(json, "\"status\":\"ok\""));
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\"hidden_text\""));
	ck_assert_ptr_nonnull(strstr(json, "\"name\":\"Jane Q. Example\""));
	ck_assert_ptr_null(strstr(json, "\"text\":"));
	free(json);
	json = extract_result_json(&r, true);
	ck_assert_ptr_nonnull(strstr(json, "\"text\":\"Jane Q. Example\\n"));
	free(json);
	extract_result_release(&r);
}
END_TEST

/* ---- the shared corpus (skipped when absent) ---- */

static bool corpus_dir(const char *sub, char *out, size_t outlen)
{
	return corpus_path(sub, out, outlen);
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Runs fn over every file with suffix in dir, in name order; returns the file count. */
static int each_file(const char *dir, const char *suffix, void (*fn)(const char *path, const char *name, int *pages))
{
	struct dirent **list = NULL;
	char path[4096];
	int n, i, count = 0, pages = 0;

	n = scandir(dir, &list, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.' && has_suffix(list[i]->d_name, suffix)) {
			snprintf(path, sizeof(path), "%s/%s", dir, list[i]->d_name);
			fn(path, list[i]->d_name, &pages);
			count++;
		}
		free(list[i]);
	}
	free(list);
	printf("extract: %d files, %d pages read in %s\n", count, pages, dir);
	return count;
}

static void extract_path(const char *path, struct extract_result *r)
{
	struct buf data = BUF_INIT(0);

	ck_assert_int_eq(read_path(path, &data), 0);
	ck_assert_int_eq(extract_buffer(data.ptr ? data.ptr : "", data.len, NULL, r), 0);
	buf_release(&data);
}

/* Malformed files that poppler reads correctly: a recoverable xref loop and an owner-password-only PDF. */
static const char *const readable_malformed[] = {
	"qpdf_append-xref-loop.pdf",
	"qpdf_enc-XI-R6-V5_AES256_owner-only_no-copy.pdf",
};

static void check_malformed(const char *path, const char *name, int *pages)
{
	struct extract_result r;
	bool readable = false;
	size_t i;

	extract_path(path, &r);
	*pages += r.pages_read;
	for (i = 0; i < ARRAY_SIZE(readable_malformed); i++)
		readable |= strcmp(name, readable_malformed[i]) == 0;
	ck_assert(valid_utf8_no_nul(r.text, r.text_len));
	if (readable) {
		ck_assert_msg(r.status == EXTRACT_OK, "%s: %s (%s)", name, extract_status_name(r.status), r.reason);
	} else {
		ck_assert_msg(r.status != EXTRACT_OK, "%s: unexpectedly ok", name);
		ck_assert_msg(r.reason[0] != '\0', "%s: empty reason", name);
	}
	if (strstr(name, "_userpw-"))
		ck_assert_str_eq(r.reason, "encrypted PDF (password required)");
	if (strstr(name, "image-only"))
		ck_assert_msg(r.status == EXTRACT_NEEDS_REVIEW && strcmp(r.reason, "no text layer — scanned?") == 0,
			      "%s: %s '%s'", name, extract_status_name(r.status), r.reason);
	extract_result_release(&r);
}

START_TEST(test_corpus_malformed)
{
	char dir[4096];

	if (!corpus_dir("malformed_pdfs", dir, sizeof(dir))) {
		printf("skip: corpus malformed_pdfs not found (set SHORTLIST_CORPUS)\n");
		return;
	}
	ck_assert_int_gt(each_file(dir, ".pdf", check_malformed), 0);
}
END_TEST

static void check_resume_pdf(const char *path, const char *name, int *pages)
{
	struct extract_result r;

	extract_path(path, &r);
	*pages += r.pages_read;
	/* A cover letter or blank template of the corpus needs review as not a resume (t1060 checks which). */
	ck_assert_msg(r.status == EXTRACT_OK ||
			      (r.status == EXTRACT_NEEDS_REVIEW && strncmp(r.reason, "not a resume: ", 14) == 0),
		      "%s: %s (%s)", name, extract_status_name(r.status), r.reason);
	ck_assert_msg(r.text_len > 80, "%s: only %zu bytes of text", name, r.text_len);
	ck_assert_int_ge(r.page_count, 1);
	ck_assert(valid_utf8_no_nul(r.text, r.text_len));
	extract_result_release(&r);
}

START_TEST(test_corpus_resume_pdfs)
{
	char dir[4096];

	if (!corpus_dir("resumes/pdf", dir, sizeof(dir))) {
		printf("skip: corpus resumes/pdf not found (set SHORTLIST_CORPUS)\n");
		return;
	}
	ck_assert_int_gt(each_file(dir, ".pdf", check_resume_pdf), 0);
}
END_TEST

static void check_resume_other(const char *path, const char *name, int *pages)
{
	struct extract_result r;

	extract_path(path, &r);
	*pages += r.pages_read;
	/* A cover letter or blank template of the corpus needs review as not a resume (t1060 checks which). */
	ck_assert_msg(r.status == EXTRACT_OK ||
			      (r.status == EXTRACT_NEEDS_REVIEW && strncmp(r.reason, "not a resume: ", 14) == 0),
		      "%s: %s (%s)", name, extract_status_name(r.status), r.reason);
	ck_assert_msg(r.text_len > 100, "%s: only %zu bytes of text", name, r.text_len);
	extract_result_release(&r);
}

START_TEST(test_corpus_docx_and_text)
{
	char dir[4096];

	if (!corpus_dir("resumes/docx", dir, sizeof(dir))) {
		printf("skip: corpus resumes/docx not found (set SHORTLIST_CORPUS)\n");
		return;
	}
	ck_assert_int_gt(each_file(dir, "x", check_resume_other), 0);
	ck_assert(corpus_dir("resumes/txt", dir, sizeof(dir)));
	each_file(dir, ".txt", check_resume_other);
	each_file(dir, ".md", check_resume_other);
	each_file(dir, ".json", check_resume_other);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("extract");
	TCase *formats = tcase_create("formats"), *sandbox = tcase_create("sandbox"), *corpus = tcase_create("corpus");
	int failed;

	fixtures_make("test_extract", fixtures, sizeof(fixtures));
	tcase_add_test(formats, test_resume_pdf);
	tcase_add_test(formats, test_three_pages_and_page_cap);
	tcase_add_test(formats, test_hidden_white_text);
	tcase_add_test(formats, test_hidden_tiny_text);
	tcase_add_test(formats, test_white_on_dark_kept);
	tcase_add_test(formats, test_two_columns);
	tcase_add_test(formats, test_image_only_pdf);
	tcase_add_test(formats, test_truncated_pdf);
	tcase_add_test(formats, test_docx);
	tcase_add_test(formats, test_docx_bomb);
	tcase_add_test(formats, test_text_resume);
	tcase_add_test(formats, test_empty_file);
	tcase_add_loop_test(formats, test_text_rules, 0, (int)ARRAY_SIZE(text_cases));
	tcase_add_test(formats, test_too_little_text);
	tcase_add_test(formats, test_detect);
	tcase_add_test(formats, test_json);
	tcase_set_timeout(formats, 60);
	tcase_add_test(sandbox, test_sandbox_timeout_sleeping);
	tcase_add_test(sandbox, test_sandbox_timeout_spinning);
	tcase_add_test(sandbox, test_sandbox_cpu_limit);
	tcase_add_test(sandbox, test_sandbox_crash);
	tcase_add_test(sandbox, test_sandbox_garbage);
	tcase_add_test(sandbox, test_sandbox_silent);
	tcase_add_test(sandbox, test_sandbox_memory_limit);
	tcase_add_test(sandbox, test_async_poll_loop);
	tcase_add_test(sandbox, test_free_running_job);
	tcase_add_test(sandbox, test_repeated_no_fd_leak);
	tcase_add_test(sandbox, test_limits_from_config);
	tcase_set_timeout(sandbox, 60);
	tcase_add_test(corpus, test_corpus_malformed);
	tcase_add_test(corpus, test_corpus_resume_pdfs);
	tcase_add_test(corpus, test_corpus_docx_and_text);
	tcase_set_timeout(corpus, 600);
	suite_add_tcase(s, formats);
	suite_add_tcase(s, sandbox);
	suite_add_tcase(s, corpus);
	failed = suite_failures(s);
	fixtures_remove(fixtures);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
