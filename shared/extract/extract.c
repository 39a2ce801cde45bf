/* extract: resume text (PDF, DOCX, plain text) from a sandboxed child process, synchronously or from a poll loop. */
#include "extract/extract.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "extract/extract_impl.h"
#include "text/doctype.h"

#if defined(__SANITIZE_ADDRESS__)
#define EXTRACT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EXTRACT_ASAN 1
#endif
#endif

#define DEFAULT_CPU_SECONDS 10
#define DEFAULT_MAX_MEMORY (1024LL << 20)
#define DEFAULT_TIMEOUT_MS 20000
#define DEFAULT_MAX_PAGES 50
#define DEFAULT_MAX_TEXT (1u << 20)
#define DEFAULT_MIN_TEXT_CHARS 40

#define RECORD_MAGIC "SLX1"
#define RECORD_MEMORY "SLXM"
#define RECORD_HEADER 8
#define REASON_MAX 1024
#define FLAG_NAME_MAX 32
/* Room in a record beyond the text: reason, flags, fixed fields. */
#define RECORD_SLACK (REASON_MAX + EXTRACT_MAX_FLAGS * (FLAG_NAME_MAX + EXTRACT_FLAG_SAMPLE_BYTES + 16) + 64)
/* The child's descriptor for the result pipe. */
#define CHILD_FD 3

struct extract_job {
	pid_t pid;
	int fd;
	int64_t deadline_ms;
	struct extract_limits lim;
	struct buf in;
	bool done, reaped, timed_out, oversized, taken;
	int wstatus;
	struct extract_result result;
};

void extract_limits_default(struct extract_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->cpu_seconds = DEFAULT_CPU_SECONDS;
	lim->max_memory_bytes = DEFAULT_MAX_MEMORY;
	lim->timeout_ms = DEFAULT_TIMEOUT_MS;
	lim->max_pages = DEFAULT_MAX_PAGES;
	lim->max_text_bytes = DEFAULT_MAX_TEXT;
	lim->min_text_chars = DEFAULT_MIN_TEXT_CHARS;
}

void extract_limits_from_config(struct extract_limits *lim)
{
	const struct config *c = config();

	extract_limits_default(lim);
	lim->cpu_seconds = (int)c->extract_cpu_seconds;
	lim->max_memory_bytes = c->extract_max_memory_mb * 1024 * 1024;
	lim->timeout_ms = (int)c->extract_timeout_ms;
	lim->max_pages = (int)c->extract_max_pages;
}

/* Copies lim (or the defaults) with every zero field replaced by its default. */
static void limits_resolve(const struct extract_limits *lim, struct extract_limits *out)
{
	struct extract_limits def;

	extract_limits_default(&def);
	if (!lim) {
		*out = def;
		return;
	}
	*out = *lim;
	if (out->cpu_seconds <= 0)
		out->cpu_seconds = def.cpu_seconds;
	if (out->max_memory_bytes <= 0)
		out->max_memory_bytes = def.max_memory_bytes;
	if (out->timeout_ms <= 0)
		out->timeout_ms = def.timeout_ms;
	if (out->max_pages <= 0)
		out->max_pages = def.max_pages;
	if (out->max_text_bytes == 0)
		out->max_text_bytes = def.max_text_bytes;
	if (out->min_text_chars == 0)
		out->min_text_chars = def.min_text_chars;
}

void extract_result_init(struct extract_result *r)
{
	memset(r, 0, sizeof(*r));
}

void extract_result_release(struct extract_result *r)
{
	size_t i;

	free(r->reason);
	free(r->text);
	for (i = 0; i < r->n_flags; i++) {
		free(r->flags[i].name);
		free(r->flags[i].sample);
	}
	contact_release(&r->contact);
	extract_result_init(r);
}

const struct extract_flag *extract_result_flag(const struct extract_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_flags; i++) {
		if (strcmp(r->flags[i].name, name) == 0)
			return &r->flags[i];
	}
	return NULL;
}

const char *extract_status_name(enum extract_status s)
{
	switch (s) {
	case EXTRACT_OK:
		return "ok";
	case EXTRACT_NEEDS_REVIEW:
		return "needs_review";
	case EXTRACT_FAILED:
		break;
	}
	return "failed";
}

