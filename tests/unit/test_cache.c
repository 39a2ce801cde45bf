/* Unit tests for cache: server lists, a pool of three memcached servers losing one and getting it back, and multi-gets. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "core/cache.h"
#include "core/config.h"
#include "suite.h"

#define SERVERS 3
#define KEYS 1000

START_TEST(test_servers_check)
{
	static const char *const good[] = { "127.0.0.1:11311", "a:1,b:2",
					    "a:1:3, b:2:1",    "/run/mc.sock",
					    "localhost",       "10.0.0.1:11211,10.0.0.2:11211,10.0.0.3:11211" };
	static const char *const bad[] = {
		"", ":11211", "a:0", "a:65536", "a:x", "a:1,", "a:1,,b:2", "a:1:0", "a:1:w"
	};
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(cache_servers_check(good[i], err, sizeof(err)) == 0, "'%s': %s", good[i], err);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(cache_servers_check(bad[i], err, sizeof(err)) < 0, "'%s' accepted", bad[i]);
		ck_assert_msg(err[0] != '\0', "'%s' refused without a reason", bad[i]);
	}
}
END_TEST

struct pool {
	char dir[64];
	char sock[SERVERS][96];
	pid_t pid[SERVERS];
};

static bool have_memcached(void)
{
	return system("command -v memcached >/dev/null 2>&1") == 0;
}

static bool sock_answers(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Starts server i of the pool on its unix socket; it dies with this process. */
static void server_start(struct pool *p, int i)
{
	pid_t pid;
	int tries;

	unlink(p->sock[i]);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getuid() == 0)
			execlp("memcached", "memcached", "-u", "nobody", "-s", p->sock[i], "-a", "0666", "-m", "16",
			       (char *)NULL);
		else
			execlp("memcached", "memcached", "-s", p->sock[i], "-a", "0666", "-m", "16", (char *)NULL);
		_exit(127);
	}
	p->pid[i] = pid;
	for (tries = 0; tries < 100 && !sock_answers(p->sock[i]); tries++)
		pause_ms(50);
	ck_assert_msg(sock_answers(p->sock[i]), "memcached on %s did not start", p->sock[i]);
}

static void server_stop(struct pool *p, int i)
{
	if (p->pid[i] <= 0)
		return;
	kill(p->pid[i], SIGTERM);
	waitpid(p->pid[i], NULL, 0);
	p->pid[i] = 0;
	unlink(p->sock[i]);
}

static void pool_start(struct pool *p)
{
	char list[SERVERS * 100] = "", err[256];
	size_t used = 0;
	int i;

	snprintf(p->dir, sizeof(p->dir), "/tmp/test_cache.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(p->dir));
	chmod(p->dir, 0777); /* memcached runs as nobody when we are root */
	for (i = 0; i < SERVERS; i++) {
		snprintf(p->sock[i], sizeof(p->sock[i]), "%s/mc%d.sock", p->dir, i);
		server_start(p, i);
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? "," : "", p->sock[i]);
	}
	setenv("SHORTLIST_MEMCACHED_SERVERS", list, 1);
	cache_close();
	ck_assert_msg(config_load(NULL, err, sizeof(err)) == 0, "configuration: %s", err);
}

static void pool_stop(struct pool *p)
{
	int i;

	cache_close();
	for (i = 0; i < SERVERS; i++)
		server_stop(p, i);
	rmdir(p->dir);
}

static void key_of(int i, char *out, size_t outlen)
{
	snprintf(out, outlen, "pool-test:%d:%d", (int)getpid(), i);
}

/* Which server index each key maps to now. */
static void placements(const struct pool *p, int where[KEYS])
{
	char k[64], server[128];
	int i, s;

	for (i = 0; i < KEYS; i++) {
		key_of(i, k, sizeof(k));
		ck_assert_int_eq(cache_server_of(k, server, sizeof(server)), 0);
		where[i] = -1;
		for (s = 0; s < SERVERS; s++)
			if (strncmp(server, p->sock[s], strlen(p->sock[s])) == 0)
				where[i] = s;
		ck_assert_msg(where[i] >= 0, "key %d maps to an unknown server '%s'", i, server);
	}
}

/* Reads every key once (what traffic would do); returns how many were hits. */
static int read_all(void)
{
	char k[64];
	int i, hits = 0;

	for (i = 0; i < KEYS; i++) {
		struct buf b = BUF_INIT(64);

		key_of(i, k, sizeof(k));
		hits += cache_get(k, &b);
		buf_release(&b);
	}
	return hits;
}

/*
 * 1,000 keys on three servers; one stops. Only its keys move (about a
 * third), each to one of the two others; the others' keys stay and are
 * still there; its keys work on their new servers at once (a miss first, as
 * a cache would see it). When it is back, its keys return to it.
 */
