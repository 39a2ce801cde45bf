/* drain: the drainer's work loop — claim resume tasks, fetch, extract in sandboxed children, score, record. */
#include "queue/drain.h"

#include <cJSON.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/outage.h"
#include "base/json.h"
#include "base/status.h"
#include "base/util.h"
#include "core/answercache.h"
#include "core/config.h"
#include "core/counters.h"
#include "core/db.h"
#include "core/log.h"
#include "core/procmetrics.h"
#include "extract/extract.h"
#include "intake/arrival.h"
#include "intake/orphans.h"
#include "intake/resumestore.h"
#include "intake/s3.h"
#include "intake/s3client.h"
#include "llm/llm.h"
#include "llm/llm_batch.h"
#include "llm/llm_estimate.h"
#include "llm/llm_price.h"
#include "llm/llm_prompt.h"
#include "mail/mailer.h"
#include "mail/notice.h"
#include "mail/mailwait.h"
#include "queue/batchapi.h"
#include "queue/batchapi_answer.h"
#include "queue/jobprep_run.h"
#include "queue/prune.h"
#include "privacy/retention.h"
#include "queue/queue.h"
#include "score/analysis.h"
#include "score/budget.h"
#include "score/job.h"
#include "score/jobstore.h"
#include "score/llmspend.h"
#include "score/resultstore.h"
#include "score/rubric.h"
#include "text/mask.h"

#define CLAIM_BATCH 32
/*
 * A claimed task not started yet holds a lease this short at most (renewed
 * while it waits), and the full lease once its work starts: a drainer that
 * dies strands its waiting tasks for seconds, not for the whole lease.
 */
#define WAIT_LEASE_SECONDS 5
#define RESCUE_EVERY_MS 5000
/* Stale presigned uploads settled per sweep round, and rounds per rescue step, at most. */
#define SWEEP_MAX 100
#define SWEEP_ROUNDS 10
#define FOLLOW_WAIT_MS 1000

enum work_state { W_WAITING, W_EXTRACTING, W_SCORING, W_DONE };

struct drain;

struct work {
	struct drain *d;
	struct queue_task task;
	struct stored_resume resume;
	struct job *job;
	struct extract_job *ex;
	struct extract_result exr;
	bool have_exr;
	char *masked; /* the text sent to an outside provider, contact details masked; NULL for the local scorer */
	size_t masked_len;
	enum work_state state;
	bool lost;
	bool in_engine; /* submitted to the LLM engine and its callback has not run yet */
	int64_t next_heartbeat_ms;
	int64_t claimed_us; /* when it was claimed, for the task duration metric */
	struct work *next;
};

