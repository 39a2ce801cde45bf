/* sendmail_bench: sends N generated messages through smtp.c (pooled or one connection each) and prints the wall time. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/util.h"
#include "mail/mime.h"
#include "mail/smtp.h"

static void usage(void)
{
	fprintf(stderr, "usage: sendmail_bench --url smtp://HOST:PORT [-n MESSAGES] [-k CONNECTIONS] [--fresh]\n"
			"                      [--rate PER_SECOND] [--body BYTES]\n"
			"  -n      messages to send (default 1000)\n"
			"  -k      pool size: connections and messages in flight (default 4)\n"
			"  --fresh a new connection for every message instead of reusing them\n"
			"  --rate  send-rate cap in messages per second (default none)\n"
			"  --body  approximate text body size in bytes (default 600)\n");
}

static int int_arg(const char *name, const char *v, int64_t min, int64_t max, int64_t *out)
{
	if (!v || parse_int64(v, min, max, out) < 0) {
		fprintf(stderr, "sendmail_bench: %s needs an integer in [%lld, %lld]\n", name, (long long)min,
			(long long)max);
		return -1;
	}
	return 0;
}

/* Builds message i into b: a multipart invitation with UTF-8 names, like the ones the drainer sends. */
static int build_one(struct buf *b, int i, int64_t body_bytes, const char *run)
{
	static const char *const names[] = { "José Müller", "李雷", "Jane O'Neil", "Zoë Ångström" };
	struct buf text = BUF_INIT(0);
	char to[64], id[96], subject[128], err[256];
	struct mime_message m = { .from = { "Acme Recruiting", "jobs@acme.test" },
				  .reply_to = { "Sam Smith", "sam@acme.test" },
				  .date = 1700000000 + i,
				  .html = "<p>Dear candidate,</p><p>We would like to invite you to an interview.</p>" };
	int rc;

	snprintf(to, sizeof(to), "cand%d@example.org", i);
	snprintf(id, sizeof(id), "<%s.%d@shortlist.test>", run, i);
	snprintf(subject, sizeof(subject), "Next steps for the Backend Engineer role (%d)", i);
	buf_append_str(&text, "Dear candidate,\n\n");
	while ((int64_t)text.len < body_bytes)
		buf_append_str(&text, "Thank you for applying. We would like to invite you to an interview.\n");
	m.to.name = names[i % 4];
	m.to.addr = to;
	m.subject = subject;
	m.message_id = id;
	m.text = text.ptr;
	rc = mime_build(&m, b, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "sendmail_bench: cannot build message %d: %s\n", i, err);
	buf_release(&text);
	return rc;
}

int main(int argc, char **argv)
{
	struct smtp_options o = { .pool = 4, .reuse = true, .mail_from = "jobs@acme.test", .timeout_ms = 30000 };
	int64_t n = 1000, k = 4, rate = 0, body = 600, t0, elapsed_us;
	struct smtp_message *msgs = NULL;
	struct smtp_result *res = NULL;
	struct buf *built = NULL;
	struct smtp_pool *p = NULL;
	char err[256], run[17], (*rcpts)[64] = NULL;
	unsigned char raw[8];
	int counts[3] = { 0, 0, 0 }, connections = 0, rc = 1, i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--url") == 0 && v) {
			o.url = v;
			i++;
		} else if (strcmp(a, "-n") == 0) {
			if (int_arg("-n", v, 1, 1000000, &n) < 0)
				return 2;
			i++;
		} else if (strcmp(a, "-k") == 0) {
			if (int_arg("-k", v, 1, 64, &k) < 0)
				return 2;
			i++;
		} else if (strcmp(a, "--rate") == 0) {
			if (int_arg("--rate", v, 0, 100000, &rate) < 0)
				return 2;
			i++;
		} else if (strcmp(a, "--body") == 0) {
			if (int_arg("--body", v, 0, 1000000, &body) < 0)
				return 2;
			i++;
		} else if (strcmp(a, "--fresh") == 0) {
			o.reuse = false;
		} else {
			usage();
			return 2;
		}
	}
	if (!o.url) {
		usage();
		return 2;
	}
	o.pool = (int)k;
	o.rate_per_second = (int)rate;
	if (random_bytes(raw, sizeof(raw)) < 0)
		return 1;
	hex_encode(raw, sizeof(raw), run);
	built = xcalloc((size_t)n, sizeof(*built));
	msgs = xcalloc((size_t)n, sizeof(*msgs));
	res = xcalloc((size_t)n, sizeof(*res));
	rcpts = xcalloc((size_t)n, sizeof(*rcpts));
	for (i = 0; i < n; i++) {
		if (build_one(&built[i], i, body, run) < 0)
			goto out;
		snprintf(rcpts[i], sizeof(rcpts[i]), "cand%d@example.org", i);
		msgs[i].rcpt = rcpts[i];
		msgs[i].data = built[i].ptr;
		msgs[i].len = built[i].len;
	}
	p = smtp_pool_new(&o, err, sizeof(err));
	if (!p) {
		fprintf(stderr, "sendmail_bench: %s\n", err);
		goto out;
	}
	t0 = now_us();
	smtp_send_batch(p, msgs, (size_t)n, res);
	elapsed_us = now_us() - t0;
	for (i = 0; i < n; i++) {
		counts[res[i].status]++;
		connections += res[i].new_connection;
	}
	printf("mode=%s messages=%lld pool=%lld sent=%d tempfail=%d permfail=%d connections=%d wall_ms=%.1f "
	       "msgs_per_s=%.0f\n",
	       o.reuse ? "pooled" : "fresh", (long long)n, (long long)k, counts[SMTP_SENT], counts[SMTP_TEMPFAIL],
	       counts[SMTP_PERMFAIL], connections, (double)elapsed_us / 1000.0,
	       elapsed_us > 0 ? (double)n * 1e6 / (double)elapsed_us : 0.0);
	for (i = 0; i < n; i++) {
		if (res[i].status != SMTP_SENT) {
			fprintf(stderr, "sendmail_bench: first failure, message %d: %s at %s: %s\n", i,
				smtp_status_name(res[i].status), smtp_stage_name(res[i].stage), res[i].reply);
			break;
		}
	}
	rc = counts[SMTP_SENT] == n ? 0 : 1;
out:
	smtp_pool_free(p);
	for (i = 0; built && i < n; i++)
		buf_release(&built[i]);
	free(built);
	free(msgs);
	free(res);
	free(rcpts);
	return rc;
}
