#!/usr/bin/env bash
# Drainers killed in the middle of a provider batch, through the real
# services and the fake provider: one killed after creating the batch but
# before recording it (its row says uploading, without the provider's id) is
# followed by one that finds the batch from its input file instead of making
# a second; drainers killed with SIGKILL while the batch is in flight leave
# its task to the lease rescue, and the next drainer carries on. Every
# resume is analysed exactly once, at the batch price, from one batch.
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/batchapi-lib.sh"

fake POST /_reset >/dev/null
fake POST /_batch '{"clear":true,"delay_ms":4000}' >/dev/null
# Short leases, so the work of a killed drainer is rescued within seconds (a batch step holds 12 LLM timeouts).
LLM+=(SHORTLIST_TASK_LEASE_SECONDS=5 SHORTLIST_LLM_TIMEOUT_MS=1000)

N=5
JOB=$(new_job restart)
make_resumes "$T_TMP/rs" $N restart
upload_dir "$JOB" "$T_TMP/rs" >/dev/null
drain_once
ROW=$(sql "SELECT id FROM llm_batches WHERE job_id = $JOB")
check "the batch was created at the provider" test "$(fake GET /_batch | jq .counts.batches)" = 1
# What a drainer killed between the provider's answer to the creation and its own record leaves.
sql "UPDATE llm_batches SET state = 'uploading', provider_batch_id = NULL, provider_status = NULL WHERE id = $ROW"
sql "UPDATE tasks SET run_at = now() WHERE kind = 'llm_batch' AND idempotency_key = 'llm_batch:$ROW'"
drain_once
check "the next drainer found the batch from its input file" grep -q "batch $ROW: found provider batch" "$T_TMP/drainer.log"
check "and made no second one" test "$(fake GET /_batch | jq .counts.batches)" = 1
check "the row records the provider's batch again" \
	test "$(sql "SELECT state || ' ' || provider_batch_id FROM llm_batches WHERE id = $ROW")" = \
	"submitted $(fake GET /_batch | jq -r '.batches[0].id')"

# Drainers killed while the batch is in flight: each is started and killed with SIGKILL mid-run.
for ((i = 1; i <= 3; i++)); do
	env "${LLM[@]}" "$BIN/drainer" --follow >>"$T_TMP/drainer.log" 2>&1 &
	pid=$!
	sleep 0.7
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
done
check "the resumes are still waiting on the batch" \
	test "$(sql "SELECT count(*) FROM llm_batch_items WHERE batch_id = $ROW AND state = 'waiting'")" = $N
drain_until_settled "$JOB" 60
check "still one batch at the provider, one input file uploaded" \
	test "$(fake GET /_batch | jq -c '[.counts.batches, .counts.files]')" = "[1,1]"
check_invariants "$JOB" $N $N
fake POST /_batch '{"clear":true,"delay_ms":0}' >/dev/null