const char *extract_format_name(enum extract_format f)
{
	switch (f) {
	case EXTRACT_FORMAT_PDF:
		return "pdf";
	case EXTRACT_FORMAT_DOCX:
		return "docx";
	case EXTRACT_FORMAT_TEXT:
		return "text";
	case EXTRACT_FORMAT_UNKNOWN:
		break;
	}
	return "unknown";
}

void extract_set_reason(struct extract_result *r, enum extract_status status, const char *fmt, ...)
{
	struct buf b = BUF_INIT(REASON_MAX);
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	if (buf_vprintf(&b, fmt, ap) < 0)
		buf_append_str(&b, "extraction failed");
	va_end(ap);
	free(r->reason);
	r->reason = buf_detach(&b, &len);
	r->status = status;
}

/* Cuts len back so that s[0..len) ends on a UTF-8 character boundary. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	len = max;
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	return len;
}

int extract_add_flag(struct extract_result *r, const char *name, int64_t count, const char *sample, size_t sample_len)
{
	struct extract_flag *f;

	if (r->n_flags >= EXTRACT_MAX_FLAGS)
		return -1;
	f = &r->flags[r->n_flags++];
	f->name = xstrdup(name);
	f->count = count;
	f->sample =
		xstrndup(sample ? sample : "", sample ? utf8_cut(sample, sample_len, EXTRACT_FLAG_SAMPLE_BYTES) : 0);
	return 0;
}

void extract_hidden_init(struct extract_hidden *h)
{
	h->chars = 0;
	buf_init(&h->sample, 0);
	h->sample_space = false;
}

void extract_hidden_release(struct extract_hidden *h)
{
	buf_release(&h->sample);
}

void extract_hidden_char(struct extract_hidden *h, const char *s, size_t len, int32_t cp)
{
	if (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r') {
		h->sample_space = h->sample.len > 0;
		return;
	}
	h->chars++;
	if (h->sample.len + len + 1 > EXTRACT_FLAG_SAMPLE_BYTES)
		return;
	if (h->sample_space)
		buf_append_char(&h->sample, ' ');
	h->sample_space = false;
	buf_append(&h->sample, s, len);
}

void extract_hidden_text(struct extract_hidden *h, const char *s, size_t len)
{
	size_t i = 0, at;
	int32_t cp;

	while (i < len) {
		at = i;
		cp = extract_utf8_next(s, len, &i);
		if (cp >= 0)
			extract_hidden_char(h, s + at, i - at, cp);
	}
}

void extract_hidden_flag(struct extract_hidden *h, struct extract_result *r)
{
	if (h->chars)
		extract_add_flag(r, "hidden_text", h->chars, h->sample.ptr, h->sample.len);
}

void extract_take_text(struct extract_result *r, struct extract_norm *n, const struct extract_limits *lim,
		       const char *empty_reason)
{
	size_t len;

	free(r->text);
	r->text = buf_detach(&n->out, &len);
	r->text_len = len;
	if (n->full) {
		r->truncated = true;
		extract_add_flag(r, "text_truncated", (int64_t)n->dropped, "", 0);
	}
	if (r->status != EXTRACT_OK)
		return;
	if (n->visible == 0)
		extract_set_reason(r, EXTRACT_NEEDS_REVIEW, "%s", empty_reason);
	else if (n->visible < lim->min_text_chars)
		extract_set_reason(r, EXTRACT_NEEDS_REVIEW, "too little text (%zu characters)", n->visible);
}

static bool has_prefix(const unsigned char *p, size_t len, const char *magic, size_t mlen)
{
	return len >= mlen && memcmp(p, magic, mlen) == 0;
}

/* Names a file type we recognise by its magic but do not read, or returns NULL. */
static const char *binary_kind(const unsigned char *p, size_t len)
{
	static const struct {
		const char *magic;
		size_t len;
		const char *kind;
	} kinds[] = {
		{ "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "legacy Word .doc or other OLE file" },
		{ "{\\rtf", 5, "RTF" },
		{ "\x89PNG", 4, "PNG image" },
		{ "\xFF\xD8\xFF", 3, "JPEG image" },
		{ "GIF8", 4, "GIF image" },
		{ "II*\0", 4, "TIFF image" },
		{ "MM\0*", 4, "TIFF image" },
		{ "\x1F\x8B", 2, "gzip archive" },
		{ "Rar!", 4, "RAR archive" },
		{ "7z\xBC\xAF", 4, "7-Zip archive" },
		{ "\x7F"
		  "ELF",
		  4, "executable" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (has_prefix(p, len, kinds[i].magic, kinds[i].len))
			return kinds[i].kind;
	}
	return NULL;
}

static const char *unknown_kind(const unsigned char *p, size_t len)
{
	const char *kind = binary_kind(p, len);

	return kind ? kind : "binary data";
}

enum extract_format extract_detect(const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t head = len < 1024 ? len : 1024, i, check, controls = 0;

	if (!p || len == 0)
		return EXTRACT_FORMAT_UNKNOWN;
	if (memmem(p, head, "%PDF-", 5))
		return EXTRACT_FORMAT_PDF;
	if (has_prefix(p, len, "PK\x03\x04", 4))
		return EXTRACT_FORMAT_DOCX;
	/* PDF objects without a header (a damaged or cut file) still go to the PDF parser, not the text path. */
	check = len < 4096 ? len : 4096;
	if (memmem(p, check, " obj", 4) &&
	    (memmem(p, check, "endobj", 6) || memmem(p, check, "stream", 6) || memmem(p, check, "startxref", 9)))
		return EXTRACT_FORMAT_PDF;
	if (has_prefix(p, len, "\xEF\xBB\xBF", 3) || has_prefix(p, len, "\xFF\xFE", 2) ||
	    has_prefix(p, len, "\xFE\xFF", 2))
		return EXTRACT_FORMAT_TEXT;
	if (binary_kind(p, len))
		return EXTRACT_FORMAT_UNKNOWN;
	/* NUL bytes or many control characters mean binary; bad UTF-8 alone is left to the text reader to report. */
	for (i = 0; i < check; i++) {
		if (p[i] == 0)
			return EXTRACT_FORMAT_UNKNOWN;
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' && p[i] != '\t' && p[i] != '\f')
			controls++;
	}
	if (controls > check / 100 + 2)
		return EXTRACT_FORMAT_UNKNOWN;
	return EXTRACT_FORMAT_TEXT;
}

/* The extraction itself, in whatever process calls it; no contact details. */
static void extract_run(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *r)
{
	extract_result_init(r);
	r->format = extract_detect(data, len);
	if (len == 0) {
		extract_set_reason(r, EXTRACT_FAILED, "empty file");
	} else {
		switch (r->format) {
		case EXTRACT_FORMAT_PDF:
			extract_pdf(data, len, lim, r);
			break;
		case EXTRACT_FORMAT_DOCX:
			extract_docx(data, len, lim, r);
			break;
		case EXTRACT_FORMAT_TEXT:
			extract_plain(data, len, lim, r);
			break;
		case EXTRACT_FORMAT_UNKNOWN:
			extract_set_reason(r, EXTRACT_FAILED, "unsupported file type (%s)", unknown_kind(data, len));
			break;
		}
	}
	if (!r->reason)
		r->reason = xstrdup("");
	if (!r->text)
		r->text = xstrdup("");
	if (r->status == EXTRACT_FAILED) {
		r->text[0] = '\0';
		r->text_len = 0;
	}
}

/*
 * The contact details, and whether the document is a resume at all: a
 * cover letter, a job description or a blank template needs review with a
 * reason that says so, instead of being scored.
 */
static void add_contact(struct extract_result *r)
{
	const char *why;

	contact_release(&r->contact);
	if (r->status != EXTRACT_FAILED)
		contact_extract(r->text, r->text_len, &r->contact);
	if (r->status == EXTRACT_OK) {
		why = doctype_reason(doctype_classify(r->text, r->text_len));
		if (why)
			extract_set_reason(r, EXTRACT_NEEDS_REVIEW, "%s", why);
	}
}

void extract_buffer_unsandboxed(const void *data, size_t len, const struct extract_limits *lim,
				struct extract_result *out)
{
	struct extract_limits l;

	limits_resolve(lim, &l);
	extract_run(data, len, &l, out);
	add_contact(out);
}

/* ---- the record the child sends: "SLX1", u32 payload length, payload (little endian) ---- */

static void put_u32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 24) };

	buf_append(b, x, 4);
}

