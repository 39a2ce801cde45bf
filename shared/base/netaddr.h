/* netaddr: IPv4 and IPv6 addresses and CIDR ranges — parsing, canonical text, and membership in a list of ranges. */
#ifndef SHORTLIST_NETADDR_H
#define SHORTLIST_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

/* Room for the canonical text of any address, with its NUL (INET6_ADDRSTRLEN). */
#define NETADDR_TEXT_MAX 46
/* Most ranges a list holds (SHORTLIST_TRUSTED_PROXIES). */
#define NETADDR_LIST_MAX 64

/*
 * One address. An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is kept as
 * the IPv4 address it maps, so both spellings are the same client.
 */
struct netaddr {
	int family;		 /* AF_INET or AF_INET6 */
	unsigned char bytes[16]; /* network order; the first 4 for AF_INET */
};

/* A range: the addresses whose first prefix bits are those of addr (bits past the prefix are zero). */
struct netaddr_range {
	struct netaddr addr;
	int prefix; /* 0-32 for IPv4, 0-128 for IPv6 */
};

struct netaddr_list {
	struct netaddr_range items[NETADDR_LIST_MAX];
	size_t n;
};

/*
 * Parses exactly len bytes at s as one address: dotted IPv4 or IPv6 text
 * (no brackets, port, zone or spaces). Returns 0 and fills *out, or -1.
 */
int netaddr_parse(const char *s, size_t len, struct netaddr *out);

/* Writes the canonical text of a (inet_ntop's form; IPv4 for a mapped address) to out[NETADDR_TEXT_MAX]. */
void netaddr_format(const struct netaddr *a, char out[NETADDR_TEXT_MAX]);

/*
 * Parses a comma-separated list of addresses and CIDR ranges ("10.0.0.0/8,
 * 192.0.2.7, fd00::/8"); spaces around items and empty items are ignored,
 * an address alone is a range of one. Bits set past a prefix are an error
 * (10.0.0.1/8 is surely a mistake). Returns 0 and fills *out, or -1 with a
 * message naming the bad item in err. Nothing is allocated.
 */
int netaddr_list_parse(const char *list, struct netaddr_list *out, char *err, size_t errlen);

/* Whether a falls in one of the list's ranges (an IPv4 address never matches an IPv6 range, nor the reverse). */
bool netaddr_list_contains(const struct netaddr_list *list, const struct netaddr *a);

/* Clears the bits of a past its first prefix bits (prefix beyond the family's length changes nothing). */
void netaddr_mask(struct netaddr *a, int prefix);

#endif
