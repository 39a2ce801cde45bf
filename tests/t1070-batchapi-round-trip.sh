#!/usr/bin/env bash
# The OpenAI Batch API path through the real services and the fake provider:
# the job setting (PATCH, validated), a batch of resumes collected into one
# provider batch whose task sleeps instead of holding a worker, batch status
# showing them waiting on it, the answers ingested through the same checks as
# a synchronous answer, no synchronous call made, every resume analysed once
# at half the price; and the size threshold choosing the path for a job that
# did not ask for it.
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/batchapi-lib.sh"

fake POST /_reset >/dev/null
fake POST /_batch '{"clear":true,"delay_ms":1500}' >/dev/null

# --- the setting
JOB=$(new_job trip)
http GET "/api/v1/jobs/$JOB" "${A[@]}"
expect_json .llm_batch true "the job is scored through provider batches"
http PATCH "/api/v1/jobs/$JOB" "${J[@]}" --data '{"llm_batch":"yes"}'
expect_status 400 "llm_batch that is not a boolean is refused"
check "naming the field" grep -q llm_batch "$T_TMP/body"
http GET "/api/v1/jobs/$JOB" "${A[@]}"
expect_json .llm_batch true "and the refused change left the setting as it was"
http PATCH "/api/v1/jobs/999999999" "${J[@]}" --data '{"llm_batch":true}'
expect_status 404 "another job's setting is a 404"

# --- a round trip
N=6
make_resumes "$T_TMP/trip" $N trip
BATCH=$(upload_dir "$JOB" "$T_TMP/trip")
drain_once
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_json .provider_batch.waiting $N "batch status: all $N resumes wait on a provider batch"
expect_json '.provider_batch.provider_batches | length' 1 "one provider batch holds them"
expect_json '.provider_batch.provider_batches[0].requests' $N "with $N requests"
check "the resume tasks sleep rather than hold a worker" \
	test "$(sql "SELECT count(*) FROM tasks t JOIN llm_batch_items i ON i.task_id = t.id JOIN resumes r ON r.id = i.resume_id
		WHERE r.job_id = $JOB AND t.state = 'queued' AND t.run_at > now() + interval '1 hour'")" = $N
check "no resume is scored before the provider batch answers" \
	test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB")" = 0
stats=$(fake GET /_batch)
check "the fake got one batch of $N lines from one uploaded file" \
	test "$(jq '.counts.batches' <<<"$stats")" = 1 -a "$(jq '.batches[0].request_counts.total' <<<"$stats")" = $N
check "sent for /v1/chat/completions within 24h, tagged with its row" \
	test "$(jq -r '.batches[0] | .endpoint + " " + .completion_window + " " + (.metadata.shortlist_batch|tostring)' <<<"$stats")" = \
	"/v1/chat/completions 24h $(sql "SELECT id FROM llm_batches WHERE job_id = $JOB")"
# The job's preparation (company details, templates) made its synchronous calls in the first round.
calls=$(fake GET /_stats | jq .completions)
drain_until_settled "$JOB"
check_invariants "$JOB" $N $N
check "the fake answered $N batched lines and no synchronous scoring call" \
	test "$(fake GET /_batch | jq .counts.lines_answered)" = $N -a "$(fake GET /_stats | jq .completions)" = "$calls"
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_json .provider_batch.waiting 0 "batch status: none waits any more"
expect_json .provider_batch.answered $N "all $N were answered by the provider batch"
expect_json '.provider_batch.provider_batches[0].provider_status' completed "the provider batch completed"
check "the drainer logged the batch's end" grep -q "ended completed: $N answers" "$T_TMP/drainer.log"

# --- scored again (a rescore): a new task per resume, so each goes through a new provider batch
http POST "/api/v1/jobs/$JOB/rescore" "${A[@]}" --data ""
expect_status 202 "the job is scored again"
drain_until_settled "$JOB"
check "the rescore went through a second provider batch of $N requests" \
	test "$(sql "SELECT count(*) || ' ' || max(requests) FROM llm_batches WHERE job_id = $JOB AND state = 'done'")" = "2 $N"
check "each resume has one current analysis, from the second batch, at the batch price" \
	test "$(sql "SELECT count(*) FROM analyses a JOIN llm_batch_items i ON i.resume_id = a.resume_id AND i.state = 'ingested'
		WHERE a.job_id = $JOB AND a.is_current AND abs(a.cost_usd - (a.prompt_tokens * 0.15 + a.completion_tokens * 0.60) / 2e6) <= 0.000001
		AND i.batch_id = (SELECT max(id) FROM llm_batches WHERE job_id = $JOB)")" = $N
check "and the first analyses are kept, no longer current ($N of $((2 * N)))" \
	test "$(sql "SELECT count(*) FILTER (WHERE NOT is_current) || ' ' || count(*) FROM analyses WHERE job_id = $JOB")" = "$N $((2 * N))"

# --- the size threshold: a job that did not ask is batched when its upload is large enough
fake POST /_batch '{"delay_ms":0}' >/dev/null
JOB2=$(curl -s "${J[@]}" --data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux (size-'$$').","required_skills":["C","PostgreSQL","Linux"]}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
make_resumes "$T_TMP/small" 2 small
make_resumes "$T_TMP/large" 4 large
upload_dir "$JOB2" "$T_TMP/small" >/dev/null
upload_dir "$JOB2" "$T_TMP/large" >/dev/null
LLM+=(SHORTLIST_LLM_BATCH_MIN_RESUMES=4)
drain_until_settled "$JOB2"
check "the upload of 4 went through a provider batch, the upload of 2 did not" \
	test "$(sql "SELECT count(*) FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id WHERE r.job_id = $JOB2")" = 4
check_invariants "$JOB2" 6 4
