/* queue: durable background tasks in PostgreSQL — enqueue, leased claims, retries, rescue, dead letters. */
#include "queue/queue.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/status.h"
#include "base/util.h"
#include "core/answercache.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "core/counters.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#define WORKER_MAX 200
#define KINDS_MAX 64

/* The claim (id, locked_by, attempt) is $1, $2, $3 in every statement that acts on a claimed task. */
#define OWNED "id = $1::bigint AND state = 'running' AND locked_by = $2 AND attempts = $3::int"

static bool listening;

static void fmt_i64(char *out, size_t size, int64_t v)
{
	snprintf(out, size, "%" PRId64, v);
}

static bool valid_name(const char *s, size_t max)
{
	return s && *s && strlen(s) <= max;
}

/* Length of the strict UTF-8 character at s (1..4), or 0 when the bytes there are not one. */
static size_t utf8_char_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * An error message PostgreSQL will store: at most QUEUE_ERROR_MAX characters
 * of valid UTF-8, each invalid byte replaced by '?'. Error text may come from
 * libraries reading hostile files, and a refused UPDATE would leave the task
 * running until its lease ran out. Returns a new string; caller frees.
 */
static char *clean_error(const char *error)
{
	const unsigned char *p = (const unsigned char *)(error ? error : "unknown error");
	struct buf b = BUF_INIT(0);
	size_t chars = 0;

	while (*p && chars < QUEUE_ERROR_MAX) {
		size_t n = utf8_char_len(p);

		if (n == 0) {
			buf_append_char(&b, '?');
			p++;
		} else {
			buf_append(&b, p, n);
			p += n;
		}
		chars++;
	}
	return buf_detach(&b, NULL);
}

static int lease_of(int lease_seconds)
{
	return lease_seconds > 0 ? lease_seconds : (int)config()->task_lease_seconds;
}

int queue_enqueue(const char *kind, const char *key, int64_t org_id, const char *payload, int priority,
		  int64_t delay_ms, int64_t *id, bool *created)
{
	static const char sql[] =
		"WITH ins AS ("
		" INSERT INTO tasks (kind, idempotency_key, org_id, payload, priority, run_at, max_attempts, "
		"request_id)"
		" VALUES ($1, $2, NULLIF($3::bigint, 0), coalesce($4::jsonb, '{}'::jsonb), $5::int,"
		"  now() + $6::bigint * interval '1 millisecond', $7::int, NULLIF($8, ''))"
		" ON CONFLICT (kind, idempotency_key) DO UPDATE SET kind = EXCLUDED.kind"
		" RETURNING id, (xmax = 0) AS created)"
		" SELECT id, created, CASE WHEN created THEN pg_notify('" QUEUE_CHANNEL "', $1) END FROM ins";
	char org[24], prio[24], delay[24], attempts[24];
	const char *params[8];
	struct db_result *res = NULL;
	int rc;

	if (!valid_name(kind, QUEUE_KIND_MAX) || !valid_name(key, QUEUE_KEY_MAX) || delay_ms < 0 || org_id < 0) {
		log_warn("queue: refusing task of kind '%s': bad kind, key, organisation or delay", kind ? kind : "");
		return ST_BAD_REQUEST;
	}
	fmt_i64(org, sizeof(org), org_id);
	fmt_i64(prio, sizeof(prio), priority);
	fmt_i64(delay, sizeof(delay), delay_ms);
	fmt_i64(attempts, sizeof(attempts), config()->task_max_attempts);
	params[0] = kind;
	params[1] = key;
	params[2] = org;
	params[3] = payload;
	params[4] = prio;
	params[5] = delay;
	params[6] = attempts;
	params[7] = log_request_id() ? log_request_id() : "";
	rc = db_query("queue_enqueue", sql, 8, params, &res);
	if (rc < 0)
		goto out;
	if (db_rows(res) != 1) {
		log_error("queue: enqueue of kind '%s' returned %d rows", kind, db_rows(res));
		rc = ST_INTERNAL;
		goto out;
	}
	*id = db_int(res, 0, 0, 0);
	if (created)
		*created = db_bool(res, 0, 1);
out:
	db_result_free(res);
	return rc;
}

