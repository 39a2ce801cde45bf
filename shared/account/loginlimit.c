/* loginlimit: failed web sign-ins counted per email in memcached, so password guessing stops at a limit. */
#include "account/loginlimit.h"

#include <stdio.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "core/procmetrics.h"
#include "text/textnorm.h"

#define WINDOW_MS (LOGINLIMIT_WINDOW_SECONDS * 1000LL)
/* A slot outlives the window it counts in; the sequence lives as long as memcached allows. */
#define SLOT_TTL (LOGINLIMIT_WINDOW_SECONDS + 60)
#define SEQ_TTL (30 * 24 * 3600)

/* The key prefix of email's failures; the email is hashed (no address in memcached's keys). */
static void email_prefix(const char *email, char *out, size_t outlen)
{
	struct buf lower = BUF_INIT(0);
	char hex[SHA256_HEX_LEN + 1] = "";

	buf_append_str(&lower, email);
	if (lower.ptr)
		textnorm_lower(lower.ptr);
	sha256_hex(lower.ptr ? lower.ptr : "", lower.len, hex);
	buf_release(&lower);
	snprintf(out, outlen, "loginfail2:%s", hex);
}

bool loginlimit_decide(int64_t max, int64_t seq, int64_t slot_seq, int64_t slot_ms, int64_t now_ms,
		       int64_t *retry_after_s)
{
	int64_t target = seq - max + 1, left_ms;

	/*
	 * The slot must hold failure target itself (or a later one already
	 * written by a racing sign-in); anything older, from before the
	 * sequence was lost, or empty is not evidence of max failures.
	 */
	if (max < 1 || target < 1 || slot_seq < target || slot_seq > seq)
		return false;
	left_ms = slot_ms + WINDOW_MS - now_ms;
	if (left_ms <= 0)
		return false;
	*retry_after_s = (left_ms + 999) / 1000;
	return true;
}

/* Reads slot n's "seq ms" into *slot_seq and *slot_ms; 0 and 0 when missing or unreadable. */
static void read_slot(const char *prefix, int64_t n, int64_t max, int64_t *slot_seq, int64_t *slot_ms)
{
	struct buf v = BUF_INIT(64);
	char key[160];
	long long s = 0, ms = 0;

	*slot_seq = 0;
	*slot_ms = 0;
	snprintf(key, sizeof(key), "%s:%lld", prefix, (long long)(n % max));
	if (cache_get(key, &v) == 1 && v.ptr && sscanf(v.ptr, "%lld %lld", &s, &ms) == 2) {
		*slot_seq = s;
		*slot_ms = ms;
	}
	buf_release(&v);
}

bool loginlimit_blocked_at(const char *email, int64_t now_ms, int64_t *retry_after_s)
{
	int64_t max = config()->login_max_failures, slot_seq, slot_ms;
	uint64_t seq = 0;
	char prefix[128], key[160];

	email_prefix(email, prefix, sizeof(prefix));
	snprintf(key, sizeof(key), "%s:seq", prefix);
	if (cache_counter(key, &seq) < 0 || seq < (uint64_t)max)
		return false;
	read_slot(prefix, (int64_t)seq - max + 1, max, &slot_seq, &slot_ms);
	return loginlimit_decide(max, (int64_t)seq, slot_seq, slot_ms, now_ms, retry_after_s);
}

bool loginlimit_blocked(const char *email, int64_t *retry_after_s)
{
	bool blocked = loginlimit_blocked_at(email, wall_ms(), retry_after_s);

	procmetrics_count(PM_RATELIMIT_REFUSALS, PM_LIMIT_LOGIN, 0, 0, blocked);
	return blocked;
}

void loginlimit_failed_at(const char *email, int64_t now_ms)
{
	int64_t max = config()->login_max_failures;
	uint64_t seq = 0;
	char prefix[128], key[160], value[48];
	int n;

	email_prefix(email, prefix, sizeof(prefix));
	snprintf(key, sizeof(key), "%s:seq", prefix);
	if (cache_incr(key, 1, SEQ_TTL, &seq) < 0 || seq == 0)
		return;
	snprintf(key, sizeof(key), "%s:%lld", prefix, (long long)(seq % (uint64_t)max));
	n = snprintf(value, sizeof(value), "%llu %lld", (unsigned long long)seq, (long long)now_ms);
	if (n > 0 && (size_t)n < sizeof(value))
		cache_set(key, value, (size_t)n, SLOT_TTL);
}

void loginlimit_failed(const char *email)
{
	loginlimit_failed_at(email, wall_ms());
}
