/* smtp: delivering built messages over SMTP with libcurl, through a pool of reused connections. */
#include "mail/smtp.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "mail/mime.h"

#define SMTP_POOL_MAX 64
#define SMTP_IDLE_MAX_S 30 /* reconnect rather than reuse a connection idle this long */

/*
 * One connection: an easy handle (which owns its connection when used with
 * curl_easy_perform) and the message it is sending. Each slot is driven by
 * one thread at a time, so dropping a connection is cleaning up its handle.
 */
struct smtp_slot {
	struct smtp_pool *pool;
	CURL *easy;
	struct curl_slist *rcpt;
	const struct smtp_message *msg;
	size_t off;
	enum smtp_stage stage;
	int code;	   /* reply code to the current stage's command, 0 before one arrives */
	char line[256];	   /* that reply */
	bool body_started; /* the read callback has been asked for content */
	bool quitting;	   /* QUIT sent: later replies say nothing about the message */
	char errbuf[CURL_ERROR_SIZE];
};

struct smtp_pool {
	struct smtp_slot *slots;
	int nslots;
	char *url, *user, *password, *mail_from;
	bool require_tls, reuse;
	long connect_timeout_ms, timeout_ms;
	pthread_mutex_t lock; /* guards rate and the batch cursor */
	bool rate_on;
	struct smtp_rate rate;
	const struct smtp_message *msgs; /* the batch being sent */
	struct smtp_result *results;
	size_t n, next;
};

void smtp_options_from_config(struct smtp_options *o)
{
	const struct config *c = config();

	memset(o, 0, sizeof(*o));
	o->url = c->smtp_url;
	o->user = c->smtp_user;
	o->password = c->smtp_password;
	o->require_tls = c->smtp_starttls;
	o->pool = (int)c->smtp_pool;
	o->rate_per_second = (int)c->smtp_rate_per_second;
	o->reuse = true;
	o->mail_from = c->mail_from;
}

