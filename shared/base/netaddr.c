/* netaddr: IPv4 and IPv6 addresses and CIDR ranges — parsing, canonical text, and membership in a list of ranges. */
#include "base/netaddr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "base/util.h"

static const unsigned char v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

static int family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

int netaddr_parse(const char *s, size_t len, struct netaddr *out)
{
	char text[NETADDR_TEXT_MAX];

	memset(out, 0, sizeof(*out));
	if (len == 0 || len >= sizeof(text) || memchr(s, '\0', len))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, out->bytes) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->bytes) != 1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	out->family = AF_INET6;
	if (memcmp(out->bytes, v4_mapped_prefix, sizeof(v4_mapped_prefix)) == 0) {
		memmove(out->bytes, out->bytes + 12, 4);
		memset(out->bytes + 4, 0, 12);
		out->family = AF_INET;
	}
	return 0;
}

void netaddr_format(const struct netaddr *a, char out[NETADDR_TEXT_MAX])
{
	if (!inet_ntop(a->family, a->bytes, out, NETADDR_TEXT_MAX))
		out[0] = '\0';
}

void netaddr_mask(struct netaddr *a, int prefix)
{
	int bits = family_bits(a->family), i;

	if (prefix < 0)
		prefix = 0;
	for (i = prefix; i < bits; i++)
		a->bytes[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
}

/* Whether a's first prefix bits equal net's. */
static bool in_range(const struct netaddr_range *range, const struct netaddr *a)
{
	struct netaddr masked = *a;

	if (range->addr.family != a->family)
		return false;
	netaddr_mask(&masked, range->prefix);
	return memcmp(masked.bytes, range->addr.bytes, sizeof(masked.bytes)) == 0;
}

bool netaddr_list_contains(const struct netaddr_list *list, const struct netaddr *a)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		if (in_range(&list->items[i], a))
			return true;
	return false;
}

/* Parses one item, "ADDRESS" or "ADDRESS/PREFIX", of len bytes at s. */
static int parse_item(const char *s, size_t len, struct netaddr_range *out, char *err, size_t errlen)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	struct netaddr check;
	int64_t prefix;

	if (netaddr_parse(s, alen, &out->addr) < 0)
		return fail(err, errlen, "'%.*s' is not an IPv4 or IPv6 address or CIDR range", (int)len, s);
	out->prefix = family_bits(out->addr.family);
	if (!slash)
		return 0;
	if (parse_int64_n(slash + 1, len - alen - 1, 0, out->prefix, &prefix) < 0 || slash[1] == '+' || slash[1] == '-')
		return fail(err, errlen, "'%.*s': the prefix length must be 0 to %d", (int)len, s, out->prefix);
	out->prefix = (int)prefix;
	check = out->addr;
	netaddr_mask(&check, out->prefix);
	if (memcmp(check.bytes, out->addr.bytes, sizeof(check.bytes)) != 0)
		return fail(err, errlen, "'%.*s' has address bits set past its /%d prefix", (int)len, s, out->prefix);
	return 0;
}

int netaddr_list_parse(const char *list, struct netaddr_list *out, char *err, size_t errlen)
{
	const char *p = list ? list : "";

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		const char *b = p, *e = end;

		while (b < e && (*b == ' ' || *b == '\t'))
			b++;
		while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > b) {
			if (out->n >= NETADDR_LIST_MAX)
				return fail(err, errlen, "more than %d addresses and ranges", NETADDR_LIST_MAX);
			if (parse_item(b, (size_t)(e - b), &out->items[out->n], err, errlen) < 0)
				return -1;
			out->n++;
		}
		p = comma ? comma + 1 : end;
	}
	return 0;
}
