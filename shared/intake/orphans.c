/* orphans: multipart upload parts left in S3 — failed aborts retried, and unfinished uploads swept. */
#include "intake/orphans.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"
#include "intake/abortstore.h"
#include "intake/s3.h"

#define CHORE_SWEEP "multipart-sweep"
#define CHORE_UNSUPPORTED_LOG "abort-unsupported-log"
/* A claimed abort is not taken by another drainer for this long (it is rescheduled before then). */
#define CLAIM_LEASE_MS 600000

static const struct backoff retry_policy = ORPHANS_BACKOFF;

enum orphans_outcome orphans_outcome_of(int rc, const struct s3_error *err)
{
	if (rc == S3_OK)
		return ORPHANS_ABORTED;
	if (rc == S3_NOT_FOUND)
		return ORPHANS_GONE;
	if (err && s3_error_unsupported(err))
		return ORPHANS_UNSUPPORTED;
	return ORPHANS_RETRY;
}

int64_t orphans_retry_delay_ms(enum orphans_outcome outcome, int attempts, backoff_rand_fn rnd, void *arg)
{
	if (outcome == ORPHANS_UNSUPPORTED) {
		struct backoff near_cap = { retry_policy.cap_ms / 2, retry_policy.cap_ms, retry_policy.cap_ms };

		return backoff_delay_ms(&near_cap, 1, rnd, arg);
	}
	return backoff_delay_ms(&retry_policy, attempts, rnd, arg);
}

/* The text kept as a pending abort's last error. */
static void error_text(int rc, const struct s3_error *err, char *out, size_t len)
{
	if (err && err->status)
		snprintf(out, len, "%ld %s %s", err->status, err->code, err->message);
	else if (err && err->code[0])
		snprintf(out, len, "%s %s", err->code, err->message);
	else
		snprintf(out, len, "%s", s3_strerror(rc));
}

void orphans_abort_failed(const char *key, const char *upload_id, int rc, const struct s3_error *err)
{
	enum orphans_outcome o = orphans_outcome_of(rc, err);
	char text[400];

	if (o == ORPHANS_ABORTED || o == ORPHANS_GONE)
		return;
	error_text(rc, err, text, sizeof(text));
	if (abortstore_record(key, upload_id, text, orphans_retry_delay_ms(o, 1, NULL, NULL)) < 0) {
		log_error("orphans: cannot record the failed abort of upload '%s' of '%s' (%s): the sweep will find it",
			  upload_id, key, text);
		return;
	}
	log_warn("orphans: abort of upload '%s' of '%s' failed (%s): recorded for retry", upload_id, key, text);
}

/* Says, at most once per backoff cap across all drainers, that the store cannot abort. */
static void log_unsupported(const char *text)
{
	int64_t pending = 0;

	if (abortstore_chore_take(CHORE_UNSUPPORTED_LOG, retry_policy.cap_ms / 1000) != 1)
		return;
	abortstore_count(&pending);
	log_warn("orphans: the S3 store does not implement AbortMultipartUpload (%s): %lld aborts stay pending and "
		 "are retried every few hours; a bucket lifecycle rule (infra/s3/) removes their parts",
		 text, (long long)pending);
}

int orphans_retry_aborts(struct s3_client *s3, int max, struct orphans_stats *st)
{
	struct pending_abort *due = NULL;
	char unsupported[400] = "";
	int n = 0, i, rc;

	rc = abortstore_claim_due(max, CLAIM_LEASE_MS, &due, &n);
	for (i = 0; rc == 0 && i < n; i++) {
		struct s3_error err = { 0 };
		int arc = s3_multipart_abort(s3, due[i].key, due[i].upload_id, &err);
		enum orphans_outcome o = orphans_outcome_of(arc, &err);
		char text[400];

		if (o == ORPHANS_ABORTED || o == ORPHANS_GONE) {
			rc = abortstore_done(due[i].id);
			if (rc == 0)
				st->aborted++;
			continue;
		}
		error_text(arc, &err, text, sizeof(text));
		rc = abortstore_retry_later(due[i].id, text,
					    orphans_retry_delay_ms(o, due[i].attempts + 1, NULL, NULL));
		st->kept++;
		if (o == ORPHANS_UNSUPPORTED) {
			st->unsupported++;
			snprintf(unsupported, sizeof(unsupported), "%ld %s", err.status, err.code);
		}
	}
	if (unsupported[0] && rc == 0)
		log_unsupported(unsupported);
	abortstore_free(due, n);
	return rc;
}

