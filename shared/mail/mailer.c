/* mailer: the outbox sender the drainer runs — claims due emails, sends them over the SMTP pool, records outcomes. */
#include "mail/mailer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/backoff.h"
#include "base/buf.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "core/procmetrics.h"
#include "mail/mime.h"
#include "mail/outbox.h"
#include "mail/returnpath.h"
#include "mail/smtp.h"

#define STEP_MAX 200	    /* messages per mailer_step */
#define STEP_MS 1000	    /* and about this long at most */
#define CHECK_EVERY_MS 1000 /* after finding nothing due, look again this much later */
#define RESCUE_EVERY_MS 5000
#define ROUNDS 8 /* messages per connection in one claimed chunk */
#define MESSAGE_MAX (4 * 1024 * 1024)
#define REPLY_MAX 320

/* Retries of a tempfail: at least 5 s, doubling from 30 s, at most 2 h (about an hour in all over 8 attempts). */
static const struct backoff retry_policy = { 5000, 30000, 7200000 };

struct mailer {
	char *worker;
	struct smtp_pool *pool;
	char *from_name;
	char *from_addr;
	bool verp; /* each email gets its own signed return path (return_path, mail_event_secret) */
	int lease;
	int chunk;
	int64_t next_check_ms;
	int64_t next_rescue_ms;
	bool idle;
	struct mailer_stats stats;
};

struct mailer *mailer_new(const char *worker)
{
	const struct config *c = config();
	struct smtp_options o;
	struct mailer *m;
	char err[256];
	int64_t lease_ms;

	m = xcalloc(1, sizeof(*m));
	m->worker = xstrdup(worker);
	m->lease = (int)c->task_lease_seconds;
	lease_ms = (int64_t)m->lease * 1000;
	smtp_options_from_config(&o);
	/* A chunk is ROUNDS messages per connection; each may take the whole timeout, all inside half the lease. */
	o.connect_timeout_ms = (long)(lease_ms / 8 < 10000 ? lease_ms / 8 : 10000);
	o.timeout_ms = (long)(lease_ms / (2 * ROUNDS) < 60000 ? lease_ms / (2 * ROUNDS) : 60000);
	if (mime_mailbox_parse(c->mail_from, &m->from_name, &m->from_addr) < 0 || !mime_address_valid(m->from_addr)) {
		log_error("mailer: mail_from '%s' is not an address; no email will be sent", c->mail_from);
		goto fail;
	}
	if (c->return_path && *c->return_path) {
		char probe[RETURNPATH_MAX + 1];

		if (returnpath_for(c->return_path, c->mail_event_secret, 1, probe, sizeof(probe)) < 0)
			log_error("mailer: return_path '%s' is not an address without '+', or mail_event_secret is "
				  "empty; emails go out with mail_from as their return path",
				  c->return_path);
		else
			m->verp = true;
	}
	m->pool = smtp_pool_new(&o, err, sizeof(err));
	if (!m->pool) {
		log_error("mailer: cannot use the SMTP settings: %s; no email will be sent", err);
		goto fail;
	}
	m->chunk = (int)c->smtp_pool * ROUNDS;
	/* With a rate cap, a chunk holds about a second of sending so it stays inside its lease. */
	if (c->smtp_rate_per_second > 0 && m->chunk > c->smtp_rate_per_second)
		m->chunk = (int)c->smtp_rate_per_second;
	return m;
fail:
	mailer_free(m);
	return NULL;
}

void mailer_free(struct mailer *m)
{
	if (!m)
		return;
	smtp_pool_free(m->pool);
	free(m->from_name);
	free(m->from_addr);
	free(m->worker);
	free(m);
}

bool mailer_idle(const struct mailer *m)
{
	return !m || m->idle;
}

struct mailer_stats mailer_stats(const struct mailer *m)
{
	struct mailer_stats z = { 0 };

	return m ? m->stats : z;
}

/* Turns the SMTP outcome of row r into what is recorded; reply is the row's text buffer. */
static void classify(struct mailer *m, const struct outbox_row *r, const struct smtp_result *s,
		     struct outbox_result *out, char *reply)
{
	memset(out, 0, sizeof(*out));
	out->code = s->code;
	procmetrics_smtp_reply(s->code);
	snprintf(reply, REPLY_MAX, "%s", s->reply);
	out->reply = reply;
	switch (s->status) {
	case SMTP_SENT:
		out->outcome = OUTBOX_SENT;
		m->stats.sent++;
		break;
	case SMTP_TEMPFAIL:
		out->uncertain = s->maybe_delivered;
		if (s->maybe_delivered)
			m->stats.uncertain++;
		if (r->attempt >= OUTBOX_MAX_ATTEMPTS) {
			out->outcome = OUTBOX_FAIL;
			snprintf(reply, REPLY_MAX, "gave up after %d attempts: %s", r->attempt, s->reply);
			m->stats.failed++;
			log_warn("mailer: email %lld failed for good after %d attempts at '%s': %s", (long long)r->id,
				 r->attempt, smtp_stage_name(s->stage), s->reply);
		} else {
			out->outcome = OUTBOX_RETRY;
			out->retry_in_ms = backoff_delay_ms(&retry_policy, r->attempt, NULL, NULL);
			m->stats.retried++;
			log_info("mailer: email %lld will be retried in %lld ms: %s", (long long)r->id,
				 (long long)out->retry_in_ms, s->reply);
		}
		break;
	case SMTP_PERMFAIL:
	default:
		out->outcome = OUTBOX_FAIL;
		out->suppress = s->suppress;
		m->stats.failed++;
		log_warn("mailer: email %lld refused at '%s'%s: %s", (long long)r->id, smtp_stage_name(s->stage),
			 s->suppress ? " (address suppressed)" : "", s->reply);
		break;
	}
	procmetrics_count(PM_EMAILS,
			  out->outcome == OUTBOX_SENT	 ? PM_EMAIL_SENT
			  : out->outcome == OUTBOX_RETRY ? PM_EMAIL_RETRIED
							 : PM_EMAIL_FAILED,
			  0, 0, 1);
}

