/* loginlimit: failed web sign-ins counted per email in memcached, so password guessing stops at a limit. */
#include "account/loginlimit.h"

#include <stdio.h>

#include "base/buf.h"
#include "base/sha256.h"
#include "base/util.h"
#include "core/cache.h"
#include "core/config.h"
#include "text/textnorm.h"

/* The counter of email's current window; the email is hashed (no address in memcached's keys). */
static void counter_key(const char *email, int64_t window, char *out, size_t outlen)
{
	struct buf lower = BUF_INIT(0);
	char hex[SHA256_HEX_LEN + 1] = "";

	buf_append_str(&lower, email);
	if (lower.ptr)
		textnorm_lower(lower.ptr);
	sha256_hex(lower.ptr ? lower.ptr : "", lower.len, hex);
	buf_release(&lower);
	snprintf(out, outlen, "loginfail:%s:%lld", hex, (long long)window);
}

bool loginlimit_blocked(const char *email, int64_t *retry_after_s)
{
	int64_t now = wall_ms() / 1000, window = now / LOGINLIMIT_WINDOW_SECONDS;
	uint64_t failures = 0;
	char key[128];

	counter_key(email, window, key, sizeof(key));
	if (cache_counter(key, &failures) < 0 || failures < (uint64_t)config()->login_max_failures)
		return false;
	*retry_after_s = (window + 1) * LOGINLIMIT_WINDOW_SECONDS - now;
	return true;
}

void loginlimit_failed(const char *email)
{
	int64_t window = wall_ms() / 1000 / LOGINLIMIT_WINDOW_SECONDS;
	char key[128];

	counter_key(email, window, key, sizeof(key));
	cache_incr(key, 1, 2 * LOGINLIMIT_WINDOW_SECONDS, NULL);
}
