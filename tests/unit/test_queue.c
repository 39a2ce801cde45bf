/* Tests of the task queue against the configured PostgreSQL (skipped when none answers), plus argument checks. */
#include <check.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "queue/queue.h"
#include "score/resultstore.h"
#include "suite.h"

/* Every row these tests make has a kind starting with this, so runs never see each other's tasks. */
static char run_prefix[32];
static bool live;

static const char *kind_of(const char *name)
{
	static char kinds[4][128];
	static int next;
	char *k = kinds[next++ % 4];

	snprintf(k, sizeof(kinds[0]), "%s-%s", run_prefix, name);
	return k;
}

/* The first value of a one-parameter query about a task, as a new string (NULL for SQL NULL or no row). */
static char *qstr(const char *sql, int64_t id)
{
	char sid[24];
	const char *params[1] = { sid };
	struct db_result *res = NULL;
	char *out = NULL;

	snprintf(sid, sizeof(sid), "%" PRId64, id);
	ck_assert_int_eq(db_query(NULL, sql, 1, params, &res), 0);
	if (db_rows(res) > 0 && db_value(res, 0, 0))
		out = xstrdup(db_value(res, 0, 0));
	db_result_free(res);
	return out;
}

static int64_t qint(const char *sql, int64_t id)
{
	char *s = qstr(sql, id);
	int64_t v = -1;

	if (s)
		ck_assert_int_eq(parse_int64(s, INT64_MIN, INT64_MAX, &v), 0);
	free(s);
	return v;
}

static int64_t count_kind(const char *kind)
{
	const char *params[1] = { kind };
	struct db_result *res = NULL;
	int64_t n;

	ck_assert_int_eq(db_query(NULL, "SELECT count(*) FROM tasks WHERE kind = $1", 1, params, &res), 0);
	n = db_int(res, 0, 0, -1);
	db_result_free(res);
	return n;
}

static void assert_state(int64_t id, const char *state)
{
	char *s = qstr("SELECT state FROM tasks WHERE id = $1::bigint", id);

	ck_assert_msg(s && strcmp(s, state) == 0, "task %" PRId64 " is '%s', expected '%s'", id, s ? s : "(none)",
		      state);
	free(s);
}

static void run_sql(const char *sql, int64_t id)
{
	char sid[24];
	const char *params[1] = { sid };

	snprintf(sid, sizeof(sid), "%" PRId64, id);
	ck_assert_int_eq(db_exec(NULL, sql, 1, params, NULL), 0);
}

/* Makes the lease of a task run out now, without waiting for it. */
static void expire(int64_t id)
{
	run_sql("UPDATE tasks SET lease_until = now() - interval '1 second' WHERE id = $1::bigint", id);
}

static void make_ready(int64_t id)
{
	run_sql("UPDATE tasks SET run_at = now() - interval '1 millisecond' WHERE id = $1::bigint", id);
}

static int64_t enqueue(const char *kind, const char *key, int priority, int64_t delay_ms)
{
	int64_t id = 0;

	ck_assert_int_eq(queue_enqueue(kind, key, 0, NULL, priority, delay_ms, &id, NULL), 0);
	ck_assert_int_gt(id, 0);
	return id;
}

/* Claims tasks of one kind. */
static int claim(const char *worker, const char *kind, int max, struct queue_task **tasks)
{
	const char *kinds[2] = { kind, NULL };
	int n = -1;

	ck_assert_int_eq(queue_claim(worker, kinds, max, 30, tasks, &n), 0);
	return n;
}

static struct queue_task *claim_one(const char *worker, const char *kind)
{
	struct queue_task *t = NULL;

	ck_assert_int_eq(claim(worker, kind, 1, &t), 1);
	return t;
}

/* The probe in main has said why once; each test then returns at once. */
#define SKIP_UNLESS_LIVE() \
	do { \
		if (!live) \
			return; \
	} while (0)

START_TEST(test_enqueue_is_idempotent)
{
	const char *kind = kind_of("idem");
	int64_t a = 0, b = 0, c, d;
	bool created = false;
	char *payload;

	SKIP_UNLESS_LIVE();
	ck_assert_int_eq(queue_enqueue(kind, "k1", 0, "{\"n\": 1}", 0, 0, &a, &created), 0);
	ck_assert(created);
	ck_assert_int_eq(queue_enqueue(kind, "k1", 0, "{\"n\": 2}", 9, 0, &b, &created), 0);
	ck_assert(!created);
	ck_assert_int_eq(a, b);
	ck_assert_int_eq(count_kind(kind), 1);
	/* The first enqueue wins: the second changes nothing. */
	payload = qstr("SELECT payload->>'n' || ':' || priority FROM tasks WHERE id = $1::bigint", a);
	ck_assert_str_eq(payload, "1:0");
	free(payload);
	c = enqueue(kind, "k2", 0, 0);
	d = enqueue(kind_of("idem-other"), "k1", 0, 0);
	ck_assert_int_ne(c, a);
	ck_assert_int_ne(d, a);
	/* Still the same task once it has finished: a finished task is not redone by a repeated enqueue. */
	run_sql("UPDATE tasks SET state = 'succeeded' WHERE id = $1::bigint", a);
	ck_assert_int_eq(queue_enqueue(kind, "k1", 0, NULL, 0, 0, &b, &created), 0);
	ck_assert_int_eq(b, a);
	ck_assert(!created);
	assert_state(a, "succeeded");
}
END_TEST