/* Writes kinds as a PostgreSQL text[] literal, each element quoted. Returns 0 or -1 when there are too many. */
static int kinds_literal(const char *const *kinds, struct buf *out)
{
	int i;
	const char *p;

	buf_append_char(out, '{');
	for (i = 0; kinds[i]; i++) {
		if (i >= KINDS_MAX || !valid_name(kinds[i], QUEUE_KIND_MAX))
			return -1;
		if (i > 0)
			buf_append_char(out, ',');
		buf_append_char(out, '"');
		for (p = kinds[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_append_char(out, '\\');
			buf_append_char(out, *p);
		}
		buf_append_char(out, '"');
	}
	return buf_append_char(out, '}');
}

static void task_release(struct queue_task *t)
{
	free(t->kind);
	free(t->idempotency_key);
	free(t->payload);
	free(t->locked_by);
	free(t->request_id);
}

void queue_tasks_free(struct queue_task *tasks, int n)
{
	int i;

	if (!tasks)
		return;
	for (i = 0; i < n; i++)
		task_release(&tasks[i]);
	free(tasks);
}

/*
 * Three forms of a claim, each prepared once: any kind (tasks_claimable), one
 * kind (tasks_claimable_kind gives its rows already in claim order), several.
 */
#define CLAIM_SQL(filter) \
	"WITH c AS (" \
	" SELECT id FROM tasks" \
	" WHERE state = 'queued' AND run_at <= now() AND " filter " ORDER BY priority DESC, run_at, id" \
	" LIMIT $3::int" \
	" FOR UPDATE SKIP LOCKED)," \
	" u AS (" \
	" UPDATE tasks t SET state = 'running', attempts = t.attempts + 1," \
	"  lease_until = now() + $4::int * interval '1 second', locked_by = $1, updated_at = now()" \
	" FROM c WHERE t.id = c.id" \
	" RETURNING t.id, t.org_id, t.kind, t.idempotency_key, t.payload, t.priority, t.attempts, t.max_attempts," \
	"  t.run_at, t.request_id)" \
	" SELECT id, coalesce(org_id, 0), kind, idempotency_key, payload::text, priority, attempts, max_attempts," \
	" request_id FROM u ORDER BY priority DESC, run_at, id"
static const char *const claim_names[3] = { "queue_claim_any", "queue_claim_kind", "queue_claim_kinds" };
static const char *const claim_sql[3] = { CLAIM_SQL("$2::text IS NULL"), CLAIM_SQL("kind = $2::text"),
					  CLAIM_SQL("kind = ANY ($2::text[])") };

/*
 * Tasks were claimed or their outcomes recorded: a batch's status shows
 * both, and an outcome what the task did, so the organisation's kept
 * answers are not used again once this commits, or (the drainer holds its
 * steps) within its gap (answercache.h).
 */
static void answers_changed(const struct queue_task *tasks, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && tasks[j].org_id != tasks[i].org_id; j++)
			;
		if (j == i && tasks[i].org_id > 0)
			(void)db_after_commit(answercache_invalidate_soon, tasks[i].org_id);
	}
}

