/* Unit tests for metricsfile: slot sums, folding on exit, on SIGKILL and when killed mid-fold (once), names, full slots and files. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/metricsfile.h"
#include "suite.h"

static char path[256];

static void setup(void)
{
	char dir[] = "/tmp/test_metricsfile.XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/metrics", dir);
}

static void teardown(void)
{
	char dir[256];

	unlink(path);
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	rmdir(dir);
}

static struct metricsfile *open_or_fail(const char *program)
{
	char err[512] = "";
	struct metricsfile *mf = metricsfile_open(path, program, err, sizeof(err));

	ck_assert_msg(mf != NULL, "%s", err);
	return mf;
}

/* The value of counter key in a fresh snapshot (0 when absent); *folded gets the slots folded so far. */
static uint64_t counter_now(struct metricsfile *mf, uint64_t key, uint64_t *folded)
{
	struct mf_snapshot s;
	uint64_t v = 0;
	size_t i;

	ck_assert_int_eq(metricsfile_snapshot(mf, &s), 0);
	for (i = 0; i < s.ncounters; i++)
		if (s.counters[i].key == key)
			v = s.counters[i].value;
	if (folded)
		*folded = s.folded;
	metricsfile_snapshot_release(&s);
	return v;
}

static const struct mf_series *hist_of(const struct mf_snapshot *s, uint64_t key)
{
	size_t i;

	for (i = 0; i < s->nhists; i++)
		if (s->hists[i].key == key)
			return &s->hists[i];
	return NULL;
}

START_TEST(test_key_round_trip)
{
	uint64_t k = mf_key(7, 65535, 3, 599);

	ck_assert_uint_eq(mf_key_metric(k), 7);
	ck_assert_uint_eq(mf_key_label(k, 0), 65535);
	ck_assert_uint_eq(mf_key_label(k, 1), 3);
	ck_assert_uint_eq(mf_key_label(k, 2), 599);
	ck_assert_uint_ne(mf_key(1, 0, 0, 0), 0);
}
END_TEST

START_TEST(test_slots_are_summed_and_exits_fold_once)
{
	struct metricsfile *a = open_or_fail("one"), *b = open_or_fail("two");
	uint64_t k = mf_key(1, 2, 3, 4), folded = 0;

	metricsfile_add(a, k, 5);
	metricsfile_add(b, k, 7);
	metricsfile_add(a, k, 1);
	ck_assert_uint_eq(counter_now(a, k, &folded), 13);
	ck_assert_uint_eq(folded, 0);
	metricsfile_close(a);
	ck_assert_uint_eq(counter_now(b, k, &folded), 13);
	ck_assert_uint_eq(folded, 1);
	metricsfile_add(b, k, 2);
	ck_assert_uint_eq(counter_now(b, k, NULL), 15);
	metricsfile_close(b);
	/* Both gone: a newcomer sees the retired total, and closing it folds nothing more of theirs. */
	a = open_or_fail("three");
	ck_assert_uint_eq(counter_now(a, k, &folded), 15);
	ck_assert_uint_eq(folded, 2);
	metricsfile_close(a);
}
END_TEST

START_TEST(test_a_killed_process_is_folded_once)
{
	struct metricsfile *me = open_or_fail("scraper");
	uint64_t k = mf_key(2, 1, 0, 0), h = mf_key(3, 1, 0, 0), folded = 0;
	int ready[2], status;
	struct mf_snapshot s;
	const struct mf_series *hs;
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char err[256];
		struct metricsfile *mf = metricsfile_open(path, "victim", err, sizeof(err));

		if (!mf)
			_exit(1);
		metricsfile_add(mf, k, 40);
		metricsfile_add(mf, k, 2);
		metricsfile_observe(mf, h, 0, 10);
		metricsfile_observe(mf, h, 3, 90);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	ck_assert_uint_eq(counter_now(me, k, &folded), 42);
	ck_assert_uint_eq(folded, 0);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	/* Found dead: folded into the retired total, so the sum stays, and only once. */
	ck_assert_uint_eq(counter_now(me, k, &folded), 42);
	ck_assert_uint_eq(folded, 1);
	ck_assert_uint_eq(counter_now(me, k, &folded), 42);
	ck_assert_uint_eq(folded, 1);
	ck_assert_int_eq(metricsfile_snapshot(me, &s), 0);
	hs = hist_of(&s, h);
	ck_assert_ptr_nonnull(hs);
	ck_assert_uint_eq(hs->value, 2);
	ck_assert_uint_eq(hs->sum, 100);
	ck_assert_uint_eq(hs->buckets[0], 1);
	ck_assert_uint_eq(hs->buckets[3], 1);
	ck_assert_uint_eq(s.nprocesses, 1);
	ck_assert_str_eq(s.processes[0].program, "scraper");
	metricsfile_snapshot_release(&s);
	metricsfile_close(me);
}
END_TEST

