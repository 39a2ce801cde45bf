/* db: the process's PostgreSQL connection — queries, prepared statements, transactions, reconnects, LISTEN. */
#include "core/db.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/log.h"
#include "core/procmetrics.h"

#define MAX_PREPARED 256

struct db_result {
	PGresult *res;
};

static PGconn *conn;
/* The LISTEN connection when it is not conn (pooled_mode(), or a listen URL given). */
static PGconn *listen_conn;
static bool listen_warned;
static bool listen_failing; /* the listener's last connect failed (logged once until it works again) */
static char *prepared[MAX_PREPARED];
static int nprepared;
static bool in_tx;
static bool tx_broken;
static char last_sqlstate[6];
static char last_error[512];
static char *listening[16];
static int nlistening;

/*
 * Through a transaction-mode pooler (SHORTLIST_DB_POOLER=transaction) each
 * transaction, or each statement outside one, may run on a different server
 * connection, and other clients' work runs on this one in between: a
 * statement prepared by name, a session SET or a LISTEN stays behind on a
 * server connection this process no longer holds.
 */
static bool pooled_mode(void)
{
	return strcmp(config()->db_pooler, "transaction") == 0;
}

/* Whether notifications arrive on a connection of their own rather than on conn. */
static bool own_listener(void)
{
	return pooled_mode() || *config()->database_listen_url;
}

static void forget_prepared(void)
{
	while (nprepared > 0)
		free(prepared[--nprepared]);
}

static void set_error(const char *sqlstate, const char *msg)
{
	size_t n;

	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", sqlstate ? sqlstate : "");
	snprintf(last_error, sizeof(last_error), "%s", msg ? msg : "");
	n = strlen(last_error);
	while (n > 0 && (last_error[n - 1] == '\n' || last_error[n - 1] == ' '))
		last_error[--n] = '\0';
}

static void drop_connection(void)
{
	if (conn)
		PQfinish(conn);
	conn = NULL;
	forget_prepared();
}

static void drop_listener(void)
{
	if (listen_conn)
		PQfinish(listen_conn);
	listen_conn = NULL;
}

/* LISTEN on c for every channel asked for so far. */
static int resubscribe(PGconn *c)
{
	int i;

	for (i = 0; i < nlistening; i++) {
		char *ident = PQescapeIdentifier(c, listening[i], strlen(listening[i]));
		char sql[256];
		PGresult *res;
		bool ok;

		if (!ident)
			return ST_UNAVAILABLE;
		snprintf(sql, sizeof(sql), "LISTEN %s", ident);
		PQfreemem(ident);
		res = PQexec(c, sql);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok)
			return ST_UNAVAILABLE;
	}
	return 0;
}

/* Server notices ("relation already exists, skipping") are not errors: keep them out of stderr. */
static void ignore_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

void db_int_param(int64_t v, char out[24])
{
	snprintf(out, 24, "%lld", (long long)v);
}

/* Connects unless connected; logs a failure unless quiet (db_probe's caller reports outages itself). */
/* Connections this process has opened: all but the first are reconnects. */
static uint64_t connections_opened;

/*
 * Waits until the connection's socket is ready for events, or deadline_ms
 * (monotonic) passes. Returns 1 when ready, 0 at the deadline, -1 on error.
 */
static int wait_socket(short events, int64_t deadline_ms)
{
	struct pollfd p = { PQsocket(conn), events, 0 };
	int64_t left = deadline_ms - now_ms();
	int n;

	if (p.fd < 0)
		return -1;
	if (left <= 0)
		return 0;
	n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
	return n < 0 ? -1 : n > 0;
}

/* Opens conn without blocking past deadline_ms (for probes); the connection is made in the same way otherwise. */
static void connect_until(const char *const *keys, const char *const *vals, int64_t deadline_ms)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;

	conn = PQconnectStartParams(keys, vals, 1);
	if (!conn || PQstatus(conn) == CONNECTION_BAD)
		return;
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		int w = wait_socket(st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline_ms);

		if (w <= 0) {
			PQfinish(conn);
			conn = NULL;
			set_error("08000",
				  w == 0 ? "no answer to the connection in time" : "cannot wait for the server");
			return;
		}
		st = PQconnectPoll(conn);
	}
}