int queue_claim(const char *worker, const char *const *kinds, int max, int lease_seconds, struct queue_task **tasks,
		int *n)
{
	struct buf lit = BUF_INIT(KINDS_MAX * (2 * QUEUE_KIND_MAX + 4) + 4);
	char limit[24], lease[24];
	const char *params[4];
	struct db_result *res = NULL;
	struct queue_task *out = NULL;
	int rc, rows = 0, i, form;

	*tasks = NULL;
	*n = 0;
	if (!valid_name(worker, WORKER_MAX) || max < 1 || max > QUEUE_CLAIM_MAX ||
	    (kinds && kinds_literal(kinds, &lit) < 0)) {
		log_error("queue: bad claim arguments (worker, max %d or kinds)", max);
		rc = ST_BAD_REQUEST;
		goto out;
	}
	if (db_in_transaction()) {
		log_error("queue: claim inside a transaction refused: work must not hold one open");
		rc = ST_INTERNAL;
		goto out;
	}
	fmt_i64(limit, sizeof(limit), max);
	fmt_i64(lease, sizeof(lease), lease_of(lease_seconds));
	params[2] = limit;
	params[3] = lease;
	form = !kinds ? 0 : kinds[0] && !kinds[1] ? 1 : 2;
	params[0] = worker;
	params[1] = form == 0 ? NULL : form == 1 ? kinds[0] : lit.ptr;
	rc = db_query(claim_names[form], claim_sql[form], 4, params, &res);
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	if (rows > 0)
		out = xcalloc((size_t)rows, sizeof(*out));
	for (i = 0; i < rows; i++) {
		struct queue_task *t = &out[i];

		t->id = db_int(res, i, 0, 0);
		t->org_id = db_int(res, i, 1, 0);
		t->kind = xstrdup(db_value(res, i, 2));
		t->idempotency_key = xstrdup(db_value(res, i, 3));
		t->payload = xstrdup(db_value(res, i, 4));
		t->priority = (int)db_int(res, i, 5, 0);
		t->attempt = (int)db_int(res, i, 6, 0);
		t->max_attempts = (int)db_int(res, i, 7, 0);
		t->locked_by = xstrdup(worker);
		t->request_id = db_value(res, i, 8) ? xstrdup(db_value(res, i, 8)) : NULL;
	}
	answers_changed(out, rows);
	*tasks = out;
	*n = rows;
out:
	db_result_free(res);
	buf_release(&lit);
	return rc;
}

/* Runs a statement about a claimed task: $1..$3 the claim, then extra parameters. Sets *rows to the rows changed. */
static int owned_exec(const char *name, const char *sql, const struct queue_task *task, int nextra,
		      const char *const *extra, int64_t *rows)
{
	char id[24], attempt[24];
	const char *params[8];
	int i;

	if (!task || !task->locked_by || nextra > 5)
		return ST_BAD_REQUEST;
	fmt_i64(id, sizeof(id), task->id);
	fmt_i64(attempt, sizeof(attempt), task->attempt);
	params[0] = id;
	params[1] = task->locked_by;
	params[2] = attempt;
	for (i = 0; i < nextra; i++)
		params[3 + i] = extra[i];
	return db_exec(name, sql, 3 + nextra, params, rows);
}

int queue_heartbeat(const struct queue_task *task, int lease_seconds)
{
	static const char sql[] = "UPDATE tasks SET lease_until = clock_timestamp() + $4::int * interval '1 second',"
				  " updated_at = now() WHERE " OWNED;
	char lease[24];
	const char *extra[1] = { lease };
	int64_t rows = 0;
	int rc;

	if (!task)
		return ST_BAD_REQUEST;
	fmt_i64(lease, sizeof(lease), lease_of(lease_seconds));
	rc = owned_exec("queue_heartbeat", sql, task, 1, extra, &rows);
	if (rc == 0 && rows == 0) {
		log_warn("queue: task %" PRId64 " lease lost by '%s' (attempt %d)", task->id, task->locked_by,
			 task->attempt);
		rc = ST_GONE;
	}
	return rc;
}

static const char still_owned_sql[] = "SELECT 1 FROM tasks WHERE " OWNED " FOR UPDATE";

int queue_still_owned(const struct queue_task *task)
{
	int64_t rows = 0;
	int rc = owned_exec("queue_still_owned", still_owned_sql, task, 0, NULL, &rows);

	if (rc == 0 && rows == 0)
		rc = ST_GONE;
	return rc;
}

int queue_succeed(const struct queue_task *task)
{
	static const char sql[] = "UPDATE tasks SET state = 'succeeded', finished_at = now(), lease_until = NULL,"
				  " updated_at = now() WHERE " OWNED;
	int64_t rows = 0;
	int rc = owned_exec("queue_succeed", sql, task, 0, NULL, &rows);

	if (rc == 0 && rows == 0) {
		log_warn("queue: task %" PRId64 " finished by '%s' after its lease was lost; result not recorded",
			 task->id, task->locked_by);
		rc = ST_GONE;
	}
	if (rc == 0)
		answers_changed(task, 1);
	return rc;
}

