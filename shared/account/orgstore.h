/* orgstore: organisations in PostgreSQL — made and found by name. */
#ifndef SHORTLIST_ORGSTORE_H
#define SHORTLIST_ORGSTORE_H

#include <stdint.h>

/*
 * Makes an organisation named name (names are unique) and writes its id to
 * *id. Returns 0, ST_CONFLICT when the name is taken, ST_BAD_REQUEST for a
 * value PostgreSQL refuses, or a db status code (ST_UNAVAILABLE when it
 * cannot be reached); db_last_error() then has the server's words.
 */
int orgstore_create(const char *name, int64_t *id);

/* The id of the organisation named name (exact match): 0 and *id set, ST_NOT_FOUND, or a db status code. */
int orgstore_find(const char *name, int64_t *id);

#endif
