/* limitreply: how an answer shows the limit a request was counted against — RateLimit-* headers, a 429 naming the limit, the memcached-down policy. */
#include "http/limitreply.h"

#include <string.h>

#include "base/status.h"
#include "core/config.h"
#include "http/resp.h"

void limitreply_headers(struct req *r, const struct ratelimit_state *st)
{
	if (!st->counted || st->limit <= 0)
		return;
	resp_header_remove(r, "RateLimit-Limit");
	resp_header_remove(r, "RateLimit-Remaining");
	resp_header_remove(r, "RateLimit-Reset");
	resp_header_remove(r, "RateLimit-Policy");
	resp_headerf(r, "RateLimit-Limit", "%lld", (long long)st->limit);
	resp_headerf(r, "RateLimit-Remaining", "%lld", (long long)st->remaining);
	resp_headerf(r, "RateLimit-Reset", "%lld", (long long)st->reset_s);
	resp_headerf(r, "RateLimit-Policy", "%lld;w=%d", (long long)st->limit, RATELIMIT_WINDOW_SECONDS);
}

int limitreply_refuse(struct req *r, const char *name, const struct ratelimit_state *st, const char *what)
{
	resp_header_remove(r, "Retry-After");
	resp_headerf(r, "Retry-After", "%lld", (long long)st->retry_after_s);
	r->problem_limit = name;
	return resp_fail(r, ST_TOO_MANY_REQUESTS, "%s (limit %s); retry after %lld seconds", what, name,
			 (long long)st->retry_after_s);
}

int limitreply_uncounted(struct req *r)
{
	const char *policy = config()->api_rate_when_cache_down;

	ratelimit_warn_uncounted(policy);
	if (strcmp(policy, "refuse") == 0)
		return resp_fail(r, ST_UNAVAILABLE,
				 "requests cannot be counted against the rate limit right now "
				 "(memcached is unavailable); try again");
	return 0;
}
