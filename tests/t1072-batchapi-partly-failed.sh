#!/usr/bin/env bash
# A partly failed provider batch through the real services and the fake
# provider: the lines the provider failed (in its error file) are scored
# again the synchronous way, the others are kept from the batch; a batch
# failing every second line the same way; a batch the provider refuses at
# validation sends everything the synchronous way. Every resume is analysed
# exactly once, the batched ones at half the price.
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/batchapi-lib.sh"

fake POST /_reset >/dev/null
fake POST /_batch '{"clear":true,"delay_ms":0}' >/dev/null

# --- every third resume fails in the batch (its line holds the fake's marker)
N=6
JOB=$(new_job partly)
make_resumes "$T_TMP/part" $N partly "Note: FAKE_BATCH_FAIL"
upload_dir "$JOB" "$T_TMP/part" >/dev/null
drain_once
calls=$(fake GET /_stats | jq .completions)
drain_until_settled "$JOB"
check "the fake failed 2 lines and answered 4" \
	test "$(fake GET /_batch | jq -c '[.counts.lines_failed, .counts.lines_answered]')" = "[2,4]"
check "the 2 failed lines went back to the synchronous path, saying why" \
	test "$(sql "SELECT count(*) FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id
		WHERE r.job_id = $JOB AND i.state = 'returned' AND i.reason LIKE '%not usable%500%'")" = 2
check "and only they were called synchronously" test "$(($(fake GET /_stats | jq .completions) - calls))" = 2
check "they are the resumes with the marker" \
	test "$(sql "SELECT string_agg(r.filename, ',' ORDER BY r.filename) FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id
		WHERE r.job_id = $JOB AND i.state = 'returned'")" = "r3.txt,r6.txt"
check_invariants "$JOB" $N 4

# --- every second line fails
fake POST /_batch '{"next":[{"fail_every":2}]}' >/dev/null
N=4
JOB=$(new_job every)
make_resumes "$T_TMP/every" $N every
upload_dir "$JOB" "$T_TMP/every" >/dev/null
drain_until_settled "$JOB"
check_invariants "$JOB" $N 2

# --- validation refused: the batch fails as a whole
fake POST /_batch '{"next":[{"invalid":true}]}' >/dev/null
N=3
JOB=$(new_job invalid)
make_resumes "$T_TMP/inv" $N invalid
upload_dir "$JOB" "$T_TMP/inv" >/dev/null
drain_until_settled "$JOB"
check "the provider batch failed validation" \
	test "$(sql "SELECT provider_status FROM llm_batches WHERE job_id = $JOB")" = failed
check_invariants "$JOB" $N 0