const char *smtp_status_name(enum smtp_status s)
{
	static const char *const names[] = { "sent", "tempfail", "permfail" };

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

const char *smtp_stage_name(enum smtp_stage s)
{
	static const char *const names[] = { "connect", "hello", "mail", "rcpt", "data", "body", "done" };

	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

void smtp_rate_init(struct smtp_rate *r, int rate_per_second, int burst, int64_t now_us)
{
	r->rate = rate_per_second > 0 ? rate_per_second : 0;
	r->burst = burst > 0 ? burst : 1;
	r->tokens = r->burst;
	r->last_us = now_us;
}

int64_t smtp_rate_take(struct smtp_rate *r, int64_t now_us)
{
	if (r->rate <= 0)
		return 0;
	if (now_us > r->last_us) {
		r->tokens += (double)(now_us - r->last_us) * r->rate / 1e6;
		if (r->tokens > r->burst)
			r->tokens = r->burst;
		r->last_us = now_us;
	}
	if (r->tokens >= 1.0) {
		r->tokens -= 1.0;
		return 0;
	}
	return (int64_t)((1.0 - r->tokens) * 1e6 / r->rate) + 1;
}

static size_t slot_read(char *dst, size_t size, size_t nitems, void *userdata)
{
	struct smtp_slot *s = userdata;
	size_t room = size * nitems, left = s->msg->len - s->off, n = left < room ? left : room;

	if (!s->body_started) {
		/* The server said 354: from here on a lost connection may leave a delivered message. */
		s->body_started = true;
		s->stage = SMTP_STAGE_BODY;
		s->code = 0;
		s->line[0] = '\0';
	}
	memcpy(dst, s->msg->data + s->off, n);
	s->off += n;
	return n;
}

static void slot_command(struct smtp_slot *s, const char *cmd, size_t len)
{
	static const struct {
		const char *prefix;
		enum smtp_stage stage;
	} verbs[] = {
		{ "EHLO", SMTP_STAGE_HELLO }, { "HELO", SMTP_STAGE_HELLO },	{ "STARTTLS", SMTP_STAGE_HELLO },
		{ "AUTH", SMTP_STAGE_HELLO }, { "MAIL FROM", SMTP_STAGE_MAIL }, { "RCPT TO", SMTP_STAGE_RCPT },
		{ "DATA", SMTP_STAGE_DATA },
	};
	size_t i, pl;

	/* curl says QUIT itself when it closes a failed connection; its 221 must not hide the failure. */
	if (len >= 4 && strncasecmp(cmd, "QUIT", 4) == 0) {
		s->quitting = true;
		return;
	}
	for (i = 0; i < ARRAY_SIZE(verbs); i++) {
		pl = strlen(verbs[i].prefix);
		if (len >= pl && strncasecmp(cmd, verbs[i].prefix, pl) == 0) {
			s->stage = verbs[i].stage;
			s->code = 0;
			s->line[0] = '\0';
			return;
		}
	}
}

/* One reply line "NNN text" or "NNN-text"; only the last line of a reply counts. */
static void slot_reply(struct smtp_slot *s, const char *line, size_t len)
{
	int64_t code;
	size_t n = len;

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (s->quitting || n < 3 || parse_int64_n(line, 3, 200, 599, &code) < 0 || (n > 3 && line[3] == '-'))
		return;
	if (s->stage == SMTP_STAGE_CONNECT)
		s->stage = SMTP_STAGE_HELLO; /* the greeting */
	s->code = (int)code;
	if (n >= sizeof(s->line))
		n = sizeof(s->line) - 1;
	memcpy(s->line, line, n);
	s->line[n] = '\0';
}

static int slot_debug(CURL *easy, curl_infotype type, char *data, size_t size, void *userdata)
{
	struct smtp_slot *s = userdata;
	size_t i, start = 0;

	(void)easy;
	if (type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
		return 0;
	/* A callback may carry several lines; commands are never logged (AUTH carries credentials). */
	for (i = 0; i <= size; i++) {
		if (i == size || data[i] == '\n') {
			if (i > start) {
				if (type == CURLINFO_HEADER_IN)
					slot_reply(s, data + start, i - start);
				else
					slot_command(s, data + start, i - start);
			}
			start = i + 1;
		}
	}
	return 0;
}

static void set_reply(struct smtp_result *r, const char *text)
{
	snprintf(r->reply, sizeof(r->reply), "%s", text);
}

static int slot_setup(struct smtp_pool *p, struct smtp_slot *s)
{
	CURL *e = curl_easy_init();

	if (!e)
		return -1;
	s->easy = e;
	if (curl_easy_setopt(e, CURLOPT_URL, p->url) != CURLE_OK)
		return -1;
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, slot_read);
	curl_easy_setopt(e, CURLOPT_READDATA, s);
	curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, slot_debug);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, p->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, p->timeout_ms);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, (long)SMTP_IDLE_MAX_S);
	curl_easy_setopt(e, CURLOPT_USE_SSL, p->require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
	if (!p->reuse)
		curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	if (p->user) {
		curl_easy_setopt(e, CURLOPT_USERNAME, p->user);
		curl_easy_setopt(e, CURLOPT_PASSWORD, p->password ? p->password : "");
	}
	return 0;
}

struct smtp_pool *smtp_pool_new(const struct smtp_options *o, char *err, size_t errlen)
{
	struct smtp_pool *p = NULL;
	char *name = NULL;
	int i;