int queue_fail(const struct queue_task *task, const char *error, bool retryable, const struct backoff *policy,
	       bool *discarded)
{
	/* $4: retryable; $5: delay in ms; $6: the error. Every SET expression sees the row as it was. */
	static const char sql[] =
		"WITH u AS ("
		" UPDATE tasks SET"
		"  state = CASE WHEN $4::bool AND attempts < max_attempts THEN 'queued' ELSE 'discarded' END,"
		"  run_at = CASE WHEN $4::bool AND attempts < max_attempts"
		"   THEN clock_timestamp() + $5::bigint * interval '1 millisecond' ELSE run_at END,"
		"  finished_at = CASE WHEN $4::bool AND attempts < max_attempts THEN NULL ELSE now() END,"
		"  locked_by = CASE WHEN $4::bool AND attempts < max_attempts THEN NULL ELSE locked_by END,"
		"  lease_until = NULL, last_error = left($6, " STRINGIFY(QUEUE_ERROR_MAX) "), updated_at = now()"
											  " WHERE " OWNED
											  " RETURNING state)"
											  " SELECT state FROM u";
	static const struct backoff def = BACKOFF_DEFAULT;
	char delay[24], id[24], attempt[24];
	const char *params[6];
	struct db_result *res = NULL;
	char *text = NULL;
	int rc;

	if (!task || !task->locked_by)
		return ST_BAD_REQUEST;
	text = clean_error(error);
	fmt_i64(delay, sizeof(delay), backoff_delay_ms(policy ? policy : &def, task->attempt, NULL, NULL));
	fmt_i64(id, sizeof(id), task->id);
	fmt_i64(attempt, sizeof(attempt), task->attempt);
	params[0] = id;
	params[1] = task->locked_by;
	params[2] = attempt;
	params[3] = retryable ? "true" : "false";
	params[4] = delay;
	params[5] = text;
	rc = db_query("queue_fail", sql, 6, params, &res);
	if (rc < 0)
		goto out;
	if (db_rows(res) == 0) {
		log_warn("queue: task %" PRId64 " failed under '%s' after its lease was lost; failure not recorded",
			 task->id, task->locked_by);
		rc = ST_GONE;
		goto out;
	}
	if (discarded)
		*discarded = strcmp(db_value(res, 0, 0), "discarded") == 0;
	answers_changed(task, 1);
out:
	db_result_free(res);
	free(text);
	return rc;
}

/* Appends s to a PostgreSQL array literal as one quoted element. */
static int array_append_text(struct buf *b, const char *s)
{
	int rc = buf_append_char(b, '"');

	for (; rc == 0 && *s; s++) {
		if (*s == '"' || *s == '\\')
			rc = buf_append_char(b, '\\');
		if (rc == 0)
			rc = buf_append_char(b, *s);
	}
	return rc == 0 ? buf_append_char(b, '"') : rc;
}

/*
 * Checks a batch for queue_succeed_many / queue_fail_many and writes its
 * claims as three array literals: ids, workers, attempts ("{...}"). Returns 0
 * or ST_BAD_REQUEST (bad size, a task without locked_by, a repeated id).
 */
static int batch_claims(const struct queue_task *tasks, int n, struct buf *ids, struct buf *workers,
			struct buf *attempts)
{
	int i, j, rc = 0;

	if (n < 0 || n > QUEUE_CLAIM_MAX || (n > 0 && !tasks))
		return ST_BAD_REQUEST;
	for (i = 0; i < n; i++) {
		if (!valid_name(tasks[i].locked_by, WORKER_MAX))
			return ST_BAD_REQUEST;
		for (j = 0; j < i; j++)
			if (tasks[j].id == tasks[i].id)
				return ST_BAD_REQUEST;
	}
	rc |= buf_append_char(ids, '{') | buf_append_char(workers, '{') | buf_append_char(attempts, '{');
	for (i = 0; i < n; i++) {
		const char *sep = i > 0 ? "," : "";

		rc |= buf_printf(ids, "%s%" PRId64, sep, tasks[i].id);
		rc |= buf_append_str(workers, sep);
		rc |= array_append_text(workers, tasks[i].locked_by);
		rc |= buf_printf(attempts, "%s%d", sep, tasks[i].attempt);
	}
	rc |= buf_append_char(ids, '}') | buf_append_char(workers, '}') | buf_append_char(attempts, '}');
	return rc == 0 ? 0 : ST_INTERNAL;
}

/* The index in tasks of the task with id, or -1. */
static int batch_index(const struct queue_task *tasks, int n, int64_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (tasks[i].id == id)
			return i;
	return -1;
}