static void put_i64(struct buf *b, int64_t v)
{
	put_u32(b, (uint32_t)((uint64_t)v & 0xFFFFFFFFu));
	put_u32(b, (uint32_t)((uint64_t)v >> 32));
}

static void put_str(struct buf *b, const char *s, size_t len)
{
	put_u32(b, (uint32_t)len);
	buf_append(b, s, len);
}

static void encode_result(const struct extract_result *r, struct buf *b)
{
	size_t i, start;
	unsigned char fixed[4] = { (unsigned char)r->status, (unsigned char)r->format, r->truncated ? 1 : 0,
				   (unsigned char)r->n_flags };

	buf_append(b, RECORD_MAGIC, 4);
	put_u32(b, 0);
	start = b->len;
	buf_append(b, fixed, 4);
	put_u32(b, (uint32_t)r->page_count);
	put_u32(b, (uint32_t)r->pages_read);
	put_str(b, r->reason, strlen(r->reason));
	put_str(b, r->text, r->text_len);
	for (i = 0; i < r->n_flags; i++) {
		put_str(b, r->flags[i].name, strlen(r->flags[i].name));
		put_i64(b, r->flags[i].count);
		put_str(b, r->flags[i].sample, strlen(r->flags[i].sample));
	}
	i = b->len - start;
	b->ptr[4] = (char)(i & 0xFF);
	b->ptr[5] = (char)((i >> 8) & 0xFF);
	b->ptr[6] = (char)((i >> 16) & 0xFF);
	b->ptr[7] = (char)((i >> 24) & 0xFF);
}

