/* queue: durable background tasks in PostgreSQL — enqueue, leased claims, retries, rescue, dead letters. */
#ifndef SHORTLIST_QUEUE_H
#define SHORTLIST_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/backoff.h"

/*
 * The `tasks` table is the queue. A task is queued, then claimed by a worker
 * (state running, attempts + 1, a lease until a deadline, locked_by = the
 * worker), then succeeded, retried (queued again with a later run_at) or
 * discarded (the dead-letter set, with last_error). A worker that dies keeps
 * its tasks until the lease runs out; queue_rescue() then requeues them.
 *
 * Delivery is at least once: after a crash a task runs again. Exactly-once
 * *effects* are the caller's job, made easy by ownership: a claim is the
 * triple (id, locked_by, attempt), and it stays valid only while the task is
 * running under it. Write results like this, so that a worker whose lease
 * was rescued cannot write after the new owner:
 *
 *     db_begin();
 *     rc = queue_still_owned(task);       (locks the task row until commit)
 *     if (rc == 0) rc = write the results;
 *     if (rc == 0) rc = queue_succeed(task);
 *     if (rc == 0) rc = db_commit(); else db_rollback();
 *
 * or guard a single statement with QUEUE_OWNED_SQL, e.g.
 *     "UPDATE resumes SET ... WHERE id = $1 AND " QUEUE_OWNED_SQL("$2", "$3", "$4")
 * with $2 = task id, $3 = locked_by, $4 = attempt.
 *
 * Every function returns 0 (or a count) on success and a status code
 * (status.h) on failure, as db.h does; ST_GONE means the caller no longer
 * owns the task. Database access goes through db.h on the process's one
 * connection, so the functions that write may run inside a caller's
 * transaction (db_begin) and then take effect at its commit.
 */

/* The LISTEN/NOTIFY channel told about new work. */
#define QUEUE_CHANNEL "shortlist_tasks"
/* Longest kind and idempotency key accepted; last_error is cut to QUEUE_ERROR_MAX characters. */
#define QUEUE_KIND_MAX 100
#define QUEUE_KEY_MAX 500
#define QUEUE_ERROR_MAX 2000
/* Most tasks one claim returns, and most rows one listing returns. */
#define QUEUE_CLAIM_MAX 1000
#define QUEUE_LIST_MAX 500

/* clang-format off */
/* An SQL condition true while the claim ($id, $worker, $attempt placeholders) still holds the task. */
#define QUEUE_OWNED_SQL(id, worker, attempt)                                                                  \
	"EXISTS (SELECT 1 FROM tasks WHERE id = " id "::bigint AND state = 'running' AND locked_by = " worker \
	" AND attempts = " attempt "::int)"
/* clang-format on */

/* One claimed task. Strings are owned by the task (queue_tasks_free). */
struct queue_task {
	int64_t id;
	int64_t org_id; /* 0 when the task belongs to no organisation */
	char *kind;
	char *idempotency_key;
	char *payload; /* JSON text, as PostgreSQL normalised it */
	int priority;
	int attempt; /* 1 on the first claim; the claim's identity with locked_by */
	int max_attempts;
	char *locked_by;  /* the worker id given to queue_claim */
	char *request_id; /* the request that made the task (queue_enqueue takes it from the log context); NULL: none */
};

/* Counts of one kind's tasks by state. */
struct queue_stat {
	char *kind;
	int64_t queued;
	int64_t ready; /* queued with run_at already passed */
	int64_t running;
	int64_t succeeded;
	int64_t discarded;
};

/* One dead letter. Strings are owned by the entry (queue_dead_free). */
struct queue_dead {
	int64_t id;
	char *kind;
	char *idempotency_key;
	char *payload;
	int attempts;
	char *last_error;
	char *finished_at; /* ISO 8601 with time zone */
};

/*
 * Adds a task, or finds the one that already has (kind, key): the same pair
 * never makes a second row, whatever its state. org_id 0 means none (else it
 * must name an organisation). payload is JSON text (NULL: {}); invalid JSON
 * is ST_BAD_REQUEST. Higher priority is claimed first. The task becomes
 * claimable delay_ms from now. max_attempts comes from
 * config()->task_max_attempts. Sends a notification on QUEUE_CHANNEL when a
 * row is created (delivered at commit when inside a transaction).
 * On success sets *id and, if created is not NULL, *created (false when the
 * task already existed). Returns 0, ST_BAD_REQUEST for an empty or too long
 * kind or key, a negative delay or bad JSON, or a db status code.
 */
