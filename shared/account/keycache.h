/*
 * keycache: what an API key resolves to (the key, its organisation and user,
 * and the organisation's blind view), kept in memcached for a short time and
 * shared by every process and host, so that a read answered from the answer
 * cache (core/answercache.h) asks PostgreSQL nothing.
 *
 * What a caller sees:
 *  - A key revoked through the API is refused from its next request on. The
 *    revocation, once committed, writes a tombstone over the key's entry;
 *    readers only ever add an entry, never replace one, so a reader that
 *    checked the key in PostgreSQL just before the revocation cannot put it
 *    back while the tombstone lasts (longer than an entry may live).
 *  - So with a change of the organisation's blind view: every key of the
 *    organisation gets a tombstone, and its next request reads the setting.
 *  - A tombstone memcached could not take (its server down or unreachable
 *    at that moment) leaves the old entry for at most SHORTLIST_KEY_CACHE_MS.
 *  - A key's last_used_at is written by the checks that reach PostgreSQL:
 *    at most a minute and SHORTLIST_KEY_CACHE_MS behind.
 *  - memcached down: every request checks its key in PostgreSQL.
 *  - SHORTLIST_KEY_CACHE_MS=0 turns the cache off.
 * An entry is keyed by the key's SHA-256 (as PostgreSQL keeps it); the key
 * itself never leaves the request.
 */
#ifndef SHORTLIST_KEYCACHE_H
#define SHORTLIST_KEYCACHE_H

#include <stdbool.h>
#include <stdint.h>

/* The SHA-256 of a key in hex, as apikey_hash_hex() writes it. */
#define KEYCACHE_HASH_HEX_LEN 64

struct key_who {
	int64_t key_id;
	int64_t org_id;
	int64_t user_id; /* 0: the organisation's own key */
	bool blind_view; /* the organisation's, when the entry was made */
};

/* The kept check of the key whose hash is hash_hex. Returns 1 with *who filled, or 0 (none, too old, a tombstone, cache off or down). */
int keycache_get(const char *hash_hex, struct key_who *who);

/* Keeps a check PostgreSQL just answered, unless an entry or a tombstone is there. */
void keycache_put(const char *hash_hex, const struct key_who *who);

/* Writes a tombstone over the key's entry. Returns 0, or -1 when memcached could not take it (logged). */
int keycache_forget(const char *hash_hex);

/* Writes a tombstone for every unrevoked key of the organisation. Returns 0, or -1 when PostgreSQL or memcached failed (logged). */
int keycache_forget_org(int64_t org_id);

#endif