/* Aborts one upload the sweep found; a failure is kept as a pending abort. */
static void sweep_abort(struct s3_client *s3, const struct s3_upload *u, struct orphans_stats *st)
{
	struct s3_error err = { 0 };
	int rc = s3_multipart_abort(s3, u->key, u->upload_id, &err);
	enum orphans_outcome o = orphans_outcome_of(rc, &err);

	if (o == ORPHANS_ABORTED || o == ORPHANS_GONE) {
		st->aborted++;
		return;
	}
	st->kept++;
	if (o == ORPHANS_UNSUPPORTED)
		st->unsupported++;
	orphans_abort_failed(u->key, u->upload_id, rc, &err);
}

int orphans_sweep(struct s3_client *s3, int after_seconds, struct orphans_stats *st)
{
	struct s3_upload_page page = { 0 };
	char *key_marker = NULL, *id_marker = NULL;
	time_t cutoff = time(NULL) - after_seconds;
	int pages, rc = 0;
	size_t i;

	if (after_seconds <= 0)
		return 0;
	for (pages = 0; pages < ORPHANS_SWEEP_MAX_PAGES; pages++) {
		struct s3_error err = { 0 };

		rc = s3_multipart_list(s3, ORPHANS_PREFIX, key_marker, id_marker, &page, &err);
		if (rc < 0) {
			if (s3_error_unsupported(&err)) {
				log_warn("orphans: the S3 store does not implement ListMultipartUploads (%ld %s): no "
					 "sweep of unfinished uploads; a bucket lifecycle rule (infra/s3/) does it",
					 err.status, err.code);
				rc = 1;
			} else {
				log_warn("orphans: sweep of unfinished uploads stopped: %s", s3_strerror(rc));
			}
			break;
		}
		st->listed += (int)page.n;
		for (i = 0; i < page.n; i++)
			if (page.uploads[i].initiated >= 0 && page.uploads[i].initiated < cutoff)
				sweep_abort(s3, &page.uploads[i], st);
		if (!page.truncated)
			break;
		free(key_marker);
		free(id_marker);
		/* The page owns its markers: take them before it is released. */
		key_marker = page.next_key_marker;
		id_marker = page.next_upload_id_marker;
		page.next_key_marker = NULL;
		page.next_upload_id_marker = NULL;
		s3_upload_page_release(&page);
	}
	s3_upload_page_release(&page);
	free(key_marker);
	free(id_marker);
	return rc;
}

void orphans_tend(struct s3_client *s3)
{
	struct orphans_stats st = { 0 };
	int after = (int)config()->multipart_sweep_after_seconds;

	if (!s3)
		return;
	if (orphans_retry_aborts(s3, ORPHANS_RETRY_MAX, &st) == 0 && (st.aborted || st.kept))
		log_info("orphans: retried %d pending multipart aborts: %d done, %d still pending",
			 st.aborted + st.kept, st.aborted, st.kept);
	if (after <= 0 || abortstore_chore_take(CHORE_SWEEP, ORPHANS_SWEEP_EVERY_S) != 1)
		return;
	st = (struct orphans_stats){ 0 };
	if (orphans_sweep(s3, after, &st) == 0)
		log_info("orphans: sweep: %d unfinished multipart uploads under '%s', %d older than %d s aborted, %d "
			 "kept pending",
			 st.listed, ORPHANS_PREFIX, st.aborted, after, st.kept);
}
