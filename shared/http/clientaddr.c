/* clientaddr: who sent a request and whether it came over TLS, believing X-Forwarded-For and -Proto only from trusted proxies. */
#include "http/clientaddr.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/util.h"
#include "core/config.h"
#include "core/log.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool all_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Parses one X-Forwarded-For entry (already trimmed, not empty): an address, bracketed or not, with an optional port. */
static int parse_entry(const char *s, size_t len, struct netaddr *out)
{
	const char *colon;

	if (s[0] == '[') {
		const char *close = memchr(s, ']', len);
		size_t rest;

		if (!close)
			return -1;
		rest = len - (size_t)(close + 1 - s);
		if (rest > 0 && (close[1] != ':' || !all_digits(close + 2, rest - 1)))
			return -1;
		return netaddr_parse(s + 1, (size_t)(close - s - 1), out);
	}
	colon = memchr(s, ':', len);
	if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
		/* One colon: IPv4 with a port. */
		if (!all_digits(colon + 1, len - (size_t)(colon + 1 - s)))
			return -1;
		return netaddr_parse(s, (size_t)(colon - s), out);
	}
	return netaddr_parse(s, len, out);
}

/*
 * Walks xff from the right while the hops are trusted; *client starts as the
 * (trusted) peer and ends as the client. Returns false when an entry was no
 * address.
 */
static bool walk_forwarded_for(const struct netaddr_list *trusted, const char *xff, struct netaddr *client)
{
	const char *end = xff + strlen(xff);

	while (end > xff) {
		const char *start = end, *b, *e;
		struct netaddr hop;

		while (start > xff && start[-1] != ',')
			start--;
		b = start;
		e = end;
		end = start > xff ? start - 1 : xff;
		while (b < e && is_space(*b))
			b++;
		while (e > b && is_space(e[-1]))
			e--;
		if (e == b)
			continue;
		if (parse_entry(b, (size_t)(e - b), &hop) < 0)
			return false;
		*client = hop;
		if (!netaddr_list_contains(trusted, &hop))
			break;
	}
	return true;
}

/* Whether xfp holds at least one value and every value is "https". */
static bool forwarded_https(const char *xfp)
{
	const char *p = xfp;
	bool any = false;

	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *b = p, *e = end;

		while (b < e && is_space(*b))
			b++;
		while (e > b && is_space(e[-1]))
			e--;
		if (e > b) {
			if (e - b != 5 || strncasecmp(b, "https", 5) != 0)
				return false;
			any = true;
		}
		p = comma ? comma + 1 : end;
	}
	return any;
}

int clientaddr_resolve(const struct netaddr_list *trusted, const char *remote_addr, const char *xff, const char *xfp,
		       bool https, struct clientaddr *out)
{
	struct netaddr peer, client;
	bool has_xff = xff && *xff, has_xfp = xfp && *xfp;

	memset(out, 0, sizeof(*out));
	out->tls = https;
	if (!remote_addr || netaddr_parse(remote_addr, strlen(remote_addr), &peer) < 0)
		return -1;
	client = peer;
	if (!netaddr_list_contains(trusted, &peer)) {
		out->forwarded_ignored = has_xff || has_xfp;
	} else {
		if (has_xff && !walk_forwarded_for(trusted, xff, &client))
			out->forwarded_malformed = true;
		if (has_xfp && forwarded_https(xfp))
			out->tls = true;
	}
	netaddr_format(&client, out->addr);
	return 0;
}

/* SHORTLIST_TRUSTED_PROXIES, parsed on first use. */
static const struct netaddr_list *trusted_proxies(void)
{
	static struct netaddr_list list;
	static bool parsed;
	char err[256];

	if (!parsed) {
		if (netaddr_list_parse(config()->trusted_proxies, &list, err, sizeof(err)) < 0) {
			/* config_load() refuses such a value; should it slip through, trust nobody. */
			log_error("clientaddr: SHORTLIST_TRUSTED_PROXIES: %s; trusting no proxy", err);
			memset(&list, 0, sizeof(list));
		}
		parsed = true;
	}
	return &list;
}

void clientaddr_fill(struct req *r)
{
	static bool warned_ignored, warned_malformed, warned_no_addr;
	const char *remote = req_header(r, "REMOTE_ADDR"), *https = req_header(r, "HTTPS");
	struct clientaddr ca;

	if (clientaddr_resolve(trusted_proxies(), remote, req_header(r, "HTTP_X_FORWARDED_FOR"),
			       req_header(r, "HTTP_X_FORWARDED_PROTO"), https && strcasecmp(https, "on") == 0,
			       &ca) < 0 &&
	    !warned_no_addr && remote) {
		warned_no_addr = true;
		log_warn("clientaddr: REMOTE_ADDR '%.64s' is no IP address; such requests are not limited per "
			 "address (logged once per process)",
			 remote);
	}
	if (ca.forwarded_ignored && !warned_ignored) {
		warned_ignored = true;
		log_warn("clientaddr: X-Forwarded-For/X-Forwarded-Proto from '%s', which is not in "
			 "SHORTLIST_TRUSTED_PROXIES, ignored (logged once per process)",
			 ca.addr);
	}
	if (ca.forwarded_malformed && !warned_malformed) {
		warned_malformed = true;
		log_warn("clientaddr: X-Forwarded-For from a trusted proxy holds an entry that is no address; the "
			 "client is taken to be '%s' (logged once per process)",
			 ca.addr);
	}
	snprintf(r->client_addr, sizeof(r->client_addr), "%s", ca.addr);
	r->tls = ca.tls;
}
