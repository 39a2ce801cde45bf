/* userstore: an organisation's users in PostgreSQL — made, and their passwords set. */
#ifndef SHORTLIST_USERSTORE_H
#define SHORTLIST_USERSTORE_H

#include <stdbool.h>
#include <stdint.h>

/* Whether email may name a user: it contains an '@' (the mail relay judges the rest). */
bool userstore_email_plausible(const char *email);

/*
 * Makes a user of the organisation: email (unique in it, in any case),
 * display name ("" when NULL), role admin or recruiter, and password_hash
 * (password_hash()'s stored form; NULL: the user cannot sign in to the web
 * app until one is set). Writes the new id to *id. Returns 0,
 * ST_BAD_REQUEST when the email is not plausible or PostgreSQL refuses a
 * value, ST_CONFLICT when the organisation has that email already, or a db
 * status code (ST_UNAVAILABLE when it cannot be reached).
 */
int userstore_create(int64_t org_id, const char *email, const char *name, bool admin, const char *password_hash,
		     int64_t *id);

/*
 * Sets the password hash of the organisation's user with that email (any
 * case) and signs out every session of the user, in one transaction: both
 * happen or neither. Writes the user's id to *user_id. Returns 0,
 * ST_NOT_FOUND when there is no such user, or a db status code.
 */
int userstore_set_password(int64_t org_id, const char *email, const char *password_hash, int64_t *user_id);

#endif
