/* queue_stress: worker processes claim a pool of tasks and record who processed what, to check the queue under load. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/status.h"
#include "base/util.h"
#include "core/config.h"
#include "core/db.h"
#include "core/log.h"
#include "queue/queue.h"

/*
 * Two side tables record processing. queue_stress_runs gets a row every time
 * a worker starts a task (at-least-once shows here as repeats after a
 * crash); queue_stress_done gets the task's effect, written in the same
 * transaction as queue_succeed and only while the claim holds, with a
 * primary key so that a doubled effect is an error rather than a silent
 * second row.
 */
static const char schema[] =
	"CREATE TABLE IF NOT EXISTS queue_stress_runs ("
	" task_id bigint NOT NULL, kind text NOT NULL, worker text NOT NULL, attempt int NOT NULL,"
	" at timestamptz NOT NULL DEFAULT clock_timestamp());"
	"CREATE INDEX IF NOT EXISTS queue_stress_runs_kind ON queue_stress_runs (kind, task_id);"
	"CREATE TABLE IF NOT EXISTS queue_stress_done ("
	" task_id bigint PRIMARY KEY, kind text NOT NULL, worker text NOT NULL, attempt int NOT NULL);"
	"CREATE INDEX IF NOT EXISTS queue_stress_done_kind ON queue_stress_done (kind);";

struct opts {
	const char *kind;
	int64_t count;
	int batch;
	int lease;
	int work_ms;
	int rescue_ms;
	int64_t die_after;
	int max_seconds;
	int workers;
	bool expect_single_run;
	bool expect_rescue;
	bool ack_many;
};

static void usage(void)
{
	fputs("usage: queue_stress setup KIND COUNT\n"
	      "       queue_stress work KIND [--workers N] [--batch N] [--lease S] [--work-ms MS] [--rescue-ms MS]\n"
	      "                              [--die-after N] [--max-seconds S]\n"
	      "       queue_stress check KIND COUNT [--expect-single-run] [--expect-rescue]\n"
	      "       queue_stress bench KIND COUNT [--workers N] [--batch N] [--ack many|single]\n"
	      "       queue_stress clean KIND\n"
	      "Runs against the PostgreSQL of the configuration (SHORTLIST_CONFIG / SHORTLIST_DATABASE_URL).\n"
	      "setup enqueues COUNT tasks; work runs workers until no task of KIND is queued or running\n"
	      "(--die-after N: after N tasks the worker kills itself with SIGKILL in the middle of a task, with\n"
	      "more of its batch claimed);\n"
	      "check verifies that every task succeeded and has exactly one recorded effect;\n"
	      "bench enqueues COUNT tasks, then workers claim --batch at a time and acknowledge them in one\n"
	      "statement (--ack many, the default) or one by one (single), and prints the throughput.\n",
	      stderr);
}

/* The count a query with $1 = kind (or no parameter when kind is NULL) returns, or -1. */
static int64_t count_of(const char *sql, const char *kind)
{
	const char *params[1] = { kind };
	struct db_result *res = NULL;
	int64_t n = -1;

	if (db_query(NULL, sql, kind ? 1 : 0, kind ? params : NULL, &res) == 0)
		n = db_int(res, 0, 0, -1);
	db_result_free(res);
	return n;
}

static double seconds_since(int64_t start_us)
{
	return (double)(now_us() - start_us) / 1e6;
}

static int enqueue_many(const char *kind, int64_t count)
{
	int64_t i, id, start = now_us();
	char key[32], payload[64];
	int rc;

	rc = db_begin();
	for (i = 0; rc == 0 && i < count; i++) {
		snprintf(key, sizeof(key), "t%" PRId64, i);
		snprintf(payload, sizeof(payload), "{\"n\": %" PRId64 "}", i);
		rc = queue_enqueue(kind, key, 0, payload, 0, 0, &id, NULL);
	}
	if (rc == 0)
		rc = db_commit();
	else
		db_rollback();
	if (rc == 0)
		printf("enqueued %" PRId64 " tasks of '%s' in %.3f s (%.0f/s)\n", count, kind, seconds_since(start),
		       (double)count / seconds_since(start));
	return rc;
}