int queue_enqueue(const char *kind, const char *key, int64_t org_id, const char *payload, int priority,
		  int64_t delay_ms, int64_t *id, bool *created);

/*
 * Claims up to max (1..QUEUE_CLAIM_MAX) claimable tasks for worker (a
 * non-empty id unique among live workers, see queue_worker_id): queued, run_at
 * passed, kind in kinds (a NULL-terminated list; NULL means any kind), in
 * order of priority (highest first), then run_at, then id. Each is leased for
 * lease_seconds (<= 0: config()->task_lease_seconds). Runs as one statement
 * in its own short transaction, skipping rows other claims hold, so workers
 * never wait for each other nor get the same task; refuses (ST_INTERNAL)
 * inside a caller's transaction, since work must never hold one open.
 * On success *tasks is a new array of *n tasks (possibly 0, then NULL) that
 * the caller frees with queue_tasks_free(). Returns 0 or a status code.
 */
int queue_claim(const char *worker, const char *const *kinds, int max, int lease_seconds, struct queue_task **tasks,
		int *n);
/* Frees an array from queue_claim (NULL is fine). */
void queue_tasks_free(struct queue_task *tasks, int n);

/*
 * Extends the lease of a claimed task to lease_seconds from now (<= 0: the
 * configured lease). Returns 0 while the claim holds, ST_GONE when it does
 * not any more (rescued and perhaps claimed by another worker, or finished):
 * the caller must then stop and write no result. Otherwise a db status code.
 */
int queue_heartbeat(const struct queue_task *task, int lease_seconds);

/*
 * Whether the claim still holds: 0 yes, ST_GONE no, else a db status code.
 * Locks the task row (SELECT ... FOR UPDATE), so inside a transaction no
 * rescue can take the task until commit: see the pattern above.
 */
int queue_still_owned(const struct queue_task *task);

/* Marks a claimed task succeeded (finished_at now). Returns 0, ST_GONE when not owned, or a db status code. */
int queue_succeed(const struct queue_task *task);

/*
 * Records a failed attempt with error (a short reason, never secrets or
 * resume text; NULL: "unknown error"; kept as last_error, cut to
 * QUEUE_ERROR_MAX characters, invalid UTF-8 bytes as '?'). When retryable and
 * attempts are left the task is queued again after a delay drawn from policy
 * (NULL: BACKOFF_DEFAULT) for this attempt number; otherwise it is
 * discarded. *discarded (may be NULL) tells which. Returns 0, ST_GONE when
 * not owned, or a db status code.
 */
int queue_fail(const struct queue_task *task, const char *error, bool retryable, const struct backoff *policy,
	       bool *discarded);

/*
 * Batched acknowledgements: one statement for up to QUEUE_CLAIM_MAX claimed
 * tasks, each acted on only while its own claim (id, locked_by, attempt)
 * holds, exactly as queue_succeed and queue_fail would one by one. A task
 * whose claim was lost is left untouched and the others still go through.
 * Like the single calls they run on the process's connection and may run
 * inside a caller's transaction. Use them for tasks whose completion writes
 * no result; a task with a result must check its claim and succeed in the
 * result's transaction (see the pattern above).
 */

/*
 * Marks tasks[0..n-1] succeeded. owned (may be NULL) has n entries and gets,
 * for each task, whether its claim still held (and so it is now succeeded).
 * Returns how many were succeeded (0..n; n == 0 touches nothing and returns
 * 0), ST_BAD_REQUEST when n is negative or over QUEUE_CLAIM_MAX, a task has
 * no locked_by, or the same task id appears twice (nothing is written), or a
 * db status code (nothing is written; owned is all false).
 */
int queue_succeed_many(const struct queue_task *tasks, int n, bool *owned);

/* One failed attempt for queue_fail_many: the fields mean what queue_fail's arguments do. Borrowed. */
struct queue_failure {
	const char *error;
	bool retryable;
};

