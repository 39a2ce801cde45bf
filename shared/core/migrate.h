/* migrate: applies infra/db/migrations/NNNN_*.sql in order, each once, each in a transaction. */
#ifndef SHORTLIST_MIGRATE_H
#define SHORTLIST_MIGRATE_H

/*
 * Applies every migration in dir not yet recorded in schema_migrations, in
 * file-name order, each in its own transaction together with its record.
 * Concurrent runners serialise on an advisory lock. Prints one line per
 * applied migration when verbose. Returns the number applied (>= 0) or a
 * status code.
 */
int migrate_run(const char *dir, int verbose);

#endif
