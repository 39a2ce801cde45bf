/* clientaddr: who sent a request and whether it came over TLS, believing X-Forwarded-For and -Proto only from trusted proxies. */
#ifndef SHORTLIST_CLIENTADDR_H
#define SHORTLIST_CLIENTADDR_H

#include <stdbool.h>

#include "base/netaddr.h"
#include "http/req.h"

struct clientaddr {
	char addr[NETADDR_TEXT_MAX]; /* the client's address, canonical text; "" when REMOTE_ADDR is no address */
	bool tls;		/* the client used TLS (HTTPS from lighttpd, or a trusted proxy's X-Forwarded-Proto) */
	bool forwarded_ignored; /* X-Forwarded-For or -Proto came from an untrusted peer and was ignored */
	bool forwarded_malformed; /* a trusted proxy's X-Forwarded-For had an entry that is no address */
};

/*
 * The rule, without a request (pure; exposed for tests). remote_addr is the
 * peer lighttpd saw (REMOTE_ADDR), xff and xfp the X-Forwarded-For and
 * X-Forwarded-Proto headers (NULL when absent; several headers of one name
 * arrive joined by commas), https whether lighttpd itself served TLS.
 *
 * When the peer is not in trusted, both headers are ignored and the client
 * is the peer. When it is, X-Forwarded-For is read from the right: each
 * entry was appended by the hop to its right, so the client is the
 * right-most entry that is not itself a trusted proxy (every entry trusted:
 * the left-most). An entry may be an IPv4 or IPv6 address, with a port
 * ("192.0.2.1:4711", "[2001:db8::1]:443") or brackets; spaces around
 * entries and empty entries are skipped. An entry that is no address
 * ("unknown", garbage) stops the walk at the trusted hop that wrote it,
 * which is then the client (forwarded_malformed). The client used TLS when
 * https is set, or when the peer is trusted and every X-Forwarded-Proto
 * value is "https" (any case).
 *
 * Fills *out; returns 0, or -1 when remote_addr is missing or no address
 * (out->addr is then "", and no header is believed).
 */
int clientaddr_resolve(const struct netaddr_list *trusted, const char *remote_addr, const char *xff, const char *xfp,
		       bool https, struct clientaddr *out);

/*
 * Sets r->client_addr and r->tls from the request's CGI variables with
 * SHORTLIST_TRUSTED_PROXIES (parsed once per process; config_load() has
 * checked it). Logs, once per process, that forwarding headers from an
 * untrusted peer were ignored, and once that REMOTE_ADDR was no address.
 */
void clientaddr_fill(struct req *r);

#endif
