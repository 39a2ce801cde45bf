/* loginlimit: failed web sign-ins counted per email in memcached, so password guessing stops at a limit. */
#ifndef SHORTLIST_LOGINLIMIT_H
#define SHORTLIST_LOGINLIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* Failures are counted in fixed windows of this length, aligned to the wall clock. */
#define LOGINLIMIT_WINDOW_SECONDS 900

/*
 * Whether sign-ins for email (any case) are refused for now: true when the
 * current window holds config()->login_max_failures failures; *retry_after_s
 * then gets the seconds until it ends. When memcached cannot answer,
 * nothing is refused (the password hash's own cost still slows guessing).
 */
bool loginlimit_blocked(const char *email, int64_t *retry_after_s);

/* Counts a failed sign-in for email. */
void loginlimit_failed(const char *email);

#endif