/* Connects unless connected; deadline_ms (monotonic, 0: none but connect_timeout) bounds the connection itself. */
static int connect_to_server_until(bool quiet, int64_t deadline_ms)
{
	const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *vals[] = { config()->database_url, "3", "shortlist", NULL };
	char sql[96];
	PGresult *res;

	if (conn && PQstatus(conn) == CONNECTION_OK)
		return 0;
	drop_connection();
	if (deadline_ms > 0)
		connect_until(keys, vals, deadline_ms);
	else
		conn = PQconnectdbParams(keys, vals, 1);
	if (!conn && deadline_ms > 0) {
		if (!quiet)
			log_error("db: cannot connect: %s", last_error);
		return ST_UNAVAILABLE;
	}
	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		set_error("08000", conn ? PQerrorMessage(conn) : "out of memory");
		if (!quiet)
			log_error("db: cannot connect: %s", last_error);
		drop_connection();
		return ST_UNAVAILABLE;
	}
	PQsetNoticeProcessor(conn, ignore_notice, NULL);
	procmetrics_count(PM_DB_RECONNECTS, 0, 0, 0, connections_opened++ > 0);
	if (pooled_mode())
		/*
		 * A session SET here would change whichever server connection the
		 * pooler lent for it, and never the next one: the pooler sets both
		 * timeouts on each server connection it opens (connect_query in
		 * infra/pgbouncer/pgbouncer.ini), from the same configuration.
		 */
		return 0;
	snprintf(sql, sizeof(sql), "SET statement_timeout = %lld", (long long)config()->db_statement_timeout_ms);
	res = PQexec(conn, sql);
	PQclear(res);
	/*
	 * A process stopped inside a transaction (SIGSTOP, a debugger, a hung
	 * disk) would hold its row locks forever, and FOR UPDATE SKIP LOCKED
	 * would skip those tasks for as long: PostgreSQL ends such a session.
	 */
	snprintf(sql, sizeof(sql), "SET idle_in_transaction_session_timeout = %lld",
		 (long long)config()->db_idle_in_transaction_timeout_ms);
	res = PQexec(conn, sql);
	PQclear(res);
	if (!own_listener() && resubscribe(conn) < 0) {
		drop_connection();
		return ST_UNAVAILABLE;
	}
	return 0;
}

static int connect_to_server(bool quiet)
{
	return connect_to_server_until(quiet, 0);
}

/*
 * Connects the LISTEN connection unless connected, to
 * SHORTLIST_DATABASE_LISTEN_URL (PostgreSQL itself: a pooler in transaction
 * mode hands the session that ran LISTEN to other clients, and its
 * notifications never reach this process), and subscribes it again.
 */
static int connect_listener(void)
{
	const char *url = *config()->database_listen_url ? config()->database_listen_url : config()->database_url;
	const char *keys[] = { "dbname", "connect_timeout", "application_name", NULL };
	const char *vals[] = { url, "3", "shortlist-listen", NULL };

	if (listen_conn && PQstatus(listen_conn) == CONNECTION_OK)
		return 0;
	drop_listener();
	listen_conn = PQconnectdbParams(keys, vals, 1);
	if (!listen_conn || PQstatus(listen_conn) != CONNECTION_OK || resubscribe(listen_conn) < 0) {
		set_error("08000", listen_conn ? PQerrorMessage(listen_conn) : "out of memory");
		if (!listen_failing)
			log_error("db: the listener cannot connect and subscribe (waiting by timeout until it can): %s",
				  last_error);
		listen_failing = true;
		drop_listener();
		return ST_UNAVAILABLE;
	}
	PQsetNoticeProcessor(listen_conn, ignore_notice, NULL);
	if (listen_failing)
		log_info("db: the listener is connected again");
	listen_failing = false;
	return 0;
}

/* Pooled with no listen URL: LISTEN would go through the pooler, where it does not work. */
static bool listener_unusable(void)
{
	if (!pooled_mode() || *config()->database_listen_url)
		return false;
	if (!listen_warned)
		log_warn("db: SHORTLIST_DB_POOLER=transaction without SHORTLIST_DATABASE_LISTEN_URL: notifications "
			 "cannot arrive through the pooler; waiting by timeout instead");
	listen_warned = true;
	return true;
}

int db_connect(void)
{
	return connect_to_server(false);
}

/* What runs after the transaction in progress commits (db_after_commit). */
static struct after_commit {
	int (*fn)(int64_t);
	int64_t arg;
} * after_commit;
static size_t after_commit_n, after_commit_cap;

