#!/usr/bin/env bash
# Batch progress: counts by state and category, percent and ETA before,
# during and after the drainer runs; failures listed with their reasons (a
# discarded task counts as failed with its last error), at most 100 of them;
# the dead-letter set and its retry; tenancy.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"

KEY_A=$(new_org "progress-a-$$")
KEY_B=$(new_org "progress-b-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
ORG_A=$(sql "SELECT id FROM organisations WHERE name = 'progress-a-$$'")
drain() { "$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1; }
status() { http GET "/api/v1/process/status/$1" "${A[@]}"; }
# by_hand SQL: a change to the rows made as no drainer would, then told to the service, whose
# kept answers (shared/core/answercache.h) only know of changes made through it.
by_hand() { sql "$1" >/dev/null && ctl answers forget --org "progress-a-$$" >/dev/null; }
# Holds a batch's tasks (run_at in an hour) so that no drainer takes them; release BATCH IDS lets some go.
hold() { sql "UPDATE tasks SET run_at = now() + interval '1 hour' WHERE kind = 'process_resume' AND state = 'queued' AND payload->>'batch_id' = '$1'" >/dev/null; }
release() { sql "UPDATE tasks SET run_at = now() WHERE kind = 'process_resume' AND state = 'queued' AND payload->>'batch_id' = '$1' AND (payload->>'resume_id')::bigint IN ($2)" >/dev/null; }
left() { sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'batch_id' = '$1' AND state IN ('queued', 'running') AND run_at <= now()"; }
untaken() { sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'batch_id' = '$1' AND state = 'queued' AND attempts = 0"; }
drain_released() { # BATCH: drains until none of the batch's released tasks is left
	local i
	for ((i = 0; i < 40; i++)); do
		drain
		[[ $(left "$1") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}

# Other drainers may run against the same instance: a batch serves only if
# none of its tasks was claimed before they were held (else try a new one).
for try in 1 2 3; do
	JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
		--data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux. 3+ years."}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id)
	curl -s "${A[@]}" -F "f=@$FIX/resume.pdf" -F "f=@$FIX/resume.txt" -F "f=@$FIX/resume.docx" \
		-F "f=@$FIX/image_only.pdf" -F "f=@$FIX/truncated.pdf" -F "f=@$FIX/three_pages.pdf" \
		"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
	BATCH=$(jq -r .batch_id "$T_TMP/upload.json")
	hold "$BATCH"
	[[ $(untaken "$BATCH") == 6 ]] && break
	echo "# another drainer took tasks of batch $BATCH before they were held; trying again ($try)"
done
id_of() { jq -r --arg f "$1" '.files[] | select(.filename == $f) | .resume_id' "$T_TMP/upload.json"; }
PDF=$(id_of resume.pdf)
TXT=$(id_of resume.txt)
DOCX=$(id_of resume.docx)
IMAGE=$(id_of image_only.pdf)
TRUNC=$(id_of truncated.pdf)
PAGES=$(id_of three_pages.pdf)
check "six resumes in one batch" test "$(jq .accepted "$T_TMP/upload.json")" = 6
check "held before any drainer took them" test "$(untaken "$BATCH")" = 6

# --- before the drainer runs
status "$BATCH"
expect_status 200 "the batch's progress"
expect_json '.batch_id == '"$BATCH"' and .job_id == '"$JOB"' and .source == "upload"' true "names the batch, its job and source"
expect_json '.total' 6 "six in all"
expect_json '.counts | [.queued, .processing, .scored, .needs_review, .failed] | map(tostring) | join(",")' "6,0,0,0,0" \
	"all queued"
expect_json '.done' 0 "none done"
expect_json '.percent' 0 "0 percent"
expect_json '.eta_seconds' null "no ETA before anything is done"
expect_json '.state' running "running"
expect_json '.finished_at' null "not finished"
expect_json '.started_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' true "started_at in ISO 8601"
expect_json '.failures | length' 0 "no failures yet"
check "progress is never cached" grep -qi "no-store" <<<"$(header Cache-Control)"

# --- a task that is running counts as processing
by_hand "UPDATE tasks SET state = 'running', lease_until = now() + interval '1 hour', locked_by = 'test', attempts = 1 WHERE kind = 'process_resume' AND idempotency_key = 'resume:$PAGES'"
status "$BATCH"
expect_json '.counts.processing' 1 "a running task counts as processing"
by_hand "UPDATE tasks SET state = 'queued', lease_until = NULL, locked_by = NULL, attempts = 0 WHERE kind = 'process_resume' AND idempotency_key = 'resume:$PAGES'"

# --- half way: three of six processed
sleep 1.1 # the batch must have a measurable age for a rate
release "$BATCH" "$PDF,$TXT,$TRUNC"
drain_released "$BATCH" || not_ok "the released tasks were not processed"
status "$BATCH"
expect_json '.done' 3 "three done"
expect_json '.counts.queued' 3 "three still queued"
expect_json '.percent' 50 "50 percent"
expect_json '.eta_seconds | type' number "an ETA once something is done"
expect_json '.eta_seconds > 0' true "a positive ETA while work remains"
expect_json '.state' running "still running"
expect_json '.counts.failed' 1 "the truncated PDF failed"
expect_json '[.failures[] | select(.resume_id == '"$TRUNC"')][0] | .status + "/" + .filename' "failed/truncated.pdf" \
	"listed with its file name"
check "and its reason" test -n "$(json "[.failures[] | select(.resume_id == $TRUNC)][0].reason // empty")"
expect_json '.categories | .shortlist + .consider + .reject' 2 "the two scored ones by category"

# --- a task discarded after its last attempt counts as failed with its last error
by_hand "UPDATE tasks SET state = 'discarded', attempts = 5, last_error = 'storage said no (test)', finished_at = now() WHERE kind = 'process_resume' AND idempotency_key = 'resume:$DOCX'"
status "$BATCH"
expect_json '.counts.failed' 2 "the discarded task counts as failed"
expect_json "[.failures[] | select(.resume_id == $DOCX)][0].reason" "storage said no (test)" "with the task's last error"
expect_json '.done' 4 "and as done"

# --- the dead-letter set
http GET "/api/v1/tasks/dead" "${A[@]}"
expect_status 200 "the dead letters"
expect_json "[.items[] | select(.payload.resume_id == $DOCX)] | length" 1 "hold the discarded task"
expect_json "[.items[] | select(.payload.resume_id == $DOCX)][0] | .last_error + \"|\" + .kind" \
	"storage said no (test)|process_resume" "with its kind and last error"
DEAD=$(json "[.items[] | select(.payload.resume_id == $DOCX)][0].id")
http GET "/api/v1/tasks/dead" "${B[@]}"
expect_json '.items | length' 0 "another organisation has no dead letters"
http POST "/api/v1/tasks/$DEAD/retry" "${B[@]}" --data ""
expect_status 404 "another organisation cannot retry it"
http GET "/api/v1/tasks/dead?limit=0" "${A[@]}"
expect_status 400 "limit 0"
http POST "/api/v1/tasks/$DEAD/retry" "${A[@]}" --data ""
expect_status 202 "retry the dead letter"
# (another drainer may claim it at once: it must only have left the dead letters, attempts counted afresh)
check "it is queued again" test "$(sql "SELECT state <> 'discarded' AND attempts <= 1 FROM tasks WHERE id = $DEAD")" = t
http POST "/api/v1/tasks/$DEAD/retry" "${A[@]}" --data ""
expect_status 404 "a task that is not dead cannot be retried"
http GET "/api/v1/tasks/dead" "${A[@]}"
expect_json "[.items[] | select(.id == $DEAD)] | length" 0 "it left the dead letters"

# --- every task released: finished
release "$BATCH" "$DOCX,$IMAGE,$PAGES"
drain_released "$BATCH" || not_ok "the batch was not finished"
status "$BATCH"
cp "$T_TMP/body" "$T_TMP/final.json"
expect_json '.state' finished "finished"
expect_json '.done' 6 "six done"
expect_json '.percent' 100 "100 percent"
expect_json '.eta_seconds' 0 "ETA 0 when finished"
expect_json '.finished_at | test("^[0-9]{4}-")' true "a finish time"
expect_json '.finished_at >= .started_at' true "after the start"
expect_json '.counts | .scored + .needs_review + .failed' 6 "counts add up"
expect_json '.counts | [.queued, .processing, .scored, .needs_review, .failed] | map(tostring) | join(",")' "0,0,4,1,1" \
	"4 scored, 1 needs review, 1 failed"
check "scored by category as in the database" test "$(jq -r '.categories | [.shortlist, .consider, .reject] | map(tostring) | join(",")' "$T_TMP/final.json")" = \
	"$(sql "SELECT count(*) FILTER (WHERE category = 'shortlist') || ',' || count(*) FILTER (WHERE category = 'consider') || ',' || count(*) FILTER (WHERE category = 'reject') FROM analyses WHERE job_id = $JOB AND is_current")"
expect_json "[.failures[] | .status + \"/\" + (.resume_id | tostring)] | sort | join(\",\")" \
	"$(printf '%s\n' "failed/$TRUNC" "needs_review/$IMAGE" | sort | paste -sd,)" "failures: the truncated PDF and the image-only one"
expect_json '[.failures[] | select((.reason // "") == "")] | length' 0 "every failure has a reason"
expect_json '.failures_more' 0 "none left out"

# --- at most 100 failures, with a count of the rest
sql "INSERT INTO batches (org_id, job_id) VALUES ($ORG_A, $JOB) RETURNING id" >"$T_TMP/b2"
B2=$(head -n 1 "$T_TMP/b2")
sql "INSERT INTO resumes (org_id, job_id, batch_id, s3_key, sha256, size_bytes, content_type, filename, status, status_reason)
	SELECT $ORG_A, $JOB, $B2, 'test/$B2/' || i, md5('$B2/' || i) || md5('x$B2/' || i), 1, 'text/plain', 'f' || i || '.txt', 'failed', 'broken ' || i
	FROM generate_series(1, 105) i" >/dev/null
status "$B2"
expect_json '.total' 105 "a batch of 105 failures"
expect_json '.failures | length' 100 "lists 100"
expect_json '.failures_more' 5 "and counts the other 5"
expect_json '.state + " " + (.eta_seconds | tostring)' "finished 0" "finished, ETA 0"

# --- a presigned batch waits for its uploads
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" -H "Content-Type: application/json" \
	--data '{"files":[{"filename":"a.pdf"},{"filename":"b.pdf"}]}'
PB=$(json .batch_id)
status "$PB"
expect_json '.source + " " + .state' "presigned running" "a presigned batch with nothing uploaded yet runs"
expect_json '[.total, .awaiting_upload, .percent] | map(tostring) | join(",")' "0,2,0" "nothing received, two awaited, 0 percent"
expect_json .eta_seconds null "no ETA"

# --- tenancy and bad ids
status 999999999
expect_status 404 "a batch that does not exist"
http GET "/api/v1/process/status/$BATCH" "${B[@]}"
expect_status 404 "another organisation's batch"
http GET "/api/v1/process/status/x1" "${A[@]}"
expect_status 404 "a malformed batch id"
http GET "/api/v1/process/status/$BATCH"
expect_status 401 "no key"
