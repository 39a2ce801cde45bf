/* metricsfile: one host's counters in a shared memory file, a slot per process, summed by the scraper. */
#include "core/metricsfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "core/log.h"

#define MF_MAGIC 0x315254454d4c4853ULL /* "SHLMETR1" */
#define MF_VERSION 2
/* Marks a slot's series already added to the retired total (bit 63 is never part of a key). */
#define FOLDED (1ULL << 63)
/* map_file(): the file is a metrics file of another version. */
#define OLD_LAYOUT (-2)
/* The process's own index of its slot: open addressing, at most half full. */
#define OWN_COUNTER_INDEX (2 * MF_COUNTERS)
#define OWN_HIST_INDEX (2 * MF_HISTS)

struct mf_counter {
	uint64_t key;
	uint64_t value;
};

struct mf_hist {
	uint64_t key;
	uint64_t count;
	uint64_t sum;
	uint64_t buckets[MF_BUCKETS];
};

/* One process's series; counters[0..ncounters) and hists[0..nhists) are in use, appended by the owner only. */
struct mf_slot {
	int32_t pid; /* 0: free */
	uint32_t pad;
	uint64_t start_ticks; /* /proc/PID/stat starttime: tells a reused pid from the owner */
	int64_t started_unix;
	char program[MF_PROGRAM_LEN];
	uint32_t ncounters, nhists; /* published with release after the key is written */
	uint64_t dropped;
	struct mf_counter counters[MF_COUNTERS];
	struct mf_hist hists[MF_HISTS];
};

/* The folded values of every process gone: hash tables (key 0: empty), written under the lock only. */
struct mf_retired {
	uint64_t dropped;
	uint32_t ncounters, nhists;
	struct mf_counter counters[MF_RETIRED_COUNTERS];
	struct mf_hist hists[MF_RETIRED_HISTS];
};

/*
 * The series being folded, so that a fold interrupted by a kill is neither
 * lost nor counted twice: before a series is added to the retired total the
 * entry's values are saved here; after, the series is marked FOLDED. The
 * next holder of the lock finds active set and either keeps the addition
 * (the series is marked) or undoes it (it is not, and will be added again).
 */
struct mf_journal {
	uint32_t active;
	uint32_t hist;	/* 0: a counter, 1: a histogram */
	uint32_t slot;	/* of f->slots */
	uint32_t index; /* of the slot's counters or hists */
	uint32_t entry; /* of the retired table */
	uint32_t pad;
	uint64_t before[MF_BUCKETS + 2]; /* the entry's values before the addition: value, or count, sum, buckets */
};

struct mf_file {
	uint64_t magic;
	uint32_t version;
	uint32_t pad;
	uint64_t size;
	uint64_t folded;
	struct mf_journal journal;
	uint32_t nnames;
	uint32_t pad2;
	char names[MF_NAMES][MF_NAME_LEN];
	struct mf_retired retired;
	struct mf_slot slots[MF_SLOTS];
};

struct own_name {
	const char *ptr;
	unsigned id;
};

struct metricsfile {
	int fd;
	struct mf_file *f;
	struct mf_slot *slot;
	pthread_mutex_t mu;
	uint64_t ckeys[OWN_COUNTER_INDEX];
	uint32_t cpos[OWN_COUNTER_INDEX];
	uint64_t hkeys[OWN_HIST_INDEX];
	uint32_t hpos[OWN_HIST_INDEX];
	struct own_name names[MF_NAMES];
	size_t nnames;
};

static uint64_t hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