void db_close(void)
{
	free(after_commit);
	after_commit = NULL;
	after_commit_n = after_commit_cap = 0;
	drop_connection();
	drop_listener();
	while (nlistening > 0)
		free(listening[--nlistening]);
}

static bool is_prepared(const char *name)
{
	int i;

	for (i = 0; i < nprepared; i++)
		if (strcmp(prepared[i], name) == 0)
			return true;
	return false;
}

static int map_error(const PGresult *res)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	set_error(state ? state : "08006", res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
	if (!conn || PQstatus(conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)
		return ST_UNAVAILABLE;
	if (strcmp(state, "23505") == 0)
		return ST_CONFLICT;
	if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0 || strcmp(state, "23503") == 0)
		return ST_BAD_REQUEST;
	if (strcmp(state, "57014") == 0)
		return ST_UNAVAILABLE; /* statement timeout */
	return ST_INTERNAL;
}

static int run_once(const char *name, const char *sql, int n, const char *const *params, PGresult **out)
{
	PGresult *res = NULL;
	ExecStatusType st;

	*out = NULL;
	/* Unnamed through a pooler: PQexecParams parses, binds and runs in one round trip, on one server connection. */
	if (pooled_mode())
		name = NULL;
	if (name && !is_prepared(name)) {
		res = PQprepare(conn, name, sql, n, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			int rc = map_error(res);

			PQclear(res);
			return rc;
		}
		PQclear(res);
		if (nprepared < MAX_PREPARED)
			prepared[nprepared++] = xstrdup(name);
	}
	if (name)
		res = PQexecPrepared(conn, name, n, params, NULL, NULL, 0);
	else
		res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		int rc = map_error(res);

		PQclear(res);
		return rc;
	}
	*out = res;
	return 0;
}

int db_query(const char *name, const char *sql, int nparams, const char *const *params, struct db_result **out)
{
	PGresult *res = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (tx_broken)
		return ST_UNAVAILABLE;
	rc = db_connect();
	if (rc < 0)
		return rc;
	rc = run_once(name, sql, nparams, params, &res);
	if (rc == ST_UNAVAILABLE && !in_tx && PQstatus(conn) != CONNECTION_OK) {
		/* The server restarted under us: reconnect and run the statement once more. */
		log_warn("db: connection lost, reconnecting");
		drop_connection();
		rc = db_connect();
		if (rc == 0)
			rc = run_once(name, sql, nparams, params, &res);
	}
	if (rc < 0) {
		if (in_tx && (!conn || PQstatus(conn) != CONNECTION_OK))
			tx_broken = true;
		procmetrics_count(PM_DB_ERRORS, 0, 0, 0, 1);
		if (rc == ST_INTERNAL)
			log_error("db: statement failed: %s (%s)", last_error, last_sqlstate);
		else if (rc == ST_UNAVAILABLE)
			log_error("db: unavailable: %s", last_error);
		return rc;
	}
	if (out) {
		*out = xmalloc(sizeof(**out));
		(*out)->res = res;
	} else {
		PQclear(res);
	}
	return 0;
}

int db_query_json(const char *name, const char *sql, int nparams, const char *const *params, cJSON **out)
{
	struct db_result *res = NULL;
	int rc = db_query(name, sql, nparams, params, &res);

	*out = NULL;
	if (rc == 0 && db_rows(res) == 0)
		rc = ST_NOT_FOUND;
	if (rc == 0) {
		const char *v = db_value(res, 0, 0);

		if (!v || !(*out = cJSON_Parse(v)))
			rc = ST_INTERNAL;
	}
	db_result_free(res);
	return rc;
}

int db_query_page(const char *name, const char *sql, int nparams, const char *const *params, int limit, cJSON **items,
		  int64_t *next)
{
	struct db_result *res = NULL;
	int rc = db_query(name, sql, nparams, params, &res);
	int i, n;

	*items = NULL;
	*next = 0;
	if (rc < 0)
		return rc;
	*items = cJSON_CreateArray();
	n = db_rows(res);
	for (i = 0; i < n && i < limit; i++) {
		const char *v = db_value(res, i, 1);
		cJSON *item = v ? cJSON_Parse(v) : NULL;

		if (item)
			cJSON_AddItemToArray(*items, item);
	}
	if (n > limit)
		*next = db_int(res, limit - 1, 0, 0);
	db_result_free(res);
	return 0;
}