/* A process killed inside its own fold, after adding series _i of four and before marking it: nothing lost or doubled. */
START_TEST(test_a_fold_killed_half_way_is_finished_exactly)
{
	struct metricsfile *me = open_or_fail("scraper");
	uint64_t keys[3] = { mf_key(6, 1, 0, 0), mf_key(6, 2, 0, 0), mf_key(6, 3, 0, 0) }, h = mf_key(7, 0, 0, 0);
	uint64_t folded = 0;
	struct mf_snapshot s;
	const struct mf_series *hs;
	int status, round;
	pid_t pid;

	/* Twice: the second round's fold adds to entries the first round made. */
	for (round = 1; round <= 2; round++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			char err[256];
			struct metricsfile *mf = metricsfile_open(path, "victim", err, sizeof(err));

			if (!mf)
				_exit(1);
			metricsfile_add(mf, keys[0], 1);
			metricsfile_add(mf, keys[1], 10);
			metricsfile_add(mf, keys[2], 100);
			metricsfile_observe(mf, h, 2, 7);
			metricsfile_test_crash_after(_i);
			metricsfile_close(mf);
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 3, "the fold was interrupted");
		ck_assert_uint_eq(counter_now(me, keys[0], &folded), 1 * (uint64_t)round);
		ck_assert_uint_eq(counter_now(me, keys[1], NULL), 10 * (uint64_t)round);
		ck_assert_uint_eq(counter_now(me, keys[2], NULL), 100 * (uint64_t)round);
		ck_assert_uint_eq(folded, (uint64_t)round);
		ck_assert_uint_eq(counter_now(me, keys[1], &folded), 10 * (uint64_t)round);
		ck_assert_uint_eq(folded, (uint64_t)round);
		ck_assert_int_eq(metricsfile_snapshot(me, &s), 0);
		hs = hist_of(&s, h);
		ck_assert_ptr_nonnull(hs);
		ck_assert_uint_eq(hs->value, (uint64_t)round);
		ck_assert_uint_eq(hs->sum, 7 * (uint64_t)round);
		ck_assert_uint_eq(hs->buckets[2], (uint64_t)round);
		metricsfile_snapshot_release(&s);
	}
	metricsfile_close(me);
}
END_TEST

START_TEST(test_an_abandoned_slot_of_a_live_process_stays)
{
	struct metricsfile *gone = open_or_fail("abandoned"), *me;
	uint64_t k = mf_key(4, 0, 0, 0), folded = 0;

	metricsfile_add(gone, k, 3);
	metricsfile_abandon(gone);
	me = open_or_fail("me");
	/* The pid is alive (it is this process), so its slot counts as live, not folded. */
	ck_assert_uint_eq(counter_now(me, k, &folded), 3);
	ck_assert_uint_eq(folded, 0);
	metricsfile_close(me);
}
END_TEST

START_TEST(test_names_are_shared_and_bounded)
{
	struct metricsfile *a = open_or_fail("a"), *b = open_or_fail("b");
	static const char jobs[] = "/api/v1/jobs", candidates[] = "/api/v1/candidates/{id}";
	char copy[] = "/api/v1/jobs", longname[MF_NAME_LEN + 8];
	unsigned j = metricsfile_name(a, jobs);
	struct mf_snapshot s;

	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_uint_gt(j, 0);
	ck_assert_uint_eq(metricsfile_name(a, jobs), j);
	ck_assert_uint_eq(metricsfile_name(b, copy), j);
	ck_assert_uint_ne(metricsfile_name(b, candidates), j);
	ck_assert_uint_eq(metricsfile_name(a, ""), 0);
	ck_assert_uint_eq(metricsfile_name(a, NULL), 0);
	ck_assert_uint_eq(metricsfile_name(a, longname), 0);
	ck_assert_int_eq(metricsfile_snapshot(a, &s), 0);
	ck_assert_str_eq(mf_snapshot_name(&s, j), "/api/v1/jobs");
	ck_assert_str_eq(mf_snapshot_name(&s, 0), "other");
	ck_assert_str_eq(mf_snapshot_name(&s, MF_NAMES + 5), "other");
	metricsfile_snapshot_release(&s);
	metricsfile_close(a);
	metricsfile_close(b);
}
END_TEST