	if (!o->url || (!str_has_prefix(o->url, "smtp://") && !str_has_prefix(o->url, "smtps://"))) {
		snprintf(err, errlen, "smtp url must start with smtp:// or smtps://");
		return NULL;
	}
	if (o->pool < 1 || o->pool > SMTP_POOL_MAX) {
		snprintf(err, errlen, "smtp pool must be between 1 and %d", SMTP_POOL_MAX);
		return NULL;
	}
	if (o->rate_per_second < 0) {
		snprintf(err, errlen, "smtp rate must not be negative");
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "cannot initialise libcurl");
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->url = xstrdup(o->url);
	if (o->user && *o->user) {
		p->user = xstrdup(o->user);
		p->password = xstrdup(o->password ? o->password : "");
	}
	if (o->mail_from && *o->mail_from && mime_mailbox_parse(o->mail_from, &name, &p->mail_from) < 0) {
		snprintf(err, errlen, "smtp sender is not a valid address");
		goto fail;
	}
	p->require_tls = o->require_tls;
	p->reuse = o->reuse;
	p->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	p->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
	p->rate_on = o->rate_per_second > 0;
	smtp_rate_init(&p->rate, o->rate_per_second, 1, now_us());
	p->nslots = o->pool;
	p->slots = xcalloc((size_t)p->nslots, sizeof(*p->slots));
	for (i = 0; i < p->nslots; i++) {
		p->slots[i].pool = p;
		if (slot_setup(p, &p->slots[i]) < 0) {
			snprintf(err, errlen, "cannot create a curl handle for the smtp url");
			goto fail;
		}
	}
	free(name);
	return p;
fail:
	free(name);
	smtp_pool_free(p);
	return NULL;
}

/* Closes the slot's connection (QUIT when it is still open) by dropping its handle. */
static void slot_drop(struct smtp_slot *s)
{
	if (s->easy)
		curl_easy_cleanup(s->easy);
	s->easy = NULL;
	curl_slist_free_all(s->rcpt);
	s->rcpt = NULL;
}

void smtp_pool_free(struct smtp_pool *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; p->slots && i < p->nslots; i++)
		slot_drop(&p->slots[i]);
	free(p->slots);
	free(p->url);
	free(p->user);
	if (p->password)
		memset(p->password, 0, strlen(p->password));
	free(p->password);
	free(p->mail_from);
	pthread_mutex_destroy(&p->lock);
	free(p);
	curl_global_cleanup();
}

/* Refuses a message that cannot be sent at all; returns 0 when it may go. */
static int message_check(struct smtp_pool *p, const struct smtp_message *m, struct smtp_result *r)
{
	const char *from = m->from ? m->from : p->mail_from;

	r->status = SMTP_PERMFAIL;
	if (!m->rcpt || !mime_address_valid(m->rcpt)) {
		r->stage = SMTP_STAGE_RCPT;
		r->suppress = true;
		set_reply(r, "invalid recipient address");
		return -1;
	}
	if (!from || !mime_address_valid(from)) {
		r->stage = SMTP_STAGE_MAIL;
		set_reply(r, "invalid sender address");
		return -1;
	}
	if (!m->data || m->len == 0) {
		set_reply(r, "empty message");
		return -1;
	}
	return 0;
}

static void slot_finish(struct smtp_slot *s, CURLcode rc, struct smtp_result *r)
{
	long connects = 0;

	curl_easy_getinfo(s->easy, CURLINFO_NUM_CONNECTS, &connects);
	r->new_connection = connects > 0;
	r->stage = s->stage;
	r->code = s->code;
	r->after_data = s->body_started;
	if (rc == CURLE_OK && (s->code == 0 || (s->code >= 200 && s->code < 300))) {
		r->status = SMTP_SENT;
		r->stage = SMTP_STAGE_DONE;
		set_reply(r, s->line);
		return;
	}
	if (s->line[0] && s->code >= 400)
		set_reply(r, s->line);
	else
		snprintf(r->reply, sizeof(r->reply), "%s", s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
	/* A 5xx is about this message only once the recipient or the content is concerned. */
	if (s->code >= 500 && s->code < 600 && s->stage >= SMTP_STAGE_RCPT)
		r->status = SMTP_PERMFAIL;
	else
		r->status = SMTP_TEMPFAIL;
	if (s->code < 400)
		r->code = 0; /* no failure reply: the connection failed or timed out */
	r->suppress = r->status == SMTP_PERMFAIL && s->stage == SMTP_STAGE_RCPT;
	r->maybe_delivered = s->body_started && r->code == 0;
}

/* Sends one message on slot s and fills r; after any failure the slot's connection is dropped. */
static void slot_send(struct smtp_slot *s, const struct smtp_message *m, struct smtp_result *r)
{
	struct smtp_pool *p = s->pool;
	const char *from = m->from ? m->from : p->mail_from;
	char path[MIME_ADDR_MAX + 3];
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (message_check(p, m, r) < 0)
		return;
	r->status = SMTP_TEMPFAIL;
	if (!s->easy && slot_setup(p, s) < 0) {
		set_reply(r, "cannot create a curl handle");
		slot_drop(s);
		return;
	}
	s->msg = m;
	s->off = 0;
	s->stage = SMTP_STAGE_CONNECT;
	s->code = 0;
	s->line[0] = '\0';
	s->body_started = false;
	s->quitting = false;
	s->errbuf[0] = '\0';
	curl_slist_free_all(s->rcpt);
	snprintf(path, sizeof(path), "<%s>", m->rcpt);
	s->rcpt = curl_slist_append(NULL, path);
	snprintf(path, sizeof(path), "<%s>", from);
	if (!s->rcpt || curl_easy_setopt(s->easy, CURLOPT_MAIL_RCPT, s->rcpt) != CURLE_OK ||
	    curl_easy_setopt(s->easy, CURLOPT_MAIL_FROM, path) != CURLE_OK ||
	    curl_easy_setopt(s->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)m->len) != CURLE_OK) {
		set_reply(r, "cannot set up the transfer");
		slot_drop(s);
		return;
	}
	rc = curl_easy_perform(s->easy);
	slot_finish(s, rc, r);
	/*
	 * curl keeps a connection after some failures (a 4xx or 5xx to the
	 * data, for one) and never sends RSET, so a failed session is not
	 * reused: the next message on this slot reconnects.
	 */
	if (r->status != SMTP_SENT)
		slot_drop(s);
}