struct reader {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static uint32_t get_u32(struct reader *rd)
{
	const unsigned char *p;

	if (rd->bad || rd->len - rd->off < 4) {
		rd->bad = true;
		return 0;
	}
	p = rd->p + rd->off;
	rd->off += 4;
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Reads a string of at most max bytes that must be UTF-8 without NUL; returns a copy or NULL (rd->bad). */
static char *get_str(struct reader *rd, size_t max, size_t *len_out)
{
	uint32_t len = get_u32(rd);
	char *s;

	if (rd->bad || len > max || rd->len - rd->off < len ||
	    !extract_utf8_valid((const char *)rd->p + rd->off, len, NULL)) {
		rd->bad = true;
		return NULL;
	}
	s = xstrndup((const char *)rd->p + rd->off, len);
	rd->off += len;
	if (len_out)
		*len_out = len;
	return s;
}

static bool flag_name_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!((*s >= 'a' && *s <= 'z') || *s == '_'))
			return false;
	}
	return true;
}

/*
 * Decodes and checks a whole record from the child. Returns 0 and fills r,
 * or -1 (r released) when anything is out of shape or out of bounds.
 */
static int decode_result(const unsigned char *p, size_t len, const struct extract_limits *lim, struct extract_result *r)
{
	struct reader rd = { p, len, RECORD_HEADER, false };
	struct reader head = { p, len, 4, false };
	uint32_t payload, lo, hi;
	struct extract_flag *f;
	size_t i, n_flags;

	extract_result_init(r);
	if (len < RECORD_HEADER || memcmp(p, RECORD_MAGIC, 4) != 0)
		return -1;
	payload = get_u32(&head);
	if (payload != len - RECORD_HEADER || len - RECORD_HEADER < 12)
		return -1;
	if (p[8] > EXTRACT_FAILED || p[9] > EXTRACT_FORMAT_TEXT || p[10] > 1 || p[11] > EXTRACT_MAX_FLAGS)
		return -1;
	r->status = p[8];
	r->format = p[9];
	r->truncated = p[10];
	n_flags = p[11];
	rd.off += 4;
	r->page_count = (int)get_u32(&rd);
	r->pages_read = (int)get_u32(&rd);
	if (r->page_count < 0 || r->pages_read < 0 || r->pages_read > r->page_count || r->pages_read > lim->max_pages)
		goto bad;
	r->reason = get_str(&rd, REASON_MAX, NULL);
	r->text = get_str(&rd, lim->max_text_bytes, &r->text_len);
	for (i = 0; i < n_flags && !rd.bad; i++) {
		f = &r->flags[r->n_flags];
		f->name = get_str(&rd, FLAG_NAME_MAX, NULL);
		if (!f->name)
			break;
		r->n_flags++;
		lo = get_u32(&rd);
		hi = get_u32(&rd);
		f->count = (int64_t)((uint64_t)hi << 32 | lo);
		f->sample = get_str(&rd, EXTRACT_FLAG_SAMPLE_BYTES, NULL);
		if (!f->sample) {
			f->sample = xstrdup("");
			rd.bad = true;
		}
		if (!flag_name_ok(f->name) || f->count < 0)
			rd.bad = true;
	}
	if (rd.bad || rd.off != len || !r->reason || !r->text)
		goto bad;
	if (r->status != EXTRACT_OK && r->reason[0] == '\0')
		goto bad;
	return 0;
bad:
	extract_result_release(r);
	return -1;
}

