/* metricsfile: one host's counters in a shared memory file, a slot per process, summed by the scraper. */
#ifndef SHORTLIST_METRICSFILE_H
#define SHORTLIST_METRICSFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Why a shared file: lighttpd runs a pool of FastCGI processes per handler
 * and any number of drainers run beside them, each serving or working on its
 * own; a scrape reaches one process. Each process therefore owns a slot of
 * a file mapped by every process of the host (the instance's var/run
 * folder), counts into it with atomic adds and no lock, and the scraper sums
 * the slots. Nothing is sent per event (no socket, no database write), and a
 * process that dies mid-request loses nothing already counted: its values
 * stay in the file.
 *
 * Restarts, as Prometheus expects of counters: the file keeps a "retired"
 * total. A process that exits folds its slot into it and frees the slot; a
 * process found dead (its pid gone, or reused by a process that started at
 * another time) is folded by whoever finds it (the scraper, or a process
 * claiming a slot). Folding happens under the file's lock (flock), as do
 * claiming a slot and summing, so a slot is folded once and the sum never
 * goes backwards and never counts twice. The hot path takes no lock shared
 * with other processes: a process-local mutex guards the slot's series
 * index (threads of one process append to it), values are __atomic adds.
 * A folder killed inside a fold loses nothing and doubles nothing: each
 * series goes through a one-entry journal in the file (saved values, then
 * the addition, then a mark on the series), which the next holder of the
 * lock finishes or undoes.
 *
 * A series is a key: a metric number (1..255) and up to three label values
 * of 16 bits each; the file never sees names. Counters hold integers (the
 * caller picks the unit: bytes, microseconds, micro-dollars); histograms
 * hold per-bucket counts (not cumulative), a count and an integer sum.
 * Label values that are strings not known at compile time (routes, models,
 * program names) are registered once in the file's name table
 * (metricsfile_name()), so every process of the host agrees on their
 * numbers; number 0 is "other". Every size is fixed: a slot has room for
 * MF_COUNTERS counters and MF_HISTS histograms, beyond which new series are
 * dropped (and counted in the slot's dropped field).
 */

#define MF_SLOTS 256
#define MF_NAMES 256
#define MF_NAME_LEN 96
#define MF_PROGRAM_LEN 32
#define MF_COUNTERS 1024
#define MF_HISTS 128
#define MF_BUCKETS 16
#define MF_RETIRED_COUNTERS 8192
#define MF_RETIRED_HISTS 1024

/* A series key: metric 1..255, labels a, b, c. */
static inline uint64_t mf_key(unsigned metric, unsigned a, unsigned b, unsigned c)
{
	return (uint64_t)(metric & 0xff) << 48 | (uint64_t)(a & 0xffff) << 32 | (uint64_t)(b & 0xffff) << 16 |
	       (uint64_t)(c & 0xffff);
}
static inline unsigned mf_key_metric(uint64_t k)
{
	return (unsigned)(k >> 48) & 0xff;
}
static inline unsigned mf_key_label(uint64_t k, int i)
{
	return (unsigned)(k >> (32 - 16 * i)) & 0xffff;
}

struct metricsfile;

/*
 * Opens (creating it when absent, with its folder's parent existing) the
 * file at path, folds any slot whose process is dead, and claims a slot for
 * the calling process, recording program (cut to MF_PROGRAM_LEN - 1 bytes).
 * Returns a new handle, or NULL with a reason in err when the file cannot
 * be opened or mapped, has another layout, or has no free slot. Free with
 * metricsfile_close(). After fork() the child must not use the parent's
 * handle (procmetrics.c drops it in the child).
 */
struct metricsfile *metricsfile_open(const char *path, const char *program, char *err, size_t errlen);

/*
 * Folds the process's slot into the retired total, frees the slot and
 * unmaps the file. Accepts NULL. Only the process that opened it may call it.
 */
void metricsfile_close(struct metricsfile *mf);

/*
 * Unmaps without folding: the slot stays as if the process had died (for
 * tests of the dead-process path, and for a forked child's copy).
 */
void metricsfile_abandon(struct metricsfile *mf);

/* Adds n to counter key. Thread-safe; never blocks on other processes. */
void metricsfile_add(struct metricsfile *mf, uint64_t key, uint64_t n);

/* Counts one observation of value in bucket (0..MF_BUCKETS-1) of histogram key. Thread-safe. */
void metricsfile_observe(struct metricsfile *mf, uint64_t key, unsigned bucket, uint64_t value);

/*
 * The number of name in the file's name table, registering it when new
 * (under the file lock). 0 ("other") when name is NULL, empty, longer than
 * MF_NAME_LEN - 1 bytes, or the table is full. name must stay valid for the
 * life of the process (a route pattern, a price-table entry): numbers are
 * remembered by its address.
 */
unsigned metricsfile_name(struct metricsfile *mf, const char *name);

/* For tests only: the process _exit()s (status 3) inside its next fold, after adding series n (from 0) and before marking it. */
void metricsfile_test_crash_after(int n);

/* One series of a snapshot. */
struct mf_series {
	uint64_t key;
	uint64_t value; /* a counter's value; a histogram's count */
	uint64_t sum;	/* histograms only */
	uint64_t buckets[MF_BUCKETS];
};

/* A live process seen by a snapshot. */
struct mf_process {
	int pid;
	int64_t started_unix; /* seconds */
	char program[MF_PROGRAM_LEN];
};

/*
 * The host's totals at one moment: retired plus every live slot, with dead
 * slots folded first. Series are sorted by key, each key once.
 */
struct mf_snapshot {
	struct mf_series *counters;
	size_t ncounters;
	struct mf_series *hists;
	size_t nhists;
	struct mf_process processes[MF_SLOTS];
	size_t nprocesses;
	char names[MF_NAMES][MF_NAME_LEN]; /* names[0] is "other" */
	size_t nnames;
	uint64_t dropped; /* series that found no room, over every slot and the retired total */
	uint64_t folded;  /* slots ever folded (exited or found dead) */
};

/*
 * Takes a snapshot under the file lock. Returns 0, or -1 when the lock
 * cannot be taken. Release with metricsfile_snapshot_release().
 */
int metricsfile_snapshot(struct metricsfile *mf, struct mf_snapshot *out);
void metricsfile_snapshot_release(struct mf_snapshot *s);

/* A used slot as metricsfile_slots() sees it. */
struct mf_slot_info {
	int pid;
	char program[MF_PROGRAM_LEN];
	uint64_t metric_sum; /* the sum of the slot's counters of the metric asked for */
};

/*
 * Reads the file at path without claiming a slot, folding or locking: for
 * each used slot (live, or dead and not yet folded) its pid, program and the
 * sum of its counters of metric. Writes at most max entries and returns how
 * many slots are used, or -1 with a reason in err. For tests and
 * diagnostics (which process served what).
 */
int metricsfile_slots(const char *path, unsigned metric, struct mf_slot_info *out, size_t max, char *err,
		      size_t errlen);

/* The name numbered id in a snapshot ("other" when out of range). Borrowed from s. */
const char *mf_snapshot_name(const struct mf_snapshot *s, unsigned id);

#endif