/* starttime (field 22) of /proc/PID/stat, in clock ticks since boot; 0 when unknown. */
static uint64_t start_ticks_of(int pid)
{
	char path[64], text[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	p = strrchr(text, ')'); /* the command name may hold spaces and parentheses */
	if (!p)
		return 0;
	for (field = 2; field < 22 && p; field++) {
		p = strchr(p + 1, ' ');
	}
	if (!p || sscanf(p + 1, "%llu", &v) != 1)
		return 0;
	return v;
}

static bool slot_alive(const struct mf_slot *s)
{
	uint64_t t;

	if (s->pid <= 0)
		return false;
	if (kill(s->pid, 0) < 0 && errno == ESRCH)
		return false;
	/* Without /proc (now or when the slot was claimed) a live pid is taken as the owner. */
	t = start_ticks_of(s->pid);
	return t == 0 || s->start_ticks == 0 || t == s->start_ticks;
}

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The retired entry of key in a hash table of cap entries, made when new; NULL when the table is full. */
static void *retired_entry(void *table, size_t size, size_t cap, uint32_t *used, uint64_t key)
{
	size_t h = hash_key(key) & (cap - 1), i;

	for (i = 0; i < cap; i++, h = (h + 1) & (cap - 1)) {
		uint64_t *k = (uint64_t *)(void *)((char *)table + h * size);

		if (*k == key)
			return k;
		if (*k == 0) {
			if (*used >= cap / 4 * 3)
				return NULL;
			(*used)++;
			*k = key;
			return k;
		}
	}
	return NULL;
}

static int crash_after = -1;

void metricsfile_test_crash_after(int n)
{
	crash_after = n;
}

/* Saves the retired entry's values and what is being added to it; then the addition may start. */
static void journal_begin(struct mf_file *f, uint32_t hist, uint32_t slot, uint32_t index, uint32_t entry,
			  const uint64_t *values, size_t n)
{
	struct mf_journal *j = &f->journal;

	j->hist = hist;
	j->slot = slot;
	j->index = index;
	j->entry = entry;
	memcpy(j->before, values, n * sizeof(*values));
	__atomic_store_n(&j->active, 1, __ATOMIC_RELEASE);
}

/* Finishes or undoes the series a killed folder was adding. Under the lock. */
static void recover(struct mf_file *f)
{
	struct mf_journal *j = &f->journal;
	const struct mf_slot *s;
	bool marked;

	if (!__atomic_load_n(&j->active, __ATOMIC_ACQUIRE))
		return;
	s = &f->slots[j->slot % MF_SLOTS];
	if (j->hist) {
		marked = (s->hists[j->index % MF_HISTS].key & FOLDED) != 0;
		if (!marked) {
			struct mf_hist *h = &f->retired.hists[j->entry % MF_RETIRED_HISTS];

			h->count = j->before[0];
			h->sum = j->before[1];
			memcpy(h->buckets, &j->before[2], sizeof(h->buckets));
		}
	} else {
		marked = (s->counters[j->index % MF_COUNTERS].key & FOLDED) != 0;
		if (!marked)
			f->retired.counters[j->entry % MF_RETIRED_COUNTERS].value = j->before[0];
	}
	__atomic_store_n(&j->active, 0, __ATOMIC_RELEASE);
}

static void maybe_crash(int *k)
{
	if ((*k)++ == crash_after)
		_exit(3);
}

/* Adds slot s to the retired total, series by series through the journal, and frees it. Under the lock. */
static void fold(struct mf_file *f, struct mf_slot *s)
{
	struct mf_retired *r = &f->retired;
	uint32_t i, n, slot = (uint32_t)(s - f->slots);
	uint64_t dropped;
	int b, k = 0;

	recover(f);
	n = __atomic_load_n(&s->ncounters, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && i < MF_COUNTERS; i++) {
		struct mf_counter *c;

		if (s->counters[i].key & FOLDED)
			continue;
		c = retired_entry(r->counters, sizeof(*c), MF_RETIRED_COUNTERS, &r->ncounters, s->counters[i].key);
		if (!c) {
			r->dropped++;
			s->counters[i].key |= FOLDED;
			continue;
		}
		journal_begin(f, 0, slot, i, (uint32_t)(c - r->counters), &c->value, 1);
		c->value += load(&s->counters[i].value);
		maybe_crash(&k);
		s->counters[i].key |= FOLDED;
		__atomic_store_n(&f->journal.active, 0, __ATOMIC_RELEASE);
	}
	n = __atomic_load_n(&s->nhists, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && i < MF_HISTS; i++) {
		struct mf_hist *h;
		uint64_t before[MF_BUCKETS + 2];

		if (s->hists[i].key & FOLDED)
			continue;
		h = retired_entry(r->hists, sizeof(*h), MF_RETIRED_HISTS, &r->nhists, s->hists[i].key);
		if (!h) {
			r->dropped++;
			s->hists[i].key |= FOLDED;
			continue;
		}
		before[0] = h->count;
		before[1] = h->sum;
		memcpy(&before[2], h->buckets, sizeof(h->buckets));
		journal_begin(f, 1, slot, i, (uint32_t)(h - r->hists), before, MF_BUCKETS + 2);
		h->count += load(&s->hists[i].count);
		h->sum += load(&s->hists[i].sum);
		for (b = 0; b < MF_BUCKETS; b++)
			h->buckets[b] += load(&s->hists[i].buckets[b]);
		maybe_crash(&k);
		s->hists[i].key |= FOLDED;
		__atomic_store_n(&f->journal.active, 0, __ATOMIC_RELEASE);
	}
	/* Diagnostics only: a kill between these lines loses the slot's dropped count rather than doubling it. */
	dropped = load(&s->dropped);
	s->dropped = 0;
	r->dropped += dropped;
	__atomic_store_n(&s->pid, 0, __ATOMIC_RELEASE);
	f->folded++;
	memset(s, 0, sizeof(*s));
}

static void fold_dead(struct mf_file *f)
{
	int i;

	recover(f);

	for (i = 0; i < MF_SLOTS; i++)
		if (f->slots[i].pid != 0 && !slot_alive(&f->slots[i]))
			fold(f, &f->slots[i]);
}

static int lock(const struct metricsfile *mf)
{
	while (flock(mf->fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void unlock(const struct metricsfile *mf)
{
	flock(mf->fd, LOCK_UN);
}

/* Maps the file, creating its layout when it is new. Under the lock. */
static int map_file(struct metricsfile *mf, char *err, size_t errlen)
{
	struct stat st;
	void *p;
	bool fresh;

	if (fstat(mf->fd, &st) < 0)
		return fail(err, errlen, "cannot stat it: %s", strerror(errno));
	fresh = st.st_size == 0;
	if (fresh && ftruncate(mf->fd, (off_t)sizeof(struct mf_file)) < 0)
		return fail(err, errlen, "cannot size it: %s", strerror(errno));
	if (!fresh && (size_t)st.st_size != sizeof(struct mf_file)) {
		uint64_t magic = 0;

		if (pread(mf->fd, &magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) && magic == MF_MAGIC)
			return OLD_LAYOUT;
		return fail(err, errlen, "it has another layout (%lld bytes, expected %zu)", (long long)st.st_size,
			    sizeof(struct mf_file));
	}
	p = mmap(NULL, sizeof(struct mf_file), PROT_READ | PROT_WRITE, MAP_SHARED, mf->fd, 0);
	if (p == MAP_FAILED)
		return fail(err, errlen, "cannot map it: %s", strerror(errno));
	mf->f = p;
	if (fresh) {
		mf->f->version = MF_VERSION;
		mf->f->size = sizeof(struct mf_file);
		snprintf(mf->f->names[0], MF_NAME_LEN, "other");
		mf->f->nnames = 1;
		mf->f->magic = MF_MAGIC;
	} else if (mf->f->magic == MF_MAGIC &&
		   (mf->f->version != MF_VERSION || mf->f->size != sizeof(struct mf_file))) {
		return OLD_LAYOUT;
	} else if (mf->f->magic != MF_MAGIC) {
		return fail(err, errlen, "it is not a metrics file");
	}
	return 0;
}

/*
 * Puts an empty file in the place of a metrics file of an older version
 * (the first process of the new version then lays it out): the processes
 * of the old version keep counting into the file they mapped, which nobody
 * sums any more, so the counters start again, as after a restart. Under the
 * old file's lock.
 */
static int replace_old(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	int fd;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return fail(err, errlen, "its name is too long");
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, errlen, "cannot make a new one: %s", strerror(errno));
	close(fd);
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return fail(err, errlen, "cannot replace it: %s", strerror(errno));
	}
	log_info("metrics: '%s' was of an older layout; counting starts again in a new file", path);
	return 0;
}

/* Whether fd is still the file at path (another process may have replaced it). */
static bool still_at(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int claim(struct metricsfile *mf, const char *program, char *err, size_t errlen)
{
	struct mf_slot *s;
	int i;

	fold_dead(mf->f);
	for (i = 0; i < MF_SLOTS && mf->f->slots[i].pid != 0; i++)
		;
	if (i == MF_SLOTS)
		return fail(err, errlen, "all %d process slots are taken", MF_SLOTS);
	s = &mf->f->slots[i];
	memset(s, 0, sizeof(*s));
	s->start_ticks = start_ticks_of(getpid());
	s->started_unix = (int64_t)time(NULL);
	snprintf(s->program, sizeof(s->program), "%s", program ? program : "");
	__atomic_store_n(&s->pid, (int32_t)getpid(), __ATOMIC_RELEASE);
	mf->slot = s;
	return 0;
}

struct metricsfile *metricsfile_open(const char *path, const char *program, char *err, size_t errlen)
{
	struct metricsfile *mf = xcalloc(1, sizeof(*mf));
	char why[200] = "";
	int rc = -1, attempt;

	pthread_mutex_init(&mf->mu, NULL);
	mf->fd = -1;
	for (attempt = 0; attempt < 3; attempt++) {
		mf->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (mf->fd < 0) {
			fail(err, errlen, "metrics: cannot open '%s': %s", path, strerror(errno));
			goto out;
		}
		if (lock(mf) < 0) {
			fail(err, errlen, "metrics: cannot lock '%s': %s", path, strerror(errno));
			goto out;
		}
		rc = still_at(mf->fd, path) ? map_file(mf, why, sizeof(why)) : OLD_LAYOUT;
		if (rc == OLD_LAYOUT && still_at(mf->fd, path) && replace_old(path, why, sizeof(why)) < 0)
			rc = -1;
		if (rc != OLD_LAYOUT)
			break;
		/* Replaced (by this process or another): open the new file. */
		unlock(mf);
		if (mf->f)
			munmap(mf->f, sizeof(struct mf_file));
		mf->f = NULL;
		close(mf->fd);
		mf->fd = -1;
	}
	if (rc == OLD_LAYOUT) {
		fail(why, sizeof(why), "it keeps being replaced");
		rc = -1;
	} else if (rc == 0) {
		rc = claim(mf, program, why, sizeof(why));
	}
	if (mf->fd >= 0)
		unlock(mf);
	if (rc < 0)
		fail(err, errlen, "metrics: '%s': %s", path, why);
out:
	if (rc < 0) {
		metricsfile_abandon(mf);
		return NULL;
	}
	return mf;
}

void metricsfile_abandon(struct metricsfile *mf)
{
	if (!mf)
		return;
	if (mf->f)
		munmap(mf->f, sizeof(struct mf_file));
	if (mf->fd >= 0)
		close(mf->fd);
	pthread_mutex_destroy(&mf->mu);
	free(mf);
}

void metricsfile_close(struct metricsfile *mf)
{
	if (!mf)
		return;
	if (mf->slot && lock(mf) == 0) {
		if (mf->slot->pid == (int32_t)getpid())
			fold(mf->f, mf->slot);
		unlock(mf);
	}
	metricsfile_abandon(mf);
}

/* The position of key among the slot's series, appended when new; -1 when the slot is full. Under mf->mu. */
static int own_position(uint64_t *keys, uint32_t *pos, size_t cap, uint32_t *count, uint32_t max, uint64_t *slot_key,
			size_t stride, uint64_t key, uint64_t *dropped)
{
	size_t h = hash_key(key) & (cap - 1);
	uint32_t n;

	while (keys[h] != 0) {
		if (keys[h] == key)
			return (int)pos[h];
		h = (h + 1) & (cap - 1);
	}
	n = *count;
	if (n >= max) {
		__atomic_add_fetch(dropped, 1, __ATOMIC_RELAXED);
		return -1;
	}
	__atomic_store_n((uint64_t *)(void *)((char *)slot_key + n * stride), key, __ATOMIC_RELAXED);
	__atomic_store_n(count, n + 1, __ATOMIC_RELEASE);
	keys[h] = key;
	pos[h] = n;
	return (int)n;
}

void metricsfile_add(struct metricsfile *mf, uint64_t key, uint64_t n)
{
	int i;

	if (!mf || !mf->slot || key == 0)
		return;
	pthread_mutex_lock(&mf->mu);
	i = own_position(mf->ckeys, mf->cpos, OWN_COUNTER_INDEX, &mf->slot->ncounters, MF_COUNTERS,
			 &mf->slot->counters[0].key, sizeof(struct mf_counter), key, &mf->slot->dropped);
	pthread_mutex_unlock(&mf->mu);
	if (i >= 0)
		__atomic_add_fetch(&mf->slot->counters[i].value, n, __ATOMIC_RELAXED);
}

void metricsfile_observe(struct metricsfile *mf, uint64_t key, unsigned bucket, uint64_t value)
{
	struct mf_hist *h;
	int i;

	if (!mf || !mf->slot || key == 0)
		return;
	if (bucket >= MF_BUCKETS)
		bucket = MF_BUCKETS - 1;
	pthread_mutex_lock(&mf->mu);
	i = own_position(mf->hkeys, mf->hpos, OWN_HIST_INDEX, &mf->slot->nhists, MF_HISTS, &mf->slot->hists[0].key,
			 sizeof(struct mf_hist), key, &mf->slot->dropped);
	pthread_mutex_unlock(&mf->mu);
	if (i < 0)
		return;
	h = &mf->slot->hists[i];
	__atomic_add_fetch(&h->buckets[bucket], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->sum, value, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->count, 1, __ATOMIC_RELAXED);
}

unsigned metricsfile_name(struct metricsfile *mf, const char *name)
{
	unsigned id = 0, i;
	size_t k;

	if (!mf || !name || !*name || strlen(name) >= MF_NAME_LEN)
		return 0;
	pthread_mutex_lock(&mf->mu);
	for (k = 0; k < mf->nnames; k++) {
		if (mf->names[k].ptr == name) {
			id = mf->names[k].id;
			goto out;
		}
	}
	if (lock(mf) < 0)
		goto out;
	for (i = 1; i < mf->f->nnames && i < MF_NAMES; i++) {
		if (strcmp(mf->f->names[i], name) == 0) {
			id = i;
			break;
		}
	}
	if (id == 0 && mf->f->nnames < MF_NAMES) {
		id = mf->f->nnames;
		snprintf(mf->f->names[id], MF_NAME_LEN, "%s", name);
		mf->f->nnames = id + 1;
	}
	unlock(mf);
	if (id != 0 && mf->nnames < MF_NAMES) {
		mf->names[mf->nnames].ptr = name;
		mf->names[mf->nnames].id = id;
		mf->nnames++;
	}
out:
	pthread_mutex_unlock(&mf->mu);
	return id;
}

/* ---- snapshots ---- */

static int by_key(const void *a, const void *b)
{
	uint64_t x = ((const struct mf_series *)a)->key, y = ((const struct mf_series *)b)->key;

	return x < y ? -1 : x > y;
}

/* Sorts v[0..*n) by key and merges equal keys. */
static void merge(struct mf_series *v, size_t *n)
{
	size_t i, out = 0;
	int b;

	if (*n == 0)
		return;
	qsort(v, *n, sizeof(*v), by_key);
	for (i = 1; i < *n; i++) {
		if (v[i].key == v[out].key) {
			v[out].value += v[i].value;
			v[out].sum += v[i].sum;
			for (b = 0; b < MF_BUCKETS; b++)
				v[out].buckets[b] += v[i].buckets[b];
		} else {
			v[++out] = v[i];
		}
	}
	*n = out + 1;
}

static void push_counter(struct mf_snapshot *s, size_t *cap, uint64_t key, uint64_t value)
{
	if (s->ncounters == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		s->counters = xrealloc(s->counters, *cap * sizeof(*s->counters));
	}
	memset(&s->counters[s->ncounters], 0, sizeof(s->counters[0]));
	s->counters[s->ncounters].key = key;
	s->counters[s->ncounters].value = value;
	s->ncounters++;
}

static void push_hist(struct mf_snapshot *s, size_t *cap, const struct mf_hist *h)
{
	struct mf_series *v;
	int b;

	if (s->nhists == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		s->hists = xrealloc(s->hists, *cap * sizeof(*s->hists));
	}
	v = &s->hists[s->nhists++];
	v->key = h->key;
	v->value = load(&h->count);
	v->sum = load(&h->sum);
	for (b = 0; b < MF_BUCKETS; b++)
		v->buckets[b] = load(&h->buckets[b]);
}

int metricsfile_snapshot(struct metricsfile *mf, struct mf_snapshot *out)
{
	const struct mf_file *f;
	size_t ccap = 0, hcap = 0, i, j;

	memset(out, 0, sizeof(*out));
	snprintf(out->names[0], MF_NAME_LEN, "other");
	out->nnames = 1;
	if (!mf || lock(mf) < 0)
		return -1;
	fold_dead(mf->f);
	f = mf->f;
	for (i = 0; i < MF_RETIRED_COUNTERS; i++)
		if (f->retired.counters[i].key != 0)
			push_counter(out, &ccap, f->retired.counters[i].key, f->retired.counters[i].value);
	for (i = 0; i < MF_RETIRED_HISTS; i++)
		if (f->retired.hists[i].key != 0)
			push_hist(out, &hcap, &f->retired.hists[i]);
	out->dropped = f->retired.dropped;
	out->folded = f->folded;
	for (i = 0; i < MF_SLOTS; i++) {
		const struct mf_slot *s = &f->slots[i];
		uint32_t nc, nh;

		if (s->pid == 0)
			continue;
		nc = __atomic_load_n(&s->ncounters, __ATOMIC_ACQUIRE);
		nh = __atomic_load_n(&s->nhists, __ATOMIC_ACQUIRE);
		for (j = 0; j < nc && j < MF_COUNTERS; j++)
			if (!(s->counters[j].key & FOLDED))
				push_counter(out, &ccap, s->counters[j].key, load(&s->counters[j].value));
		for (j = 0; j < nh && j < MF_HISTS; j++)
			if (!(s->hists[j].key & FOLDED))
				push_hist(out, &hcap, &s->hists[j]);
		out->dropped += load(&s->dropped);
		out->processes[out->nprocesses].pid = s->pid;
		out->processes[out->nprocesses].started_unix = s->started_unix;
		snprintf(out->processes[out->nprocesses].program, MF_PROGRAM_LEN, "%s", s->program);
		out->nprocesses++;
	}
	for (i = 1; i < f->nnames && i < MF_NAMES; i++)
		snprintf(out->names[i], MF_NAME_LEN, "%s", f->names[i]);
	out->nnames = f->nnames < MF_NAMES ? f->nnames : MF_NAMES;
	unlock(mf);
	merge(out->counters, &out->ncounters);
	merge(out->hists, &out->nhists);
	return 0;
}

void metricsfile_snapshot_release(struct mf_snapshot *s)
{
	free(s->counters);
	free(s->hists);
	s->counters = s->hists = NULL;
	s->ncounters = s->nhists = 0;
}

const char *mf_snapshot_name(const struct mf_snapshot *s, unsigned id)
{
	return id < s->nnames && s->names[id][0] ? s->names[id] : "other";
}

int metricsfile_slots(const char *path, unsigned metric, struct mf_slot_info *out, size_t max, char *err, size_t errlen)
{
	const struct mf_file *f;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), used = 0, i;
	void *p;

	if (fd < 0)
		return fail(err, errlen, "metrics: cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || (size_t)st.st_size != sizeof(struct mf_file)) {
		close(fd);
		return fail(err, errlen, "metrics: '%s' is not a metrics file of this version", path);
	}
	p = mmap(NULL, sizeof(struct mf_file), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail(err, errlen, "metrics: cannot map '%s': %s", path, strerror(errno));
	f = p;
	for (i = 0; i < MF_SLOTS; i++) {
		const struct mf_slot *s = &f->slots[i];
		uint32_t j, n;
		uint64_t sum = 0;

		if (__atomic_load_n(&s->pid, __ATOMIC_ACQUIRE) == 0)
			continue;
		n = __atomic_load_n(&s->ncounters, __ATOMIC_ACQUIRE);
		for (j = 0; j < n && j < MF_COUNTERS; j++)
			if (!(s->counters[j].key & FOLDED) && mf_key_metric(s->counters[j].key) == metric)
				sum += load(&s->counters[j].value);
		if ((size_t)used < max) {
			out[used].pid = s->pid;
			snprintf(out[used].program, MF_PROGRAM_LEN, "%s", s->program);
			out[used].metric_sum = sum;
		}
		used++;
	}
	munmap(p, sizeof(struct mf_file));
	return used;
}
