/* iplimit: limits per client address (sign-ins, unauthenticated requests, /readyz, /metrics), counted in memcached across hosts. */
#include "account/iplimit.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/status.h"
#include "core/config.h"
#include "core/log.h"
#include "core/ratelimit.h"
#include "http/limitreply.h"

const char *iplimit_name(enum iplimit_kind kind)
{
	switch (kind) {
	case IPLIMIT_UNAUTH:
		return "unauth-per-ip";
	case IPLIMIT_SIGNIN:
		return "signin-per-ip";
	case IPLIMIT_READYZ:
		return "readyz-per-ip";
	case IPLIMIT_METRICS:
		return "metrics-per-ip";
	case IPLIMIT_NONE:
		break;
	}
	return NULL;
}

int64_t iplimit_budget(enum iplimit_kind kind)
{
	const struct config *c = config();

	switch (kind) {
	case IPLIMIT_UNAUTH:
		return c->ip_unauth_per_minute;
	case IPLIMIT_SIGNIN:
		return c->ip_signin_per_minute;
	case IPLIMIT_READYZ:
		return c->ip_readyz_per_minute;
	case IPLIMIT_METRICS:
		return c->ip_metrics_per_minute;
	case IPLIMIT_NONE:
		break;
	}
	return 0;
}

void iplimit_bucket(const char *addr, char out[IPLIMIT_BUCKET_MAX])
{
	struct netaddr a;
	char text[NETADDR_TEXT_MAX];

	out[0] = '\0';
	if (!addr || netaddr_parse(addr, strlen(addr), &a) < 0)
		return;
	if (a.family == AF_INET6)
		netaddr_mask(&a, 64);
	netaddr_format(&a, text);
	snprintf(out, IPLIMIT_BUCKET_MAX, "%s%s", text, a.family == AF_INET6 ? "/64" : "");
}

/* What a refusal says, per limit. */
static const char *refusal(enum iplimit_kind kind)
{
	switch (kind) {
	case IPLIMIT_SIGNIN:
		return "too many sign-in attempts from this address";
	case IPLIMIT_READYZ:
		return "too many readiness checks from this address";
	case IPLIMIT_METRICS:
		return "too many metrics scrapes from this address";
	default:
		return "too many unauthenticated requests from this address";
	}
}

/* Counts one unit of kind for r's address; headers when set_headers. Returns as iplimit_check(). */
static int count(struct req *r, enum iplimit_kind kind, bool set_headers, bool refuse_uncounted)
{
	const char *name = iplimit_name(kind);
	int64_t limit = *r->client_addr ? iplimit_budget(kind) : 0;
	struct ratelimit_state st;
	char bucket[IPLIMIT_BUCKET_MAX], what[160];

	if (!*r->client_addr || !name || limit <= 0)
		return 0;
	iplimit_bucket(r->client_addr, bucket);
	if (!*bucket)
		return 0;
	if (ratelimit_take(name, bucket, limit, 1, &st) < 0) {
		if (refuse_uncounted)
			return limitreply_uncounted(r);
		ratelimit_warn_uncounted(config()->api_rate_when_cache_down);
		return 0;
	}
	if (set_headers || !st.allowed)
		limitreply_headers(r, &st);
	if (st.allowed)
		return 0;
	log_info("iplimit: '%s' over %s (%lld per minute); retry after %lld s", bucket, name, (long long)limit,
		 (long long)st.retry_after_s);
	snprintf(what, sizeof(what), "%s: at most %lld a minute", refusal(kind), (long long)limit);
	return limitreply_refuse(r, name, &st, what);
}

int iplimit_check(struct req *r, enum iplimit_kind kind)
{
	/* Readiness and metrics report a memcached outage themselves; refusing them would hide it. */
	return count(r, kind, true, kind != IPLIMIT_READYZ && kind != IPLIMIT_METRICS);
}

int iplimit_auth_failed(struct req *r)
{
	return count(r, IPLIMIT_UNAUTH, false, false);
}
