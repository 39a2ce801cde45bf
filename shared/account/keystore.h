/* keystore: an organisation's API keys in PostgreSQL — made, listed and revoked; only their hashes are kept. */
#ifndef SHORTLIST_KEYSTORE_H
#define SHORTLIST_KEYSTORE_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "account/apikey.h"

#define KEYSTORE_NAME_MAX 200

/*
 * Makes a key for the organisation, belonging to user_id (0: the
 * organisation itself), labelled name. Writes the key, shown this once, to
 * key and its row id to *id; only its SHA-256 and its first
 * APIKEY_PREFIX_LEN characters are stored. Returns 0 or a status code.
 */
int keystore_create(int64_t org_id, int64_t user_id, const char *name, char key[APIKEY_LEN + 1], int64_t *id);

/*
 * The organisation's keys, newest first, below the id before (0: from the
 * newest), at most limit: [{id, prefix, name, user: {id, email} or null,
 * created_at, last_used_at, revoked_at}]. *next gets the id to continue
 * below, 0 when this was the last page. Returns 0 or a status code.
 */
int keystore_list_json(int64_t org_id, int64_t before, int limit, cJSON **items, int64_t *next);

/* One key as listed. Returns 0, ST_NOT_FOUND (not the organisation's) or a status code. */
int keystore_get_json(int64_t org_id, int64_t id, cJSON **out);

/* Revokes a key of the organisation (again is fine). Returns 0, ST_NOT_FOUND or a status code. */
int keystore_revoke(int64_t org_id, int64_t id);

/* The id of the organisation's user with that email (any case): 0 and *user_id set, ST_NOT_FOUND, or a status code. */
int keystore_find_user(int64_t org_id, const char *email, int64_t *user_id);

/*
 * Whether the caller may manage the organisation's keys: an organisation
 * key (user_id 0 with a key) or a user whose role is admin. Returns 1, 0, or
 * a status code.
 */
int keystore_may_manage(int64_t org_id, int64_t user_id, int64_t key_id);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *keystore_statements(size_t *n);

#endif