START_TEST(test_pool_loses_one)
{
	struct pool p = { 0 };
	int before[KEYS], after[KEYS], on[SERVERS] = { 0 };
	int i, s, moved = 0, live_keys = 0, hits, tries;
	char k[64], err[512];

	if (!have_memcached()) {
		printf("skip: memcached is not installed\n");
		return;
	}
	pool_start(&p);
	for (i = 0; i < KEYS; i++) {
		key_of(i, k, sizeof(k));
		ck_assert_int_eq(cache_set(k, "v", 1, 600), 0);
	}
	placements(&p, before);
	for (i = 0; i < KEYS; i++)
		on[before[i]]++;
	for (s = 0; s < SERVERS; s++)
		ck_assert_msg(on[s] > KEYS / 5 && on[s] < KEYS / 2, "server %d holds %d of %d keys", s, on[s], KEYS);
	ck_assert_int_eq(read_all(), KEYS);
	ck_assert_int_eq(cache_probe(500, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");

	server_stop(&p, 1);
	/* The first operation after the loss finds server 1 dead and still succeeds, on the key's next server. */
	for (i = 0; before[i] != 1; i++)
		;
	key_of(i, k, sizeof(k));
	ck_assert_int_eq(cache_incr(k, 1, 600, NULL), 0);
	ck_assert_int_eq(cache_delete(k), 0);
	hits = read_all();
	placements(&p, after);
	for (i = 0; i < KEYS; i++) {
		if (before[i] != 1) {
			live_keys++;
			ck_assert_msg(after[i] == before[i], "key %d moved from live server %d to %d", i, before[i],
				      after[i]);
		} else {
			ck_assert_msg(after[i] != 1, "key %d still maps to the stopped server", i);
		}
		moved += after[i] != before[i];
	}
	ck_assert_int_eq(moved, on[1]);
	ck_assert_msg(moved > KEYS / 5 && moved < KEYS / 2, "%d of %d keys moved (about a third expected)", moved,
		      KEYS);
	ck_assert_msg(hits == live_keys, "%d hits; the live servers hold %d keys", hits, live_keys);
	/* The moved keys work where they are now: a miss, then stored and counted there. */
	for (i = 0; i < KEYS; i++) {
		uint64_t v = 0;

		if (before[i] != 1)
			continue;
		key_of(i, k, sizeof(k));
		ck_assert_int_eq(cache_set(k, "w", 1, 600), 0);
		ck_assert_int_eq(cache_incr("pool-test-counter", 1, 600, &v), 0);
	}
	ck_assert_int_eq(read_all(), KEYS);
	/* /readyz: the pool still works with two of three. */
	ck_assert_int_eq(cache_probe(500, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, p.sock[1]) != NULL, "the probe does not name the stopped server: '%s'", err);

	/* Back: after its time off the continuum, an operation finds it and its keys return. */
	server_start(&p, 1);
	for (tries = 0; tries < 100; tries++) {
		read_all();
		placements(&p, after);
		if (memcmp(after, before, sizeof(before)) == 0)
			break;
		pause_ms(100);
	}
	ck_assert_msg(memcmp(after, before, sizeof(before)) == 0, "keys did not return to the restarted server");
	/* It came back empty: its keys miss once, then are stored there. */
	ck_assert_int_eq(read_all(), live_keys);
	pool_stop(&p);
}
END_TEST

/*
 * A server that hangs (stopped with SIGSTOP: connections are accepted, nothing
 * is answered) is taken out like one that refuses: after the first timeout its
 * keys move to the others and every operation succeeds; once it answers again
 * its keys come back.
 */
START_TEST(test_pool_hung_server)
{
	struct pool p = { 0 };
	int before[KEYS], after[KEYS];
	int i, live_keys = 0, tries;
	char k[64], err[512];

	if (!have_memcached()) {
		printf("skip: memcached is not installed\n");
		return;
	}
	pool_start(&p);
	for (i = 0; i < KEYS; i++) {
		key_of(i, k, sizeof(k));
		ck_assert_int_eq(cache_set(k, "v", 1, 600), 0);
	}
	placements(&p, before);
	kill(p.pid[2], SIGSTOP);
	/* /readyz: the pool is up; the probe names the one that does not answer. */
	ck_assert_int_eq(cache_probe(2000, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, p.sock[2]) != NULL, "the probe does not name the hung server: '%s'", err);
	for (i = 0; i < KEYS; i++)
		live_keys += before[i] != 2;
	ck_assert_int_eq(read_all(), live_keys);
	placements(&p, after);
	for (i = 0; i < KEYS; i++) {
		if (before[i] == 2)
			ck_assert_msg(after[i] != 2, "key %d still maps to the hung server", i);
		else
			ck_assert_msg(after[i] == before[i], "key %d moved from live server %d to %d", i, before[i],
				      after[i]);
	}
	for (i = 0; i < KEYS; i++) {
		key_of(i, k, sizeof(k));
		ck_assert_int_eq(cache_set(k, "w", 1, 600), 0);
	}
	kill(p.pid[2], SIGCONT);
	for (tries = 0; tries < 100; tries++) {
		read_all();
		placements(&p, after);
		if (memcmp(after, before, sizeof(before)) == 0)
			break;
		pause_ms(100);
	}
	ck_assert_msg(memcmp(after, before, sizeof(before)) == 0,
		      "keys did not return to the server that answers again");
	/* It kept what it had: its keys hold the old value, the others the new one. */
	for (i = 0; i < KEYS; i++) {
		struct buf b = BUF_INIT(64);

		key_of(i, k, sizeof(k));
		ck_assert_int_eq(cache_get(k, &b), 1);
		ck_assert_msg(b.len == 1 && b.ptr[0] == (before[i] == 2 ? 'v' : 'w'), "key %d holds '%.*s'", i,
			      (int)b.len, b.ptr);
		buf_release(&b);
	}
	pool_stop(&p);
}
END_TEST

/* cache_get_many() over MANY keys of k: fills hits and values; returns what it returned. */
#define MANY 8
static int get_many(char k[MANY][64], struct buf v[MANY], bool hits[MANY])
{
	const char *keys[MANY];
	struct buf *outs[MANY];
	int i;

	for (i = 0; i < MANY; i++) {
		keys[i] = k[i];
		buf_release(&v[i]);
		v[i] = (struct buf)BUF_INIT(64);
		outs[i] = &v[i];
	}
	return cache_get_many(MANY, (const char *const *)keys, outs, hits);
}

/*
 * One multi-get over keys on all three servers gives each present key its
 * own value and reports the absent ones as misses; with one server stopped
 * it still answers for the others' keys (the stopped one's miss); with all
 * stopped it says memcached cannot answer.
 */
START_TEST(test_get_many)
{
	struct pool p = { 0 };
	char k[MANY][64], want[16];
	struct buf v[MANY];
	bool hits[MANY];
	int where[KEYS], i, s, stopped = -1, live = 0;

	if (!have_memcached()) {
		printf("skip: memcached is not installed\n");
		return;
	}
	memset(v, 0, sizeof(v));
	pool_start(&p);
	placements(&p, where);
	for (i = 0; i < MANY; i++) {
		key_of(i, k[i], sizeof(k[i]));
		snprintf(want, sizeof(want), "value %d", i);
		if (i % 4 != 3) /* keys 3 and 7 are absent */
			ck_assert_int_eq(cache_set(k[i], want, strlen(want), 600), 0);
	}
	for (s = 0; s < SERVERS; s++) {
		for (i = 0; i < MANY && where[i] != s; i++)
			;
		ck_assert_msg(i < MANY, "no key of the %d lives on server %d", MANY, s);
	}
	ck_assert_int_eq(get_many(k, v, hits), 6);
	for (i = 0; i < MANY; i++) {
		snprintf(want, sizeof(want), "value %d", i);
		ck_assert_int_eq(hits[i], i % 4 != 3);
		if (hits[i])
			ck_assert_msg(v[i].len == strlen(want) && memcmp(v[i].ptr, want, v[i].len) == 0,
				      "key %d got '%.*s'", i, (int)v[i].len, v[i].ptr);
	}
	/* A server with a present key stops: the others' keys are still found. */
	for (i = 0; i < MANY && stopped < 0; i++)
		if (i % 4 != 3)
			stopped = where[i];
	server_stop(&p, stopped);
	for (i = 0; i < MANY; i++)
		live += i % 4 != 3 && where[i] != stopped;
	ck_assert_int_eq(get_many(k, v, hits), live);
	for (i = 0; i < MANY; i++)
		ck_assert_int_eq(hits[i], i % 4 != 3 && where[i] != stopped);
	for (s = 0; s < SERVERS; s++)
		server_stop(&p, s);
	ck_assert_int_eq(get_many(k, v, hits), -1);
	for (i = 0; i < MANY; i++) {
		ck_assert(!hits[i]);
		buf_release(&v[i]);
	}
	pool_stop(&p);
}
END_TEST

/* Every server down: reads miss, writes and counters fail, nothing crashes; back up, all works. */
START_TEST(test_pool_all_down)
{
	struct pool p = { 0 };
	struct buf b = BUF_INIT(64);
	char err[512];
	uint64_t v = 0;
	int s;

	if (!have_memcached()) {
		printf("skip: memcached is not installed\n");
		return;
	}
	pool_start(&p);
	ck_assert_int_eq(cache_set("pool-all", "v", 1, 600), 0);
	for (s = 0; s < SERVERS; s++)
		server_stop(&p, s);
	for (s = 0; s < 10; s++) {
		ck_assert_int_eq(cache_get("pool-all", &b), 0);
		ck_assert_int_lt(cache_incr("pool-all-counter", 1, 600, &v), 0);
		ck_assert_int_lt(cache_set("pool-all", "v", 1, 600), 0);
	}
	ck_assert_int_lt(cache_probe(500, err, sizeof(err)), 0);
	for (s = 0; s < SERVERS; s++)
		ck_assert_msg(strstr(err, p.sock[s]) != NULL, "the probe does not name '%s': '%s'", p.sock[s], err);
	buf_release(&b);
	pool_stop(&p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_servers_check);
	tcase_add_test(tc, test_pool_loses_one);
	tcase_add_test(tc, test_pool_hung_server);
	tcase_add_test(tc, test_pool_all_down);
	tcase_add_test(tc, test_get_many);
	suite_add_tcase(s, tc);
	return suite_failures(s) ? EXIT_FAILURE : EXIT_SUCCESS;
}