static int cmd_setup(const struct opts *o)
{
	int rc = db_exec_script(schema);

	if (rc == 0)
		rc = enqueue_many(o->kind, o->count);
	return rc == 0 ? 0 : 1;
}

static int record_run(const struct queue_task *t)
{
	char id[24], attempt[24];
	const char *params[4] = { id, t->kind, t->locked_by, attempt };

	snprintf(id, sizeof(id), "%" PRId64, t->id);
	snprintf(attempt, sizeof(attempt), "%d", t->attempt);
	return db_exec("stress_run",
		       "INSERT INTO queue_stress_runs (task_id, kind, worker, attempt) VALUES ($1, $2, $3, $4)", 4,
		       params, NULL);
}

/* The effect and the success in one transaction, only while the claim holds. Returns 0, ST_GONE or an error. */
static int record_done(const struct queue_task *t)
{
	char id[24], attempt[24];
	const char *params[4] = { id, t->kind, t->locked_by, attempt };
	int rc;

	snprintf(id, sizeof(id), "%" PRId64, t->id);
	snprintf(attempt, sizeof(attempt), "%d", t->attempt);
	rc = db_begin();
	if (rc < 0)
		return rc;
	rc = queue_still_owned(t);
	if (rc == 0)
		rc = db_exec("stress_done",
			     "INSERT INTO queue_stress_done (task_id, kind, worker, attempt) VALUES ($1, $2, $3, $4)",
			     4, params, NULL);
	if (rc == 0)
		rc = queue_succeed(t);
	if (rc == 0)
		return db_commit();
	db_rollback();
	return rc;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* One worker: claims until nothing of the kind is queued or running. Returns the process exit code. */
static int work_loop(const struct opts *o, int number)
{
	const char *kinds[2] = { o->kind, NULL };
	char worker[96];
	int64_t start = now_us(), deadline = now_ms() + (int64_t)o->max_seconds * 1000, last_rescue = 0;
	int64_t processed = 0, claims = 0, claim_calls = 0, lost = 0, duplicates = 0, errors = 0, rescued = 0;
	int64_t claim_us = 0;

	queue_worker_id(worker, sizeof(worker) - 16);
	if (snprintf(worker + strlen(worker), 16, "/w%d", number) >= 16)
		return 1;
	if (queue_listen() < 0)
		return 1;
	while (now_ms() < deadline) {
		struct queue_task *tasks = NULL;
		int64_t claimed_at, t0;
		int n = 0, i, rc;

		if (now_ms() - last_rescue >= o->rescue_ms) {
			rc = queue_rescue(NULL);
			if (rc > 0)
				rescued += rc;
			last_rescue = now_ms();
		}
		t0 = now_us();
		rc = queue_claim(worker, kinds, o->batch, o->lease, &tasks, &n);
		claim_us += now_us() - t0;
		claim_calls++;
		if (rc < 0) {
			errors++;
			sleep_ms(100);
			continue;
		}
		claimed_at = now_ms();
		claims += n;
		if (n == 0) {
			if (count_of("SELECT count(*) FROM tasks WHERE kind = $1 AND state IN ('queued', 'running')",
				     o->kind) == 0)
				break;
			queue_wait(o->rescue_ms < 200 ? o->rescue_ms : 200);
			continue;
		}
		for (i = 0; i < n; i++) {
			/* Past half the lease, renew the rest of the batch so a slow batch is not rescued. */
			if (now_ms() - claimed_at > (int64_t)o->lease * 500) {
				int j;

				for (j = i; j < n; j++)
					if (queue_heartbeat(&tasks[j], o->lease) == ST_GONE)
						lost++;
				claimed_at = now_ms();
			}
			if (record_run(&tasks[i]) < 0) {
				errors++;
				continue;
			}
			if (o->work_ms > 0)
				sleep_ms(o->work_ms);
			/* Dies between doing the work and writing its effect, with more of the batch still claimed. */
			if (o->die_after > 0 && processed >= o->die_after && i > 0 && i < n - 1) {
				printf("worker %s: killing itself after %" PRId64 " tasks, in task %" PRId64
				       " with %d claimed tasks unfinished\n",
				       worker, processed, tasks[i].id, n - i);
				raise(SIGKILL);
			}
			rc = record_done(&tasks[i]);
			if (rc == ST_GONE)
				lost++;
			else if (rc == ST_CONFLICT)
				duplicates++;
			else if (rc < 0)
				errors++;
			else
				processed++;
		}
		queue_tasks_free(tasks, n);
	}
	printf("worker %s: processed %" PRId64 ", claimed %" PRId64 " in %" PRId64
	       " claims (%.0f claims/s of claim time)"
	       ", lost %" PRId64 ", duplicates %" PRId64 ", errors %" PRId64 ", rescued %" PRId64 ", %.3f s%s\n",
	       worker, processed, claims, claim_calls,
	       claim_us > 0 ? (double)claim_calls * 1e6 / (double)claim_us : 0.0, lost, duplicates, errors, rescued,
	       seconds_since(start), now_ms() >= deadline ? " (timed out)" : "");
	fflush(stdout);
	db_close();
	if (now_ms() >= deadline)
		return 2;
	return duplicates || errors ? 1 : 0;
}

static int cmd_work(const struct opts *o)
{
	pid_t pids[64];
	int i, status, failed = 0;

	if (o->workers == 1)
		return work_loop(o, 1);
	/* No connection is open yet: each child opens its own. */
	for (i = 0; i < o->workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0)
			_exit(work_loop(o, i + 1));
	}
	for (i = 0; i < o->workers; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "worker %d (pid %ld) failed (status %d)\n", i + 1, (long)pids[i], status);
			failed = 1;
		}
	}
	return failed;
}

