/* migrate: applies infra/db/migrations/NNNN_*.sql in order, each once, each in a transaction. */
#include "core/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/util.h"
#include "core/db.h"
#include "core/log.h"

#define MAX_MIGRATIONS 1000
#define MAX_MIGRATION_BYTES (4 * 1024 * 1024)

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_migration_name(const char *n)
{
	size_t len = strlen(n);
	int i;

	if (len < 10 || strcmp(n + len - 4, ".sql") != 0)
		return false;
	for (i = 0; i < 4; i++)
		if (n[i] < '0' || n[i] > '9')
			return false;
	return n[4] == '_';
}

static int read_text(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "r");
	char chunk[8192];
	size_t got;
	int rc = 0;

	if (!f) {
		log_error("migrate: cannot open '%s': %s", path, strerror(errno));
		return ST_INTERNAL;
	}
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(out, chunk, got) < 0) {
			log_error("migrate: '%s' is larger than %d bytes", path, MAX_MIGRATION_BYTES);
			rc = ST_INTERNAL;
			break;
		}
	}
	fclose(f);
	return rc;
}

static int apply_one(const char *dir, const char *name, int verbose)
{
	struct buf path = BUF_INIT(4096), sql = BUF_INIT(MAX_MIGRATION_BYTES);
	struct db_result *res = NULL;
	const char *params[1] = { name };
	int rc;

	rc = db_begin();
	if (rc < 0)
		goto out;
	rc = db_exec(NULL, "SELECT pg_advisory_xact_lock(727274)", 0, NULL, NULL);
	if (rc < 0)
		goto out;
	rc = db_query(NULL, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, params, &res);
	if (rc < 0)
		goto out;
	if (db_rows(res) > 0) {
		rc = 0;
		goto out;
	}
	buf_printf(&path, "%s/%s", dir, name);
	rc = read_text(path.ptr, &sql);
	if (rc < 0)
		goto out;
	rc = db_exec_script(sql.ptr ? sql.ptr : "");
	if (rc < 0) {
		log_error("migrate: '%s' failed: %s", name, db_last_error());
		goto out;
	}
	rc = db_exec(NULL, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, params, NULL);
	if (rc < 0)
		goto out;
	rc = db_commit();
	if (rc == 0) {
		rc = 1;
		if (verbose)
			printf("applied %s\n", name);
	}
out:
	if (rc < 0)
		db_rollback();
	else if (db_in_transaction())
		db_rollback();
	db_result_free(res);
	buf_release(&path);
	buf_release(&sql);
	return rc;
}

int migrate_run(const char *dir, int verbose)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[MAX_MIGRATIONS];
	size_t n = 0, i;
	int rc = 0, applied = 0;

	if (!d) {
		log_error("migrate: cannot open '%s': %s", dir, strerror(errno));
		return ST_INTERNAL;
	}
	while ((e = readdir(d)) != NULL && n < MAX_MIGRATIONS)
		if (is_migration_name(e->d_name))
			names[n++] = xstrdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(names[0]), by_name);
	rc = db_exec(NULL,
		     "CREATE TABLE IF NOT EXISTS schema_migrations ("
		     " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
		     0, NULL, NULL);
	for (i = 0; i < n && rc >= 0; i++) {
		rc = apply_one(dir, names[i], verbose);
		if (rc > 0)
			applied++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return rc < 0 ? rc : applied;
}
