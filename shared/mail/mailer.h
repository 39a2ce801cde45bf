/* mailer: the outbox sender the drainer runs — claims due emails, sends them over the SMTP pool, records outcomes. */
#ifndef SHORTLIST_MAILER_H
#define SHORTLIST_MAILER_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Delivery is at least once. Each claimed row is sent with the Message-ID
 * fixed when it was queued; a tempfail goes back to retrying with
 * exponential backoff and full jitter (at least 5 s, doubling from 30 s,
 * capped at 2 h) until OUTBOX_MAX_ATTEMPTS, then failed; a permanent refusal
 * fails it at once and, for a refused recipient, suppresses the address for
 * the organisation. A candidate can receive a message twice only when the
 * relay may have accepted it without the sender learning so: the connection
 * was lost after the data (SMTP cannot tell), the sender died after sending
 * and before recording (its lease expires and the row is resent), or the
 * database refused the record. Each such attempt is counted in the row's
 * `uncertain` column; the stable Message-ID lets receivers drop the copy.
 *
 * Settings read: smtp_url, smtp_user, smtp_password, smtp_starttls,
 * smtp_pool, smtp_rate_per_second, mail_from, return_path with
 * mail_event_secret (each email's envelope sender is then its own signed
 * return path, returnpath.h, so a DSN says which email bounced), and task_lease_seconds as the
 * lease of a claimed email (its SMTP timeouts are derived from it so that
 * a claimed batch always finishes well inside its lease).
 */

/* Totals since mailer_new. */
struct mailer_stats {
	int64_t sent;
	int64_t retried;
	int64_t failed;
	int64_t uncertain;
	int64_t rescued;
};

struct mailer;

/*
 * Makes a sender for worker (a unique id, as queue_worker_id gives). Opens
 * no connection yet. Returns NULL after logging why when the configuration
 * cannot send (bad smtp_url or mail_from); the drainer then runs without
 * sending. Free with mailer_free().
 */
struct mailer *mailer_new(const char *worker);
void mailer_free(struct mailer *m);

/*
 * One step, meant to be called once per drainer loop iteration: rescues
 * expired leases now and then, and when emails are due claims and sends them
 * in small chunks, at most 50 messages and about one second per call. After
 * a check finds nothing due it does not look again for a second. Does not
 * claim when stopping is true. Returns how many messages it handled (0 when
 * there was nothing to do or m is NULL), or a status code when the database
 * failed.
 */
int mailer_step(struct mailer *m, bool stopping);

/* Whether the last check found nothing due (true for NULL): a drainer run "--once" may then stop. */
bool mailer_idle(const struct mailer *m);

/* The totals so far (zeroes for NULL). */
struct mailer_stats mailer_stats(const struct mailer *m);

#endif