static int cmd_check(const struct opts *o)
{
	struct {
		const char *name;
		const char *sql;
		int64_t value;
	} c[] = {
		{ "tasks", "SELECT count(*) FROM tasks WHERE kind = $1", 0 },
		{ "succeeded", "SELECT count(*) FROM tasks WHERE kind = $1 AND state = 'succeeded'", 0 },
		{ "unfinished", "SELECT count(*) FROM tasks WHERE kind = $1 AND state <> 'succeeded'", 0 },
		{ "effects", "SELECT count(*) FROM queue_stress_done WHERE kind = $1", 0 },
		{ "tasks_without_effect",
		  "SELECT count(*) FROM tasks t WHERE kind = $1 AND NOT EXISTS"
		  " (SELECT 1 FROM queue_stress_done d WHERE d.task_id = t.id)",
		  0 },
		{ "effects_by_stale_claim",
		  "SELECT count(*) FROM queue_stress_done d JOIN tasks t ON t.id = d.task_id"
		  " WHERE d.kind = $1 AND (d.attempt <> t.attempts OR d.worker <> t.locked_by)",
		  0 },
		{ "runs", "SELECT count(*) FROM queue_stress_runs WHERE kind = $1", 0 },
		{ "tasks_run", "SELECT count(DISTINCT task_id) FROM queue_stress_runs WHERE kind = $1", 0 },
		{ "tasks_run_twice",
		  "SELECT count(*) FROM (SELECT task_id FROM queue_stress_runs WHERE kind = $1"
		  " GROUP BY task_id HAVING count(*) > 1) r",
		  0 },
		{ "tasks_rescued", "SELECT count(*) FROM tasks WHERE kind = $1 AND attempts > 1", 0 },
		{ "workers", "SELECT count(DISTINCT worker) FROM queue_stress_done WHERE kind = $1", 0 },
	};
	size_t i;
	int bad = 0;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		c[i].value = count_of(c[i].sql, o->kind);
		if (c[i].value < 0)
			return 1;
		printf("%s=%" PRId64 "\n", c[i].name, c[i].value);
	}
	/* tasks, succeeded, unfinished, effects, without effect, stale, runs, run, twice, rescued, workers */
	if (c[0].value != o->count || c[1].value != o->count || c[2].value != 0) {
		printf("violation: expected %" PRId64 " tasks, all succeeded\n", o->count);
		bad = 1;
	}
	if (c[3].value != o->count || c[4].value != 0 || c[5].value != 0) {
		printf("violation: expected exactly one effect per task, written under the final claim\n");
		bad = 1;
	}
	if (c[7].value != o->count) {
		printf("violation: %" PRId64 " tasks were never started\n", o->count - c[7].value);
		bad = 1;
	}
	if (o->expect_single_run && (c[6].value != o->count || c[8].value != 0)) {
		printf("violation: some task was processed more than once\n");
		bad = 1;
	}
	if (o->expect_rescue && (c[9].value == 0 || c[8].value == 0)) {
		printf("violation: no task was rescued and run again after the worker died\n");
		bad = 1;
	}
	printf("%s\n", bad ? "check failed" : "check passed");
	return bad;
}

