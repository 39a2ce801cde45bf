#!/usr/bin/env bash
# Cost governance through the real services and the fake provider: a dry-run
# estimate and a batch's estimate; a job's budget that stops two drainers at
# once without overshooting, with the rest waiting as pending_budget (in
# batch status and job counts) until the budget is raised; a model without a
# price recorded as unknown rather than $0, counted apart in the job's and
# the organisation's spend, and held back under a budget; a price given by
# configuration; a budget change in the audit trail; and the cost routes and
# the drainer's budget path under valgrind.
. "$(dirname "$0")/lib/test-lib.sh"

[[ -n ${SHORTLIST_LLM_PORT:-} ]] || skip_all "the instance has no fake LLM provider (SHORTLIST_LLM_PORT)"
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"
KEY=$(new_org "budget-$$")
A=(-H "Authorization: Bearer $KEY")
J=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
LLM=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1020
	SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" SHORTLIST_BUDGET_RECHECK_SECONDS=600)

new_job() { # TAG
	curl -s "${J[@]}" --data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux ('"$1-$$"').","required_skills":["C","PostgreSQL","Linux"]}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
make_resumes() { # DIR N TAG
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $2; i++)); do
		printf '%s\n' "Summary" "Backend engineer $3 number $i with C, PostgreSQL and Linux." "" "Experience" \
			"Software Engineer, Acme (2016 - 2024): services in C and Go on PostgreSQL and Linux, run $i of $3." \
			"Tuned queries and indexes, on-call duty, mentoring." "Education" "BSc Computer Science (2012 - 2016)" >"$1/r$i.txt"
	done
}
upload_dir() { # JOB DIR: prints the batch id
	local args=() f
	for f in "$2"/*; do args+=(-F "f=@$f"); done
	curl -s "${A[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$1/resumes" | jq -r .batch_id
}
count() { sql "SELECT count(*) FROM resumes WHERE job_id = $1 AND status = '$2'"; }

# --- the dry-run estimate
JOB=$(new_job main)
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":10,"bytes_each":2000,"model":"gpt-4o-mini"}'
expect_status 200 "a dry-run estimate for 10 resumes of 2,000 bytes"
expect_json .priced true "gpt-4o-mini has a price"
expect_json .completion_basis output_budget "before any call, completion tokens are the output budget"
expect_json .resumes 10 "the estimate is for 10 resumes"
e_usd=$(json .usd)
e_max=$(json .max_usd)
e_pt=$(json .prompt_tokens)
e_ct=$(json .completion_tokens)
check "it costs something, at most its ceiling (usd $e_usd, max $e_max)" \
	awk -v u="$e_usd" -v m="$e_max" 'BEGIN { exit !(u > 0 && u <= m) }'
# gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens.
check "the dollars are the tokens at the table's price ($e_pt in, $e_ct out: \$$e_usd)" \
	awk -v u="$e_usd" -v p="$e_pt" -v c="$e_ct" 'BEGIN { v = (p * 0.15 + c * 0.60) / 1e6; exit !(u - v < 0.000002 && v - u < 0.000002) }'
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"sizes":[2000,2000,2000,2000,2000,2000,2000,2000,2000,2000],"model":"gpt-4o-mini"}'
expect_json .usd "$e_usd" "ten sizes listed one by one cost the same"
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":20,"bytes_each":2000,"model":"gpt-4o-mini"}'
check "twice the resumes, twice the tokens (to the rounding of one token)" \
	awk -v a="$(json .prompt_tokens)" -v b="$e_pt" 'BEGIN { d = a - 2 * b; exit !(d >= -1 && d <= 1) }'
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":3,"bytes_each":500,"model":"acme-private-llm"}'
expect_status 200 "an estimate for a model without a price"
expect_json .usd null "its dollars are unknown, not 0"
expect_json .priced false "it says it has no price"
check "and why: $(json .reason)" grep -q "not in the price table" "$T_TMP/body"
check "its tokens are still estimated" test "$(json .prompt_tokens)" -gt 0
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"sizes":[100,-5]}'
expect_status 400 "a negative size is refused"
check "naming the entry" grep -q 'sizes\[1\]' "$T_TMP/body"
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":3,"bytes":5}'
expect_status 400 "an unknown field is refused"
http POST "/api/v1/jobs/999999999/estimate" "${J[@]}" --data '{"resumes":3,"bytes_each":5}'
expect_status 404 "another job's estimate is a 404"

# --- budget validation
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{"budget_usd":-1}'
expect_status 400 "a negative budget is refused"
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{"budget_usd":"10"}'
expect_status 400 "a budget that is not a number is refused"
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{}'
expect_status 400 "a budget body without budget_usd is refused"

# --- a budget that stops two drainers at once
N=10
make_resumes "$T_TMP/main" $N main
size=$(wc -c <"$T_TMP/main/r1.txt")
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":1,"bytes_each":'"$size"',"model":"gpt-4o-mini"}'
ceiling=$(json .max_usd)
# Room for two calls' ceilings and a bit: calls cost less than their ceilings, so more than two are scored,
# but the ten cost more than the budget.
budget=$(awk -v c="$ceiling" 'BEGIN { printf "%.6f", c * 2.2 }')
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{"budget_usd":'"$budget"'}'
expect_status 200 "the budget is set to \$$budget (2.2 calls' ceilings of \$$ceiling)"
expect_json .budget_usd "$budget" "the budget reads back"
BATCH=$(upload_dir "$JOB" "$T_TMP/main")
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_json .estimate.resumes $N "batch status carries the batch's estimate ($(jq -c .estimate "$T_TMP/body"))"
# Two drainers at once, again while any resume is still queued (work that found the budget's room
# held by calls in flight comes back a second later, as a scheduled drainer run would find it).
for ((round = 1; round <= 30; round++)); do
	env "${LLM[@]}" "$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/d1.log" 2>&1 &
	D1=$!
	env "${LLM[@]}" "$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/d2.log" 2>&1 &
	D2=$!
	wait "$D1" "$D2"
	[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')") == 0 ]] && break
	sleep 1
done
scored=$(count "$JOB" scored)
pending=$(count "$JOB" pending_budget)
echo "# two drainers: $scored scored, $pending pending_budget of $N after $round rounds"
check "more resumes were scored than two ceilings would allow at once ($scored)" test "$scored" -ge 3
check "the rest wait as pending_budget ($pending), none lost or failed" test $((scored + pending)) = $N -a "$pending" -ge 1
http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
# What counts against the budget is scoring and the job's preparation together (total_usd).
spent=$(json .spend.total_usd)
check "spend (\$$spent) did not go beyond the budget (\$$budget)" awk -v s="$spent" -v b="$budget" 'BEGIN { exit !(s > 0 && s <= b) }'
check "and stopped less than one call's ceiling (\$$ceiling) short of it" \
	awk -v s="$spent" -v b="$budget" -v c="$ceiling" 'BEGIN { exit !(b - s < c) }'
expect_json .pending_budget "$pending" "the budget shows the resumes waiting"
# A call is one the provider answered for an analysis; a resume whose answer was already cached costs
# no call (a drainer stopped by --max-seconds after its call can leave the answer to the next one).
calls() { sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND provider = 'openai' AND NOT cache_hit"; }
check "every scored resume has its analysis" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current")" = "$scored"
expect_json .spend.calls "$(calls)" "one call per analysis the provider answered is counted"
check "nothing is held once the drainers stopped" test "$(json .held_usd)" = 0
check "the reason says what the budget is" grep -q "waiting for budget: the job's budget is" <<<"$(sql "SELECT status_reason FROM resumes WHERE job_id = $JOB AND status = 'pending_budget' LIMIT 1")"
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_json .counts.pending_budget "$pending" "batch status counts them as pending_budget"
expect_json .state running "the batch is not finished while they wait"
http GET "/api/v1/jobs/$JOB" "${A[@]}"
expect_json .counts.resumes.pending_budget "$pending" "the job's counts show them too"
check "both drainers took part or the queue was shared ($(grep -c 'waiting for budget' "$T_TMP/d1.log" "$T_TMP/d2.log" | tr '\n' ' '))" \
	test "$(cat "$T_TMP/d1.log" "$T_TMP/d2.log" | grep -c 'waiting for budget')" -ge 1
check "no task was dropped: every pending resume still has a queued task" \
	test "$(sql "SELECT count(*) FROM resumes r JOIN tasks t ON t.resume_id = r.id AND t.kind = 'process_resume' AND t.state = 'queued' WHERE r.job_id = $JOB AND r.status = 'pending_budget'")" = "$pending"

# --- raising the budget lets the rest complete
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{"budget_usd":5}'
expect_status 200 "the budget is raised to \$5"
expect_json .pending_budget 0 "raising it wakes the waiting resumes"
http GET "/api/v1/audit?job_id=$JOB" "${A[@]}"
expect_json '.items[0].action' budget.set "the change is in the audit trail"
expect_json '.items[0].details.budget_usd' 5 "with the new budget"
expect_json '.items[0].details.previous_usd' "$budget" "the previous one"
expect_json '.items[0].details.woken' "$pending" "and how many resumes it woke"
env "${LLM[@]}" "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/d3.log" 2>&1
check "every resume is scored now" test "$(count "$JOB" scored)" = $N
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_json .state finished "the batch finished"
expect_json .counts.pending_budget 0 "nothing waits for budget"
http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
CALLS=$(calls)
check "the provider answered some of them ($CALLS calls)" test "$CALLS" -ge 1
expect_json .spend.calls "$CALLS" "the calls in all"
http POST "/api/v1/jobs/$JOB/estimate" "${J[@]}" --data '{"resumes":2,"bytes_each":'"$size"',"model":"gpt-4o-mini"}'
expect_json .completion_basis earlier_calls "after calls, the estimate uses what the job's calls answered"
expect_json .earlier_calls "$CALLS" "the average of its $CALLS calls"
expect_json .completion_tokens $((2 * $(sql "SELECT round(avg(completion_tokens)) FROM analyses WHERE job_id = $JOB AND provider = 'openai' AND NOT cache_hit"))) "two resumes, twice the average"
check "and costs less than the ceiling ($(json .usd) < $(json .max_usd))" awk -v u="$(json .usd)" -v m="$(json .max_usd)" 'BEGIN { exit !(u < m) }'
http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
check "spend grew and stays within the new budget (\$$(json .spend.total_usd))" \
	awk -v s="$(json .spend.total_usd)" -v p="$spent" 'BEGIN { exit !(s > p && s <= 5) }'

# --- a model without a price
UJOB=$(new_job unknown)
make_resumes "$T_TMP/unknown" 3 unknown
upload_dir "$UJOB" "$T_TMP/unknown" >/dev/null
env "${LLM[@]}" SHORTLIST_OPENAI_MODEL=acme-private-llm "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/d4.log" 2>&1
check "the resumes are scored with a model without a price" test "$(count "$UJOB" scored)" = 3
check "their analyses say the cost is not known" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $UJOB AND NOT cost_known AND model = 'acme-private-llm'")" = 3
http GET "/api/v1/jobs/$UJOB/budget" "${A[@]}"
expect_json .spend.unknown_priced.calls 3 "the job's spend counts the unknown-priced calls apart"
expect_json .spend.usd 0 "and adds no dollars for them"
expect_json '.spend.unknown_priced.models[0]' acme-private-llm "naming the model"
check "their tokens are kept" test "$(json .spend.unknown_priced.prompt_tokens)" -gt 0
RID=$(sql "SELECT id FROM resumes WHERE job_id = $UJOB ORDER BY id LIMIT 1")
http GET "/api/v1/candidates/$RID" "${A[@]}"
expect_json .analysis.cost_usd null "a candidate scored by it shows its cost as unknown (null), not \$0"
expect_json .analysis.cost_known false "and says the cost is not known"
http GET "/api/v1/jobs/$UJOB/summary" "${A[@]}"
expect_json .llm.unknown_priced_calls 3 "the job's summary counts its unknown-priced calls"
http GET /api/v1/spend "${A[@]}"
expect_status 200 "the organisation's spend"
expect_json .unknown_priced.calls 3 "counts the unknown-priced calls apart"
expect_json .calls $((CALLS + 3)) "and every call"
check "lists its jobs with their spend" test "$(jq '[.jobs[] | select(.job_id == '"$JOB"' and .calls == '"$CALLS"' and .budget_usd == 5)] | length' "$T_TMP/body")" = 1
check "the job of the unknown model shows its unknown calls" test "$(jq '[.jobs[] | select(.job_id == '"$UJOB"' and .unknown_priced_calls == 3)] | length' "$T_TMP/body")" = 1
# Under a budget, a call whose price is unknown cannot be counted: it waits, saying why.
http PUT "/api/v1/jobs/$UJOB/budget" "${J[@]}" --data '{"budget_usd":1}'
make_resumes "$T_TMP/unknown2" 1 unknown-more
upload_dir "$UJOB" "$T_TMP/unknown2" >/dev/null
env "${LLM[@]}" SHORTLIST_OPENAI_MODEL=acme-private-llm "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/d5.log" 2>&1
check "under a budget a model without a price waits" test "$(count "$UJOB" pending_budget)" = 1
check "saying the price is unknown" grep -q "price is unknown" <<<"$(sql "SELECT status_reason FROM resumes WHERE job_id = $UJOB AND status = 'pending_budget'")"

# --- a price given by configuration
PJOB=$(new_job priced)
make_resumes "$T_TMP/priced" 2 priced
upload_dir "$PJOB" "$T_TMP/priced" >/dev/null
env "${LLM[@]}" SHORTLIST_OPENAI_MODEL=acme-private-llm SHORTLIST_LLM_PRICES="acme-private-llm=1/0.5/2" \
	"$BIN/drainer" --once --max-seconds 60 >"$T_TMP/d6.log" 2>&1
http GET "/api/v1/jobs/$PJOB/budget" "${A[@]}"
expect_json .spend.unknown_priced.calls 0 "a model priced by SHORTLIST_LLM_PRICES is not unknown"
pt=$(json .spend.prompt_tokens)
ct=$(json .spend.completion_tokens)
check "its cost is its tokens at the configured price (\$$(json .spend.usd) for $pt in, $ct out)" \
	awk -v u="$(json .spend.usd)" -v p="$pt" -v c="$ct" 'BEGIN { v = (p * 1 + c * 2) / 1e6; exit !(u > 0 && u - v < 0.00001 && v - u < 0.00001) }'
printf '# prices\nacme-file-llm 3 1 6\n' >"$T_TMP/prices.txt"
printf 'bad line here\n' >"$T_TMP/bad-prices.txt"
env "${LLM[@]}" SHORTLIST_LLM_PRICES_FILE="$T_TMP/bad-prices.txt" SHORTLIST_OPENAI_MODEL=acme-file-llm "$BIN/drainer" --once --max-seconds 5 >"$T_TMP/d7.log" 2>&1
check "a bad price file stops the drainer, naming the line" grep -q "price file line 1" "$T_TMP/d7.log"

# --- the cost routes leak nothing under valgrind (jobs: estimate, budget, spend; candidates: batch status with its estimate)
if command -v valgrind >/dev/null && [[ -z ${SHORTLIST_SANITIZE-} ]]; then
	REQ="$ROOT/tests/tools/fcgi_request.py"
	AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
	CT=CONTENT_TYPE=application/json
	printf '{"sizes":[100,2000,50000],"model":"gpt-4o-mini"}' >"$T_TMP/est.json"
	printf '{"resumes":4,"bytes_each":900,"model":"acme-private-llm"}' >"$T_TMP/est-unknown.json"
	printf '{"sizes":[1,-1]}' >"$T_TMP/est-bad.json"
	printf '{"budget_usd":7}' >"$T_TMP/budget.json"
	printf '{"budget_usd":null}' >"$T_TMP/budget-none.json"
	printf '{"budget_usd":"x","other":1}' >"$T_TMP/budget-bad.json"
	export SHORTLIST_API_RATE_PER_MINUTE=100000000
	vg=(valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible
		--error-exitcode=99)
	sock="$T_TMP/jobs-vg.sock"
	start_handler "$sock" "${vg[@]}" --log-file="$T_TMP/vg-jobs.log" "$BIN/jobs" 2>/dev/null
	check "the cost routes answer under valgrind" bash -c "
		'$REQ' '$sock' 20 POST /api/v1/jobs/$JOB/estimate '$T_TMP/est.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 POST /api/v1/jobs/$JOB/estimate '$T_TMP/est-unknown.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 POST /api/v1/jobs/$JOB/estimate '$T_TMP/est-bad.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 GET /api/v1/jobs/$JOB/budget '$AUTH' >/dev/null &&
		'$REQ' '$sock' 10 PUT /api/v1/jobs/$PJOB/budget '$T_TMP/budget.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 10 PUT /api/v1/jobs/$PJOB/budget '$T_TMP/budget-none.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 PUT /api/v1/jobs/$PJOB/budget '$T_TMP/budget-bad.json' '$AUTH' $CT >/dev/null &&
		'$REQ' '$sock' 20 GET /api/v1/spend '$AUTH' >/dev/null &&
		'$REQ' '$sock' 10 GET /api/v1/jobs/999999999/budget '$AUTH' >/dev/null"
	stop_handler
	rc=$?
	check "valgrind: the jobs handler's cost routes leak nothing and make no error (exit $rc)" \
		grep -q "ERROR SUMMARY: 0 errors" "$T_TMP/vg-jobs.log"
	sock="$T_TMP/candidates-vg.sock"
	start_handler "$sock" "${vg[@]}" --log-file="$T_TMP/vg-candidates.log" "$BIN/candidates" 2>/dev/null
	check "batch status with its estimate answers under valgrind" bash -c "'$REQ' '$sock' 20 GET /api/v1/process/status/$BATCH '$AUTH' >/dev/null"
	stop_handler
	rc=$?
	check "valgrind: batch status leaks nothing and makes no error (exit $rc)" \
		grep -q "ERROR SUMMARY: 0 errors" "$T_TMP/vg-candidates.log"
	# The drainer's budget path (a hold, a park and a wake) under valgrind too.
	VJOB=$(new_job valgrind)
	make_resumes "$T_TMP/vg" 2 valgrind
	curl -s -X PUT "${J[@]}" --data '{"budget_usd":0.000001}' "$BASE_URL/api/v1/jobs/$VJOB/budget" >/dev/null
	upload_dir "$VJOB" "$T_TMP/vg" >/dev/null
	# Extraction children are forks of the drainer, checked by valgrind too but ending with _exit(): only the
	# drainer's own log (its pid) is read, and valgrind's exit code is not used.
	vgd=(valgrind --leak-check=full --show-leak-kinds=definite,indirect)
	drain_vg() { # LOG-PREFIX: runs one drainer under valgrind; prints its pid
		env "${LLM[@]}" "${vgd[@]}" --log-file="$T_TMP/$1.%p.log" "$BIN/drainer" --once --max-seconds 120 >/dev/null 2>&1 &
		local pid=$!
		wait "$pid"
		echo "$pid"
	}
	clean_vg() { # LOG
		grep -q "ERROR SUMMARY: 0 errors" "$1" && grep -q "definitely lost: 0 bytes\|no leaks are possible" "$1" &&
			! grep -q "indirectly lost: [1-9]" "$1"
	}
	pid=$(drain_vg vg-park)
	check "valgrind: the drainer parking work for budget makes no error and leaks nothing ($(count "$VJOB" pending_budget) parked)" \
		bash -c "$(declare -f clean_vg); clean_vg '$T_TMP/vg-park.$pid.log' && test $(count "$VJOB" pending_budget) = 2"
	curl -s -X PUT "${J[@]}" --data '{"budget_usd":1}' "$BASE_URL/api/v1/jobs/$VJOB/budget" >/dev/null
	pid=$(drain_vg vg-score)
	check "valgrind: the drainer holding budget and scoring makes no error and leaks nothing ($(count "$VJOB" scored) scored)" \
		bash -c "$(declare -f clean_vg); clean_vg '$T_TMP/vg-score.$pid.log' && test $(count "$VJOB" scored) = 2"
	grep -hE "definitely lost|indirectly lost|ERROR SUMMARY" "$T_TMP"/vg-park.*.log "$T_TMP"/vg-score.*.log 2>/dev/null | sort | uniq -c | sed 's/^/# /'
else
	echo "# valgrind part skipped (no valgrind, or a sanitized build)"
fi