/* ---- the child ---- */

static int64_t child_memory_limit;

static void child_write_all(const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;

	while (len) {
		n = write(CHILD_FD, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/*
 * On abort (allocation failure in poppler, glib or xmalloc ends here), tells
 * the parent whether the address space was near its limit. Only
 * async-signal-safe calls.
 */
static void child_on_abort(int sig)
{
	char statm[64];
	long pages = 0;
	ssize_t n;
	int fd, i;

	fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, statm, sizeof(statm) - 1);
		close(fd);
		for (i = 0; i < n && statm[i] >= '0' && statm[i] <= '9'; i++)
			pages = pages * 10 + (statm[i] - '0');
	}
	if (child_memory_limit > 0 && pages * sysconf(_SC_PAGESIZE) + (child_memory_limit / 4) >= child_memory_limit)
		child_write_all(RECORD_MEMORY, 4);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void child_limits(const struct extract_limits *lim)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	setrlimit(RLIMIT_FSIZE, &rl);
	rl.rlim_cur = (rlim_t)lim->cpu_seconds;
	rl.rlim_max = (rlim_t)lim->cpu_seconds + 1;
	setrlimit(RLIMIT_CPU, &rl);
#ifndef EXTRACT_ASAN
	rl.rlim_cur = rl.rlim_max = (rlim_t)lim->max_memory_bytes;
	setrlimit(RLIMIT_AS, &rl);
	child_memory_limit = lim->max_memory_bytes;
#endif
}

/* Moves the pipe to CHILD_FD, points 0-2 at /dev/null and closes everything else the parent had open. */
static void child_fds(int wfd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), fd;

	if (wfd != CHILD_FD) {
		dup2(wfd, CHILD_FD);
		close(wfd);
	}
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > CHILD_FD)
			close(null);
	}
	if (close_range(CHILD_FD + 1, ~0U, 0) < 0) {
		for (fd = CHILD_FD + 1; fd < 4096; fd++)
			close(fd);
	}
}

static void child_hook(enum extract_hook hook)
{
	struct timespec ts = { 3600, 0 };
	volatile unsigned long spin = 0;
	size_t i;
	char *p;

	switch (hook) {
	case EXTRACT_HOOK_NONE:
		return;
	case EXTRACT_HOOK_SPIN:
		for (;;)
			spin++;
	case EXTRACT_HOOK_SLEEP:
		for (;;)
			nanosleep(&ts, NULL);
	case EXTRACT_HOOK_CRASH:
		raise(SIGSEGV);
		_exit(1);
	case EXTRACT_HOOK_GARBAGE:
		child_write_all(RECORD_MAGIC "\x10\0\0\0garbage-garbage!", 24);
		_exit(0);
	case EXTRACT_HOOK_ALLOC:
		for (;;) {
			p = xmalloc(1 << 20);
			for (i = 0; i < (1 << 20); i += 4096)
				p[i] = 1;
		}
	case EXTRACT_HOOK_SILENT:
		_exit(0);
	}
}

static void __attribute__((noreturn))
child_main(const void *data, size_t len, const struct extract_limits *lim, int wfd, pid_t parent)
{
	struct extract_result r;
	struct buf rec = BUF_INIT(0);
	struct sigaction sa;
	sigset_t all;
	int sig;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	}
	sa.sa_handler = child_on_abort;
	sigaction(SIGABRT, &sa, NULL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	child_fds(wfd);
	child_limits(lim);
	child_hook(lim->test_hook);
	extract_run(data, len, lim, &r);
	encode_result(&r, &rec);
	child_write_all(rec.ptr, rec.len);
	_exit(0);
}

