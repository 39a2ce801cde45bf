/* db: the process's PostgreSQL connection — queries, prepared statements, transactions, reconnects, LISTEN. */
#ifndef SHORTLIST_DB_H
#define SHORTLIST_DB_H

#include <cJSON.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * One connection per process, opened on first use from
 * config()->database_url, reused for every request, and reopened after a
 * restart of PostgreSQL: a statement that finds the connection broken
 * outside a transaction reconnects and runs once more. Every function
 * returns a status code (status.h) on failure: ST_UNAVAILABLE when
 * PostgreSQL cannot be reached, ST_CONFLICT for a unique violation,
 * ST_BAD_REQUEST for invalid input values (SQLSTATE class 22),
 * ST_INTERNAL otherwise. The failure is logged once, here.
 *
 * Through a transaction-mode pooler (SHORTLIST_DB_POOLER=transaction, with
 * SHORTLIST_DATABASE_URL naming pgbouncer) nothing relies on the session:
 * statements are sent unnamed (the name given to db_query is ignored), the
 * connection sets no session parameter (the pooler's connect_query sets the
 * statement and idle-in-transaction timeouts on each server connection), a
 * temporary change is SET LOCAL inside a transaction, and LISTEN has a
 * connection of its own (db_listen). Callers must keep to the same rules:
 * no session SET, session advisory lock, temporary table, WITH HOLD cursor
 * or LISTEN through db_query; their transaction-scoped forms work.
 */

struct db_result;

/* Writes v as the decimal text of a statement parameter (24 bytes hold any int64_t). */
void db_int_param(int64_t v, char out[24]);

/* Connects now if not connected. Returns 0 or ST_UNAVAILABLE. */
int db_connect(void);
/* Closes the connection (at exit). */
void db_close(void);
/*
 * Checks the server answers "SELECT 1" within timeout_ms on the process's
 * connection, reconnecting if needed (for /readyz). The wait, connecting
 * included, never passes timeout_ms however the server behaves; a query cut
 * by it drops the connection (the next statement connects again). No
 * session setting changes. Inside the caller's transaction it returns 0 at
 * once. Returns 0, ST_UNAVAILABLE, or the status of the server's error.
 */
int db_ping(int timeout_ms);

/*
 * Runs sql (no parameters, never user input) once to learn whether the
 * database can serve a caller that reports outages itself (base/outage.h):
 * unlike every other function here it logs nothing, so a loop waiting for
 * PostgreSQL to come back, or for its schema, does not fill the log.
 * Connects (or reconnects, once, after a lost connection) if needed.
 * Returns 0, ST_UNAVAILABLE when PostgreSQL cannot be reached, ST_INTERNAL
 * inside a transaction or for another error (db_last_sqlstate() says which:
 * "42P01" is a missing table).
 */
int db_probe(const char *sql);

/*
 * Runs sql with $1..$n text parameters (NULL entries are SQL NULL). When name
 * is not NULL the statement is prepared once per connection under that name
 * and reused (not through a pooler: there it runs unnamed, in one round trip). On success *out (if out is not NULL) receives the result,
 * which the caller frees with db_result_free(). Returns 0 or a status code.
 */
int db_query(const char *name, const char *sql, int nparams, const char *const *params, struct db_result **out);
/*
 * Same as db_query for statements whose answer is one JSON document, the
 * first column of the first row (SELECT jsonb_build_object(...)::text):
 * parses it into *out (the caller frees it). Returns 0, ST_NOT_FOUND when
 * there is no row, ST_INTERNAL when the value is NULL or not JSON, or a db
 * status code.
 */
int db_query_json(const char *name, const char *sql, int nparams, const char *const *params, cJSON **out);
/*
 * Same as db_query for a page of a keyset-paginated list: a statement
 * returning up to limit + 1 rows of (id, JSON document) in page order.
 * *items gets the first limit documents (the caller frees it; an unreadable
 * one is left out) and *next the id of the last of them when another row
 * followed, else 0 (the last page). Returns 0 or a db status code.
 */
int db_query_page(const char *name, const char *sql, int nparams, const char *const *params, int limit, cJSON **items,
		  int64_t *next);
/* Same as db_query for statements whose rows are not needed; *affected (may be NULL) gets the row count. */
int db_exec(const char *name, const char *sql, int nparams, const char *const *params, int64_t *affected);

/*
 * Runs a script of several statements with no parameters (migrations only:
 * never with user input). Returns 0 or a status code.
 */
int db_exec_script(const char *sql);

/* Transactions. db_rollback is safe to call when no transaction is open. */
int db_begin(void);
int db_commit(void);
void db_rollback(void);
bool db_in_transaction(void);

/*
 * Runs fn(arg) once the transaction in progress has committed, or when its
 * COMMIT's outcome is unknown (the connection died during it); forgets it
 * when the transaction rolls back or its COMMIT is refused. Outside a
 * transaction fn runs at once. The same pair registered twice in one
 * transaction runs once. For effects that must not be seen before the
 * transaction's rows are (answercache_invalidate()). Returns 0, or -1 when
 * out of memory (fn then ran at once).
 */
int db_after_commit(int (*fn)(int64_t), int64_t arg);

int db_rows(const struct db_result *res);
int db_cols(const struct db_result *res);
/* The text of a value, or NULL for SQL NULL. Borrowed until db_result_free(). */
const char *db_value(const struct db_result *res, int row, int col);
/* The value parsed as an integer (def when NULL or not an integer). */
int64_t db_int(const struct db_result *res, int row, int col, int64_t def);
bool db_bool(const struct db_result *res, int row, int col);
/* Column number by name, or -1. */
int db_col(const struct db_result *res, const char *name);
void db_result_free(struct db_result *res);

/* SQLSTATE of the last failed statement ("" when none) and the server's message. */
const char *db_last_sqlstate(void);
const char *db_last_error(void);

/*
 * LISTEN/NOTIFY for the drainer. db_listen subscribes to channel (remembered
 * for every reconnect; returns 0 or a status code, the channel kept either
 * way); db_wait_notify waits up to timeout_ms for a notification on any
 * subscribed channel and returns 1 when one arrived, 0 on timeout, or a
 * status code (ST_UNAVAILABLE: the process's connection, when it is the
 * listening one, is lost; the next call connects it again).
 *
 * Notifications arrive on the process's own connection, unless
 * SHORTLIST_DB_POOLER=transaction or SHORTLIST_DATABASE_LISTEN_URL is set:
 * then on a second connection, to SHORTLIST_DATABASE_LISTEN_URL (PostgreSQL
 * itself, application_name "shortlist-listen"), which runs nothing else;
 * while that one cannot connect, db_wait_notify logs it once, waits out
 * timeout_ms and returns 0 (the caller's statements see an outage). A
 * pooled process with no listen URL cannot be notified: it logs a warning
 * once, and db_wait_notify only waits out timeout_ms and returns 0 (callers
 * poll). NOTIFY itself (pg_notify in the sender's transaction) works through
 * the pooler: it is delivered at that transaction's commit.
 */
int db_listen(const char *channel);
int db_wait_notify(int timeout_ms);

#endif
