/* loginlimit: failed web sign-ins counted per email in memcached, so password guessing stops at a limit. */
#ifndef SHORTLIST_LOGINLIMIT_H
#define SHORTLIST_LOGINLIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* The limit's name, as a 429 problem's "limit" member gives it. */
#define LOGINLIMIT_NAME "signin-per-email"

/* At most config()->login_max_failures failures for one email in any span of this length. */
#define LOGINLIMIT_WINDOW_SECONDS 900

/*
 * How the failures are kept: a sequence counter per email (its hash, never
 * the address) numbers each failure, and failure number n is written, with
 * its time, into slot n mod max of a ring of max slots. The max-th most
 * recent failure is then one read away, which makes the bound exact: a
 * sliding window, not windows aligned to the clock. Two sign-ins racing on
 * one email may both pass the check before either failure is written.
 */

/*
 * The rule, without memcached: seq is the number of the latest failure (0:
 * none), slot_seq and slot_ms the number and time (Unix ms) found in the
 * slot of failure seq - max + 1 (slot_seq 0 when the slot is empty).
 * Returns true when that failure happened less than the window before now_ms,
 * i.e. max failures fall within the last 15 minutes; *retry_after_s then gets
 * the whole seconds (at least 1) until it leaves the window.
 */
bool loginlimit_decide(int64_t max, int64_t seq, int64_t slot_seq, int64_t slot_ms, int64_t now_ms,
		       int64_t *retry_after_s);

/*
 * Whether sign-ins for email (any case) are refused at now_ms (Unix ms):
 * true when config()->login_max_failures failures were counted for it in
 * the 15 minutes before; *retry_after_s then gets the seconds until the
 * oldest of them leaves the window. When memcached cannot answer, nothing
 * is refused (the password hash's own cost still slows guessing).
 * loginlimit_blocked() uses the clock.
 */
bool loginlimit_blocked_at(const char *email, int64_t now_ms, int64_t *retry_after_s);
bool loginlimit_blocked(const char *email, int64_t *retry_after_s);

/* Counts a failed sign-in for email at now_ms (Unix ms); loginlimit_failed() uses the clock. */
void loginlimit_failed_at(const char *email, int64_t now_ms);
void loginlimit_failed(const char *email);

#endif
