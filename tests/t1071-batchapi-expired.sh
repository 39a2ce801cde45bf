#!/usr/bin/env bash
# Provider batches that end before answering everything, through the real
# services and the fake provider: an expired batch (its answered requests
# kept at the batch price, its unfinished ones scored the synchronous way at
# the full price, nothing lost and nothing scored twice), and a batch
# cancelled on the provider's side while in progress (every request goes
# the synchronous way).
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/batchapi-lib.sh"

fake POST /_reset >/dev/null

# --- expired after answering 2 of 6
fake POST /_batch '{"clear":true,"delay_ms":0,"next":[{"expire_after":2}]}' >/dev/null
N=6
JOB=$(new_job expired)
make_resumes "$T_TMP/exp" $N expired
BATCH=$(upload_dir "$JOB" "$T_TMP/exp")
drain_once
calls=$(fake GET /_stats | jq .completions)
drain_until_settled "$JOB"
check "the provider batch expired" \
	test "$(sql "SELECT provider_status FROM llm_batches WHERE job_id = $JOB")" = expired
check "its 4 unfinished requests went back to the synchronous path, with the reason" \
	test "$(sql "SELECT count(*) FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id
		WHERE r.job_id = $JOB AND i.state = 'returned' AND i.reason LIKE '%could not be executed before the completion window expired%'")" = 4
check "4 synchronous calls scored them, no more" test "$(($(fake GET /_stats | jq .completions) - calls))" = 4
check_invariants "$JOB" $N 2
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_json .provider_batch.returned 4 "batch status counts the 4 returned to the synchronous path"
expect_json .provider_batch.waiting 0 "and none waiting"

# --- cancelled on the provider's side while in progress
fake POST /_batch '{"clear":true,"delay_ms":600000}' >/dev/null
N=4
JOB=$(new_job cancelled)
make_resumes "$T_TMP/can" $N cancelled
upload_dir "$JOB" "$T_TMP/can" >/dev/null
drain_once
pbid=$(sql "SELECT provider_batch_id FROM llm_batches WHERE job_id = $JOB")
check "the batch is in progress at the provider ($pbid)" \
	test "$(sql "SELECT provider_status FROM llm_batches WHERE job_id = $JOB")" = in_progress
status=$(curl -s -X POST -H "Authorization: Bearer sk-batchapi" "$LLM_URL/v1/batches/$pbid/cancel" | jq -r .status)
check "the provider takes the cancellation ($status)" test "$status" = cancelling
check "a second cancellation is refused (409)" \
	test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer sk-batchapi" "$LLM_URL/v1/batches/$pbid/cancel")" = 409
calls=$(fake GET /_stats | jq .completions)
drain_until_settled "$JOB"
check "the provider batch ended cancelled" \
	test "$(sql "SELECT provider_status FROM llm_batches WHERE job_id = $JOB")" = cancelled
check "all $N were scored the synchronous way" test "$(($(fake GET /_stats | jq .completions) - calls))" = $N
check_invariants "$JOB" $N 0
fake POST /_batch '{"clear":true,"delay_ms":0}' >/dev/null