/*
 * Runs a batched owned statement ($1..$3 the claims, then extra) that
 * returns (id, state) for each task it changed; fills owned and discarded
 * (each may be NULL). Returns the number of tasks changed or a status code.
 */
static int batch_exec(const char *name, const char *sql, const struct queue_task *tasks, int n, int nextra,
		      const char *const *extra, bool *owned, bool *discarded)
{
	struct buf ids = BUF_INIT(0), workers = BUF_INIT(0), attempts = BUF_INIT(0);
	const char *params[6];
	struct db_result *res = NULL;
	int rc, rows = 0, i;

	for (i = 0; i < n; i++) {
		if (owned)
			owned[i] = false;
		if (discarded)
			discarded[i] = false;
	}
	rc = batch_claims(tasks, n, &ids, &workers, &attempts);
	if (rc < 0) {
		log_error("queue: bad batch of %d tasks (size, locked_by or a repeated task)", n);
		goto out;
	}
	if (n == 0)
		goto out;
	params[0] = ids.ptr;
	params[1] = workers.ptr;
	params[2] = attempts.ptr;
	for (i = 0; i < nextra; i++)
		params[3 + i] = extra[i];
	rc = db_query(name, sql, 3 + nextra, params, &res);
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	for (i = 0; i < rows; i++) {
		int k = batch_index(tasks, n, db_int(res, i, 0, 0));

		if (k < 0)
			continue;
		if (owned)
			owned[k] = true;
		if (discarded)
			discarded[k] = strcmp(db_value(res, i, 1), "discarded") == 0;
	}
	if (rows < n)
		log_warn("queue: %d of %d tasks in a batch had lost their lease; not recorded", n - rows, n);
	rc = rows;
out:
	db_result_free(res);
	buf_release(&ids);
	buf_release(&workers);
	buf_release(&attempts);
	return rc;
}

/* The claims of a batch as rows c(id, locked_by, attempts); OWNED_BATCH matches a task row t to its claim. */
#define CLAIMS_SQL "unnest($1::bigint[], $2::text[], $3::int[]) AS c(id, locked_by, attempts)"
#define OWNED_BATCH "t.id = c.id AND t.state = 'running' AND t.locked_by = c.locked_by AND t.attempts = c.attempts"

static const char succeed_many_sql[] =
	"UPDATE tasks t SET state = 'succeeded', finished_at = now(), lease_until = NULL,"
	" updated_at = now() FROM " CLAIMS_SQL " WHERE " OWNED_BATCH " RETURNING t.id, t.state";

int queue_succeed_many(const struct queue_task *tasks, int n, bool *owned)
{
	int rc = batch_exec("queue_succeed_many", succeed_many_sql, tasks, n, 0, NULL, owned, NULL);

	if (rc == 0)
		answers_changed(tasks, n);
	return rc;
}