int db_exec(const char *name, const char *sql, int nparams, const char *const *params, int64_t *affected)
{
	struct db_result *res = NULL;
	int rc = db_query(name, sql, nparams, params, &res);
	int64_t n = 0;

	if (rc == 0) {
		const char *t = PQcmdTuples(res->res);

		if (t && *t && parse_int64(t, 0, INT64_MAX, &n) < 0)
			n = 0;
		db_result_free(res);
	}
	if (affected)
		*affected = n;
	return rc;
}

int db_exec_script(const char *sql)
{
	PGresult *res;
	int rc = db_connect();

	if (rc < 0)
		return rc;
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
		rc = map_error(res);
		log_error("db: script failed: %s (%s)", last_error, last_sqlstate);
	}
	PQclear(res);
	return rc;
}

int db_after_commit(int (*fn)(int64_t), int64_t arg)
{
	size_t i;

	if (!in_tx) {
		(void)fn(arg);
		return 0;
	}
	for (i = 0; i < after_commit_n; i++)
		if (after_commit[i].fn == fn && after_commit[i].arg == arg)
			return 0;
	if (after_commit_n == after_commit_cap) {
		size_t cap = after_commit_cap ? 2 * after_commit_cap : 8;
		struct after_commit *more = realloc(after_commit, cap * sizeof(*more));

		if (!more) {
			(void)fn(arg);
			return -1;
		}
		after_commit = more;
		after_commit_cap = cap;
	}
	after_commit[after_commit_n].fn = fn;
	after_commit[after_commit_n].arg = arg;
	after_commit_n++;
	return 0;
}

/* Runs (run) or forgets what waited for the commit; keeps the memory for the next transaction. */
static void settle_after_commit(bool run)
{
	size_t i, n = after_commit_n;

	after_commit_n = 0;
	for (i = 0; run && i < n; i++)
		(void)after_commit[i].fn(after_commit[i].arg);
}

int db_begin(void)
{
	int rc;

	if (in_tx) {
		log_error("db: nested transaction");
		return ST_INTERNAL;
	}
	rc = db_exec(NULL, "BEGIN", 0, NULL, NULL);
	if (rc == 0) {
		in_tx = true;
		tx_broken = false;
	}
	return rc;
}

int db_commit(void)
{
	int rc;

	if (!in_tx)
		return ST_INTERNAL;
	if (tx_broken) {
		in_tx = false;
		tx_broken = false;
		settle_after_commit(false);
		return ST_UNAVAILABLE;
	}
	rc = db_exec(NULL, "COMMIT", 0, NULL, NULL);
	in_tx = false;
	if (tx_broken) {
		/* The connection died during COMMIT: the outcome is unknown to us, and the next statement
		 * must get a new connection instead of the refusal meant for the broken transaction. */
		tx_broken = false;
		drop_connection();
		settle_after_commit(true);
		return rc;
	}
	settle_after_commit(rc == 0);
	return rc;
}

void db_rollback(void)
{
	if (!in_tx)
		return;
	in_tx = false;
	settle_after_commit(false);
	if (tx_broken) {
		tx_broken = false;
		drop_connection();
		return;
	}
	if (conn && PQstatus(conn) == CONNECTION_OK) {
		PGresult *res = PQexec(conn, "ROLLBACK");

		PQclear(res);
	}
}

bool db_in_transaction(void)
{
	return in_tx;
}

int db_ping(int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	PGresult *res;
	int rc = 0, w = 1;

	/*
	 * On the process's own connection, so a probe after a PostgreSQL restart
	 * also proves the reconnect. The wait is bounded here, not by the
	 * server: one that does not answer at all (stopped, a network that
	 * drops packets) must not hold /readyz past its budget. A plain SELECT
	 * outside any transaction changes no session setting (through a pooler
	 * the session is not ours to change).
	 */
	if (in_tx)
		return 0;
	rc = connect_to_server_until(true, deadline);
	if (rc < 0)
		return rc;
	if (!PQsendQuery(conn, "SELECT 1")) {
		set_error("08000", PQerrorMessage(conn));
		drop_connection();
		return ST_UNAVAILABLE;
	}
	while (PQisBusy(conn) && (w = wait_socket(POLLIN, deadline)) > 0)
		if (!PQconsumeInput(conn)) {
			w = -1;
			break;
		}
	if (w <= 0) {
		set_error("57014", w == 0 ? "no answer within the probe's time" : PQerrorMessage(conn));
		drop_connection(); /* what comes back later belongs to no one */
		return ST_UNAVAILABLE;
	}
	while ((res = PQgetResult(conn))) {
		if (PQresultStatus(res) != PGRES_TUPLES_OK && rc == 0)
			rc = map_error(res);
		PQclear(res);
	}
	if (rc < 0 && PQstatus(conn) != CONNECTION_OK)
		drop_connection();
	return rc;
}