static void fail_unsent(struct mailer *m, struct outbox_result *out, char *reply, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->outcome = OUTBOX_FAIL;
	snprintf(reply, REPLY_MAX, "%s", why);
	out->reply = reply;
	m->stats.failed++;
	procmetrics_count(PM_EMAILS, PM_EMAIL_FAILED, 0, 0, 1);
}

/* Builds, sends and records one claimed chunk. */
static void send_chunk(struct mailer *m, const struct outbox_row *rows, int n)
{
	struct buf *data = xcalloc((size_t)n, sizeof(*data));
	struct smtp_message *msgs = xcalloc((size_t)n, sizeof(*msgs));
	struct smtp_result *sres = xcalloc((size_t)n, sizeof(*sres));
	struct outbox_result *res = xcalloc((size_t)n, sizeof(*res));
	char *replies = xcalloc((size_t)n, REPLY_MAX);
	char *paths = m->verp ? xcalloc((size_t)n, RETURNPATH_MAX + 1) : NULL;
	int *map = xcalloc((size_t)n, sizeof(*map));
	int i, k = 0, recorded;
	int64_t now = (int64_t)time(NULL);

	for (i = 0; i < n; i++) {
		const struct outbox_row *r = &rows[i];
		struct mime_message mm = { .from = { m->from_name, m->from_addr },
					   .to = { r->to_name, r->to_address },
					   .reply_to = { r->reply_to_name, r->reply_to_address },
					   .subject = r->subject,
					   .date = now,
					   .message_id = r->message_id,
					   .text = r->text,
					   .html = r->html };
		char err[256], why[300];

		buf_init(&data[i], MESSAGE_MAX);
		if (r->suppressed) {
			fail_unsent(m, &res[i], replies + (size_t)i * REPLY_MAX,
				    "not sent: the address was suppressed after the email was queued");
			continue;
		}
		if (mime_build(&mm, &data[i], err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "not sent: the message cannot be built: %s", err);
			fail_unsent(m, &res[i], replies + (size_t)i * REPLY_MAX, why);
			log_error("mailer: email %lld cannot be built: %s", (long long)r->id, err);
			continue;
		}
		msgs[k].from = NULL;
		if (paths && returnpath_for(config()->return_path, config()->mail_event_secret, r->id,
					    paths + (size_t)i * (RETURNPATH_MAX + 1), RETURNPATH_MAX + 1) == 0)
			msgs[k].from = paths + (size_t)i * (RETURNPATH_MAX + 1);
		msgs[k].rcpt = r->to_address;
		msgs[k].data = data[i].ptr;
		msgs[k].len = data[i].len;
		map[k++] = i;
	}
	if (k > 0 && smtp_send_batch(m->pool, msgs, (size_t)k, sres) < 0) {
		/* Bad arguments only: treat as a temporary failure of every message. */
		for (i = 0; i < k; i++) {
			sres[i].status = SMTP_TEMPFAIL;
			snprintf(sres[i].reply, sizeof(sres[i].reply), "internal error: the batch was not sent");
		}
	}
	for (i = 0; i < k; i++)
		classify(m, &rows[map[i]], &sres[i], &res[map[i]], replies + (size_t)map[i] * REPLY_MAX);
	recorded = outbox_record(m->worker, rows, res, n);
	if (recorded < 0)
		log_error("mailer: cannot record the outcome of %d emails; they will be sent again when their leases "
			  "expire",
			  n);
	else if (recorded < n)
		log_warn("mailer: %d of %d emails were rescued from this sender before their outcome was recorded",
			 n - recorded, n);
	for (i = 0; i < n; i++)
		log_email(rows[i].id, rows[i].attempt,
			  res[i].outcome == OUTBOX_SENT	   ? "sent"
			  : res[i].outcome == OUTBOX_RETRY ? "retrying"
							   : "failed",
			  res[i].code, rows[i].request_id);
	for (i = 0; i < n; i++)
		buf_release(&data[i]);
	free(data);
	free(msgs);
	free(sres);
	free(res);
	free(replies);
	free(paths);
	free(map);
}

int mailer_step(struct mailer *m, bool stopping)
{
	int64_t now, start;
	int handled = 0;

	if (!m)
		return 0;
	now = now_ms();
	if (now >= m->next_rescue_ms) {
		int failed = 0, n = outbox_rescue(OUTBOX_MAX_ATTEMPTS, &failed);

		if (n > 0) {
			m->stats.rescued += n;
			m->stats.uncertain += n;
			log_warn("mailer: rescued %d emails whose sender stopped mid-send (%d failed for good)", n,
				 failed);
		}
		m->next_rescue_ms = now + RESCUE_EVERY_MS;
	}
	if (stopping || (m->idle && now < m->next_check_ms))
		return 0;
	start = now;
	while (handled < STEP_MAX && now_ms() - start < STEP_MS) {
		struct outbox_row *rows = NULL;
		int n = 0, want = STEP_MAX - handled < m->chunk ? STEP_MAX - handled : m->chunk;
		int rc = outbox_claim(m->worker, want, m->lease, &rows, &n);

		if (rc < 0 || n == 0) {
			m->idle = true;
			m->next_check_ms = now_ms() + CHECK_EVERY_MS;
			if (rc < 0 && handled == 0)
				return rc;
			break;
		}
		m->idle = false;
		send_chunk(m, rows, n);
		outbox_rows_free(rows, n);
		handled += n;
	}
	return handled;
}
