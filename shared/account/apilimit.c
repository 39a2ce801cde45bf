/* apilimit: request rate limits per API key (or per user for web sessions), counted in memcached so every process and host shares them. */
#include "account/apilimit.h"

#include <stdbool.h>
#include <stdio.h>

#include "base/status.h"
#include "core/config.h"
#include "core/log.h"
#include "http/limitreply.h"

/* Whose budget a request spends: its API key's, or for a web session its user's. false: nobody's. */
static bool principal(const struct req *r, char *out, size_t outlen, const char **name)
{
	if (r->key_id > 0) {
		snprintf(out, outlen, "k%lld", (long long)r->key_id);
		*name = APILIMIT_KEY_NAME;
	} else if (r->session_id > 0 && r->user_id > 0) {
		snprintf(out, outlen, "u%lld", (long long)r->user_id);
		*name = APILIMIT_USER_NAME;
	} else {
		return false;
	}
	return true;
}

int apilimit_peek(const struct req *r, struct ratelimit_state *st)
{
	const char *name;
	char who[32];

	if (!principal(r, who, sizeof(who), &name)) {
		ratelimit_decide(config()->api_rate_per_minute, 0, 0, 1, 0, st);
		st->counted = false;
		return -1;
	}
	return ratelimit_peek(name, who, config()->api_rate_per_minute, st);
}

int apilimit_check(struct req *r)
{
	struct ratelimit_state st;
	int64_t limit = config()->api_rate_per_minute;
	const char *name;
	char who[32], what[128];

	if (limit <= 0 || !principal(r, who, sizeof(who), &name))
		return 0;
	if (ratelimit_take(name, who, limit, 1, &st) < 0)
		return limitreply_uncounted(r);
	limitreply_headers(r, &st);
	if (st.allowed)
		return 0;
	log_info("apilimit: %s over %lld requests per minute; retry after %lld s", who, (long long)limit,
		 (long long)st.retry_after_s);
	snprintf(what, sizeof(what), "this %s is over its limit of %lld requests per minute",
		 r->key_id > 0 ? "API key" : "user", (long long)limit);
	return limitreply_refuse(r, name, &st, what);
}

int apilimit_spend(struct req *r, int64_t units)
{
	struct ratelimit_state st;
	int64_t limit = config()->api_rate_per_minute;
	const char *name;
	char who[32], what[192];

	if (limit <= 0 || units <= 0 || !principal(r, who, sizeof(who), &name))
		return 0;
	if (ratelimit_take(name, who, limit, units, &st) < 0)
		return limitreply_uncounted(r);
	limitreply_headers(r, &st);
	if (st.allowed)
		return 0;
	if (units + 1 > limit)
		snprintf(what, sizeof(what),
			 "this request costs %lld units, more than this %s's whole limit of %lld requests per minute; "
			 "split it",
			 (long long)units + 1, r->key_id > 0 ? "API key" : "user", (long long)limit);
	else
		snprintf(what, sizeof(what),
			 "this request costs %lld units and this %s has not that many left of "
			 "its limit of %lld requests per minute",
			 (long long)units + 1, r->key_id > 0 ? "API key" : "user", (long long)limit);
	return limitreply_refuse(r, name, &st, what);
}

void apilimit_charge(struct req *r, int64_t units)
{
	struct ratelimit_state st;
	int64_t limit = config()->api_rate_per_minute;
	const char *name;
	char who[32];

	if (limit <= 0 || units <= 0 || !principal(r, who, sizeof(who), &name))
		return;
	if (ratelimit_charge(name, who, limit, units, &st) < 0) {
		ratelimit_warn_uncounted(config()->api_rate_when_cache_down);
		return;
	}
	limitreply_headers(r, &st);
}
