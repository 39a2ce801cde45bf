/* Tests for smtp: result classification against a fault-injecting server, pooled delivery to maildev, the rate bucket. */
#include <arpa/inet.h>
#include <check.h>
#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/util.h"
#include "core/config.h"
#include "mail/mime.h"
#include "mail/smtp.h"
#include "repofile.h"
#include "suite.h"

#define FAULT_PORT_FIRST 36100
#define FAULT_PORT_COUNT 100

/* A fault server started by the fixture, shared by the tests of its case. */
struct fault_server {
	pid_t pid;
	int port;
	char dir[256];
	char url[64];
};

static struct fault_server plain_srv = { -1, 0, "", "" }, auth_srv = { -1, 0, "", "" };
static char script[4096];

static bool port_answers(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), rc;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/* A port in our range nothing listens on (bind succeeds), starting from a per-process offset. */
static int free_port(int avoid)
{
	int i;

	for (i = 0; i < FAULT_PORT_COUNT; i++) {
		int port = FAULT_PORT_FIRST + (int)((getpid() + i * 7) % FAULT_PORT_COUNT);
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, rc;

		if (port == avoid)
			continue;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		close(fd);
		if (rc == 0)
			return port;
	}
	return -1;
}

static void server_start(struct fault_server *srv, const char *auth)
{
	int i;

	srv->pid = -1;
	if (!script[0] && !repo_file("tests/fakes/smtp_faults.py", script, sizeof(script)))
		return;
	if (access("/usr/bin/python3", X_OK) != 0)
		return;
	srv->port = free_port(plain_srv.port);
	snprintf(srv->dir, sizeof(srv->dir), "%s/test_smtp.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : P_tmpdir);
	if (srv->port < 0 || !mkdtemp(srv->dir))
		return;
	snprintf(srv->url, sizeof(srv->url), "smtp://127.0.0.1:%d", srv->port);
	srv->pid = fork();
	if (srv->pid == 0) {
		char port[16];

		snprintf(port, sizeof(port), "%d", srv->port);
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		if (auth)
			execl("/usr/bin/python3", "python3", script, "--port", port, "--dir", srv->dir, "--slow", "3",
			      "--auth", auth, (char *)NULL);
		else
			execl("/usr/bin/python3", "python3", script, "--port", port, "--dir", srv->dir, "--slow", "3",
			      (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && srv->pid > 0; i++) {
		int status;

		if (port_answers(srv->port))
			return;
		if (waitpid(srv->pid, &status, WNOHANG) == srv->pid) {
			srv->pid = -1; /* exited: no aiosmtpd, most likely */
			return;
		}
		usleep(50000);
	}
	kill(srv->pid, SIGKILL);
	waitpid(srv->pid, NULL, 0);
	srv->pid = -1;
}

static void server_stop(struct fault_server *srv)
{
	char cmd[512];

	if (srv->pid > 0) {
		kill(srv->pid, SIGTERM);
		waitpid(srv->pid, NULL, 0);
	}
	srv->pid = -1;
	if (srv->dir[0] && strstr(srv->dir, "/test_smtp.") && !strchr(srv->dir, '\'')) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", srv->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove '%s'\n", srv->dir);
	}
}

static void faults_setup(void)
{
	server_start(&plain_srv, NULL);
	server_start(&auth_srv, "mailer:s3cret");
}

static void faults_teardown(void)
{
	server_stop(&plain_srv);
	server_stop(&auth_srv);
}

#define NEED_SERVER(srv) \
	do { \
		if ((srv).pid <= 0) { \
			printf("skip: %s: the fault SMTP server (python3-aiosmtpd) is not available\n", __func__); \
			return; \
		} \
	} while (0)

static struct smtp_pool *pool_for(const char *url, int size, long timeout_ms)
{
	struct smtp_options o = { .url = url,
				  .pool = size,
				  .reuse = true,
				  .timeout_ms = timeout_ms,
				  .connect_timeout_ms = 2000,
				  .mail_from = "Shortlist <noreply@shortlist.test>" };
	char err[256] = "";
	struct smtp_pool *p = smtp_pool_new(&o, err, sizeof(err));

	ck_assert_msg(p != NULL, "smtp_pool_new: %s", err);
	return p;
}

static const char dotted[] = "Subject: dots\r\n\r\n.\r\n..\r\n.x\r\nend\r\n";

static struct smtp_message msg_to(const char *rcpt)
{
	struct smtp_message m = { NULL, rcpt, dotted, sizeof(dotted) - 1 };

	return m;
}

static char *read_whole(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT(0);
	char chunk[4096];
	size_t n, len;

	if (!f)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_detach(&b, &len);
}

static int count_lines_with(const char *dir, const char *prefix)
{
	char path[300], *log, *p;
	int n = 0;

	snprintf(path, sizeof(path), "%s/events.log", dir);
	log = read_whole(path);
	for (p = log; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	free(log);
	return n;
}

START_TEST(test_accepted_and_dot_stuffing)
{
	struct smtp_pool *p;
	struct smtp_message m = msg_to("jane@example.org");
	struct smtp_result r;
	char path[300], *stored;
	int before;

	NEED_SERVER(plain_srv);
	before = count_lines_with(plain_srv.dir, "accepted");
	p = pool_for(plain_srv.url, 1, 10000);
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_msg(r.status == SMTP_SENT, "status %s: %s", smtp_status_name(r.status), r.reply);
	ck_assert_int_eq(r.code, 250);
	ck_assert_int_eq(r.stage, SMTP_STAGE_DONE);
	ck_assert_msg(strncmp(r.reply, "250 2.0.0 Ok: queued as FAULT", 29) == 0, "reply '%s'", r.reply);
	ck_assert(r.after_data);
	ck_assert(!r.maybe_delivered);
	ck_assert(r.new_connection);
	/* The server saw exactly our bytes: lines starting with a dot survived the SMTP transparency rule. */
	snprintf(path, sizeof(path), "%s/%06d.eml", plain_srv.dir, before + 1);
	stored = read_whole(path);
	ck_assert_ptr_nonnull(stored);
	ck_assert_str_eq(stored, dotted);
	free(stored);
	/* The second message reuses the connection. */
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_int_eq(r.status, SMTP_SENT);
	ck_assert(!r.new_connection);
	smtp_pool_free(p);
}
END_TEST

static const struct {
	const char *rcpt;
	const char *from;
	enum smtp_status status;
	enum smtp_stage stage;
	int code;
	bool after_data, maybe_delivered, suppress;
	const char *reply_prefix;
} faults[] = {
	{ "tempfail@example.org", NULL, SMTP_TEMPFAIL, SMTP_STAGE_RCPT, 451, false, false, false, "451 4.3.0" },
	{ "reject@example.org", NULL, SMTP_PERMFAIL, SMTP_STAGE_RCPT, 550, false, false, true, "550 5.1.1" },
	{ "dropdata@example.org", NULL, SMTP_TEMPFAIL, SMTP_STAGE_BODY, 0, true, true, false, "" },
	{ "datatemp@example.org", NULL, SMTP_TEMPFAIL, SMTP_STAGE_BODY, 451, true, false, false, "451 4.3.0" },
	{ "dataperm@example.org", NULL, SMTP_PERMFAIL, SMTP_STAGE_BODY, 554, true, false, false, "554 5.7.1" },
	/* A refused sender is the relay's configuration, not the candidate: retry, never suppress. */
	{ "jane@example.org", "badsender@shortlist.test", SMTP_TEMPFAIL, SMTP_STAGE_MAIL, 553, false, false, false,
	  "553 5.1.8" },
};

START_TEST(test_fault_classification)
{
	struct smtp_pool *p;
	struct smtp_message m = msg_to(faults[_i].rcpt), ok = msg_to("after@example.org");
	struct smtp_result r, r2;

	NEED_SERVER(plain_srv);
	m.from = faults[_i].from;
	p = pool_for(plain_srv.url, 1, 10000);
	/* Warm the connection first so the failure happens on a pooled connection. */
	ck_assert_int_eq(smtp_send(p, &ok, &r2), 0);
	ck_assert_int_eq(r2.status, SMTP_SENT);
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_msg(r.status == faults[_i].status, "%s: status %s (%s)", faults[_i].rcpt, smtp_status_name(r.status),
		      r.reply);
	ck_assert_msg(r.stage == faults[_i].stage, "%s: stage %s", faults[_i].rcpt, smtp_stage_name(r.stage));
	ck_assert_int_eq(r.code, faults[_i].code);
	ck_assert_int_eq(r.after_data, faults[_i].after_data);
	ck_assert_int_eq(r.maybe_delivered, faults[_i].maybe_delivered);
	ck_assert_int_eq(r.suppress, faults[_i].suppress);
	ck_assert(!r.new_connection);
	ck_assert_msg(strncmp(r.reply, faults[_i].reply_prefix, strlen(faults[_i].reply_prefix)) == 0, "reply '%s'",
		      r.reply);
	ck_assert_str_ne(r.reply, "");
	/* The failed connection was dropped: the next message reconnects and goes through. */
	ck_assert_int_eq(smtp_send(p, &ok, &r2), 0);
	ck_assert_msg(r2.status == SMTP_SENT, "after a failure: %s", r2.reply);
	ck_assert(r2.new_connection);
	smtp_pool_free(p);
}
END_TEST

START_TEST(test_mixed_batch_over_pool)
{
	static const char *const rcpts[] = { "a@example.org",	      "reject1@example.org", "b@example.org",
					     "tempfail1@example.org", "c@example.org",	     "dropdata1@example.org",
					     "d@example.org",	      "e@example.org",	     "dataperm1@example.org",
					     "f@example.org",	      "not an address",	     "g@example.org" };
	struct smtp_message msgs[ARRAY_SIZE(rcpts)];
	struct smtp_result res[ARRAY_SIZE(rcpts)];
	struct smtp_pool *p;
	int before, sent = 0;
	size_t i;

	NEED_SERVER(plain_srv);
	before = count_lines_with(plain_srv.dir, "accepted");
	for (i = 0; i < ARRAY_SIZE(rcpts); i++)
		msgs[i] = msg_to(rcpts[i]);
	p = pool_for(plain_srv.url, 3, 10000);
	ck_assert_int_eq(smtp_send_batch(p, msgs, ARRAY_SIZE(msgs), res), 0);
	for (i = 0; i < ARRAY_SIZE(rcpts); i++) {
		enum smtp_status want = SMTP_SENT;

		if (strncmp(rcpts[i], "reject", 6) == 0 || strncmp(rcpts[i], "dataperm", 8) == 0 ||
		    strcmp(rcpts[i], "not an address") == 0)
			want = SMTP_PERMFAIL;
		else if (strncmp(rcpts[i], "tempfail", 8) == 0 || strncmp(rcpts[i], "dropdata", 8) == 0)
			want = SMTP_TEMPFAIL;
		ck_assert_msg(res[i].status == want, "%s: %s (%s)", rcpts[i], smtp_status_name(res[i].status),
			      res[i].reply);
		if (want == SMTP_SENT)
			sent++;
	}
	ck_assert_str_eq(res[10].reply, "invalid recipient address");
	ck_assert(res[10].suppress);
	ck_assert_int_eq(count_lines_with(plain_srv.dir, "accepted") - before, sent);
	smtp_pool_free(p);
}
END_TEST

START_TEST(test_server_down_is_temporary)
{
	struct smtp_pool *p;
	struct smtp_message m = msg_to("jane@example.org");
	struct smtp_result r;
	char url[64];
	int port = free_port(plain_srv.port);
	int64_t t0;

	ck_assert_int_gt(port, 0);
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", port);
	p = pool_for(url, 2, 10000);
	t0 = now_ms();
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	printf("info: refused connection reported after %lld ms\n", (long long)(now_ms() - t0));
	ck_assert_int_eq(r.status, SMTP_TEMPFAIL);
	ck_assert_int_eq(r.stage, SMTP_STAGE_CONNECT);
	ck_assert_int_eq(r.code, 0);
	ck_assert(!r.after_data);
	ck_assert(!r.maybe_delivered);
	ck_assert(!r.suppress);
	ck_assert_str_ne(r.reply, "");
	smtp_pool_free(p);
}
END_TEST

START_TEST(test_slow_server_times_out)
{
	struct smtp_pool *p;
	struct smtp_message m = msg_to("slow@example.org");
	struct smtp_result r;

	NEED_SERVER(plain_srv);
	p = pool_for(plain_srv.url, 1, 1000);
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_msg(r.status == SMTP_TEMPFAIL, "status %s", smtp_status_name(r.status));
	ck_assert_int_eq(r.stage, SMTP_STAGE_RCPT);
	ck_assert_int_eq(r.code, 0);
	ck_assert(!r.after_data);
	smtp_pool_free(p);
}
END_TEST

START_TEST(test_auth)
{
	struct smtp_options o = { .url = auth_srv.url,
				  .pool = 1,
				  .reuse = true,
				  .timeout_ms = 1500,
				  .user = "mailer",
				  .password = "s3cret",
				  .mail_from = "noreply@shortlist.test" };
	struct smtp_message m = msg_to("jane@example.org");
	struct smtp_result r;
	struct smtp_pool *p;
	char err[256];

	NEED_SERVER(auth_srv);
	p = smtp_pool_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_msg(r.status == SMTP_SENT, "with the right password: %s", r.reply);
	smtp_pool_free(p);
	/* Without credentials the server refuses MAIL (530): a session problem, so temporary and no suppression. */
	o.user = NULL;
	p = smtp_pool_new(&o, err, sizeof(err));
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_msg(r.status == SMTP_TEMPFAIL, "without credentials: %s", smtp_status_name(r.status));
	ck_assert(!r.suppress);
	ck_assert_int_lt(r.stage, SMTP_STAGE_RCPT);
	smtp_pool_free(p);
	/* A wrong password never gets to MAIL. */
	o.user = "mailer";
	o.password = "wrong";
	p = smtp_pool_new(&o, err, sizeof(err));
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_int_eq(r.status, SMTP_TEMPFAIL);
	ck_assert_int_eq(r.stage, SMTP_STAGE_HELLO);
	ck_assert(!r.suppress);
	smtp_pool_free(p);
}
END_TEST

START_TEST(test_refused_without_network)
{
	struct smtp_options o = { .url = "smtp://127.0.0.1:1", .pool = 1, .mail_from = "noreply@shortlist.test" };
	struct smtp_pool *p;
	struct smtp_result r;
	struct smtp_message m = msg_to("jane@example.org>\r\nRCPT TO:<victim@example.org");
	char err[256];

	p = smtp_pool_new(&o, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_int_eq(r.status, SMTP_PERMFAIL);
	ck_assert_str_eq(r.reply, "invalid recipient address");
	m = msg_to("jane@example.org");
	m.from = "evil@x.org>\r\nRCPT TO:<victim@example.org";
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_int_eq(r.status, SMTP_PERMFAIL);
	ck_assert_str_eq(r.reply, "invalid sender address");
	ck_assert(!r.suppress);
	m = msg_to("jane@example.org");
	m.len = 0;
	ck_assert_int_eq(smtp_send(p, &m, &r), 0);
	ck_assert_str_eq(r.reply, "empty message");
	ck_assert_int_eq(smtp_send_batch(p, NULL, 1, &r), -1);
	ck_assert_int_eq(smtp_send_batch(p, &m, 0, NULL), 0);
	smtp_pool_free(p);
	smtp_pool_free(NULL);
}
END_TEST

static const struct {
	const char *url;
	int pool;
	int rate;
	const char *from;
	const char *err;
} bad_options[] = {
	{ "http://127.0.0.1:25", 1, 0, "a@b.c", "smtp url must start with smtp:// or smtps://" },
	{ NULL, 1, 0, "a@b.c", "smtp url must start with smtp:// or smtps://" },
	{ "smtp://127.0.0.1:25", 0, 0, "a@b.c", "smtp pool must be between 1 and 64" },
	{ "smtp://127.0.0.1:25", 65, 0, "a@b.c", "smtp pool must be between 1 and 64" },
	{ "smtp://127.0.0.1:25", 1, -1, "a@b.c", "smtp rate must not be negative" },
	{ "smtp://127.0.0.1:25", 1, 0, "Shortlist <not an address>", "smtp sender is not a valid address" },
};

START_TEST(test_bad_options)
{
	struct smtp_options o = { .url = bad_options[_i].url,
				  .pool = bad_options[_i].pool,
				  .rate_per_second = bad_options[_i].rate,
				  .mail_from = bad_options[_i].from };
	char err[256] = "";

	ck_assert_ptr_null(smtp_pool_new(&o, err, sizeof(err)));
	ck_assert_str_eq(err, bad_options[_i].err);
}
END_TEST

START_TEST(test_rate_bucket)
{
	struct smtp_rate r;
	int64_t t = 1000000;

	smtp_rate_init(&r, 10, 1, t);
	ck_assert_int_eq(smtp_rate_take(&r, t), 0);
	/* The next token is 100 ms away. */
	ck_assert_int_gt(smtp_rate_take(&r, t), 99000);
	ck_assert_int_le(smtp_rate_take(&r, t), 100001);
	ck_assert_int_gt(smtp_rate_take(&r, t + 50000), 49000);
	ck_assert_int_eq(smtp_rate_take(&r, t + 100000), 0);
	/* Idle time does not save up more than the burst. */
	ck_assert_int_eq(smtp_rate_take(&r, t + 10000000), 0);
	ck_assert_int_gt(smtp_rate_take(&r, t + 10000000), 0);
	/* Over one simulated second at most rate + burst tokens are granted. */
	{
		int granted = 0;
		int64_t u;

		smtp_rate_init(&r, 10, 3, t);
		for (u = t; u < t + 1000000; u += 1000)
			if (smtp_rate_take(&r, u) == 0)
				granted++;
		ck_assert_int_le(granted, 13);
		ck_assert_int_ge(granted, 12);
	}
	smtp_rate_init(&r, 0, 1, t);
	ck_assert_int_eq(smtp_rate_take(&r, t), 0);
	ck_assert_int_eq(smtp_rate_take(&r, t), 0);
	ck_assert_str_eq(smtp_status_name(SMTP_PERMFAIL), "permfail");
	ck_assert_str_eq(smtp_stage_name(SMTP_STAGE_BODY), "body");
}
END_TEST

/* maildev: the test instance's sink, reached through the configuration. */

static size_t http_collect(char *data, size_t size, size_t n, void *userdata)
{
	return buf_append(userdata, data, size * n) < 0 ? 0 : size * n;
}

static int http_call(const char *method, const char *url, struct buf *out)
{
	CURL *e = curl_easy_init();
	long status = 0;
	CURLcode rc;

	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_collect);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 10000L);
	rc = curl_easy_perform(e);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	return rc == CURLE_OK && status >= 200 && status < 300 ? 0 : -1;
}

/* The sink's web API base URL from the configuration, or NULL (then the test skips). */
static char *maildev_base(void)
{
	char err[256], *host = NULL, *base = NULL, *colon;
	const char *url;
	struct buf probe = BUF_INIT(0);

	if (!getenv("SHORTLIST_CONFIG") && !getenv("SHORTLIST_SMTP_URL"))
		return NULL;
	if (!config_is_loaded() && config_load(NULL, err, sizeof(err)) < 0) {
		printf("skip: configuration does not load: %s\n", err);
		return NULL;
	}
	url = config()->smtp_url;
	if (!str_has_prefix(url, "smtp://"))
		return NULL;
	host = xstrdup(url + 7);
	colon = strchr(host, ':');
	if (colon)
		*colon = '\0';
	base = xmalloc(strlen(host) + 32);
	snprintf(base, strlen(host) + 32, "http://%s:%lld", host, (long long)config()->mail_web_port);
	free(host);
	{
		char list[256];

		snprintf(list, sizeof(list), "%s/api/email", base);
		if (http_call("GET", list, &probe) < 0) {
			free(base);
			base = NULL;
		}
	}
	buf_release(&probe);
	return base;
}

static const char *const names[] = { "José Müller", "李雷", "Jane O'Neil", "Zoë Ångström-Żółć" };

START_TEST(test_maildev_pool_delivers_exactly_once)
{
	enum { N = 100 };
	char *base = maildev_base(), url[256], token[33], (*ids)[80] = NULL, (*subjects)[128] = NULL;
	struct buf *built = NULL, list = BUF_INIT(0);
	struct smtp_message *msgs = NULL;
	struct smtp_result *res = NULL;
	struct smtp_options o;
	struct smtp_pool *p;
	unsigned char raw[16];
	int seen[N] = { 0 }, connections = 0, i;
	cJSON *arr, *it;

	if (!base) {
		printf("skip: %s: no SMTP sink configured or its web API does not answer\n", __func__);
		return;
	}
	/* The sink is shared with other tests: never clear it, count only this run's messages (by a random token). */
	ck_assert_int_eq(random_bytes(raw, sizeof(raw)), 0);
	hex_encode(raw, sizeof(raw), token);
	ids = xcalloc(N, sizeof(*ids));
	subjects = xcalloc(N, sizeof(*subjects));
	built = xcalloc(N, sizeof(*built));
	msgs = xcalloc(N, sizeof(*msgs));
	res = xcalloc(N, sizeof(*res));
	for (i = 0; i < N; i++) {
		char to[64], err[256];
		struct mime_message m = { .from = { "Acme Recruiting", "jobs@acme.test" },
					  .date = 1700000000 + i,
					  .text = "Dear candidate,\n\nThank you.\n",
					  .html = "<p>Dear candidate,</p>" };

		snprintf(to, sizeof(to), "cand%d@example.org", i);
		snprintf(ids[i], sizeof(ids[i]), "<%s.%d@shortlist.test>", token, i);
		snprintf(subjects[i], sizeof(subjects[i]), "Entretien %d pour %s – 面试", i, names[i % 4]);
		m.to.name = names[i % 4];
		m.to.addr = to;
		m.subject = subjects[i];
		m.message_id = ids[i];
		buf_init(&built[i], 0);
		ck_assert_msg(mime_build(&m, &built[i], err, sizeof(err)) == 0, "build: %s", err);
		msgs[i].rcpt = xstrdup(to);
		msgs[i].data = built[i].ptr;
		msgs[i].len = built[i].len;
	}
	smtp_options_from_config(&o);
	o.pool = 4;
	o.rate_per_second = 0;
	p = smtp_pool_new(&o, url, sizeof(url));
	ck_assert_msg(p != NULL, "pool: %s", url);
	ck_assert_int_eq(smtp_send_batch(p, msgs, N, res), 0);
	smtp_pool_free(p);
	for (i = 0; i < N; i++) {
		ck_assert_msg(res[i].status == SMTP_SENT, "message %d: %s", i, res[i].reply);
		connections += res[i].new_connection;
	}
	printf("info: %d messages over %d connections\n", N, connections);
	ck_assert_int_eq(connections, 4);

	snprintf(url, sizeof(url), "%s/api/email", base);
	ck_assert_int_eq(http_call("GET", url, &list), 0);
	arr = cJSON_Parse(list.ptr);
	ck_assert_ptr_nonnull(arr);
	cJSON_ArrayForEach(it, arr)
	{
		cJSON *hdrs = cJSON_GetObjectItemCaseSensitive(it, "headers");
		cJSON *mid = cJSON_GetObjectItemCaseSensitive(hdrs, "message-id");
		cJSON *subj = cJSON_GetObjectItemCaseSensitive(it, "subject");
		cJSON *from = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "from"), 0);
		cJSON *to = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(it, "to"), 0);
		char want_to[64];
		int k;

		if (!cJSON_IsString(mid) || !strstr(mid->valuestring, token))
			continue;
		for (k = 0; k < N && strcmp(ids[k], mid->valuestring) != 0; k++)
			;
		ck_assert_msg(k < N, "unknown message id '%s'", mid->valuestring);
		seen[k]++;
		ck_assert(cJSON_IsString(subj));
		ck_assert_str_eq(subj->valuestring, subjects[k]);
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(from, "address")->valuestring, "jobs@acme.test");
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(from, "name")->valuestring, "Acme Recruiting");
		snprintf(want_to, sizeof(want_to), "cand%d@example.org", k);
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(to, "address")->valuestring, want_to);
		ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(to, "name")->valuestring, names[k % 4]);
	}
	for (i = 0; i < N; i++)
		ck_assert_msg(seen[i] == 1, "message %d arrived %d times", i, seen[i]);
	cJSON_Delete(arr);
	for (i = 0; i < N; i++) {
		buf_release(&built[i]);
		free((char *)msgs[i].rcpt);
	}
	free(ids);
	free(subjects);
	free(built);
	free(msgs);
	free(res);
	buf_release(&list);
	free(base);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("smtp");
	TCase *faults_tc = tcase_create("faults"), *sink_tc = tcase_create("maildev"), *pure_tc = tcase_create("pure");
	int failed;

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(faults_tc, 60);
	tcase_set_timeout(sink_tc, 120);
	tcase_add_unchecked_fixture(faults_tc, faults_setup, faults_teardown);
	tcase_add_test(faults_tc, test_accepted_and_dot_stuffing);
	tcase_add_loop_test(faults_tc, test_fault_classification, 0, (int)ARRAY_SIZE(faults));
	tcase_add_test(faults_tc, test_mixed_batch_over_pool);
	tcase_add_test(faults_tc, test_server_down_is_temporary);
	tcase_add_test(faults_tc, test_slow_server_times_out);
	tcase_add_test(faults_tc, test_auth);
	tcase_add_test(pure_tc, test_refused_without_network);
	tcase_add_loop_test(pure_tc, test_bad_options, 0, (int)ARRAY_SIZE(bad_options));
	tcase_add_test(pure_tc, test_rate_bucket);
	tcase_add_test(sink_tc, test_maildev_pool_delivers_exactly_once);
	suite_add_tcase(s, pure_tc);
	suite_add_tcase(s, faults_tc);
	suite_add_tcase(s, sink_tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