START_TEST(test_enqueue_rejects_bad_input)
{
	const char *kind = kind_of("bad");
	char long_key[QUEUE_KEY_MAX + 2];
	int64_t id = 0;

	SKIP_UNLESS_LIVE();
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	ck_assert_int_eq(queue_enqueue(kind, "k", 0, "{not json", 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue(kind, long_key, 0, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	long_key[QUEUE_KEY_MAX] = '\0';
	ck_assert_int_eq(queue_enqueue(kind, long_key, 0, NULL, 0, 0, &id, NULL), 0);
	/* An organisation that does not exist is refused by the foreign key. */
	ck_assert_int_eq(queue_enqueue(kind, "k", INT64_MAX, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	/* Only the key of exactly the maximum length made a row. */
	ck_assert_int_eq(count_kind(kind), 1);
}
END_TEST

START_TEST(test_enqueue_follows_the_callers_transaction)
{
	const char *kind = kind_of("tx");
	int64_t id = 0, again = 0;
	bool created = false;

	SKIP_UNLESS_LIVE();
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(queue_enqueue(kind, "rolled-back", 0, NULL, 0, 0, &id, &created), 0);
	ck_assert(created);
	db_rollback();
	ck_assert_ptr_null(qstr("SELECT state FROM tasks WHERE id = $1::bigint", id));

	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(queue_enqueue(kind, "committed", 0, NULL, 0, 0, &id, &created), 0);
	ck_assert(created);
	ck_assert_int_eq(queue_enqueue(kind, "committed", 0, NULL, 0, 0, &again, &created), 0);
	ck_assert(!created);
	ck_assert_int_eq(again, id);
	ck_assert_int_eq(db_commit(), 0);
	assert_state(id, "queued");
}
END_TEST

START_TEST(test_claim_follows_priority_then_age)
{
	const char *kind = kind_of("prio");
	struct queue_task *t = NULL;
	int64_t a, b, c, d;
	int n;

	SKIP_UNLESS_LIVE();
	a = enqueue(kind, "a", 0, 0);
	b = enqueue(kind, "b", 10, 0);
	c = enqueue(kind, "c", 5, 0);
	d = enqueue(kind, "d", 10, 0);
	/* Older tasks of a lower priority still wait for the higher ones. */
	run_sql("UPDATE tasks SET run_at = now() - interval '1 minute' WHERE id = $1::bigint", a);
	run_sql("UPDATE tasks SET run_at = now() - interval '1 minute' WHERE id = $1::bigint", c);
	/* b and d share a priority: the older run_at first, and id breaks a tie. */
	run_sql("UPDATE tasks SET run_at = now() - interval '2 seconds' WHERE id = $1::bigint", d);
	n = claim("w-prio", kind, 4, &t);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(t[0].priority, 10);
	ck_assert_int_eq(t[0].id, d);
	ck_assert_int_eq(t[1].id, b);
	ck_assert_int_eq(t[2].id, c);
	ck_assert_int_eq(t[3].id, a);
	queue_tasks_free(t, n);
}
END_TEST

START_TEST(test_claim_single_takes_the_highest_priority)
{
	const char *kind = kind_of("prio1");
	struct queue_task *t;
	int64_t low, high, mid;

	SKIP_UNLESS_LIVE();
	low = enqueue(kind, "low", -5, 0);
	high = enqueue(kind, "high", 100, 0);
	mid = enqueue(kind, "mid", 0, 0);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->id, high);
	queue_tasks_free(t, 1);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->id, mid);
	queue_tasks_free(t, 1);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->id, low);
	queue_tasks_free(t, 1);
}
END_TEST

START_TEST(test_claim_filters_kinds)
{
	const char *k1 = kind_of("filter-one"), *k2 = kind_of("filter-two");
	const char *both[3] = { k1, k2, NULL };
	const char *weird[2] = { "no such \"kind\" \\ here", NULL };
	struct queue_task *t = NULL;
	int64_t a, b;
	int n = -1;

	SKIP_UNLESS_LIVE();
	a = enqueue(k1, "x", 0, 0);
	b = enqueue(k2, "x", 0, 0);
	ck_assert_int_eq(queue_claim("w", weird, 10, 30, &t, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(t);
	t = claim_one("w", k2);
	ck_assert_int_eq(t->id, b);
	ck_assert_str_eq(t->kind, k2);
	queue_tasks_free(t, 1);
	ck_assert_int_eq(claim("w", k2, 10, &t), 0);
	ck_assert_int_eq(queue_claim("w", both, 10, 30, &t, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(t[0].id, a);
	queue_tasks_free(t, n);
}
END_TEST

START_TEST(test_run_at_is_respected)
{
	const char *kind = kind_of("later");
	struct queue_task *t = NULL;
	int64_t later, now;

	SKIP_UNLESS_LIVE();
	later = enqueue(kind, "later", 100, 60000);
	ck_assert_int_eq(claim("w", kind, 10, &t), 0);
	now = enqueue(kind, "now", 0, 0);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->id, now);
	queue_tasks_free(t, 1);
	ck_assert_int_eq(claim("w", kind, 10, &t), 0);
	assert_state(later, "queued");
	make_ready(later);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->id, later);
	queue_tasks_free(t, 1);
}
END_TEST

START_TEST(test_claim_n_marks_running_and_never_repeats)
{
	const char *kind = kind_of("claimn");
	struct queue_task *t1 = NULL, *t2 = NULL, *t3 = NULL, *none = NULL;
	int64_t ids[10];
	char key[16];
	int i, j, n1, n2, n3, seen = 0;

	SKIP_UNLESS_LIVE();
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "t%d", i);
		ids[i] = enqueue(kind, key, 0, 0);
	}
	n1 = claim("w-a", kind, 3, &t1);
	n2 = claim("w-b", kind, 3, &t2);
	n3 = claim("w-c", kind, 10, &t3);
	ck_assert_int_eq(n1, 3);
	ck_assert_int_eq(n2, 3);
	ck_assert_int_eq(n3, 4);
	for (i = 0; i < 10; i++) {
		int hits = 0;

		for (j = 0; j < n1; j++)
			hits += t1[j].id == ids[i];
		for (j = 0; j < n2; j++)
			hits += t2[j].id == ids[i];
		for (j = 0; j < n3; j++)
			hits += t3[j].id == ids[i];
		ck_assert_int_eq(hits, 1);
		seen++;
	}
	ck_assert_int_eq(seen, 10);
	ck_assert_int_eq(t1[0].attempt, 1);
	ck_assert_str_eq(t1[0].locked_by, "w-a");
	ck_assert_str_eq(t1[0].payload, "{}");
	ck_assert_int_eq(t1[0].max_attempts, (int)config()->task_max_attempts);
	ck_assert_int_eq(t1[0].org_id, 0);
	assert_state(t2[1].id, "running");
	ck_assert_int_eq(
		qint("SELECT (lease_until > now() + interval '20 seconds')::int FROM tasks WHERE id = $1::bigint",
		     t3[0].id),
		1);
	ck_assert_int_eq(claim("w-d", kind, 10, &none), 0);
	ck_assert_ptr_null(none);
	queue_tasks_free(t1, n1);
	queue_tasks_free(t2, n2);
	queue_tasks_free(t3, n3);
}
END_TEST

START_TEST(test_claim_rejects_bad_arguments)
{
	const char *kind = kind_of("claimbad");
	const char *kinds[2] = { kind, NULL };
	struct queue_task *t = NULL;
	int n = -1;

	SKIP_UNLESS_LIVE();
	enqueue(kind, "x", 0, 0);
	ck_assert_int_eq(queue_claim("w", kinds, 0, 30, &t, &n), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_claim("w", kinds, QUEUE_CLAIM_MAX + 1, 30, &t, &n), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_claim("", kinds, 1, 30, &t, &n), ST_BAD_REQUEST);
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(queue_claim("w", kinds, 1, 30, &t, &n), ST_INTERNAL);
	db_rollback();
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(t);
	/* Nothing was claimed by the refused calls. */
	t = claim_one("w", kind);
	ck_assert_int_eq(t->attempt, 1);
	queue_tasks_free(t, 1);
}
END_TEST

START_TEST(test_rescue_after_lease_expiry_and_lost_lease)
{
	const char *kind = kind_of("rescue");
	struct queue_task *a, *b;
	int64_t id;
	int discarded = -1;
	char *err;

	SKIP_UNLESS_LIVE();
	id = enqueue(kind, "x", 0, 0);
	a = claim_one("worker-a", kind);
	/* A live lease is not rescued. */
	ck_assert_int_ge(queue_rescue(NULL), 0);
	assert_state(id, "running");
	expire(id);
	ck_assert_int_ge(queue_rescue(&discarded), 1);
	ck_assert_int_eq(discarded, 0);
	assert_state(id, "queued");
	err = qstr("SELECT last_error FROM tasks WHERE id = $1::bigint", id);
	ck_assert_str_eq(err, "lease expired after 1 attempts (worker died?)");
	free(err);
	ck_assert_ptr_null(qstr("SELECT locked_by FROM tasks WHERE id = $1::bigint", id));

	/* The same worker id claims again: the old claim still must not count (attempt differs). */
	b = claim_one("worker-a", kind);
	ck_assert_int_eq(b->id, id);
	ck_assert_int_eq(b->attempt, 2);
	ck_assert_int_eq(queue_heartbeat(a, 30), ST_GONE);
	ck_assert_int_eq(queue_still_owned(a), ST_GONE);
	ck_assert_int_eq(queue_succeed(a), ST_GONE);
	ck_assert_int_eq(queue_fail(a, "late", true, NULL, NULL), ST_GONE);
	ck_assert_int_eq(queue_release(a), ST_GONE);
	assert_state(id, "running");

	/* The new owner's heartbeat extends its lease. */
	run_sql("UPDATE tasks SET lease_until = now() + interval '1 second' WHERE id = $1::bigint", id);
	ck_assert_int_eq(queue_heartbeat(b, 600), 0);
	ck_assert_int_eq(
		qint("SELECT (lease_until > now() + interval '500 seconds')::int FROM tasks WHERE id = $1::bigint", id),
		1);
	ck_assert_int_eq(queue_still_owned(b), 0);
	ck_assert_int_eq(queue_succeed(b), 0);
	assert_state(id, "succeeded");
	ck_assert_int_eq(qint("SELECT (finished_at IS NOT NULL AND lease_until IS NULL)::int FROM tasks WHERE id = "
			      "$1::bigint",
			      id),
			 1);
	/* Finished: no second success, no heartbeat, no rescue. */
	ck_assert_int_eq(queue_succeed(b), ST_GONE);
	ck_assert_int_eq(queue_heartbeat(b, 30), ST_GONE);
	ck_assert_int_ge(queue_rescue(NULL), 0);
	assert_state(id, "succeeded");
	queue_tasks_free(a, 1);
	queue_tasks_free(b, 1);
}
END_TEST

/*
 * A drainer stopped between its claim and the start of the work, whose task
 * was rescued and finished meanwhile, must not mark the scored resume as
 * processing again when it wakes (it stayed processing for good).
 */
START_TEST(test_a_lost_claim_does_not_restart_its_resume)
{
	const char *kind = kind_of("begin");
	char org_name[64], sorg[24], sjob[24], key[96];
	const char *params[3] = { org_name, NULL, NULL };
	struct db_result *res = NULL;
	struct stored_resume sr;
	struct queue_task *a, *b;
	int64_t org, job, resume, task_id = 0;
	char *status;

	SKIP_UNLESS_LIVE();
	snprintf(org_name, sizeof(org_name), "%s-org-begin", run_prefix);
	ck_assert_int_eq(db_query(NULL, "INSERT INTO organisations (name) VALUES ($1) RETURNING id", 1, params, &res),
			 0);
	org = db_int(res, 0, 0, 0);
	db_result_free(res);
	snprintf(sorg, sizeof(sorg), "%" PRId64, org);
	params[0] = sorg;
	ck_assert_int_eq(
		db_query(NULL, "INSERT INTO jobs (org_id, title) VALUES ($1, 't') RETURNING id", 1, params, &res), 0);
	job = db_int(res, 0, 0, 0);
	db_result_free(res);
	snprintf(sjob, sizeof(sjob), "%" PRId64, job);
	snprintf(key, sizeof(key), "%s/resume", run_prefix);
	params[1] = sjob;
	params[2] = key;
	ck_assert_int_eq(
		db_query(NULL,
			 "INSERT INTO resumes (org_id, job_id, s3_key, sha256, size_bytes, content_type, status)"
			 " VALUES ($1, $2, $3, repeat('a', 64), 1, 'text/plain', 'queued') RETURNING id",
			 3, params, &res),
		0);
	resume = db_int(res, 0, 0, 0);
	db_result_free(res);
	ck_assert_int_eq(queue_enqueue(kind, "r", org, "{}", 0, 0, &task_id, NULL), 0);

	a = claim_one("worker-a", kind);
	ck_assert_int_eq(a->id, task_id);
	expire(a->id);
	ck_assert_int_ge(queue_rescue(NULL), 1);
	b = claim_one("worker-b", kind);
	ck_assert_int_eq(resultstore_begin(b, resume, &sr), 0);
	ck_assert_int_eq(sr.job_id, job);
	resultstore_resume_release(&sr);
	run_sql("UPDATE resumes SET status = 'scored' WHERE id = $1::bigint", resume);
	ck_assert_int_eq(queue_succeed(b), 0);

	/* The first drainer wakes up and starts the task it no longer holds. */
	ck_assert_int_eq(resultstore_begin(a, resume, &sr), ST_GONE);
	ck_assert_ptr_null(sr.s3_key);
	status = qstr("SELECT status FROM resumes WHERE id = $1::bigint", resume);
	ck_assert_str_eq(status, "scored");
	free(status);
	queue_tasks_free(a, 1);
	queue_tasks_free(b, 1);
}
END_TEST

START_TEST(test_rescue_discards_after_max_attempts)
{
	const char *kind = kind_of("rescuemax");
	struct queue_task *t;
	int64_t id;
	int discarded = -1;
	char *err;

	SKIP_UNLESS_LIVE();
	id = enqueue(kind, "x", 0, 0);
	run_sql("UPDATE tasks SET max_attempts = 2 WHERE id = $1::bigint", id);
	t = claim_one("w", kind);
	queue_tasks_free(t, 1);
	expire(id);
	ck_assert_int_ge(queue_rescue(NULL), 1);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->attempt, 2);
	queue_tasks_free(t, 1);
	expire(id);
	ck_assert_int_ge(queue_rescue(&discarded), 1);
	ck_assert_int_ge(discarded, 1);
	assert_state(id, "discarded");
	err = qstr("SELECT last_error FROM tasks WHERE id = $1::bigint", id);
	ck_assert_str_eq(err, "lease expired after 2 attempts (worker died?)");
	free(err);
	ck_assert_int_eq(claim("w", kind, 10, &t), 0);
}
END_TEST

START_TEST(test_fail_retryable_requeues_later)
{
	const char *kind = kind_of("retry");
	const struct backoff fixed = { 30000, 30000, 30000 };
	struct queue_task *t;
	int64_t id;
	bool discarded = true;
	char *err;

	SKIP_UNLESS_LIVE();
	id = enqueue(kind, "x", 0, 0);
	t = claim_one("w", kind);
	ck_assert_int_eq(queue_fail(t, "smtp: 451 try later", true, &fixed, &discarded), 0);
	ck_assert(!discarded);
	assert_state(id, "queued");
	ck_assert_int_eq(qint("SELECT attempts FROM tasks WHERE id = $1::bigint", id), 1);
	ck_assert_int_eq(
		qint("SELECT (run_at > now() + interval '25 seconds' AND run_at < now() + interval '31 seconds'"
		     " AND locked_by IS NULL AND lease_until IS NULL AND finished_at IS NULL)::int"
		     " FROM tasks WHERE id = $1::bigint",
		     id),
		1);
	err = qstr("SELECT last_error FROM tasks WHERE id = $1::bigint", id);
	ck_assert_str_eq(err, "smtp: 451 try later");
	free(err);
	/* Not claimable before its time; failing again with the old claim is refused. */
	ck_assert_int_eq(queue_fail(t, "again", true, &fixed, NULL), ST_GONE);
	queue_tasks_free(t, 1);
	ck_assert_int_eq(claim("w", kind, 10, &t), 0);
	make_ready(id);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->attempt, 2);
	ck_assert_int_eq(queue_succeed(t), 0);
	queue_tasks_free(t, 1);
}
END_TEST

