/* Tests of the db layer's two modes against the configured PostgreSQL (skipped when none answers): direct and pooled. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/status.h"
#include "core/config.h"
#include "core/db.h"
#include "suite.h"

static bool live;

/* Loads the configuration again with SHORTLIST_DB_POOLER=pooler and a fresh connection. */
static void use_mode(const char *pooler, const char *listen_url)
{
	char err[256];

	db_close();
	config_release();
	setenv("SHORTLIST_DB_POOLER", pooler, 1);
	if (listen_url)
		setenv("SHORTLIST_DATABASE_LISTEN_URL", listen_url, 1);
	else
		unsetenv("SHORTLIST_DATABASE_LISTEN_URL");
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "config: %s", err);
}

/* The first value of a statement without parameters, as a new string ("" for NULL or no row). */
static char *scalar(const char *sql)
{
	struct db_result *res = NULL;
	char *out;

	ck_assert_int_eq(db_query(NULL, sql, 0, NULL, &res), 0);
	out = strdup(db_rows(res) > 0 && db_value(res, 0, 0) ? db_value(res, 0, 0) : "");
	db_result_free(res);
	return out;
}

static long long count_of(const char *sql)
{
	char *v = scalar(sql);
	long long n = strtoll(v, NULL, 10);

	free(v);
	return n;
}

static void run_named(void)
{
	struct db_result *res = NULL;
	const char *params[1] = { "41" };

	ck_assert_int_eq(db_query("test_db_named", "SELECT $1::int + 1", 1, params, &res), 0);
	ck_assert_str_eq(db_value(res, 0, 0), "42");
	db_result_free(res);
}

START_TEST(test_direct_prepares_named_statements_and_sets_the_session)
{
	char *timeout;

	if (!live)
		return;
	use_mode("", NULL);
	run_named();
	run_named();
	ck_assert_int_eq(count_of("SELECT count(*) FROM pg_prepared_statements WHERE name = 'test_db_named'"), 1);
	timeout = scalar("SELECT current_setting('statement_timeout')");
	ck_assert_str_ne(timeout, "0");
	free(timeout);
	db_close();
}
END_TEST

START_TEST(test_pooled_sends_statements_unnamed)
{
	if (!live)
		return;
	use_mode("transaction", NULL);
	run_named();
	run_named();
	/* A named statement would be left on a server connection the pooler lends to others next. */
	ck_assert_int_eq(count_of("SELECT count(*) FROM pg_prepared_statements"), 0);
	db_close();
}
END_TEST

START_TEST(test_pooled_changes_no_session_setting)
{
	if (!live)
		return;
	use_mode("transaction", NULL);
	/* Each still has the value the session started with: the pooler's connect_query sets them, not the client. */
	ck_assert_int_eq(count_of("SELECT count(*) FROM pg_settings WHERE name IN ('statement_timeout',"
				  " 'idle_in_transaction_session_timeout') AND setting = reset_val"),
			 2);
	ck_assert_int_eq(db_ping(1500), 0);
	ck_assert_int_eq(count_of("SELECT count(*) FROM pg_settings WHERE name = 'statement_timeout'"
				  " AND setting = reset_val"),
			 1);
	db_close();
}
END_TEST

START_TEST(test_ping_leaves_the_session_timeout_alone)
{
	char *before, *after;

	if (!live)
		return;
	use_mode("", NULL);
	before = scalar("SELECT current_setting('statement_timeout')");
	ck_assert_int_eq(db_ping(1500), 0);
	after = scalar("SELECT current_setting('statement_timeout')");
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	db_close();
}
END_TEST

START_TEST(test_pooled_listens_on_a_connection_of_its_own)
{
	char channel[64], sql[160], *mine, *url;
	const char *params[1] = { channel };

	if (!live)
		return;
	use_mode("transaction", NULL);
	url = strdup(config()->database_url);
	use_mode("transaction", url);
	free(url);
	snprintf(channel, sizeof(channel), "test_db_%d", (int)getpid());
	ck_assert_int_eq(db_listen(channel), 0);
	mine = scalar("SELECT pg_backend_pid()::text");
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shortlist-listen'"
		 " AND query LIKE 'LISTEN %%test_db_%d%%' AND pid <> %s",
		 (int)getpid(), mine);
	ck_assert_int_eq(count_of(sql), 1);
	ck_assert_int_eq(db_wait_notify(0), 0);
	/* NOTIFY from the statement connection, in a transaction: delivered to the listener at commit. */
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(db_exec(NULL, "SELECT pg_notify($1, 'x')", 1, params, NULL), 0);
	ck_assert_int_eq(db_wait_notify(0), 0);
	ck_assert_int_eq(db_commit(), 0);
	ck_assert_int_eq(db_wait_notify(5000), 1);
	ck_assert_int_eq(db_wait_notify(0), 0);
	free(mine);
	db_close();
}
END_TEST

