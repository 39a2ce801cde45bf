/* extract: resume text (PDF, DOCX, plain text) from a sandboxed child process, synchronously or from a poll loop. */
#ifndef SHORTLIST_EXTRACT_H
#define SHORTLIST_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text/contact.h"

enum extract_status {
	EXTRACT_OK,	      /* text was read and is worth scoring */
	EXTRACT_NEEDS_REVIEW, /* the document opened but gave no or too little text (scanned?) */
	EXTRACT_FAILED,	      /* unreadable, hostile, unsupported or over a limit; see reason */
};

enum extract_format {
	EXTRACT_FORMAT_UNKNOWN,
	EXTRACT_FORMAT_PDF,
	EXTRACT_FORMAT_DOCX,
	EXTRACT_FORMAT_TEXT,
};

/*
 * Ways to make the child misbehave, for tests of the sandbox only. Never set
 * in production code.
 */
enum extract_hook {
	EXTRACT_HOOK_NONE,
	EXTRACT_HOOK_SPIN,    /* burn CPU forever */
	EXTRACT_HOOK_SLEEP,   /* sleep forever without using CPU */
	EXTRACT_HOOK_CRASH,   /* raise SIGSEGV */
	EXTRACT_HOOK_GARBAGE, /* write a corrupt result record */
	EXTRACT_HOOK_ALLOC,   /* allocate memory until the limit is hit */
	EXTRACT_HOOK_SILENT,  /* exit 0 without writing anything */
};

/* Limits of one extraction. Zero in a field means its default (below). */
struct extract_limits {
	int cpu_seconds;	  /* RLIMIT_CPU of the child; default 10 */
	int64_t max_memory_bytes; /* RLIMIT_AS of the child; default 1 GiB (not applied under AddressSanitizer) */
	int timeout_ms;		  /* wall clock, enforced by the parent with SIGKILL; default 20000 */
	int max_pages;		  /* pages read; the rest is skipped and the result marked truncated; default 50 */
	size_t max_text_bytes;	  /* normalised text kept; the rest is dropped and marked truncated; default 1 MiB */
	size_t min_text_chars;	  /* fewer visible non-space characters than this: needs_review; default 40 */
	enum extract_hook test_hook;
};

#define EXTRACT_MAX_FLAGS 8
#define EXTRACT_FLAG_SAMPLE_BYTES 120

/*
 * Something noticed about the document that does not change its status, e.g.
 * "hidden_text" (count = hidden characters, sample = their first ones),
 * "pages_truncated" (count = pages not read), "text_truncated" (count = bytes
 * dropped, at least), "headers_footers" (count = parts read).
 */
struct extract_flag {
	char *name;
	int64_t count;
	char *sample; /* may be empty, never NULL */
};

/*
 * The outcome of one extraction. Every string is owned by the result and
 * freed by extract_result_release(); text and reason are never NULL after an
 * extraction call. text is valid UTF-8 without NUL bytes.
 */
struct extract_result {
	enum extract_status status;
	enum extract_format format;
	char *reason; /* "" when ok; otherwise a short sentence for the recruiter */
	char *text;
	size_t text_len;
	int page_count; /* pages the document declares (1 for DOCX and text) */
	int pages_read;
	bool truncated; /* pages or text were cut by a limit */
	struct extract_flag flags[EXTRACT_MAX_FLAGS];
	size_t n_flags;
	struct contact contact; /* computed from text by the parent */
};

/* Fills lim with the defaults above. */
void extract_limits_default(struct extract_limits *lim);
/*
 * Fills lim from config(): extract_cpu_seconds, extract_max_memory_mb,
 * extract_timeout_ms, extract_max_pages; the rest from the defaults. The
 * configuration must be loaded.
 */
void extract_limits_from_config(struct extract_limits *lim);

/* Zeroes a result (safe to release). */
void extract_result_init(struct extract_result *r);
/* Frees everything the result owns and zeroes it; accepts a zeroed result. */
void extract_result_release(struct extract_result *r);
/* Returns the flag called name, or NULL. Borrowed from r. */
const struct extract_flag *extract_result_flag(const struct extract_result *r, const char *name);

const char *extract_status_name(enum extract_status s); /* "ok", "needs_review", "failed" */
const char *extract_format_name(enum extract_format f); /* "pdf", "docx", "text", "unknown" */

/* Detects the format from magic bytes only (never a file name). */
enum extract_format extract_detect(const void *data, size_t len);

/*
 * Extracts data (len bytes, borrowed) in a forked child under lim (NULL:
 * defaults) and waits for it. Always fills out (initialised here; caller
 * releases). Returns 0 when the outcome is about the document, whatever its
 * status; returns -1 when the system could not run an extraction at all
 * (fork, pipe: out is failed and the reason says so): retry later then.
 * Never blocks longer than lim->timeout_ms plus the time to reap a killed
 * child. The caller must not ignore SIGCHLD (the parent reaps its child
 * with waitpid).
 */
int extract_buffer(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *out);

/*
 * The same in this process, without a sandbox: only for trusted input,
 * fuzzing and debugging. Limits on time and memory are not applied.
 */
void extract_buffer_unsandboxed(const void *data, size_t len, const struct extract_limits *lim,
				struct extract_result *out);

/*
 * The asynchronous form, for a poll loop. extract_start() forks the child
 * and returns a job in *out (0) or -1 (nothing to release). Then wait for
 * POLLIN on extract_job_fd() or for now_ms() to reach
 * extract_job_deadline_ms(), and call extract_job_step(): it returns 1 when
 * the job is finished (the result is ready), 0 when it needs more waiting
 * (the fd and the deadline stay valid). extract_job_take() moves the
 * result into out (initialised here; caller releases) and may be called
 * once, after step returned 1. extract_job_free() kills and reaps a child
 * still running and frees the job; it accepts NULL. data is copied into the
 * child by fork and may be freed once extract_start() returns.
 */
struct extract_job;

int extract_start(const void *data, size_t len, const struct extract_limits *lim, struct extract_job **out);
int extract_job_fd(const struct extract_job *job);
int64_t extract_job_deadline_ms(const struct extract_job *job);
int extract_job_step(struct extract_job *job);
void extract_job_take(struct extract_job *job, struct extract_result *out);
void extract_job_free(struct extract_job *job);

/*
 * The result as a JSON object: status, format, reason, page_count,
 * pages_read, truncated, flags, contact and (when with_text) text. Returns
 * a newly allocated string; caller frees.
 */
char *extract_result_json(const struct extract_result *r, bool with_text);

#endif
