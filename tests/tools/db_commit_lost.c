/* db_commit_lost: a transaction whose connection dies during COMMIT, then one more statement on the same process. */
#include <stdio.h>

#include "core/config.h"
#include "core/db.h"
#include "core/log.h"

/*
 * The table given has a deferred constraint trigger that ends its own backend
 * (tests/t0105-db-commit-lost.sh makes it), so the INSERT succeeds and the
 * COMMIT loses the connection. A process must come back from that: the
 * statement after it gets a new connection. Prints "commit RC, next RC" and
 * exits 0 when the next statement succeeded.
 */
int main(int argc, char **argv)
{
	const char *p[1] = { "x" };
	int commit_rc, next_rc, rc;

	if (argc != 2) {
		fprintf(stderr, "usage: db_commit_lost TABLE\n");
		return 64;
	}
	config_load_or_die(NULL);
	log_init("db_commit_lost");
	rc = db_begin();
	if (rc == 0) {
		char sql[160];

		snprintf(sql, sizeof(sql), "INSERT INTO %s (v) VALUES ($1)", argv[1]);
		rc = db_exec(NULL, sql, 1, p, NULL);
	}
	if (rc < 0) {
		fprintf(stderr, "db_commit_lost: cannot start: %d\n", rc);
		db_rollback();
		return 1;
	}
	commit_rc = db_commit();
	next_rc = db_exec(NULL, "SELECT 1", 0, NULL, NULL);
	printf("commit %d, next %d\n", commit_rc, next_rc);
	db_close();
	return next_rc == 0 ? 0 : 1;
}