START_TEST(test_pooled_without_a_listen_url_waits_by_timeout)
{
	char channel[64];
	const char *params[1] = { channel };

	if (!live)
		return;
	use_mode("transaction", NULL);
	snprintf(channel, sizeof(channel), "test_db_nolisten_%d", (int)getpid());
	ck_assert_int_eq(db_listen(channel), 0);
	ck_assert_int_eq(count_of("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shortlist-listen'"
				  " AND query LIKE '%test_db_nolisten%'"),
			 0);
	ck_assert_int_eq(db_exec(NULL, "SELECT pg_notify($1, 'x')", 1, params, NULL), 0);
	ck_assert_int_eq(db_wait_notify(50), 0);
	db_close();
}
END_TEST

START_TEST(test_direct_listens_on_the_statement_connection)
{
	char channel[64];
	const char *params[1] = { channel };

	if (!live)
		return;
	use_mode("", NULL);
	snprintf(channel, sizeof(channel), "test_db_direct_%d", (int)getpid());
	ck_assert_int_eq(db_listen(channel), 0);
	ck_assert_int_eq(count_of("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shortlist-listen'"
				  " AND query LIKE '%test_db_direct%'"),
			 0);
	ck_assert_int_eq(db_exec(NULL, "SELECT pg_notify($1, 'x')", 1, params, NULL), 0);
	ck_assert_int_eq(db_wait_notify(5000), 1);
	db_close();
}
END_TEST

START_TEST(test_a_listener_that_cannot_connect_degrades_to_waiting)
{
	if (!live)
		return;
	use_mode("transaction", "host=127.0.0.1 port=1 dbname=shortlist connect_timeout=1");
	ck_assert_int_eq(db_listen("test_db_nowhere"), ST_UNAVAILABLE);
	/* Not an error for the caller: a wait without notifications, and statements still work. */
	ck_assert_int_eq(db_wait_notify(20), 0);
	ck_assert_int_eq(db_wait_notify(20), 0);
	ck_assert_int_eq(count_of("SELECT 1"), 1);
	db_close();
}
END_TEST

static bool probe(void)
{
	char err[256];
	bool ok = false;

	if (!getenv("SHORTLIST_CONFIG") && !getenv("SHORTLIST_DATABASE_URL")) {
		printf("skip: SHORTLIST_CONFIG and SHORTLIST_DATABASE_URL unset; no PostgreSQL to test against\n");
		return false;
	}
	if (config_load(NULL, err, sizeof(err)) < 0) {
		printf("skip: configuration does not load: %s\n", err);
		return false;
	}
	if (strcmp(config()->db_pooler, "") != 0) {
		printf("skip: these tests talk to PostgreSQL itself, and SHORTLIST_DB_POOLER is set\n");
		goto out;
	}
	if (db_connect() < 0) {
		printf("skip: PostgreSQL does not answer: %s\n", db_last_error());
		goto out;
	}
	ok = true;
out:
	db_close();
	config_release();
	return ok;
}

int main(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("postgresql");
	int failed;

	live = probe();
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_direct_prepares_named_statements_and_sets_the_session);
	tcase_add_test(tc, test_pooled_sends_statements_unnamed);
	tcase_add_test(tc, test_pooled_changes_no_session_setting);
	tcase_add_test(tc, test_ping_leaves_the_session_timeout_alone);
	tcase_add_test(tc, test_pooled_listens_on_a_connection_of_its_own);
	tcase_add_test(tc, test_pooled_without_a_listen_url_waits_by_timeout);
	tcase_add_test(tc, test_direct_listens_on_the_statement_connection);
	tcase_add_test(tc, test_a_listener_that_cannot_connect_degrades_to_waiting);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? 1 : 0;
}