struct drain {
	const struct drain_options *o;
	struct drain_stats *stats;
	char worker[96];
	struct llm_engine *llm;
	enum llm_provider provider;
	struct s3_client *s3;
	struct extract_limits limits;
	struct work *works;
	struct mailer *mailer; /* sends the outbox each loop; NULL when mail cannot be sent */
	int in_flight;
	int extracting;
	int extract_workers;
	int max_in_flight;
	int lease;	  /* seconds, for tasks whose work has started */
	int wait_lease;	  /* seconds, for tasks claimed and waiting */
	struct outage db; /* PostgreSQL (or its schema) found missing: probe with backoff, report once per interval */
	/*
	 * Tasks whose result could not be recorded because the database went
	 * away (a restart of PostgreSQL or of the pooler in front of it): given
	 * back to the queue once it answers, so that they run again now rather
	 * than when their lease runs out.
	 */
	struct queue_task *unrecorded;
	int n_unrecorded;
	bool stopping;
	int64_t stop_deadline_ms;
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void task_copy(struct queue_task *dst, const struct queue_task *src)
{
	*dst = *src;
	dst->kind = dup_or_null(src->kind);
	dst->idempotency_key = dup_or_null(src->idempotency_key);
	dst->payload = dup_or_null(src->payload);
	dst->locked_by = dup_or_null(src->locked_by);
	dst->request_id = dup_or_null(src->request_id);
}

static void task_release(struct queue_task *t)
{
	free(t->kind);
	free(t->idempotency_key);
	free(t->payload);
	free(t->locked_by);
	free(t->request_id);
}

static void work_free(struct work *w)
{
	extract_job_free(w->ex);
	if (w->have_exr)
		extract_result_release(&w->exr);
	free(w->masked);
	job_free(w->job);
	resultstore_resume_release(&w->resume);
	task_release(&w->task);
	free(w);
}

/* Counts the task's settling in the host's metrics (procmetrics.h) and writes its one log line. */
static void count_task(const struct work *w, enum pm_task_outcome outcome)
{
	int64_t took = now_us() - w->claimed_us;

	procmetrics_task(outcome, took);
	log_task(w->task.kind, w->task.id, w->task.attempt, procmetrics_task_outcome_name(outcome), took,
		 w->task.request_id);
}

static void done(struct work *w)
{
	if (w->state == W_EXTRACTING)
		w->d->extracting--;
	w->state = W_DONE;
}

/* The attempt failed for a reason that may pass: back to the queue with backoff, or failed for good when out of attempts. */
static void retry(struct work *w, const char *reason)
{
	bool discarded = false;
	int rc = queue_fail(&w->task, reason, true, NULL, &discarded);

	if (rc == ST_GONE) {
		w->d->stats->lost++;
		count_task(w, PM_TASK_LOST);
	} else if (rc == 0 && discarded) {
		char why[400];

		snprintf(why, sizeof(why), "could not be processed after %d attempts: %s", w->task.attempt, reason);
		resultstore_mark_failed(w->task.org_id, w->resume.id, why);
		w->d->stats->failed++;
		count_task(w, PM_TASK_FAILED);
		log_warn("drain: resume %lld failed for good: %s", (long long)w->resume.id, reason);
	} else if (rc == 0) {
		char org[24], rid[24];
		const char *p[2] = { org, rid };

		snprintf(org, sizeof(org), "%lld", (long long)w->task.org_id);
		snprintf(rid, sizeof(rid), "%lld", (long long)w->resume.id);
		db_exec("resume_requeued", "UPDATE resumes SET status = 'queued' WHERE org_id = $1 AND id = $2", 2, p,
			NULL);
		w->d->stats->retried++;
		count_task(w, PM_TASK_RETRIED);
		log_info("drain: resume %lld will be retried: %s", (long long)w->resume.id, reason);
	}
	done(w);
}

/* Gives the task back unworked (a stop): no attempt is counted. */
static void release(struct work *w)
{
	if (queue_release(&w->task) == 0) {
		w->d->stats->released++;
		count_task(w, PM_TASK_RELEASED);
	}
	done(w);
}

/*
 * The candidate notice (notice.h), once the resume's address is known and
 * before the result is recorded: a task run again after a crash finds it
 * queued and queues none. A failure here is logged and never holds the
 * result back.
 */
static void send_notice(struct work *w)
{
	const struct contact *c = w->have_exr ? &w->exr.contact : NULL;
	bool created = false;

	if (!c || c->n_emails == 0)
		return;
	if (notice_send(w->resume.org_id, w->resume.job_id, w->resume.id, c->emails[0], c->name, &created) < 0)
		log_error("drain: the notice to the candidate of resume %lld was not queued", (long long)w->resume.id);
}

/* Records the outcome and ends the work: returns resultstore_finish()'s code (ST_GONE: the claim was lost). */
static int finish(struct work *w, const struct analysis *a, const char *category, const char *reason,
		  const struct analysis_meta *meta)
{
	int rc;

	send_notice(w);
	rc = resultstore_finish(&w->task, &w->resume, w->have_exr ? &w->exr : NULL, a, category, reason, meta);

	if (rc == ST_GONE) {
		w->d->stats->lost++;
		count_task(w, PM_TASK_LOST);
		log_warn("drain: lost the claim on task %lld; its result is dropped", (long long)w->task.id);
	} else if (rc == ST_UNAVAILABLE) {
		/* The database went away: the task goes back to the queue when it answers (release_unrecorded). */
		log_error("drain: cannot record resume %lld; the task goes back to the queue when the database answers",
			  (long long)w->resume.id);
		w->d->unrecorded =
			xrealloc(w->d->unrecorded, (size_t)(w->d->n_unrecorded + 1) * sizeof(*w->d->unrecorded));
		task_copy(&w->d->unrecorded[w->d->n_unrecorded++], &w->task);
	} else if (rc < 0) {
		/* Any other refusal: the lease will expire and another attempt will write it. */
		log_error("drain: cannot record resume %lld; the task will be retried", (long long)w->resume.id);
	} else {
		const char *cat = a ? analysis_category_name(a->category) : category;

		if (strcmp(cat, "failed") == 0)
			w->d->stats->failed++;
		else if (strcmp(cat, "needs_review") == 0)
			w->d->stats->needs_review++;
		else
			w->d->stats->scored++;
		count_task(w, strcmp(cat, "failed") == 0	 ? PM_TASK_FAILED
			      : strcmp(cat, "needs_review") == 0 ? PM_TASK_NEEDS_REVIEW
								 : PM_TASK_SCORED);
	}
	done(w);
	return rc;
}

static void on_scored(struct llm_result *res, void *userdata)
{
	struct work *w = userdata;
	struct analysis_meta meta;

	w->in_engine = false;
	if (w->state == W_DONE || w->lost) {
		/* The claim went first: the answer is paid for and in the cache, but is not stored here. */
		llmspend_record_unstored(w->resume.org_id, w->resume.job_id, res);
		return;
	}
	if (!res->ok) {
		if (w->d->stopping && res->retryable)
			release(w);
		else if (res->retryable)
			retry(w, res->reason);
		else
			finish(w, NULL, "failed", res->reason, NULL);
		return;
	}
	memset(&meta, 0, sizeof(meta));
	meta.provider = res->provider;
	meta.model = res->model;
	meta.prompt_version = strcmp(res->provider, "local") == 0 ? "local" : LLM_PROMPT_VERSION;
	meta.rubric_version = job_rubric(w->job)->version;
	meta.fingerprint = res->fingerprint;
	meta.prompt_tokens = res->usage.prompt_tokens;
	meta.completion_tokens = res->usage.completion_tokens;
	meta.cost_microusd = res->usage.cost_microusd;
	meta.cache_hit = res->cached;
	meta.cache_key = res->cache_key;
	/* An answer from the cache or the local scorer costs nothing; a call to a model without a price costs what nobody knows. */
	meta.cost_unknown = !res->cached && strcmp(res->provider, "local") != 0 && !llm_price_of(res->model, NULL, 0);
	meta.cached_tokens = res->usage.cached_tokens;
	if (res->usage.cached_tokens > 0) {
		int64_t full =
			llm_openai_cost_microusd(res->model, res->usage.prompt_tokens, 0, res->usage.completion_tokens);

		meta.saved_microusd = full > res->usage.cost_microusd ? full - res->usage.cost_microusd : 0;
	}
	if (finish(w, res->analysis, NULL, NULL, &meta) == ST_GONE)
		llmspend_record_unstored(w->resume.org_id, w->resume.job_id, res);
}

/*
 * Blind screening: a provider outside this host gets the resume with its
 * contact details and other identifying facts masked (text/mask.h). When
 * masking fails its own check the resume is not sent: it goes to
 * needs_review, saying why. Returns whether scoring may go on.
 */
static bool blind(struct work *w)
{
	char why[200], reason[300];

	if (w->d->provider == LLM_PROVIDER_LOCAL)
		return true;
	w->masked = mask_contacts(w->exr.text, w->exr.text_len, &w->masked_len, NULL, why, sizeof(why));
	if (w->masked)
		return true;
	snprintf(reason, sizeof(reason), "not sent for scoring: contact details could not be masked (%s)", why);
	log_warn("drain: resume %lld %s", (long long)w->resume.id, reason);
	finish(w, NULL, "needs_review", reason, NULL);
	return false;
}

/*
 * The job's budget (score/budget.h): a call to an outside provider first
 * holds its ceiling against it; work that does not fit waits as
 * pending_budget. Returns whether scoring may go on (else the work is settled).
 */
static bool within_budget(struct work *w, int percent)
{
	const char *model = config()->openai_model;
	char why[400];
	int64_t ceiling;
	int rc;

	if (w->d->provider == LLM_PROVIDER_LOCAL)
		return true;
	ceiling = llm_estimate_call_ceiling(model, w->job, llm_estimate_job_bytes(w->job),
					    (int64_t)(w->masked ? w->masked_len : w->exr.text_len));
	if (ceiling > 0)
		ceiling = (ceiling * percent + 99) / 100;
	rc = budget_reserve(&w->task, w->task.org_id, w->resume.job_id, ceiling, why, sizeof(why));
	if (rc == BUDGET_GO)
		return true;
	if (rc == BUDGET_WAIT || rc == BUDGET_BUSY) {
		bool busy = rc == BUDGET_BUSY;

		rc = budget_park(&w->task, w->task.org_id, w->resume.id, busy ? BUDGET_BUSY : BUDGET_WAIT, why);
		if (rc == 0) {
			if (busy)
				w->d->stats->budget_busy++;
			else
				w->d->stats->pending_budget++;
			count_task(w, PM_TASK_RELEASED);
			log_info("drain: resume %lld %s%s", (long long)w->resume.id, why,
				 busy ? " (again shortly, when work in flight has settled)" : "");
		} else if (rc == ST_GONE) {
			w->d->stats->lost++;
			count_task(w, PM_TASK_LOST);
		}
		if (rc == 0 || rc == ST_GONE) {
			done(w);
			return false;
		}
	}
	retry(w, "the database was unavailable for the budget check");
	return false;
}

/* The meta of an analysis from a provider batch's answer (its cost at the batch price). */
static void batch_meta(struct work *w, const struct llm_reply *reply, struct analysis_meta *meta)
{
	const char *model = reply->model ? reply->model : config()->openai_model;

	memset(meta, 0, sizeof(*meta));
	meta->provider = "openai";
	meta->model = model;
	meta->prompt_version = LLM_PROMPT_VERSION;
	meta->rubric_version = job_rubric(w->job)->version;
	meta->fingerprint = reply->fingerprint ? reply->fingerprint : "";
	meta->prompt_tokens = reply->usage.prompt_tokens;
	meta->completion_tokens = reply->usage.completion_tokens;
	meta->cost_microusd = reply->usage.cost_microusd;
	meta->cost_unknown = !llm_price_of(model, NULL, 0);
	meta->cached_tokens = reply->usage.cached_tokens;
}

/* A task that waits for its provider batch gives its worker back (batchapi.h). */
static void batch_sleep(struct work *w, int rc)
{
	if (rc == 0) {
		w->d->stats->batched++;
		count_task(w, PM_TASK_RELEASED);
		done(w);
	} else if (rc == ST_GONE) {
		w->d->stats->lost++;
		count_task(w, PM_TASK_LOST);
		done(w);
	} else {
		retry(w, "the database was unavailable for the provider batch");
	}
}

/*
 * The Batch API path (batchapi.h), after masking: a resume of a batched job
 * has its request collected into a provider batch, waits for its answer, or
 * has its answer checked and recorded here. Returns whether the work was
 * settled; false: score it the synchronous way.
 */
static bool batch_route(struct work *w)
{
	const char *text = w->masked ? w->masked : w->exr.text;
	size_t len = w->masked ? w->masked_len : w->exr.text_len;
	struct batchapi_item it;
	bool wanted = false;
	int rc;

	if (w->d->provider == LLM_PROVIDER_LOCAL)
		return false;
	rc = batchapi_item_of(&w->task, w->resume.id, &it);
	if (rc == 0 && it.state == BATCHAPI_NONE)
		rc = batchapi_wanted(w->task.org_id, w->resume.job_id, w->resume.id, &wanted);
	if (rc < 0) {
		retry(w, "the database was unavailable for the provider batch");
		return true;
	}
	if (it.state == BATCHAPI_NONE && wanted) {
		const char *model = config()->openai_model;
		cJSON *req;
		char *body;

		if (!within_budget(w, LLM_BATCH_PRICE_PERCENT))
			return true;
		req = llm_prompt_request(w->job, model, text, len);
		body = json_print(req);
		cJSON_Delete(req);
		batch_sleep(w, batchapi_collect(&w->task, w->task.org_id, w->resume.job_id, w->resume.id, model, body));
		free(body);
		return true;
	}
	if (it.state == BATCHAPI_WAITING) {
		batch_sleep(w, batchapi_sleep(&w->task, w->task.org_id, w->resume.id));
		return true;
	}
	if (it.state == BATCHAPI_ANSWERED) {
		struct llm_reply reply;
		struct analysis_meta meta;
		char why[600];
		struct analysis *a = batchapi_answer(&it, w->job, text, len, &reply, why, sizeof(why));

		if (a) {
			batch_meta(w, &reply, &meta);
			finish(w, a, NULL, NULL, &meta);
			if (w->state == W_DONE && batchapi_item_ingested(it.id) < 0)
				log_warn("drain: resume %lld: its batch request is not marked ingested",
					 (long long)w->resume.id);
			analysis_free(a);
			llm_reply_release(&reply);
			batchapi_item_release(&it);
			return true;
		}
		log_info("drain: resume %lld goes the synchronous way: %s", (long long)w->resume.id, why);
		llm_reply_release(&reply);
		if (batchapi_item_returned(it.id, why) < 0) {
			batchapi_item_release(&it);
			retry(w, "the database was unavailable for the provider batch");
			return true;
		}
	}
	batchapi_item_release(&it);
	return false;
}

static void on_extracted(struct work *w)
{
	extract_job_take(w->ex, &w->exr);
	w->have_exr = true;
	extract_job_free(w->ex);
	w->ex = NULL;
	w->d->extracting--;
	switch (w->exr.status) {
	case EXTRACT_OK:
		w->state = W_SCORING;
		if (!blind(w) || batch_route(w) || !within_budget(w, 100))
			break;
		if (llm_submit_org(w->d->llm, w->task.org_id, w->job, w->masked ? w->masked : w->exr.text,
				   w->masked ? w->masked_len : w->exr.text_len, on_scored, w) < 0)
			finish(w, NULL, "failed", "the resume text could not be submitted for scoring", NULL);
		else
			w->in_engine = true;
		break;
	case EXTRACT_NEEDS_REVIEW:
		w->state = W_SCORING;
		procmetrics_extract_failure(true, w->exr.reason);
		finish(w, NULL, "needs_review", w->exr.reason, NULL);
		break;
	default:
		w->state = W_SCORING;
		procmetrics_extract_failure(false, w->exr.reason);
		finish(w, NULL, "failed", w->exr.reason, NULL);
		break;
	}
}

/* Fetches the file and starts its extraction child. */
static void start_extraction(struct work *w)
{
	struct drain *d = w->d;
	struct buf data = BUF_INIT((size_t)config()->upload_max_file_bytes + 1);
	struct s3_error e = { 0 };
	int rc = queue_heartbeat(&w->task, d->lease);

	if (rc == ST_GONE) {
		/* Rescued while it waited: another drainer has it now. */
		w->lost = true;
		d->stats->lost++;
		count_task(w, PM_TASK_LOST);
		done(w);
		buf_release(&data);
		return;
	}
	if (rc == 0)
		w->next_heartbeat_ms = now_ms() + d->lease * 1000 / 3;
	rc = s3_get(d->s3, w->resume.s3_key, &data, &e);
	if (rc == S3_NOT_FOUND) {
		w->state = W_SCORING;
		finish(w, NULL, "failed", "the file is missing from storage", NULL);
	} else if (rc < 0) {
		w->state = W_SCORING;
		retry(w, e.unavailable ? "storage unavailable" : "storage refused the download");
	} else if (extract_start(data.ptr, data.len, &d->limits, &w->ex) < 0) {
		w->state = W_SCORING;
		retry(w, "cannot start an extraction process");
	} else {
		w->state = W_EXTRACTING;
		d->extracting++;
	}
	buf_release(&data);
}

static int64_t payload_int(const char *payload, const char *name)
{
	cJSON *o = cJSON_Parse(payload ? payload : "{}");
	int64_t v = json_int(o, name, 0);

	cJSON_Delete(o);
	return v;
}

/* Loads what a claimed task needs; a task that cannot start is settled here. */
static void start_work(struct drain *d, const struct queue_task *t)
{
	struct work *w = xcalloc(1, sizeof(*w));
	int64_t resume_id;
	int rc;

	w->d = d;
	task_copy(&w->task, t);
	w->next_heartbeat_ms = now_ms() + d->wait_lease * 1000 / 3;
	w->claimed_us = now_us();
	w->next = d->works;
	d->works = w;
	d->in_flight++;
	d->stats->claimed++;
	w->state = W_WAITING;
	resume_id = payload_int(t->payload, "resume_id");
	rc = resultstore_begin(&w->task, resume_id, &w->resume);
	if (rc == ST_GONE) {
		log_warn("drain: task %lld was rescued by another drainer before it started", (long long)t->id);
		w->lost = true;
		d->stats->lost++;
		count_task(w, PM_TASK_LOST);
		w->state = W_DONE;
		return;
	}
	if (rc == ST_NOT_FOUND) {
		/* Deleted since it was queued: nothing to do. */
		queue_succeed(&w->task);
		count_task(w, PM_TASK_SKIPPED);
		w->state = W_DONE;
		return;
	}
	if (rc == 0)
		rc = jobstore_load(t->org_id, w->resume.job_id, &w->job);
	if (rc < 0) {
		w->resume.id = resume_id;
		retry(w, "the database was unavailable");
	}
}

static void heartbeat(struct drain *d, int64_t now)
{
	struct work *w;

	for (w = d->works; w; w = w->next) {
		int lease = w->state == W_WAITING ? d->wait_lease : d->lease;

		if (w->state == W_DONE || w->next_heartbeat_ms > now)
			continue;
		w->next_heartbeat_ms = now + lease * 1000 / 3;
		if (queue_heartbeat(&w->task, lease) == ST_GONE) {
			log_warn("drain: task %lld was rescued by another drainer", (long long)w->task.id);
			w->lost = true;
			d->stats->lost++;
			done(w);
		}
	}
}

static void reap(struct drain *d)
{
	struct work **pp = &d->works;

	while (*pp) {
		struct work *w = *pp;

		/* A work the LLM engine still holds is freed only after its callback has run. */
		if (w->state == W_DONE && !w->in_engine) {
			*pp = w->next;
			d->in_flight--;
			work_free(w);
		} else {
			pp = &w->next;
		}
	}
}

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

/*
 * How many tasks to claim now: only what can start soon. Besides the cap
 * on tasks in flight, at most one task waits per extraction worker beside
 * the one it extracts, and no more are held than the LLM engine can take
 * at its current cap plus one per extraction worker; the rest stay in the
 * queue for any drainer.
 */
static int claim_room(const struct drain *d)
{
	struct llm_stats ls;
	const struct work *w;
	int waiting = 0, pending;

	for (w = d->works; w; w = w->next)
		if (w->state == W_WAITING)
			waiting++;
	llm_engine_stats(d->llm, &ls);
	pending = (int)llm_engine_pending(d->llm);
	return min_int(min_int(d->max_in_flight - d->in_flight, CLAIM_BATCH),
		       min_int(2 * d->extract_workers - d->extracting - waiting,
			       ls.cap + d->extract_workers - pending - d->extracting - waiting));
}

/* Claims what can start soon; returns how many were claimed, or a status code. */
static int claim(struct drain *d)
{
	static const char *const kinds[] = { RESUME_TASK_KIND, NULL };
	struct queue_task *tasks = NULL;
	int n = 0, want = claim_room(d), i, rc;

	if (want <= 0)
		return 0;
	rc = queue_claim(d->worker, kinds, want, d->wait_lease, &tasks, &n);
	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		start_work(d, &tasks[i]);
	queue_tasks_free(tasks, n);
	return n;
}

static void start_waiting_extractions(struct drain *d)
{
	struct work *w;

	for (w = d->works; w && d->extracting < d->extract_workers; w = w->next)
		if (w->state == W_WAITING)
			start_extraction(w);
}

/* One wait for extraction children and LLM transfers together. */
static void wait_for_progress(struct drain *d, int timeout_ms)
{
	struct pollfd fds[64];
	struct work *owners[64];
	unsigned n = 0, i;
	int64_t now = now_ms();
	struct work *w;

	for (w = d->works; w && n < 64; w = w->next) {
		if (w->state != W_EXTRACTING)
			continue;
		int64_t left = extract_job_deadline_ms(w->ex) - now;

		if (left < timeout_ms)
			timeout_ms = left < 0 ? 0 : (int)left;
		fds[n].fd = extract_job_fd(w->ex);
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		owners[n++] = w;
	}
	if (n == 0 && llm_engine_pending(d->llm) == 0) {
		/* Nothing to wait for but time (the engine would return at once with nothing in flight). */
		if (timeout_ms > 0)
			poll(NULL, 0, timeout_ms);
		return;
	}
	llm_engine_step_fds(d->llm, fds, n, timeout_ms);
	now = now_ms();
	for (i = 0; i < n; i++) {
		w = owners[i];
		if (w->state != W_EXTRACTING || !w->ex)
			continue;
		if ((fds[i].revents || extract_job_deadline_ms(w->ex) <= now) && extract_job_step(w->ex) == 1)
			on_extracted(w);
	}
}

static void stop_now(struct drain *d)
{
	struct work *w;

	for (w = d->works; w; w = w->next)
		if (w->state == W_WAITING || w->state == W_EXTRACTING)
			release(w);
}

static int setup(struct drain *d, const struct drain_options *o, struct drain_stats *stats)
{
	static const struct backoff db_policy = OUTAGE_DB_POLICY;
	struct llm_options lo;
	struct s3_error e = { 0 };
	char err[256];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	memset(d, 0, sizeof(*d));
	d->o = o;
	d->stats = stats;
	queue_worker_id(d->worker, sizeof(d->worker));
	if (llm_options_from_config(&lo, err, sizeof(err)) < 0) {
		log_error("drain: %s", err);
		return ST_INTERNAL;
	}
	if (llm_price_init(err, sizeof(err)) < 0) {
		log_error("drain: the price table: %s", err);
		return ST_INTERNAL;
	}
	d->provider = lo.provider;
	d->llm = llm_engine_new(&lo, err, sizeof(err));
	if (!d->llm) {
		log_error("drain: cannot start the LLM engine: %s", err);
		return ST_INTERNAL;
	}
	if (s3client_get(&d->s3, &e) < 0) {
		log_error("drain: cannot make an S3 client: %s", e.message);
		return ST_INTERNAL;
	}
	extract_limits_from_config(&d->limits);
	d->extract_workers = o->extract_workers > 0	     ? o->extract_workers
			     : config()->extract_workers > 0 ? (int)config()->extract_workers
							     : (int)(cores > 0 ? cores : 1);
	d->max_in_flight = o->max_in_flight > 0 ? o->max_in_flight : lo.concurrency * 2;
	d->lease = o->lease_seconds > 0 ? o->lease_seconds : (int)config()->task_lease_seconds;
	d->wait_lease = d->lease < WAIT_LEASE_SECONDS ? d->lease : WAIT_LEASE_SECONDS;
	outage_init(&d->db, &db_policy, OUTAGE_DB_REPORT_MS);
	d->mailer = mailer_new(d->worker);
	log_info("drain: worker %s, provider %s, %d extraction workers, %d tasks in flight at most", d->worker,
		 llm_provider_name(d->provider), d->extract_workers, d->max_in_flight);
	return 0;
}

/*
 * Presigned uploads whose S3 event never came: objects found are recorded,
 * slots without one expire. Up to SWEEP_ROUNDS full rounds at a time, so a
 * backlog clears in a few passes without holding up the queue for long.
 */
static void sweep_uploads(struct drain *d, struct drain_stats *stats)
{
	struct arrival_sweep total = { 0, 0 };
	int rc = 0, round;

	if (!d->s3)
		return;
	for (round = 0; round < SWEEP_ROUNDS && rc == 0; round++) {
		struct arrival_sweep st = { 0, 0 };

		rc = arrival_sweep(d->s3, config()->upload_max_file_bytes, (int)config()->upload_sweep_after_seconds,
				   SWEEP_MAX, &st);
		total.recovered += st.recovered;
		total.expired += st.expired;
		if (st.recovered + st.expired < SWEEP_MAX)
			break;
	}
	if (total.recovered || total.expired)
		log_info("drain: upload sweep: %d objects without an S3 event recorded, %d unused upload slots expired",
			 total.recovered, total.expired);
	if (rc < 0)
		log_warn("drain: upload sweep stopped: S3 or the database is unavailable");
	stats->uploads_recovered += total.recovered;
}

/* A database call failed (rc): from now on the loop only probes it, with backoff, until it answers. */
static void database_failed(struct drain *d, int64_t now, int rc)
{
	const char *what = rc == ST_NOT_FOUND ? "the database has no schema yet (shortlistctl migrate makes it)"
					      : "the database is unavailable";

	switch (outage_fail(&d->db, now, NULL, NULL)) {
	case OUTAGE_STARTED:
		log_warn("drain: %s; waiting for it, with backoff", what);
		break;
	case OUTAGE_REPORT:
		log_warn("drain: %s: %d failed attempts in %lld s", what, d->db.failures,
			 (long long)((now - d->db.since_ms) / 1000));
		break;
	default:
		break;
	}
}

/*
 * Whether the loop may use the database now. While it is out, a quiet
 * probe (queue_ready) runs when the backoff allows; the first that answers
 * ends the outage.
 */
static bool database_ready(struct drain *d, int64_t now)
{
	int rc, failed;

	if (!d->db.down)
		return true;
	if (!outage_due(&d->db, now))
		return false;
	rc = queue_ready();
	if (rc < 0) {
		database_failed(d, now, rc);
		return false;
	}
	failed = outage_ok(&d->db);
	log_info("drain: the database answers again after %d failed attempts in %lld s; resuming", failed,
		 (long long)((now - d->db.since_ms) / 1000));
	if (d->o->follow)
		queue_listen();
	return true;
}

/*
 * Gives back the tasks whose result the database was not there to record
 * (unworked: the attempt is not counted; the LLM's answer is in its cache
 * for the next one). A task no longer ours (its result did commit, or its
 * lease ran out) is dropped. Returns 0 or the db status code that stopped it;
 * what is left is tried again on the next call.
 */
static int release_unrecorded(struct drain *d)
{
	while (d->n_unrecorded > 0) {
		struct queue_task *t = &d->unrecorded[d->n_unrecorded - 1];
		int rc = queue_release(t);

		if (rc < 0 && rc != ST_GONE)
			return rc;
		if (rc == 0) {
			d->stats->released++;
			log_info("drain: task %lld, whose result was not recorded, is back in the queue",
				 (long long)t->id);
		}
		task_release(t);
		d->n_unrecorded--;
	}
	return 0;
}

static void free_unrecorded(struct drain *d)
{
	while (d->n_unrecorded > 0)
		task_release(&d->unrecorded[--d->n_unrecorded]);
	free(d->unrecorded);
	d->unrecorded = NULL;
}

/* A stop request, or max_seconds passed: stop claiming, give back what has not started. */
static void check_stop(struct drain *d, volatile sig_atomic_t *stop, int64_t started, int64_t now)
{
	if (d->stopping || !(*stop || (d->o->max_seconds > 0 && now - started >= d->o->max_seconds * 1000)))
		return;
	d->stopping = true;
	d->stop_deadline_ms = now + (int64_t)d->o->grace_seconds * 1000;
	log_info("drain: stopping: %d tasks in flight", d->in_flight);
	stop_now(d);
}

/* Every RESCUE_EVERY_MS: expired leases back to the queue, resumes of discarded tasks settled, the upload sweep, pruning, the daily retention sweep, counter compaction. */
static int maintain(struct drain *d, bool first)
{
	int discarded = 0, n = queue_rescue(&discarded);

	if (n < 0)
		return n;
	if (n > 0) {
		d->stats->rescued += n;
		log_info("drain: rescued %d tasks with expired leases (%d discarded)", n, discarded);
	}
	if (first || discarded > 0) {
		int settled = resultstore_settle_discarded();

		if (settled > 0)
			log_warn("drain: marked %d resumes failed whose tasks were discarded", settled);
	}
	sweep_uploads(d, d->stats);
	orphans_tend(d->s3);
	prune_tend();
	retention_tend();
	counters_tend();
	if (mailwait_tend() < 0)
		log_warn("drain: cannot release the emails waiting for their jobs' preparation now");
	return 0;
}

/* How long the loop may wait for progress: not at all while it can claim or mail more. */
static int progress_timeout(const struct drain *d, bool queue_empty, int mailed)
{
	if (mailed > 0)
		return 0;
	return d->in_flight >= d->max_in_flight || queue_empty || d->stopping ? 200 : 0;
}

/* While the database is out: work in flight goes on; otherwise sleep until the next probe (at most a second). */
static void wait_out_outage(struct drain *d, int64_t now)
{
	int64_t wait = outage_wait_ms(&d->db, now);

	if (wait > (d->in_flight > 0 ? 200 : 1000))
		wait = d->in_flight > 0 ? 200 : 1000;
	wait_for_progress(d, (int)wait);
	reap(d);
}

int drain_run(const struct drain_options *o, volatile sig_atomic_t *stop, struct drain_stats *stats)
{
	struct drain d;
	int64_t started = now_ms(), next_rescue = 0;
	bool queue_empty = false;
	int rc, mailed;

	memset(stats, 0, sizeof(*stats));
	rc = setup(&d, o, stats);
	if (rc < 0)
		goto out;
	rc = queue_ready();
	if (rc < 0)
		database_failed(&d, started, rc);
	else if (o->follow)
		queue_listen();
	/* Its steps of the organisations' answer generations are held to one per gap (answercache.h). */
	answercache_hold_steps((int)config()->answer_step_gap_ms);
	for (;;) {
		int64_t now = now_ms();

		answercache_step_due(false);
		check_stop(&d, stop, started, now);
		if (d.stopping && now >= d.stop_deadline_ms && d.in_flight > 0) {
			/* Out of grace: the engine fails what is pending, and the callbacks release it. */
			llm_engine_free(d.llm);
			d.llm = NULL;
			reap(&d);
			break;
		}
		if (!database_ready(&d, now)) {
			if (d.stopping && d.in_flight == 0)
				break;
			wait_out_outage(&d, now);
			continue;
		}
		rc = release_unrecorded(&d);
		if (rc < 0) {
			database_failed(&d, now, rc);
			continue;
		}
		if (now >= next_rescue) {
			rc = maintain(&d, next_rescue == 0);
			if (rc < 0) {
				database_failed(&d, now, rc);
				continue;
			}
			next_rescue = now + RESCUE_EVERY_MS;
		}
		if (!d.stopping) {
			/*
			 * A job's preparation (its criteria, company details and templates),
			 * one task a turn and only with no resume in flight: its LLM call
			 * blocks the loop, which must not hold up heartbeats or the engine's
			 * transfers meanwhile. A failed one waits out the queue's backoff.
			 */
			int prepared = d.in_flight == 0 ? jobprep_step(d.worker) : 0;

			/* A provider batch's step, under the same rule: its calls block the loop. */
			if (prepared >= 0 && d.in_flight == 0 && d.provider == LLM_PROVIDER_OPENAI) {
				int stepped = batchapi_step(d.worker);

				prepared = stepped < 0 ? stepped : prepared + stepped;
			}

			if (prepared < 0) {
				database_failed(&d, now, prepared);
				continue;
			}
			rc = claim(&d);
			if (rc < 0) {
				database_failed(&d, now, rc);
				continue;
			}
			queue_empty = rc == 0 && prepared == 0;
		}
		mailed = mailer_step(d.mailer, d.stopping);
		start_waiting_extractions(&d);
		heartbeat(&d, now);
		reap(&d);
		if (d.in_flight == 0) {
			if (d.stopping)
				break;
			if (queue_empty && mailer_idle(d.mailer)) {
				if (!o->follow)
					break;
				answercache_step_due(true);
				rc = queue_wait(FOLLOW_WAIT_MS);
				if (rc < 0)
					database_failed(&d, now_ms(), rc);
				else if (rc > 0)
					stats->notified++;
				continue;
			}
		}
		wait_for_progress(&d, progress_timeout(&d, queue_empty, mailed));
		reap(&d);
	}
	rc = 0;
out:
	if (d.llm)
		llm_engine_free(d.llm);
	reap(&d);
	while (d.works) {
		struct work *w = d.works;

		d.works = w->next;
		work_free(w);
	}
	if (d.n_unrecorded > 0 && release_unrecorded(&d) < 0)
		log_warn("drain: %d tasks whose result was not recorded wait for their leases to run out",
			 d.n_unrecorded);
	free_unrecorded(&d);
	answercache_hold_steps(0);
	if (d.mailer) {
		struct mailer_stats ms = mailer_stats(d.mailer);

		stats->emails_sent = ms.sent;
		stats->emails_retried = ms.retried;
		stats->emails_failed = ms.failed;
		mailer_free(d.mailer);
	}
	log_info("drain: %lld claimed, %lld scored, %lld needs review, %lld failed, %lld retried, %lld released, %lld "
		 "lost, %lld waiting for budget, %lld waiting on a provider batch, %lld uploads recorded without their "
		 "S3 "
		 "event",
		 (long long)stats->claimed, (long long)stats->scored, (long long)stats->needs_review,
		 (long long)stats->failed, (long long)stats->retried, (long long)stats->released,
		 (long long)stats->lost, (long long)stats->pending_budget, (long long)stats->batched,
		 (long long)stats->uploads_recovered);
	if (o->follow)
		log_info("drain: woken %lld times by a notification", (long long)stats->notified);
	return rc;
}