START_TEST(test_fail_discards_at_max_attempts_or_when_permanent)
{
	const char *kind = kind_of("dead");
	const struct backoff quick = { 0, 1, 1 };
	struct queue_task *t;
	int64_t id, perm;
	bool discarded = true;
	char *err, big[QUEUE_ERROR_MAX + 500];

	SKIP_UNLESS_LIVE();
	id = enqueue(kind, "x", 0, 0);
	run_sql("UPDATE tasks SET max_attempts = 2 WHERE id = $1::bigint", id);
	t = claim_one("w", kind);
	ck_assert_int_eq(queue_fail(t, "first", true, &quick, &discarded), 0);
	ck_assert(!discarded);
	queue_tasks_free(t, 1);
	make_ready(id);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->attempt, 2);
	memset(big, 'e', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(queue_fail(t, big, true, &quick, &discarded), 0);
	ck_assert(discarded);
	queue_tasks_free(t, 1);
	assert_state(id, "discarded");
	ck_assert_int_eq(qint("SELECT length(last_error) FROM tasks WHERE id = $1::bigint", id), QUEUE_ERROR_MAX);
	ck_assert_int_eq(qint("SELECT (finished_at IS NOT NULL)::int FROM tasks WHERE id = $1::bigint", id), 1);
	ck_assert_int_eq(claim("w", kind, 10, &t), 0);

	/* A permanent failure is discarded on the first attempt. */
	perm = enqueue(kind, "permanent", 0, 0);
	t = claim_one("w", kind);
	ck_assert_int_eq(t->id, perm);
	ck_assert_int_eq(queue_fail(t, NULL, false, NULL, &discarded), 0);
	ck_assert(discarded);
	queue_tasks_free(t, 1);
	assert_state(perm, "discarded");
	err = qstr("SELECT last_error || ':' || attempts FROM tasks WHERE id = $1::bigint", perm);
	ck_assert_str_eq(err, "unknown error:1");
	free(err);

	/* Error text from a hostile file is stored, its invalid bytes replaced, rather than refused. */
	perm = enqueue(kind, "invalid-utf8", 0, 0);
	t = claim_one("w", kind);
	ck_assert_int_eq(queue_fail(t, "\xff\xfe bad \xc3\xa9t\xc3 \xed\xa0\x80 \xe2\x82\xac", false, NULL, NULL), 0);
	queue_tasks_free(t, 1);
	err = qstr("SELECT last_error FROM tasks WHERE id = $1::bigint", perm);
	ck_assert_str_eq(err, "?? bad \xc3\xa9t? ??? \xe2\x82\xac");
	free(err);
}
END_TEST