static void rate_wait(struct smtp_pool *p)
{
	for (;;) {
		int64_t wait_us;
		struct timespec ts;

		pthread_mutex_lock(&p->lock);
		wait_us = smtp_rate_take(&p->rate, now_us());
		pthread_mutex_unlock(&p->lock);
		if (wait_us <= 0)
			return;
		ts.tv_sec = (time_t)(wait_us / 1000000);
		ts.tv_nsec = (long)(wait_us % 1000000) * 1000;
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* A worker: takes the batch's next message until none is left. */
static void *slot_worker(void *arg)
{
	struct smtp_slot *s = arg;
	struct smtp_pool *p = s->pool;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->lock);
		i = p->next;
		if (i < p->n)
			p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			return NULL;
		if (p->rate_on)
			rate_wait(p);
		slot_send(s, &p->msgs[i], &p->results[i]);
	}
}

int smtp_send_batch(struct smtp_pool *p, const struct smtp_message *msgs, size_t n, struct smtp_result *results)
{
	pthread_t threads[SMTP_POOL_MAX];
	bool started[SMTP_POOL_MAX] = { false };
	size_t i, workers, session_failures = 0, first_failure = 0;

	if (!p || (n > 0 && (!msgs || !results)))
		return -1;
	p->msgs = msgs;
	p->results = results;
	p->n = n;
	p->next = 0;
	workers = n < (size_t)p->nslots ? n : (size_t)p->nslots;
	/* The caller's thread drives slot 0; the other slots get a thread each for this batch. */
	for (i = 1; i < workers; i++)
		started[i] = pthread_create(&threads[i], NULL, slot_worker, &p->slots[i]) == 0;
	if (workers > 0)
		slot_worker(&p->slots[0]);
	for (i = 1; i < workers; i++)
		if (started[i])
			pthread_join(threads[i], NULL);
	for (i = 0; i < n; i++) {
		if (results[i].status == SMTP_TEMPFAIL && results[i].stage < SMTP_STAGE_RCPT && session_failures++ == 0)
			first_failure = i;
	}
	if (session_failures > 0)
		log_warn("smtp: %zu of %zu sends failed before the recipient at '%s': %s", session_failures, n,
			 smtp_stage_name(results[first_failure].stage), results[first_failure].reply);
	p->msgs = NULL;
	p->results = NULL;
	p->n = p->next = 0;
	return 0;
}

int smtp_send(struct smtp_pool *p, const struct smtp_message *msg, struct smtp_result *result)
{
	return smtp_send_batch(p, msg, 1, result);
}