int queue_fail_many(const struct queue_task *tasks, int n, const struct queue_failure *failures,
		    const struct backoff *policy, bool *owned, bool *discarded)
{
	/* f: per task retryable, delay in ms, error; every SET expression sees the row as it was. */
	static const char sql[] =
		"UPDATE tasks t SET"
		"  state = CASE WHEN f.retryable AND t.attempts < t.max_attempts THEN 'queued' ELSE 'discarded' END,"
		"  run_at = CASE WHEN f.retryable AND t.attempts < t.max_attempts"
		"   THEN clock_timestamp() + f.delay_ms * interval '1 millisecond' ELSE t.run_at END,"
		"  finished_at = CASE WHEN f.retryable AND t.attempts < t.max_attempts THEN NULL ELSE now() END,"
		"  locked_by = CASE WHEN f.retryable AND t.attempts < t.max_attempts THEN NULL ELSE t.locked_by END,"
		"  lease_until = NULL, last_error = left(f.error, " STRINGIFY(
			QUEUE_ERROR_MAX) "), updated_at = now()"
					 " FROM unnest($1::bigint[], $2::text[], $3::int[], $4::bool[], $5::bigint[], "
					 "$6::text[])"
					 "  AS f(id, locked_by, attempts, retryable, delay_ms, error)"
					 " WHERE t.id = f.id AND t.state = 'running' AND t.locked_by = f.locked_by AND "
					 "t.attempts = f.attempts"
					 " RETURNING t.id, t.state";
	static const struct backoff def = BACKOFF_DEFAULT;
	struct buf retry = BUF_INIT(0), delays = BUF_INIT(0), errors = BUF_INIT(0);
	const char *extra[3];
	int i, rc = 0;

	if (n > 0 && !failures)
		return ST_BAD_REQUEST;
	rc |= buf_append_char(&retry, '{') | buf_append_char(&delays, '{') | buf_append_char(&errors, '{');
	for (i = 0; i < n && n <= QUEUE_CLAIM_MAX && tasks; i++) {
		const char *sep = i > 0 ? "," : "";
		char *text = clean_error(failures[i].error);

		rc |= buf_printf(&retry, "%s%s", sep, failures[i].retryable ? "t" : "f");
		rc |= buf_printf(&delays, "%s%" PRId64, sep,
				 backoff_delay_ms(policy ? policy : &def, tasks[i].attempt, NULL, NULL));
		rc |= buf_append_str(&errors, sep);
		rc |= array_append_text(&errors, text);
		free(text);
	}
	rc |= buf_append_char(&retry, '}') | buf_append_char(&delays, '}') | buf_append_char(&errors, '}');
	if (rc != 0) {
		rc = ST_INTERNAL;
		goto out;
	}
	extra[0] = retry.ptr;
	extra[1] = delays.ptr;
	extra[2] = errors.ptr;
	rc = batch_exec("queue_fail_many", sql, tasks, n, 3, extra, owned, discarded);
	if (rc == 0)
		answers_changed(tasks, n);
out:
	buf_release(&retry);
	buf_release(&delays);
	buf_release(&errors);
	return rc;
}

int queue_release(const struct queue_task *task)
{
	static const char sql[] = "WITH u AS ("
				  " UPDATE tasks SET state = 'queued', attempts = attempts - 1, run_at = now(),"
				  "  lease_until = NULL, locked_by = NULL, updated_at = now()"
				  " WHERE " OWNED " RETURNING kind)"
				  " SELECT pg_notify('" QUEUE_CHANNEL "', kind) FROM u";
	int64_t rows = 0;
	int rc = owned_exec("queue_release", sql, task, 0, NULL, &rows);

	if (rc == 0 && rows == 0)
		rc = ST_GONE;
	return rc;
}

static const char defer_sql[] = "UPDATE tasks SET state = 'queued', attempts = attempts - 1,"
				" run_at = now() + make_interval(secs => $4::bigint / 1000.0),"
				" lease_until = NULL, locked_by = NULL, updated_at = now()"
				" WHERE " OWNED;

int queue_defer(const struct queue_task *task, int64_t delay_ms)
{
	char delay[24];
	const char *extra[1] = { delay };
	int64_t rows = 0;
	int rc;

	if (delay_ms < 0)
		return ST_BAD_REQUEST;
	fmt_i64(delay, sizeof(delay), delay_ms);
	rc = owned_exec("queue_defer", defer_sql, task, 1, extra, &rows);
	if (rc == 0 && rows == 0)
		rc = ST_GONE;
	return rc;
}

static const char rescue_sql[] =
	"WITH r AS ("
	" SELECT id FROM tasks WHERE state = 'running' AND lease_until < now() FOR UPDATE SKIP LOCKED),"
	" u AS ("
	" UPDATE tasks t SET"
	"  state = CASE WHEN t.attempts >= t.max_attempts THEN 'discarded' ELSE 'queued' END,"
	"  finished_at = CASE WHEN t.attempts >= t.max_attempts THEN now() END,"
	"  locked_by = CASE WHEN t.attempts >= t.max_attempts THEN t.locked_by END,"
	"  run_at = now(), lease_until = NULL, updated_at = now(),"
	"  last_error = 'lease expired after ' || t.attempts || ' attempts (worker died?)'"
	" FROM r WHERE t.id = r.id RETURNING t.id, t.state, t.kind)"
	" SELECT count(*), count(*) FILTER (WHERE state = 'discarded'),"
	"  (SELECT count(*) FROM (SELECT pg_notify('" QUEUE_CHANNEL "', kind) FROM u"
	"   WHERE state = 'queued' GROUP BY kind) n)"
	" FROM u";