/* ---- the parent ---- */

int extract_start(const void *data, size_t len, const struct extract_limits *lim, struct extract_job **out)
{
	struct extract_job *job;
	int fds[2];
	pid_t parent = getpid();
	int saved;

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		saved = errno;
		log_error("extract: cannot create a pipe: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	job = xcalloc(1, sizeof(*job));
	limits_resolve(lim, &job->lim);
	buf_init(&job->in, RECORD_HEADER + job->lim.max_text_bytes + RECORD_SLACK);
	job->fd = fds[0];
	job->deadline_ms = now_ms() + job->lim.timeout_ms;
	job->pid = fork();
	if (job->pid < 0) {
		saved = errno;
		log_error("extract: cannot fork: %s", strerror(saved));
		close(fds[0]);
		close(fds[1]);
		buf_release(&job->in);
		free(job);
		errno = saved;
		return -1;
	}
	if (job->pid == 0)
		child_main(data, len, &job->lim, fds[1], parent);
	close(fds[1]);
	if (fcntl(job->fd, F_SETFL, fcntl(job->fd, F_GETFL) | O_NONBLOCK) < 0)
		log_warn("extract: cannot make the pipe non-blocking: %s", strerror(errno));
	*out = job;
	return 0;
}

int extract_job_fd(const struct extract_job *job)
{
	return job->fd;
}

int64_t extract_job_deadline_ms(const struct extract_job *job)
{
	return job->deadline_ms;
}

static void job_kill(struct extract_job *job)
{
	if (job->reaped)
		return;
	kill(job->pid, SIGKILL);
	while (waitpid(job->pid, &job->wstatus, 0) < 0 && errno == EINTR)
		;
	job->reaped = true;
}

/* After EOF the child is exiting: wait for it, but never past the deadline. */
static void job_reap(struct extract_job *job)
{
	struct timespec ts = { 0, 1000000 };
	pid_t p;

	while (!job->reaped) {
		p = waitpid(job->pid, &job->wstatus, WNOHANG);
		if (p == job->pid || (p < 0 && errno != EINTR)) {
			job->reaped = true;
			break;
		}
		if (now_ms() >= job->deadline_ms) {
			job->timed_out = true;
			job_kill(job);
			break;
		}
		nanosleep(&ts, NULL);
	}
}

static void job_finish(struct extract_job *job)
{
	struct extract_result *r = &job->result;
	int sig;

	extract_result_init(r);
	if (job->timed_out) {
		extract_set_reason(r, EXTRACT_FAILED, "extraction timed out after %d ms", job->lim.timeout_ms);
	} else if (job->oversized) {
		extract_set_reason(r, EXTRACT_FAILED, "extractor returned an oversized result");
	} else if (WIFSIGNALED(job->wstatus)) {
		sig = WTERMSIG(job->wstatus);
		if (sig == SIGXCPU)
			extract_set_reason(r, EXTRACT_FAILED, "cpu time limit exceeded (%d s)", job->lim.cpu_seconds);
		else if (sig == SIGABRT && job->in.len == 4 && memcmp(job->in.ptr, RECORD_MEMORY, 4) == 0)
			extract_set_reason(r, EXTRACT_FAILED, "memory limit exceeded (%lld MiB)",
					   (long long)(job->lim.max_memory_bytes >> 20));
		else
			extract_set_reason(r, EXTRACT_FAILED, "extractor crashed (signal %d)", sig);
	} else if (!WIFEXITED(job->wstatus) || WEXITSTATUS(job->wstatus) != 0) {
		extract_set_reason(r, EXTRACT_FAILED, "extractor exited with status %d", WEXITSTATUS(job->wstatus));
	} else if (job->in.len == 0) {
		extract_set_reason(r, EXTRACT_FAILED, "extractor returned no result");
	} else if (decode_result((const unsigned char *)job->in.ptr, job->in.len, &job->lim, r) < 0) {
		extract_set_reason(r, EXTRACT_FAILED, "extractor returned an invalid result");
	}
	if (r->status == EXTRACT_FAILED && r->text && r->text_len) {
		r->text[0] = '\0';
		r->text_len = 0;
	}
	if (!r->reason)
		r->reason = xstrdup("");
	if (!r->text)
		r->text = xstrdup("");
	if (job->timed_out || job->oversized || !WIFEXITED(job->wstatus))
		log_warn("extract: child %d: %s", (int)job->pid, r->reason);
	add_contact(r);
	buf_release(&job->in);
	job->done = true;
}

int extract_job_step(struct extract_job *job)
{
	char chunk[65536];
	ssize_t n;
	bool eof = false;

	if (job->done)
		return 1;
	for (;;) {
		n = read(job->fd, chunk, sizeof(chunk));
		if (n > 0) {
			if (buf_append(&job->in, chunk, (size_t)n) < 0) {
				job->oversized = true;
				job_kill(job);
				break;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		eof = true;
		break;
	}
	if (job->oversized) {
		job_finish(job);
		return 1;
	}
	if (eof) {
		job_reap(job);
		job_finish(job);
		return 1;
	}
	if (now_ms() >= job->deadline_ms) {
		job->timed_out = true;
		job_kill(job);
		job_finish(job);
		return 1;
	}
	return 0;
}

void extract_job_take(struct extract_job *job, struct extract_result *out)
{
	*out = job->result;
	extract_result_init(&job->result);
	job->taken = true;
}

void extract_job_free(struct extract_job *job)
{
	if (!job)
		return;
	if (!job->reaped)
		job_kill(job);
	if (job->fd >= 0)
		close(job->fd);
	buf_release(&job->in);
	extract_result_release(&job->result);
	free(job);
}

int extract_buffer(const void *data, size_t len, const struct extract_limits *lim, struct extract_result *out)
{
	struct extract_job *job = NULL;
	struct pollfd pfd;
	int64_t left;

	if (extract_start(data, len, lim, &job) < 0) {
		extract_result_init(out);
		extract_set_reason(out, EXTRACT_FAILED, "cannot start the extractor: %s", strerror(errno));
		out->text = xstrdup("");
		return -1;
	}
	while (!extract_job_step(job)) {
		left = extract_job_deadline_ms(job) - now_ms();
		if (left < 0)
			left = 0;
		pfd.fd = extract_job_fd(job);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left) + 1) < 0 && errno != EINTR)
			log_warn("extract: poll failed: %s", strerror(errno));
	}
	extract_job_take(job, out);
	extract_job_free(job);
	return 0;
}

