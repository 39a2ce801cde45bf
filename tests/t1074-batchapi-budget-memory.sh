#!/usr/bin/env bash
# The Batch API path and a job's budget, and its memory, through the real
# services and the fake provider: requests waiting on a provider batch keep
# their holds (at the batch price) while their tasks sleep, so the budget
# stops collection with the rest waiting as pending_budget and spend never
# goes beyond it; and the drainer's batch steps (collect, upload and
# create, poll and collect the answers, ingest), the job setting and batch
# status leak nothing and make no error under valgrind.
. "$(dirname "$0")/lib/test-lib.sh"
. "$(dirname "$0")/lib/batchapi-lib.sh"

fake POST /_reset >/dev/null
fake POST /_batch '{"clear":true,"delay_ms":0}' >/dev/null
count() { sql "SELECT count(*) FROM resumes WHERE job_id = $1 AND status = '$2'"; }

# --- a budget: holds at half the ceiling while the tasks sleep
N=8
JOB=$(new_job budget)
make_resumes "$T_TMP/bud" $N budget
size=$(wc -c <"$T_TMP/bud/r1.txt")
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":1,"bytes_each":'"$size"',"model":"gpt-4o-mini"}'
ceiling=$(json .max_usd)
# The job's preparation first: what it cost counts against the budget too (llm_spend).
drain_once
prep=$(sql "SELECT COALESCE(sum(cost_usd), 0) FROM llm_spend WHERE job_id = $JOB")
# Room for three batched calls' ceilings (half the synchronous one) and a bit, not for eight.
budget=$(awk -v c="$ceiling" -v p="$prep" 'BEGIN { printf "%.6f", c * 1.6 + p }')
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{"budget_usd":'"$budget"'}'
expect_status 200 "the budget is set to \$$budget (1.6 synchronous ceilings of \$$ceiling and the preparation's \$$prep)"
fake POST /_batch '{"delay_ms":600000}' >/dev/null
upload_dir "$JOB" "$T_TMP/bud" >/dev/null
drain_once
waiting=$(sql "SELECT count(*) FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id WHERE r.job_id = $JOB AND i.state = 'waiting'")
check "three requests went into the provider batch ($waiting), the budget held back the rest" test "$waiting" = 3
http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
held=$(json .held_usd)
check "their holds count while their tasks sleep (\$$held held: three half ceilings)" \
	awk -v h="$held" -v c="$ceiling" 'BEGIN { d = h - 1.5 * c; exit !(d > -0.000005 && d < 0.000005) }'
# The fake's delay counts from each batch's creation as it stands when the batch is looked at.
fake POST /_batch '{"delay_ms":0}' >/dev/null
drain_until_settled "$JOB" 40
scored=$(count "$JOB" scored)
pending=$(count "$JOB" pending_budget)
echo "# $scored scored, $pending pending_budget of $N"
# Real answers cost far less than their ceilings: as each batch settles, its room goes to the next requests.
check "more were scored as the batches' real costs came in ($scored), any rest waits for budget ($pending)" \
	test "$scored" -gt 3 -a $((scored + pending)) = $N
check "in more than one provider batch, each held to the budget's room" \
	test "$(sql "SELECT count(*) FROM llm_batches WHERE job_id = $JOB")" -ge 2
http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
spent=$(json .spend.usd)
check "spend (\$$spent) stayed within the budget (\$$budget)" awk -v s="$spent" -v b="$budget" 'BEGIN { exit !(s > 0 && s <= b) }'
expect_json .held_usd 0 "nothing is held once the batches are done"
check "every analysis is one per resume" \
	test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB")" = "$scored" -a \
	"$(sql "SELECT count(DISTINCT resume_id) FROM analyses WHERE job_id = $JOB")" = "$scored"

# --- memory
if command -v valgrind >/dev/null && [[ -z ${SHORTLIST_SANITIZE-} ]]; then
	REQ="$ROOT/tests/tools/fcgi_request.py"
	AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
	CT=CONTENT_TYPE=application/json
	VJOB=$(new_job valgrind)
	printf '{"llm_batch":true}' >"$T_TMP/on.json"
	printf '{"llm_batch":1}' >"$T_TMP/bad.json"
	printf '{"llm_batch":false,"title":"Backend Engineer II"}' >"$T_TMP/both.json"
	export SHORTLIST_API_RATE_PER_MINUTE=100000000
	vg=(valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
		--error-exitcode=99)
	sock="$T_TMP/jobs-vg.sock"
	start_handler "$sock" "${vg[@]}" --log-file="$T_TMP/vg-jobs.log" "$BIN/jobs" 2>/dev/null
	check "the job setting answers under valgrind" bash -c "
		'$REQ' '$sock' 20 PATCH /api/v1/jobs/$VJOB '$T_TMP/bad.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 PATCH /api/v1/jobs/$VJOB '$T_TMP/both.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 PATCH /api/v1/jobs/$VJOB '$T_TMP/on.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 GET /api/v1/jobs/$VJOB '$AUTH' >/dev/null"
	stop_handler
	rc=$?
	check "valgrind: the job setting leaks nothing and makes no error (exit $rc)" \
		grep -q "ERROR SUMMARY: 0 errors" "$T_TMP/vg-jobs.log"
	check "the setting was changed back and forth, and the title with it" \
		test "$(sql "SELECT llm_batch || ' ' || title FROM jobs WHERE id = $VJOB")" = "true Backend Engineer II"
	make_resumes "$T_TMP/vg" 3 valgrind "Note: FAKE_BATCH_FAIL"
	VBATCH=$(upload_dir "$VJOB" "$T_TMP/vg")
	vgd=(valgrind --leak-check=full --show-leak-kinds=definite,indirect)
	clean_vg() { # LOG
		grep -q "ERROR SUMMARY: 0 errors" "$1" && grep -q "definitely lost: 0 bytes\|no leaks are possible" "$1" &&
			! grep -q "indirectly lost: [1-9]" "$1"
	}
	for ((round = 1; round <= 6; round++)); do
		env "${LLM[@]}" "${vgd[@]}" --log-file="$T_TMP/vg-drain-$round.%p.log" "$BIN/drainer" --once --max-seconds 120 >/dev/null 2>&1 &
		pid=$!
		wait "$pid"
		check "valgrind: drainer round $round of the batch path makes no error and leaks nothing" \
			clean_vg "$T_TMP/vg-drain-$round.$pid.log"
		[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $VJOB AND status IN ('queued', 'processing')") == 0 ]] && break
		sleep 0.5
	done
	check_invariants "$VJOB" 3 2
	sock="$T_TMP/candidates-vg.sock"
	start_handler "$sock" "${vg[@]}" --log-file="$T_TMP/vg-candidates.log" "$BIN/candidates" 2>/dev/null
	check "batch status with provider_batch answers under valgrind" \
		bash -c "FCGI_PRINT_BODY=1 '$REQ' '$sock' 1 GET /api/v1/process/status/$VBATCH '$AUTH' | grep -q provider_batch &&
		'$REQ' '$sock' 20 GET /api/v1/process/status/$VBATCH '$AUTH' >/dev/null"
	stop_handler
	rc=$?
	check "valgrind: batch status leaks nothing and makes no error (exit $rc)" \
		grep -q "ERROR SUMMARY: 0 errors" "$T_TMP/vg-candidates.log"
else
	echo "# valgrind checks skipped (no valgrind, or a sanitized build)"
fi