/* A batch where some claims still hold and some were lost: only the held ones succeed, the rest are untouched. */
START_TEST(test_succeed_many_acts_only_on_owned_claims)
{
	const char *kind = kind_of("many-ok");
	struct queue_task *a = NULL, *b;
	bool owned[5];
	int64_t ids[5];
	int i;

	SKIP_UNLESS_LIVE();
	for (i = 0; i < 5; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i);
		ids[i] = enqueue(kind, key, 0, 0);
	}
	ck_assert_int_eq(claim("worker-a", kind, 5, &a), 5);
	/*
	 * a[2]'s lease runs out and the same worker id claims it again (attempt 2:
	 * the batch's attempt-1 claim no longer counts); a[4] was already finished.
	 */
	expire(a[2].id);
	ck_assert_int_ge(queue_rescue(NULL), 1);
	b = claim_one("worker-a", kind);
	ck_assert_int_eq(b->attempt, 2);
	ck_assert_int_eq(b->id, a[2].id);
	ck_assert_int_eq(queue_succeed(&a[4]), 0);

	ck_assert_int_eq(queue_succeed_many(a, 5, owned), 3);
	ck_assert(owned[0] && owned[1] && !owned[2] && owned[3] && !owned[4]);
	for (i = 0; i < 5; i++)
		assert_state(ids[i], i == 2 ? "running" : "succeeded");
	ck_assert_int_eq(qint("SELECT count(*) FROM tasks WHERE id = $1::bigint AND attempts = 2", a[2].id), 1);
	/* A second acknowledgement of the same batch finds nothing owned. */
	ck_assert_int_eq(queue_succeed_many(a, 5, owned), 0);
	ck_assert(!owned[0] && !owned[3]);
	ck_assert_int_eq(queue_succeed_many(b, 1, NULL), 1);
	assert_state(b->id, "succeeded");
	queue_tasks_free(a, 5);
	queue_tasks_free(b, 1);
}
END_TEST