/* One quiet attempt at sql on the current connection: 0 or the mapped status code. */
static int probe_once(const char *sql)
{
	PGresult *res;
	int rc = connect_to_server(true);

	if (rc < 0)
		return rc;
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		rc = 0;
	else
		rc = map_error(res);
	PQclear(res);
	if (rc < 0 && PQstatus(conn) != CONNECTION_OK)
		drop_connection();
	return rc;
}

int db_probe(const char *sql)
{
	int rc;

	if (in_tx)
		return ST_INTERNAL;
	rc = probe_once(sql);
	/* A connection the server dropped while it was away is noticed here: connect again at once. */
	if (rc == ST_UNAVAILABLE && !conn)
		rc = probe_once(sql);
	return rc;
}

int db_rows(const struct db_result *res)
{
	return res ? PQntuples(res->res) : 0;
}

int db_cols(const struct db_result *res)
{
	return res ? PQnfields(res->res) : 0;
}

const char *db_value(const struct db_result *res, int row, int col)
{
	if (!res || row < 0 || col < 0 || row >= PQntuples(res->res) || col >= PQnfields(res->res) ||
	    PQgetisnull(res->res, row, col))
		return NULL;
	return PQgetvalue(res->res, row, col);
}

int64_t db_int(const struct db_result *res, int row, int col, int64_t def)
{
	const char *v = db_value(res, row, col);
	int64_t n;

	if (!v || parse_int64(v, INT64_MIN, INT64_MAX, &n) < 0)
		return def;
	return n;
}

bool db_bool(const struct db_result *res, int row, int col)
{
	const char *v = db_value(res, row, col);

	return v && v[0] == 't';
}

int db_col(const struct db_result *res, const char *name)
{
	return res ? PQfnumber(res->res, name) : -1;
}

void db_result_free(struct db_result *res)
{
	if (!res)
		return;
	PQclear(res->res);
	free(res);
}

const char *db_last_sqlstate(void)
{
	return last_sqlstate;
}

const char *db_last_error(void)
{
	return last_error;
}

int db_listen(const char *channel)
{
	int rc;

	if (nlistening >= (int)ARRAY_SIZE(listening))
		return ST_INTERNAL;
	listening[nlistening++] = xstrdup(channel);
	if (listener_unusable())
		return 0;
	if (own_listener()) {
		drop_listener(); /* connect_listener subscribes every channel, this one too */
		return connect_listener();
	}
	rc = db_connect();
	if (rc < 0)
		return rc;
	return resubscribe(conn);
}

/* Takes the notifications c has received: 1 when there was one, else 0. */
static int take_notifications(PGconn *c)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(c)) != NULL) {
		PQfreemem(n);
		got = 1;
	}
	return got;
}

int db_wait_notify(int timeout_ms)
{
	struct pollfd pfd;
	PGconn *c;
	int rc;

	if (listener_unusable()) {
		poll(NULL, 0, timeout_ms);
		return 0;
	}
	if (own_listener() && connect_listener() < 0) {
		/* Notifications are a hint: without them the caller polls, and its statements see any outage. */
		poll(NULL, 0, timeout_ms);
		return 0;
	}
	rc = own_listener() ? 0 : db_connect();
	if (rc < 0)
		return rc;
	c = own_listener() ? listen_conn : conn;
	PQconsumeInput(c);
	if (take_notifications(c))
		return 1;
	pfd.fd = PQsocket(c);
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	if (!PQconsumeInput(c)) {
		set_error("08006", PQerrorMessage(c));
		if (c == listen_conn) {
			/* Connected again (and subscribed) on the next call; a notification missed meanwhile costs one poll. */
			log_warn("db: the listening connection was lost: %s", last_error);
			drop_listener();
			return 0;
		}
		drop_connection();
		return ST_UNAVAILABLE;
	}
	return take_notifications(c);
}