int queue_rescue(int *discarded)
{
	struct db_result *res = NULL;
	int rc, total;

	if (discarded)
		*discarded = 0;
	rc = db_query("queue_rescue", rescue_sql, 0, NULL, &res);
	if (rc < 0)
		goto out;
	total = (int)db_int(res, 0, 0, 0);
	if (discarded)
		*discarded = (int)db_int(res, 0, 1, 0);
	if (total > 0)
		log_warn("queue: rescued %d tasks with expired leases (%d discarded)", total,
			 (int)db_int(res, 0, 1, 0));
	rc = total;
out:
	db_result_free(res);
	return rc;
}

int queue_ready(void)
{
	int rc = db_probe("SELECT 1 FROM tasks LIMIT 0");

	if (rc == ST_INTERNAL && strcmp(db_last_sqlstate(), "42P01") == 0)
		rc = ST_NOT_FOUND;
	return rc;
}

int queue_listen(void)
{
	int rc;

	if (listening)
		return 0;
	rc = db_listen(QUEUE_CHANNEL);
	/* db_listen remembers the channel even when the server is down, and subscribes again on reconnect. */
	if (rc != ST_INTERNAL)
		listening = true;
	return rc;
}

int queue_wait(int timeout_ms)
{
	int rc = queue_listen();

	if (rc < 0)
		return rc;
	return db_wait_notify(timeout_ms < 0 ? 0 : timeout_ms);
}

void queue_stats_free(struct queue_stat *stats, int n)
{
	int i;

	if (!stats)
		return;
	for (i = 0; i < n; i++)
		free(stats[i].kind);
	free(stats);
}

int queue_stats(int64_t org_id, struct queue_stat **stats, int *n)
{
	static const char sql[] = "SELECT kind, count(*) FILTER (WHERE state = 'queued'),"
				  " count(*) FILTER (WHERE state = 'queued' AND run_at <= now()),"
				  " count(*) FILTER (WHERE state = 'running'),"
				  " count(*) FILTER (WHERE state = 'succeeded'),"
				  " count(*) FILTER (WHERE state = 'discarded')"
				  " FROM tasks WHERE ($1::bigint = 0 OR org_id = $1::bigint)"
				  " GROUP BY kind ORDER BY kind";
	char org[24];
	const char *params[1] = { org };
	struct db_result *res = NULL;
	struct queue_stat *out = NULL;
	int rc, rows, i;

	*stats = NULL;
	*n = 0;
	fmt_i64(org, sizeof(org), org_id);
	rc = db_query("queue_stats", sql, 1, params, &res);
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	if (rows > 0)
		out = xcalloc((size_t)rows, sizeof(*out));
	for (i = 0; i < rows; i++) {
		out[i].kind = xstrdup(db_value(res, i, 0));
		out[i].queued = db_int(res, i, 1, 0);
		out[i].ready = db_int(res, i, 2, 0);
		out[i].running = db_int(res, i, 3, 0);
		out[i].succeeded = db_int(res, i, 4, 0);
		out[i].discarded = db_int(res, i, 5, 0);
	}
	*stats = out;
	*n = rows;
out:
	db_result_free(res);
	return rc;
}

void queue_dead_free(struct queue_dead *dead, int n)
{
	int i;

	if (!dead)
		return;
	for (i = 0; i < n; i++) {
		free(dead[i].kind);
		free(dead[i].idempotency_key);
		free(dead[i].payload);
		free(dead[i].last_error);
		free(dead[i].finished_at);
	}
	free(dead);
}

static char *dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