START_TEST(test_a_full_slot_drops_new_series_only)
{
	struct metricsfile *mf = open_or_fail("full");
	struct mf_snapshot s;
	unsigned i;

	for (i = 0; i < MF_COUNTERS + 3; i++)
		metricsfile_add(mf, mf_key(5, i, 0, 0), 1);
	metricsfile_add(mf, mf_key(5, 0, 0, 0), 1); /* an existing series still counts */
	ck_assert_int_eq(metricsfile_snapshot(mf, &s), 0);
	ck_assert_uint_eq(s.ncounters, MF_COUNTERS);
	ck_assert_uint_eq(s.dropped, 3);
	ck_assert_uint_eq(s.counters[0].key, mf_key(5, 0, 0, 0));
	ck_assert_uint_eq(s.counters[0].value, 2);
	metricsfile_snapshot_release(&s);
	metricsfile_close(mf);
}
END_TEST

START_TEST(test_every_slot_taken_refuses_then_frees)
{
	struct metricsfile *mfs[MF_SLOTS];
	char err[512] = "";
	int i;

	for (i = 0; i < MF_SLOTS; i++)
		mfs[i] = open_or_fail("many");
	ck_assert_ptr_null(metricsfile_open(path, "one more", err, sizeof(err)));
	ck_assert_msg(strstr(err, "slots are taken") != NULL, "%s", err);
	metricsfile_close(mfs[0]);
	mfs[0] = open_or_fail("one more");
	for (i = 0; i < MF_SLOTS; i++)
		metricsfile_close(mfs[i]);
}
END_TEST

START_TEST(test_another_layout_is_refused)
{
	FILE *f = fopen(path, "w");
	char err[512] = "";

	ck_assert_ptr_nonnull(f);
	fputs("not a metrics file", f);
	fclose(f);
	ck_assert_ptr_null(metricsfile_open(path, "x", err, sizeof(err)));
	ck_assert_msg(strstr(err, "another layout") != NULL, "%s", err);
}
END_TEST

START_TEST(test_an_older_layout_is_replaced)
{
	static const char old_magic[8] = { 'S', 'H', 'L', 'M', 'E', 'T', 'R', '1' };
	FILE *f = fopen(path, "w");
	struct metricsfile *mf;
	uint64_t k = mf_key(8, 0, 0, 0);
	char pad[4096] = { 0 };

	ck_assert_ptr_nonnull(f);
	fwrite(old_magic, 1, sizeof(old_magic), f);
	fwrite(pad, 1, sizeof(pad), f);
	fclose(f);
	mf = open_or_fail("upgraded");
	metricsfile_add(mf, k, 4);
	ck_assert_uint_eq(counter_now(mf, k, NULL), 4);
	metricsfile_close(mf);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("metricsfile");
	TCase *tc = tcase_create("metricsfile");
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_round_trip);
	tcase_add_test(tc, test_slots_are_summed_and_exits_fold_once);
	tcase_add_test(tc, test_a_killed_process_is_folded_once);
	tcase_add_loop_test(tc, test_a_fold_killed_half_way_is_finished_exactly, 0, 4);
	tcase_add_test(tc, test_an_abandoned_slot_of_a_live_process_stays);
	tcase_add_test(tc, test_names_are_shared_and_bounded);
	tcase_add_test(tc, test_a_full_slot_drops_new_series_only);
	tcase_add_test(tc, test_every_slot_taken_refuses_then_frees);
	tcase_add_test(tc, test_another_layout_is_refused);
	tcase_add_test(tc, test_an_older_layout_is_replaced);
	suite_add_tcase(s, tc);
	failed = suite_failures(s);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