/* ---- JSON ---- */

static cJSON *string_array(char *const *items, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(items[i]));
	return a;
}

char *extract_result_json(const struct extract_result *r, bool with_text)
{
	cJSON *o = cJSON_CreateObject(), *flags, *f, *c;
	size_t i;
	char *s;

	cJSON_AddStringToObject(o, "status", extract_status_name(r->status));
	cJSON_AddStringToObject(o, "format", extract_format_name(r->format));
	cJSON_AddStringToObject(o, "reason", r->reason ? r->reason : "");
	cJSON_AddNumberToObject(o, "page_count", r->page_count);
	cJSON_AddNumberToObject(o, "pages_read", r->pages_read);
	cJSON_AddBoolToObject(o, "truncated", r->truncated);
	cJSON_AddNumberToObject(o, "text_bytes", (double)r->text_len);
	flags = cJSON_AddArrayToObject(o, "flags");
	for (i = 0; i < r->n_flags; i++) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "name", r->flags[i].name);
		cJSON_AddNumberToObject(f, "count", (double)r->flags[i].count);
		cJSON_AddStringToObject(f, "sample", r->flags[i].sample);
		cJSON_AddItemToArray(flags, f);
	}
	c = cJSON_AddObjectToObject(o, "contact");
	if (r->contact.name)
		cJSON_AddStringToObject(c, "name", r->contact.name);
	else
		cJSON_AddNullToObject(c, "name");
	cJSON_AddItemToObject(c, "emails", string_array(r->contact.emails, r->contact.n_emails));
	cJSON_AddItemToObject(c, "phones", string_array(r->contact.phones, r->contact.n_phones));
	cJSON_AddItemToObject(c, "links", string_array(r->contact.links, r->contact.n_links));
	if (with_text)
		cJSON_AddStringToObject(o, "text", r->text ? r->text : "");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		abort();
	return s;
}