int queue_list_dead(int64_t org_id, int64_t before_id, int limit, struct queue_dead **dead, int *n)
{
	static const char sql[] = "SELECT id, kind, idempotency_key, payload::text, attempts, last_error,"
				  " to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
				  " FROM tasks WHERE state = 'discarded' AND org_id = $1::bigint AND id < $2::bigint"
				  " ORDER BY id DESC LIMIT $3::int";
	char org[24], before[24], lim[24];
	const char *params[3] = { org, before, lim };
	struct db_result *res = NULL;
	struct queue_dead *out = NULL;
	int rc, rows, i;

	*dead = NULL;
	*n = 0;
	if (org_id <= 0 || before_id < 0 || limit < 1 || limit > QUEUE_LIST_MAX)
		return ST_BAD_REQUEST;
	fmt_i64(org, sizeof(org), org_id);
	/* 0 means from the newest: a bound above every id keeps one plan for both cases. */
	fmt_i64(before, sizeof(before), before_id == 0 ? INT64_MAX : before_id);
	fmt_i64(lim, sizeof(lim), limit);
	rc = db_query("queue_list_dead", sql, 3, params, &res);
	if (rc < 0)
		goto out;
	rows = db_rows(res);
	if (rows > 0)
		out = xcalloc((size_t)rows, sizeof(*out));
	for (i = 0; i < rows; i++) {
		out[i].id = db_int(res, i, 0, 0);
		out[i].kind = dup_or_empty(db_value(res, i, 1));
		out[i].idempotency_key = dup_or_empty(db_value(res, i, 2));
		out[i].payload = dup_or_empty(db_value(res, i, 3));
		out[i].attempts = (int)db_int(res, i, 4, 0);
		out[i].last_error = dup_or_empty(db_value(res, i, 5));
		out[i].finished_at = dup_or_empty(db_value(res, i, 6));
	}
	*dead = out;
	*n = rows;
out:
	db_result_free(res);
	return rc;
}

int queue_retry_dead(int64_t org_id, int64_t id)
{
	static const char sql[] =
		"WITH u AS ("
		" UPDATE tasks SET state = 'queued', attempts = 0, run_at = now(), finished_at = NULL,"
		"  lease_until = NULL, locked_by = NULL, updated_at = now()"
		" WHERE id = $1::bigint AND org_id = $2::bigint AND state = 'discarded' RETURNING kind)"
		" SELECT pg_notify('" QUEUE_CHANNEL "', kind) FROM u";
	char sid[24], org[24];
	const char *params[2] = { sid, org };
	int64_t rows = 0;
	int rc;

	if (org_id <= 0 || id <= 0)
		return ST_NOT_FOUND;
	fmt_i64(sid, sizeof(sid), id);
	fmt_i64(org, sizeof(org), org_id);
	rc = db_exec("queue_retry_dead", sql, 2, params, &rows);
	if (rc == 0 && rows == 0)
		rc = ST_NOT_FOUND;
	return rc;
}

void queue_worker_id(char *out, size_t size)
{
	char host[256] = "";
	unsigned char rnd[4] = { 0 };
	char hex[9];
	int tail;

	if (size == 0)
		return;
	if (gethostname(host, sizeof(host) - 1) < 0 || !*host)
		snprintf(host, sizeof(host), "%s", "localhost");
	if (random_bytes(rnd, sizeof(rnd)) < 0) {
		int64_t t = now_us();

		memcpy(rnd, &t, sizeof(rnd));
	}
	hex_encode(rnd, sizeof(rnd), hex);
	/* ":PID:RANDOM" always fits; the host name gives way. */
	tail = snprintf(NULL, 0, ":%ld:%s", (long)getpid(), hex);
	snprintf(out, size, "%.*s:%ld:%s", (int)(size > (size_t)tail + 1 ? size - (size_t)tail - 1 : 0), host,
		 (long)getpid(), hex);
}

static const struct counters_statement plan_statements[] = {
	{ "queue_claim_any", CLAIM_SQL("$2::text IS NULL"), "'w', NULL, 10, 60" },
	{ "queue_claim_kind", CLAIM_SQL("kind = $2::text"), "'w', 'process_resume', 10, 60" },
	{ "queue_claim_kinds", CLAIM_SQL("kind = ANY ($2::text[])"), "'w', '{process_resume,send_email}', 10, 60" },
	{ "queue_still_owned", still_owned_sql, "1, 'w', 1" },
	{ "queue_succeed_many", succeed_many_sql, "'{1,2}', '{w,w}', '{1,1}'" },
	{ "queue_defer", defer_sql, "1, 'w', 1, 60000" },
	{ "queue_rescue", rescue_sql, "" },
};

const struct counters_statement *queue_statements(size_t *n)
{
	*n = ARRAY_SIZE(plan_statements);
	return plan_statements;
}