/*
 * Records failures[i] for tasks[i], i < n, as queue_fail would (retried
 * after a delay from policy for each task's attempt, or discarded). owned
 * and discarded (each may be NULL) have n entries: whether the claim still
 * held, and whether the task was discarded (false when not owned). Returns
 * how many failures were recorded (0..n) or the codes of queue_succeed_many.
 */
int queue_fail_many(const struct queue_task *tasks, int n, const struct queue_failure *failures,
		    const struct backoff *policy, bool *owned, bool *discarded);

/*
 * Gives a claimed task back unworked (graceful stop): queued, claimable now,
 * and the attempt is not counted. Returns 0, ST_GONE when not owned, or a db
 * status code.
 */
int queue_release(const struct queue_task *task);

/*
 * Gives a claimed task back unworked to be claimed again delay_ms from now
 * (work that must wait, such as for a job's budget): queued, the attempt is
 * not counted, and no notification is sent. Returns 0, ST_GONE when not
 * owned, ST_BAD_REQUEST for a negative delay, or a db status code.
 */
int queue_defer(const struct queue_task *task, int64_t delay_ms);

/*
 * Requeues every running task whose lease has expired (its worker died or
 * hung), or discards it when it has used max_attempts; both get last_error
 * "lease expired after N attempts (worker died?)". Rows being finished by
 * their owner right now are skipped. Returns how many tasks were rescued
 * (>= 0) and sets *discarded (may be NULL) to how many of them were
 * discarded, or returns a db status code. Drainers call it periodically.
 */
int queue_rescue(int *discarded);

/*
 * Whether the queue can be used now: PostgreSQL answers and the tasks table
 * exists. Logs nothing (db_probe), so a worker can call it with backoff
 * while it waits, and report the wait itself. Returns 0, ST_UNAVAILABLE
 * when PostgreSQL cannot be reached, ST_NOT_FOUND when the schema is not
 * there yet (migrations not applied), or ST_INTERNAL.
 */
int queue_ready(void);

/*
 * Subscribes the process to QUEUE_CHANNEL (once; later calls do nothing), on
 * its connection or on its own listening one (db_listen says when). Call it before the first claim of a follow loop so that no
 * notification sent between an empty claim and the wait is missed. The
 * subscription survives reconnects but not db_close(): a process that closes
 * its connection does not wait on the queue afterwards.
 * Returns 0 or a db status code.
 */
int queue_listen(void);

/*
 * Waits up to timeout_ms for a notification on QUEUE_CHANNEL (subscribing
 * first if needed). Returns 1 when one arrived (or had arrived since the last
 * wait), 0 on timeout, or a db status code. A notification is a hint to
 * claim, not a promise that a claim will find something.
 */
int queue_wait(int timeout_ms);

/*
 * Counts tasks by kind and state for org_id (0: every task). On success
 * *stats is a new array of *n entries sorted by kind, freed with
 * queue_stats_free(). Returns 0 or a db status code.
 */
int queue_stats(int64_t org_id, struct queue_stat **stats, int *n);
void queue_stats_free(struct queue_stat *stats, int n);

/*
 * The dead-letter set of org_id (> 0), newest first, keyset paginated:
 * tasks with id < before_id (0: from the newest), at most limit
 * (1..QUEUE_LIST_MAX). On success *dead is a new array of *n entries freed
 * with queue_dead_free(); the next page starts before the last entry's id.
 * Returns 0, ST_BAD_REQUEST for bad arguments, or a db status code.
 */
int queue_list_dead(int64_t org_id, int64_t before_id, int limit, struct queue_dead **dead, int *n);
void queue_dead_free(struct queue_dead *dead, int n);

/*
 * Puts a discarded task of org_id back in the queue with its attempts reset
 * (an operator's "retry" on a dead letter). Returns 0, ST_NOT_FOUND when
 * org_id has no discarded task id, or a db status code.
 */
int queue_retry_dead(int64_t org_id, int64_t id);

/*
 * Writes a worker id unique across hosts and processes, "HOST:PID:RANDOM",
 * to out (size >= 32 is enough for the random part; the host is cut to fit).
 */
void queue_worker_id(char *out, size_t size);

/* The hot statements, for the plan checks (shortlistctl statements stores): name, SQL as prepared,
 * parameters with placeholders (ORG_ID, JOB_ID, RESUME_ID, ...). */
struct counters_statement;
const struct counters_statement *queue_statements(size_t *n);

#endif