/* What one bench worker did, sent to the parent through a pipe (one write, smaller than PIPE_BUF). */
struct bench_report {
	int64_t tasks;
	int64_t claims;
	int64_t acks; /* acknowledgement statements */
	int64_t lost;
	int64_t errors;
	double backend_cpu_s; /* CPU time of this worker's PostgreSQL backend during the run, -1 when unknown */
};

/* user + system CPU seconds of a process on this host from /proc, or -1. */
static double proc_cpu_s(long pid)
{
	char path[64], line[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* Fields after the command name, which ends with the last ')': state is field 3, utime 14, stime 15. */
	if (!p || !(p = strrchr(line, ')')))
		return -1;
	for (field = 2; *p && field < 14; p++)
		if (*p == ' ')
			field++;
	if (sscanf(p, "%llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/*
 * One bench worker: claims up to --batch tasks, then acknowledges them, with
 * queue_succeed_many (--ack many) or one queue_succeed per task (single),
 * until a claim comes back empty. Waits on go before starting.
 */
static void bench_worker(const struct opts *o, int number, int ready_fd, int go_fd, int report_fd)
{
	const char *kinds[2] = { o->kind, NULL };
	struct bench_report r = { 0, 0, 0, 0, 0, -1 };
	bool *owned = xcalloc((size_t)o->batch, sizeof(*owned));
	char worker[96], c = 0;
	long backend = -1;
	double cpu0 = -1;

	queue_worker_id(worker, sizeof(worker) - 8);
	snprintf(worker + strlen(worker), 8, "/b%d", number);
	backend = (long)count_of("SELECT pg_backend_pid()", NULL);
	cpu0 = backend > 0 ? proc_cpu_s(backend) : -1;
	if (write(ready_fd, "r", 1) != 1 || read(go_fd, &c, 1) < 0)
		r.errors++;
	for (;;) {
		struct queue_task *t = NULL;
		int n = 0, i, rc;

		rc = queue_claim(worker, kinds, o->batch, o->lease, &t, &n);
		if (rc < 0 || n == 0) {
			r.errors += rc < 0;
			queue_tasks_free(t, n);
			break;
		}
		r.claims++;
		if (o->ack_many) {
			rc = queue_succeed_many(t, n, owned);
			r.acks++;
			if (rc < 0)
				r.errors++;
			else
				r.lost += n - rc;
			r.tasks += rc > 0 ? rc : 0;
		} else {
			for (i = 0; i < n; i++) {
				rc = queue_succeed(&t[i]);
				r.acks++;
				r.lost += rc == ST_GONE;
				r.errors += rc < 0 && rc != ST_GONE;
				r.tasks += rc == 0;
			}
		}
		queue_tasks_free(t, n);
	}
	if (cpu0 >= 0 && proc_cpu_s(backend) >= 0)
		r.backend_cpu_s = proc_cpu_s(backend) - cpu0;
	free(owned);
	db_close();
	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		_exit(1);
	_exit(0);
}

/* Reads one setting of the server, for the record of what a figure was measured under. */
static void print_setting(const char *name, char *out, size_t size)
{
	const char *params[1] = { name };
	struct db_result *res = NULL;

	snprintf(out, size, "?");
	if (db_query(NULL, "SELECT current_setting($1)", 1, params, &res) == 0 && db_rows(res) == 1)
		snprintf(out, size, "%s", db_value(res, 0, 0));
	db_result_free(res);
}

/*
 * Claim + complete throughput: enqueues COUNT tasks, then --workers
 * processes (each its own connection) claim and acknowledge them all. Prints
 * one line of key=value figures: wall time from the moment every worker is
 * connected, tasks/s, tasks/s per core used (workers, at most the machine's
 * cores), and CPU seconds of the workers and their PostgreSQL backends.
 */
static int cmd_bench(const struct opts *o)
{
	int ready[2], go[2], rep[2], i, status, failed = 0;
	struct bench_report sum = { 0, 0, 0, 0, 0, 0 };
	char fsync_s[32], sync_s[32];
	struct rusage ru;
	pid_t pids[64];
	int64_t start;
	double secs, client_cpu, rate;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int used;
	int rc = db_exec_script(schema);

	if (rc == 0)
		rc = enqueue_many(o->kind, o->count);
	if (rc < 0)
		return 1;
	print_setting("fsync", fsync_s, sizeof(fsync_s));
	print_setting("synchronous_commit", sync_s, sizeof(sync_s));
	/* Each child opens its own connection. */
	db_close();
	if (pipe(ready) < 0 || pipe(go) < 0 || pipe(rep) < 0) {
		perror("pipe");
		return 1;
	}
	for (i = 0; i < o->workers; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(go[1]);
			bench_worker(o, i + 1, ready[1], go[0], rep[1]);
		}
	}
	close(go[0]);
	close(ready[1]);
	close(rep[1]);
	for (i = 0; i < o->workers; i++) {
		char c;

		if (read(ready[0], &c, 1) != 1)
			failed = 1;
	}
	start = now_us();
	close(go[1]);
	for (i = 0; i < o->workers; i++) {
		struct bench_report r;

		if (read(rep[0], &r, sizeof(r)) != (ssize_t)sizeof(r)) {
			failed = 1;
			continue;
		}
		sum.tasks += r.tasks;
		sum.claims += r.claims;
		sum.acks += r.acks;
		sum.lost += r.lost;
		sum.errors += r.errors;
		sum.backend_cpu_s =
			sum.backend_cpu_s < 0 || r.backend_cpu_s < 0 ? -1 : sum.backend_cpu_s + r.backend_cpu_s;
	}
	secs = seconds_since(start);
	for (i = 0; i < o->workers; i++)
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	close(ready[0]);
	close(rep[0]);
	getrusage(RUSAGE_CHILDREN, &ru);
	client_cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		     (double)ru.ru_stime.tv_usec / 1e6;
	used = cores > 0 && o->workers > cores ? (int)cores : o->workers;
	rate = secs > 0 ? (double)sum.tasks / secs : 0;
	printf("bench kind=%s workers=%d batch=%d ack=%s tasks=%" PRId64 " claims=%" PRId64 " acks=%" PRId64
	       " lost=%" PRId64 " errors=%" PRId64 " seconds=%.3f tasks_per_s=%.0f cores_used=%d"
	       " tasks_per_s_per_core=%.0f client_cpu_s=%.2f backend_cpu_s=%.2f fsync=%s synchronous_commit=%s\n",
	       o->kind, o->workers, o->batch, o->ack_many ? "many" : "single", sum.tasks, sum.claims, sum.acks,
	       sum.lost, sum.errors, secs, rate, used, rate / used, client_cpu, sum.backend_cpu_s, fsync_s, sync_s);
	return failed || sum.errors || sum.tasks != o->count ? 1 : 0;
}

static int cmd_clean(const struct opts *o)
{
	const char *params[1] = { o->kind };
	int rc = db_exec(NULL, "DELETE FROM tasks WHERE kind = $1", 1, params, NULL);

	if (rc == 0 && count_of("SELECT count(*) FROM pg_tables WHERE tablename = $1", "queue_stress_runs") > 0) {
		rc = db_exec(NULL, "DELETE FROM queue_stress_runs WHERE kind = $1", 1, params, NULL);
		if (rc == 0)
			rc = db_exec(NULL, "DELETE FROM queue_stress_done WHERE kind = $1", 1, params, NULL);
		/* The side tables go once no run uses them. */
		if (rc == 0 && count_of("SELECT (SELECT count(*) FROM queue_stress_runs) +"
					" (SELECT count(*) FROM queue_stress_done)",
					NULL) == 0)
			rc = db_exec_script("DROP TABLE IF EXISTS queue_stress_runs, queue_stress_done");
	}
	return rc == 0 ? 0 : 1;
}

static int int_arg(const char *s, int64_t min, int64_t max, const char *what, int64_t *out)
{
	if (parse_int64(s, min, max, out) < 0) {
		fprintf(stderr, "error: %s must be an integer in [%" PRId64 ", %" PRId64 "], not '%s'\n", what, min,
			max, s);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workers", required_argument, NULL, 'w' },
		{ "batch", required_argument, NULL, 'b' },
		{ "lease", required_argument, NULL, 'l' },
		{ "work-ms", required_argument, NULL, 'm' },
		{ "rescue-ms", required_argument, NULL, 'r' },
		{ "die-after", required_argument, NULL, 'd' },
		{ "max-seconds", required_argument, NULL, 't' },
		{ "expect-single-run", no_argument, NULL, 'S' },
		{ "expect-rescue", no_argument, NULL, 'R' },
		{ "ack", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { NULL, 0, 10, 30, 0, 500, 0, 120, 1, false, false, true };
	const char *cmd;
	int64_t v;
	int c, rc;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			if (int_arg(optarg, 1, 64, "--workers", &v) < 0)
				return 64;
			o.workers = (int)v;
			break;
		case 'b':
			if (int_arg(optarg, 1, QUEUE_CLAIM_MAX, "--batch", &v) < 0)
				return 64;
			o.batch = (int)v;
			break;
		case 'l':
			if (int_arg(optarg, 1, 86400, "--lease", &v) < 0)
				return 64;
			o.lease = (int)v;
			break;
		case 'm':
			if (int_arg(optarg, 0, 60000, "--work-ms", &v) < 0)
				return 64;
			o.work_ms = (int)v;
			break;
		case 'r':
			if (int_arg(optarg, 1, 600000, "--rescue-ms", &v) < 0)
				return 64;
			o.rescue_ms = (int)v;
			break;
		case 'd':
			if (int_arg(optarg, 1, INT64_MAX, "--die-after", &o.die_after) < 0)
				return 64;
			break;
		case 't':
			if (int_arg(optarg, 1, 86400, "--max-seconds", &v) < 0)
				return 64;
			o.max_seconds = (int)v;
			break;
		case 'S':
			o.expect_single_run = true;
			break;
		case 'R':
			o.expect_rescue = true;
			break;
		case 'a':
			if (strcmp(optarg, "many") != 0 && strcmp(optarg, "single") != 0) {
				fprintf(stderr, "error: --ack must be 'many' or 'single', not '%s'\n", optarg);
				return 64;
			}
			o.ack_many = strcmp(optarg, "many") == 0;
			break;
		default:
			usage();
			return 64;
		}
	}
	if (argc - optind < 2) {
		usage();
		return 64;
	}
	cmd = argv[optind];
	o.kind = argv[optind + 1];
	if (strcmp(cmd, "setup") == 0 || strcmp(cmd, "check") == 0 || strcmp(cmd, "bench") == 0) {
		if (argc - optind != 3 || int_arg(argv[optind + 2], 1, 10000000, "COUNT", &o.count) < 0) {
			usage();
			return 64;
		}
	} else if (argc - optind != 2) {
		usage();
		return 64;
	}
	config_load_or_die(NULL);
	log_init("queue_stress");
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "setup") == 0)
		rc = cmd_setup(&o);
	else if (strcmp(cmd, "work") == 0)
		rc = cmd_work(&o);
	else if (strcmp(cmd, "check") == 0)
		rc = cmd_check(&o);
	else if (strcmp(cmd, "bench") == 0)
		rc = cmd_bench(&o);
	else if (strcmp(cmd, "clean") == 0)
		rc = cmd_clean(&o);
	else {
		usage();
		rc = 64;
	}
	db_close();
	config_release();
	return rc;
}