START_TEST(test_succeed_many_follows_the_callers_transaction)
{
	const char *kind = kind_of("many-tx");
	struct queue_task *a = NULL;

	SKIP_UNLESS_LIVE();
	enqueue(kind, "x", 0, 0);
	enqueue(kind, "y", 0, 0);
	ck_assert_int_eq(claim("w", kind, 2, &a), 2);
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(queue_succeed_many(a, 2, NULL), 2);
	db_rollback();
	assert_state(a[0].id, "running");
	assert_state(a[1].id, "running");
	ck_assert_int_eq(queue_succeed_many(a, 2, NULL), 2);
	assert_state(a[1].id, "succeeded");
	queue_tasks_free(a, 2);
}
END_TEST

/* Empty batches, too many tasks, repeated ids and tasks with no claim: refused before anything is written. */
START_TEST(test_batches_reject_bad_arguments)
{
	const char *kind = kind_of("many-bad");
	struct queue_failure f[2] = { { "x", true }, { "y", true } };
	struct queue_task *a = NULL, dup[2], *big = NULL;
	bool owned[2] = { true, true };
	char *saved;
	int i;

	SKIP_UNLESS_LIVE();
	ck_assert_int_eq(queue_succeed_many(NULL, 0, NULL), 0);
	ck_assert_int_eq(queue_fail_many(NULL, 0, NULL, NULL, NULL, NULL), 0);
	enqueue(kind, "x", 0, 0);
	enqueue(kind, "y", 0, 0);
	ck_assert_int_eq(claim("w", kind, 2, &a), 2);
	ck_assert_int_eq(queue_succeed_many(a, -1, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_succeed_many(NULL, 2, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_fail_many(a, 2, NULL, NULL, NULL, NULL), ST_BAD_REQUEST);
	dup[0] = a[0];
	dup[1] = a[0];
	ck_assert_int_eq(queue_succeed_many(dup, 2, owned), ST_BAD_REQUEST);
	ck_assert(!owned[0] && !owned[1]);
	ck_assert_int_eq(queue_fail_many(dup, 2, f, NULL, NULL, NULL), ST_BAD_REQUEST);
	saved = a[1].locked_by;
	a[1].locked_by = NULL;
	ck_assert_int_eq(queue_succeed_many(a, 2, NULL), ST_BAD_REQUEST);
	a[1].locked_by = saved;
	assert_state(a[0].id, "running");
	assert_state(a[1].id, "running");

	/* QUEUE_CLAIM_MAX tasks go in one batch; one more is refused. */
	big = xcalloc(QUEUE_CLAIM_MAX + 1, sizeof(*big));
	for (i = 0; i <= QUEUE_CLAIM_MAX; i++) {
		big[i] = a[0];
		big[i].id = a[0].id + 1000000000LL + i;
	}
	ck_assert_int_eq(queue_succeed_many(big, QUEUE_CLAIM_MAX + 1, NULL), ST_BAD_REQUEST);
	big[0] = a[0];
	big[1] = a[1];
	ck_assert_int_eq(queue_succeed_many(big, QUEUE_CLAIM_MAX, NULL), 2);
	assert_state(a[0].id, "succeeded");
	assert_state(a[1].id, "succeeded");
	free(big);
	queue_tasks_free(a, 2);
}
END_TEST

/* Failures in a batch: retried, discarded at max attempts or when permanent, lost, with awkward error text. */
START_TEST(test_fail_many_records_each_failure)
{
	const char *kind = kind_of("many-fail");
	const struct backoff slow = { 60000, 60000, 120000 };
	const char *awkward = "a \"quoted\", {braced} \\ back\xff slash";
	struct queue_failure f[4] = {
		{ "retry me", true }, { awkward, true }, { "permanent", false }, { "lost", true }
	};
	struct queue_task *a = NULL, *b;
	bool owned[4], discarded[4];
	char *err;
	int i;

	SKIP_UNLESS_LIVE();
	for (i = 0; i < 4; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i);
		enqueue(kind, key, 0, 0);
	}
	ck_assert_int_eq(claim("w", kind, 4, &a), 4);
	run_sql("UPDATE tasks SET max_attempts = 1 WHERE id = $1::bigint", a[1].id);
	expire(a[3].id);
	ck_assert_int_ge(queue_rescue(NULL), 1);
	b = claim_one("other", kind);
	ck_assert_int_eq(b->id, a[3].id);

	ck_assert_int_eq(queue_fail_many(a, 4, f, &slow, owned, discarded), 3);
	ck_assert(owned[0] && owned[1] && owned[2] && !owned[3]);
	ck_assert(!discarded[0] && discarded[1] && discarded[2] && !discarded[3]);
	assert_state(a[0].id, "queued");
	ck_assert_int_eq(qint("SELECT (run_at > now() + interval '30 seconds' AND locked_by IS NULL"
			      " AND finished_at IS NULL)::int FROM tasks WHERE id = $1::bigint",
			      a[0].id),
			 1);
	assert_state(a[1].id, "discarded");
	err = qstr("SELECT last_error FROM tasks WHERE id = $1::bigint", a[1].id);
	ck_assert_str_eq(err, "a \"quoted\", {braced} \\ back? slash");
	free(err);
	assert_state(a[2].id, "discarded");
	err = qstr("SELECT last_error || ':' || (finished_at IS NOT NULL) FROM tasks WHERE id = $1::bigint", a[2].id);
	ck_assert_str_eq(err, "permanent:true");
	free(err);
	/* The lost claim left the new owner's task as it was. */
	ck_assert_int_eq(qint("SELECT count(*) FROM tasks WHERE id = $1::bigint AND state = 'running'"
			      " AND locked_by = 'other' AND last_error LIKE 'lease expired%'",
			      a[3].id),
			 1);
	ck_assert_int_eq(queue_still_owned(b), 0);
	queue_tasks_free(a, 4);
	queue_tasks_free(b, 1);
}
END_TEST

START_TEST(test_release_gives_back_without_counting)
{
	const char *kind = kind_of("release");
	struct queue_task *t, *again;
	int64_t id;

	SKIP_UNLESS_LIVE();
	id = enqueue(kind, "x", 0, 0);
	t = claim_one("w", kind);
	ck_assert_int_eq(queue_release(t), 0);
	assert_state(id, "queued");
	ck_assert_int_eq(qint("SELECT attempts FROM tasks WHERE id = $1::bigint", id), 0);
	ck_assert_int_eq(queue_release(t), ST_GONE);
	again = claim_one("w2", kind);
	ck_assert_int_eq(again->id, id);
	ck_assert_int_eq(again->attempt, 1);
	/* The released claim looks like the new one (same attempt number) but not the same worker. */
	ck_assert_int_eq(queue_succeed(t), ST_GONE);
	ck_assert_int_eq(queue_succeed(again), 0);
	queue_tasks_free(t, 1);
	queue_tasks_free(again, 1);
}
END_TEST

START_TEST(test_owned_write_pattern)
{
	const char *kind = kind_of("owned");
	struct queue_task *a, *b;
	char sid[24], attempt[24];
	const char *params[3];
	int64_t id, rows = -1;

	SKIP_UNLESS_LIVE();
	id = enqueue(kind, "x", 0, 0);
	a = claim_one("wa", kind);
	snprintf(sid, sizeof(sid), "%" PRId64, id);
	snprintf(attempt, sizeof(attempt), "%d", a->attempt);
	params[0] = sid;
	params[1] = a->locked_by;
	params[2] = attempt;
	ck_assert_int_eq(db_exec(NULL, "SELECT 1 WHERE " QUEUE_OWNED_SQL("$1", "$2", "$3"), 3, params, &rows), 0);
	ck_assert_int_eq(rows, 1);
	expire(id);
	ck_assert_int_ge(queue_rescue(NULL), 1);
	b = claim_one("wb", kind);
	ck_assert_int_eq(db_exec(NULL, "SELECT 1 WHERE " QUEUE_OWNED_SQL("$1", "$2", "$3"), 3, params, &rows), 0);
	ck_assert_int_eq(rows, 0);
	/* The transactional pattern: the stale owner's write is refused, the new owner's goes through. */
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(queue_still_owned(a), ST_GONE);
	db_rollback();
	ck_assert_int_eq(db_begin(), 0);
	ck_assert_int_eq(queue_still_owned(b), 0);
	ck_assert_int_eq(queue_succeed(b), 0);
	ck_assert_int_eq(db_commit(), 0);
	assert_state(id, "succeeded");
	queue_tasks_free(a, 1);
	queue_tasks_free(b, 1);
}
END_TEST

/* Reads one byte from fd; fails the test on end of file. */
static void expect_byte(int fd, char want)
{
	char c = 0;

	ck_assert_int_eq(read(fd, &c, 1), 1);
	ck_assert_int_eq(c, want);
}

START_TEST(test_notify_wakes_a_waiter_at_commit)
{
	const char *kind = kind_of("notify");
	struct queue_task *t = NULL;
	int to_child[2], to_parent[2], status = -1, quiet;
	pid_t pid;

	SKIP_UNLESS_LIVE();
	ck_assert_int_eq(pipe(to_child), 0);
	ck_assert_int_eq(pipe(to_parent), 0);
	/* Fork with no connection open (CK_FORK=no runs earlier tests in this process), so the child opens its own. */
	db_close();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int64_t id = 0;
		char c = 0;
		int rc = 0;

		close(to_child[1]);
		close(to_parent[0]);
		if (read(to_child[0], &c, 1) != 1)
			_exit(2);
		rc |= db_begin();
		rc |= queue_enqueue(kind, "x", 0, NULL, 0, 0, &id, NULL);
		if (write(to_parent[1], "e", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(3);
		rc |= db_commit();
		db_close();
		_exit(rc == 0 ? 0 : 4);
	}
	close(to_child[0]);
	close(to_parent[1]);
	ck_assert_int_eq(queue_listen(), 0);
	ck_assert_int_eq(queue_listen(), 0);
	while (queue_wait(0) == 1)
		; /* forget anything other programs sent before */
	/* Other programs of the instance may still notify: wait for a quiet 50 ms, within a second. */
	for (quiet = 0; quiet < 20 && queue_wait(50) == 1; quiet++)
		;
	ck_assert_int_lt(quiet, 20);
	ck_assert_int_eq(write(to_child[1], "g", 1), 1);
	expect_byte(to_parent[0], 'e');
	/* Enqueued but not committed: nothing is delivered yet. */
	ck_assert_int_eq(queue_wait(300), 0);
	ck_assert_int_eq(write(to_child[1], "c", 1), 1);
	ck_assert_int_eq(queue_wait(10000), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(to_child[1]);
	close(to_parent[0]);
	ck_assert_int_eq(claim("w", kind, 10, &t), 1);
	queue_tasks_free(t, 1);
}
END_TEST

START_TEST(test_stats_and_dead_letters)
{
	const char *kind = kind_of("stats");
	char org_name[64], sorg[24], key[16];
	const char *params[1] = { org_name };
	struct db_result *res = NULL;
	struct queue_stat *st = NULL;
	struct queue_dead *dead = NULL;
	struct queue_task *t;
	int64_t org, ids[5], other;
	int i, n = -1, found = 0;

	SKIP_UNLESS_LIVE();
	snprintf(org_name, sizeof(org_name), "%s-org", run_prefix);
	ck_assert_int_eq(db_query(NULL, "INSERT INTO organisations (name) VALUES ($1) RETURNING id", 1, params, &res),
			 0);
	org = db_int(res, 0, 0, 0);
	db_result_free(res);
	snprintf(org_name, sizeof(org_name), "%s-org2", run_prefix);
	ck_assert_int_eq(db_query(NULL, "INSERT INTO organisations (name) VALUES ($1) RETURNING id", 1, params, &res),
			 0);
	other = db_int(res, 0, 0, 0);
	db_result_free(res);
	snprintf(sorg, sizeof(sorg), "%" PRId64, org);
	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "s%d", i);
		ck_assert_int_eq(queue_enqueue(kind, key, org, "{\"resume\": 7}", 0, 0, &ids[i], NULL), 0);
	}
	/* Three discarded, one succeeded, one left queued. */
	for (i = 0; i < 4; i++) {
		t = claim_one("w", kind);
		ck_assert_int_eq(t->id, ids[i]);
		ck_assert_int_eq(t->org_id, org);
		if (i < 3)
			ck_assert_int_eq(queue_fail(t, i == 1 ? "bad pdf" : "no text", false, NULL, NULL), 0);
		else
			ck_assert_int_eq(queue_succeed(t), 0);
		queue_tasks_free(t, 1);
	}
	ck_assert_int_eq(queue_stats(org, &st, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(st[0].kind, kind);
	ck_assert_int_eq(st[0].queued, 1);
	ck_assert_int_eq(st[0].ready, 1);
	ck_assert_int_eq(st[0].running, 0);
	ck_assert_int_eq(st[0].succeeded, 1);
	ck_assert_int_eq(st[0].discarded, 3);
	queue_stats_free(st, n);
	ck_assert_int_eq(queue_stats(0, &st, &n), 0);
	for (i = 0; i < n; i++)
		found += strcmp(st[i].kind, kind) == 0;
	ck_assert_int_eq(found, 1);
	queue_stats_free(st, n);
	ck_assert_int_eq(queue_stats(other, &st, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_null(st);

	/* Newest first, two per page. */
	ck_assert_int_eq(queue_list_dead(org, 0, 2, &dead, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(dead[0].id, ids[2]);
	ck_assert_int_eq(dead[1].id, ids[1]);
	ck_assert_str_eq(dead[1].last_error, "bad pdf");
	ck_assert_str_eq(dead[1].kind, kind);
	ck_assert_str_eq(dead[1].idempotency_key, "s1");
	ck_assert_str_eq(dead[1].payload, "{\"resume\": 7}");
	ck_assert_int_eq(dead[1].attempts, 1);
	ck_assert_int_eq((int)strlen(dead[1].finished_at), 24);
	ck_assert_int_eq(dead[1].finished_at[23], 'Z');
	queue_dead_free(dead, n);
	ck_assert_int_eq(queue_list_dead(org, ids[1], 2, &dead, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(dead[0].id, ids[0]);
	queue_dead_free(dead, n);
	ck_assert_int_eq(queue_list_dead(org, ids[0], 2, &dead, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(queue_list_dead(other, 0, 10, &dead, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(queue_list_dead(0, 0, 10, &dead, &n), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_list_dead(org, 0, 0, &dead, &n), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_list_dead(org, 0, QUEUE_LIST_MAX + 1, &dead, &n), ST_BAD_REQUEST);

	/* A dead letter comes back only to its own organisation, once. */
	ck_assert_int_eq(queue_retry_dead(other, ids[1]), ST_NOT_FOUND);
	ck_assert_int_eq(queue_retry_dead(org, ids[3]), ST_NOT_FOUND);
	ck_assert_int_eq(queue_retry_dead(org, ids[1]), 0);
	ck_assert_int_eq(queue_retry_dead(org, ids[1]), ST_NOT_FOUND);
	assert_state(ids[1], "queued");
	ck_assert_int_eq(qint("SELECT attempts FROM tasks WHERE id = $1::bigint", ids[1]), 0);
	ck_assert_int_eq(queue_list_dead(org, 0, 10, &dead, &n), 0);
	ck_assert_int_eq(n, 2);
	queue_dead_free(dead, n);
	run_sql("DELETE FROM organisations WHERE id = $1::bigint", org);
	run_sql("DELETE FROM organisations WHERE id = $1::bigint", other);
	ck_assert_ptr_null(qstr("SELECT state FROM tasks WHERE id = $1::bigint", ids[0]));
}
END_TEST

/* ---- without a database ---- */

START_TEST(test_bad_arguments_fail_before_the_database)
{
	char long_kind[QUEUE_KIND_MAX + 2];
	const char *kinds[2] = { long_kind, NULL };
	struct queue_task *t = (struct queue_task *)1;
	int64_t id = 0;
	int n = -1;

	memset(long_kind, 'k', sizeof(long_kind) - 1);
	long_kind[sizeof(long_kind) - 1] = '\0';
	ck_assert_int_eq(queue_enqueue("", "k", 0, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue(NULL, "k", 0, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue("k", "", 0, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue("k", NULL, 0, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue(long_kind, "k", 0, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue("k", "k", 0, NULL, 0, -1, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_enqueue("k", "k", -3, NULL, 0, 0, &id, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(id, 0);
	ck_assert_int_eq(queue_claim("w", kinds, 1, 30, &t, &n), ST_BAD_REQUEST);
	ck_assert_ptr_null(t);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(queue_claim(NULL, NULL, 1, 30, &t, &n), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_heartbeat(NULL, 30), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_fail(NULL, "x", true, NULL, NULL), ST_BAD_REQUEST);
	ck_assert_int_eq(queue_retry_dead(0, 5), ST_NOT_FOUND);
	queue_tasks_free(NULL, 0);
	queue_stats_free(NULL, 0);
	queue_dead_free(NULL, 0);
}
END_TEST

START_TEST(test_worker_ids_are_unique_and_bounded)
{
	char a[64], b[64], small[20];
	char pid[16];

	queue_worker_id(a, sizeof(a));
	queue_worker_id(b, sizeof(b));
	ck_assert_str_ne(a, b);
	snprintf(pid, sizeof(pid), ":%ld:", (long)getpid());
	ck_assert_ptr_nonnull(strstr(a, pid));
	queue_worker_id(small, sizeof(small));
	ck_assert_uint_lt(strlen(small), sizeof(small));
	/* The pid and random part survive; the host name gives way. */
	ck_assert_uint_eq(strlen(strrchr(small, ':') + 1), 8);
	queue_worker_id(a, 0);
}
END_TEST

/* Whether the configured PostgreSQL answers and has the schema. Leaves no connection open for forked tests. */
static bool probe(void)
{
	char err[256];
	unsigned char rnd[4];
	char hex[9];
	bool ok = false;

	if (!getenv("SHORTLIST_CONFIG") && !getenv("SHORTLIST_DATABASE_URL")) {
		printf("skip: SHORTLIST_CONFIG and SHORTLIST_DATABASE_URL unset; no PostgreSQL to test the queue "
		       "against\n");
		return false;
	}
	if (config_load(NULL, err, sizeof(err)) < 0) {
		printf("skip: configuration does not load: %s\n", err);
		return false;
	}
	if (db_connect() < 0) {
		printf("skip: PostgreSQL does not answer: %s\n", db_last_error());
		goto out;
	}
	if (db_exec(NULL, "SELECT 1 FROM tasks LIMIT 0", 0, NULL, NULL) < 0) {
		printf("skip: no tasks table (run shortlistctl migrate): %s\n", db_last_error());
		goto out;
	}
	if (random_bytes(rnd, sizeof(rnd)) < 0) {
		printf("skip: no random bytes for a unique test prefix\n");
		goto out;
	}
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(run_prefix, sizeof(run_prefix), "test-queue-%s", hex);
	ok = true;
out:
	db_close();
	return ok;
}

static void cleanup(void)
{
	char like[64];
	const char *params[1] = { like };

	snprintf(like, sizeof(like), "%s-%%", run_prefix);
	db_exec(NULL, "DELETE FROM tasks WHERE kind LIKE $1", 1, params, NULL);
	db_exec(NULL, "DELETE FROM organisations WHERE name LIKE $1", 1, params, NULL);
	db_close();
}

int main(void)
{
	Suite *s = suite_create("queue");
	TCase *db = tcase_create("postgresql");
	TCase *offline = tcase_create("offline");
	int failed;

	live = probe();
	tcase_set_timeout(db, 60);
	tcase_add_test(db, test_enqueue_is_idempotent);
	tcase_add_test(db, test_enqueue_rejects_bad_input);
	tcase_add_test(db, test_enqueue_follows_the_callers_transaction);
	tcase_add_test(db, test_claim_follows_priority_then_age);
	tcase_add_test(db, test_claim_single_takes_the_highest_priority);
	tcase_add_test(db, test_claim_filters_kinds);
	tcase_add_test(db, test_run_at_is_respected);
	tcase_add_test(db, test_claim_n_marks_running_and_never_repeats);
	tcase_add_test(db, test_claim_rejects_bad_arguments);
	tcase_add_test(db, test_rescue_after_lease_expiry_and_lost_lease);
	tcase_add_test(db, test_a_lost_claim_does_not_restart_its_resume);
	tcase_add_test(db, test_rescue_discards_after_max_attempts);
	tcase_add_test(db, test_fail_retryable_requeues_later);
	tcase_add_test(db, test_fail_discards_at_max_attempts_or_when_permanent);
	tcase_add_test(db, test_succeed_many_acts_only_on_owned_claims);
	tcase_add_test(db, test_succeed_many_follows_the_callers_transaction);
	tcase_add_test(db, test_batches_reject_bad_arguments);
	tcase_add_test(db, test_fail_many_records_each_failure);
	tcase_add_test(db, test_release_gives_back_without_counting);
	tcase_add_test(db, test_owned_write_pattern);
	tcase_add_test(db, test_notify_wakes_a_waiter_at_commit);
	tcase_add_test(db, test_stats_and_dead_letters);
	tcase_add_test(offline, test_bad_arguments_fail_before_the_database);
	tcase_add_test(offline, test_worker_ids_are_unique_and_bounded);
	suite_add_tcase(s, db);
	suite_add_tcase(s, offline);
	failed = suite_failures(s);
	if (live)
		cleanup();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
