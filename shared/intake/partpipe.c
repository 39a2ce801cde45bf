/* partpipe: one background thread that runs one job at a time while the caller prepares the next. */
#include "intake/partpipe.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "base/util.h"
#include "core/log.h"

#define PARTPIPE_STACK (2 * 1024 * 1024)

struct partpipe {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool threaded; /* false: jobs run inline in partpipe_start() */
	bool stopping;
	bool queued; /* a job is waiting for the thread to pick it up */
	bool busy;   /* a job was started and not yet collected */
	bool done;   /* the job in flight has returned */
	partpipe_fn fn;
	void *arg;
	int result;
};

static void *partpipe_main(void *p)
{
	struct partpipe *pp = p;

	pthread_mutex_lock(&pp->lock);
	for (;;) {
		partpipe_fn fn;
		void *arg;
		int rc;

		while (!pp->queued && !pp->stopping)
			pthread_cond_wait(&pp->cond, &pp->lock);
		if (!pp->queued)
			break;
		fn = pp->fn;
		arg = pp->arg;
		pp->queued = false;
		pthread_mutex_unlock(&pp->lock);
		rc = fn(arg);
		pthread_mutex_lock(&pp->lock);
		pp->result = rc;
		pp->done = true;
		pthread_cond_broadcast(&pp->cond);
	}
	pthread_mutex_unlock(&pp->lock);
	return NULL;
}

struct partpipe *partpipe_new(void)
{
	struct partpipe *pp = xcalloc(1, sizeof(*pp));
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	pthread_mutex_init(&pp->lock, NULL);
	pthread_cond_init(&pp->cond, NULL);
	if (pthread_attr_init(&attr) != 0) {
		log_warn("partpipe: cannot start a thread: jobs run inline");
		return pp;
	}
	pthread_attr_setstacksize(&attr, PARTPIPE_STACK);
	/* Signals stay with the calling thread, which owns the process's request loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&pp->thread, &attr, partpipe_main, pp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0)
		log_warn("partpipe: cannot start a thread (error %d): jobs run inline", rc);
	else
		pp->threaded = true;
	return pp;
}

bool partpipe_wait(struct partpipe *pp, int *result)
{
	int rc;

	pthread_mutex_lock(&pp->lock);
	if (!pp->busy) {
		pthread_mutex_unlock(&pp->lock);
		return false;
	}
	while (!pp->done)
		pthread_cond_wait(&pp->cond, &pp->lock);
	rc = pp->result;
	pp->busy = false;
	pp->done = false;
	pthread_mutex_unlock(&pp->lock);
	if (result)
		*result = rc;
	return true;
}

void partpipe_start(struct partpipe *pp, partpipe_fn fn, void *arg)
{
	partpipe_wait(pp, NULL);
	if (!pp->threaded) {
		pp->result = fn(arg);
		pp->busy = true;
		pp->done = true;
		return;
	}
	pthread_mutex_lock(&pp->lock);
	pp->fn = fn;
	pp->arg = arg;
	pp->queued = true;
	pp->busy = true;
	pp->done = false;
	pthread_cond_broadcast(&pp->cond);
	pthread_mutex_unlock(&pp->lock);
}

bool partpipe_busy(const struct partpipe *pp)
{
	/* Only the caller's thread changes busy, so reading it needs no lock. */
	return pp->busy;
}

void partpipe_free(struct partpipe *pp)
{
	if (!pp)
		return;
	partpipe_wait(pp, NULL);
	if (pp->threaded) {
		pthread_mutex_lock(&pp->lock);
		pp->stopping = true;
		pthread_cond_broadcast(&pp->cond);
		pthread_mutex_unlock(&pp->lock);
		pthread_join(pp->thread, NULL);
	}
	pthread_cond_destroy(&pp->cond);
	pthread_mutex_destroy(&pp->lock);
	free(pp);
}
