#!/usr/bin/env bash
# A job's criteria from the LLM: with the openai provider configured, a new
# job's rubric is the local derivation marked provisional until the drainer
# has asked the provider (the "criteria" kind of the job's preparation, a
# job_prep task, never inside the request);
# then the LLM's criteria are version 2, suggested, with must-haves. The
# recruiter edits them (validated, a new version with its diff and the
# rescore offer), the rescore scores against the new version, a description
# change asks again, a provider that refuses leaves the local rubric, and
# without a provider nothing is asked.
. "$(dirname "$0")/lib/test-lib.sh"
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"

KEY=$(new_org "criteria-$$")
KEY_B=$(new_org "criteria-b-$$")
A=(-H "Authorization: Bearer $KEY")
JSON=(-H "Content-Type: application/json")
LLM_ENV=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test
	SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1")
calls() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r '.completions'; }
# The provider's answers to criteria requests (the job's preparation also asks for company details and templates).
crit_calls() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r '.by_schema.job_criteria // 0'; }

# The jobs handler run directly with the provider configured (the instance's own uses the local scorer).
sock="$T_TMP/jobs.sock"
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
	start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
llm_jobs() { # METHOD URI [BODY_FILE]: the body of the answer
	FCGI_PRINT_BODY=1 "$ROOT/tests/tools/fcgi_request.py" "$sock" 1 "$1" "$2" ${3:+"$3"} \
		"HTTP_AUTHORIZATION=Bearer $KEY" CONTENT_TYPE=application/json
}
# drain JOB: the drainer, with the provider, until none of the job's tasks is queued or running.
drain() {
	local end=$(($(date +%s) + 90))
	while (($(date +%s) < end)); do
		env "${LLM_ENV[@]}" "$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
		[[ $(sql "SELECT count(*) FROM tasks WHERE org_id IS NOT NULL AND (payload->>'job_id')::bigint = $1 AND state IN ('queued', 'running')") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}
rubric() { curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$1/rubric"; }

DESC="Harbour Kitchen ($$) is hiring a sous chef for its seafood restaurant in Porto.

Requirements:
- Three years as a line cook or sous chef in a busy restaurant
- Food safety certificate (HACCP level 2)
- Leading a kitchen brigade of six cooks

Nice to have:
- Pastry and bakery skills
- Portuguese or Spanish"
jq -n --arg d "$DESC" '{title: "Sous Chef", description: $d}' >"$T_TMP/job.json"
# Earlier tests' jobs may still hold preparation tasks waiting out a retry: the drainer below would ask for
# them too, and they are not this test's.
sql "DELETE FROM tasks WHERE kind = 'job_prep' AND state IN ('queued', 'running')" >/dev/null
before=$(calls)
crit_before=$(crit_calls)
llm_jobs POST /api/v1/jobs "$T_TMP/job.json" >"$T_TMP/created.json"
JOB=$(jq -r .id "$T_TMP/created.json")
check "the job is created" test "$JOB" -gt 0
check "no LLM call ran inside the request" test "$(calls)" = "$before"
check "its rubric is provisional meanwhile" test "$(jq -r .rubric_state "$T_TMP/created.json")" = provisional
rubric "$JOB" >"$T_TMP/r1.json"
check "version 1 is the local derivation" test "$(jq -r '"\(.number) \(.source) \(.state)"' "$T_TMP/r1.json")" = "1 local provisional"
check "the derivation's criteria are marked suggested" test "$(jq '[.criteria[] | select(.suggested | not)] | length' "$T_TMP/r1.json")" = 0
crit_tasks() { # JOB [STATE]: the job's criteria tasks
	sql "SELECT count(*) FROM tasks WHERE kind = 'job_prep' AND payload->>'kind' = 'criteria' AND (payload->>'job_id')::bigint = $1${2:+ AND state = '$2'}"
}
check "one criteria task is queued for it" test "$(crit_tasks "$JOB" queued)" = 1
check "its preparation says the criteria are pending" test "$(jq -r .preparation.criteria.state "$T_TMP/created.json")" = pending

drain "$JOB" || not_ok "the criteria task was not settled"
check "the drainer asked the provider for criteria once" test "$(crit_calls)" = $((crit_before + 1))
rubric "$JOB" >"$T_TMP/r2.json"
check "version 2 holds the LLM's criteria" test "$(jq -r '"\(.number) \(.source) \(.state)"' "$T_TMP/r2.json")" = "2 llm ready"
check "one criterion per listed requirement" test "$(jq -r '[.criteria[].name] | join("|")' "$T_TMP/r2.json")" = \
	"Three years as a line cook or sous chef in a busy restaurant|Food safety certificate|Leading a kitchen brigade of six cooks|Pastry and bakery skills|Portuguese or Spanish"
check "requirements are must-haves, the rest nice-to-haves" test "$(jq -r '[.criteria[] | .must_have // false] | map(tostring) | join(",")' "$T_TMP/r2.json")" = "true,true,true,false,false"
check "weights follow" test "$(jq -r '[.criteria[].weight] | map(tostring) | join(",")' "$T_TMP/r2.json")" = "8,8,8,4,4"
check "every criterion is marked suggested" test "$(jq '[.criteria[] | select(.suggested)] | length' "$T_TMP/r2.json")" = 5
check "with what good evidence looks like" grep -q "HACCP" <<<"$(jq -r '.criteria[1].description' "$T_TMP/r2.json")"
V2=$(jq -r .version "$T_TMP/r2.json")
check "the job's rubric in force is version 2" test "$(sql "SELECT rubric_version || ' ' || rubric_number FROM jobs WHERE id = $JOB")" = "$V2 2"
check "the drainer logged it" grep -q "job $JOB has 5 criteria from the LLM" "$T_TMP/drainer.log"
check "the preparation says the criteria are ready" test "$(curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB" | jq -r .preparation.criteria.state)" = ready
check "the LLM's rubric left the job's version (its updated_at) alone" test "$(sql "SELECT count(*) FROM job_prep p JOIN jobs j ON j.id = p.job_id WHERE p.job_id = $JOB AND p.job_updated_at = j.updated_at AND p.state = 'ready'")" = 3

# The same text for another job: the answer comes from the cache.
crit_before=$(crit_calls)
JOB2=$(llm_jobs POST /api/v1/jobs "$T_TMP/job.json" | jq -r .id)
drain "$JOB2" || not_ok "the second criteria task was not settled"
check "the same description is answered from the cache" test "$(crit_calls)" = "$crit_before"
check "with the same criteria" test "$(rubric "$JOB2" | jq -r .version)" = "$V2"

# Resumes are scored against the version in force.
mkdir -p "$T_TMP/r"
printf 'Ana Costa\nana@example.org\n\nSous chef, Mar Azul restaurant, Porto (2018 - 2024)\nLed a brigade of six cooks in a busy seafood restaurant; HACCP level 2 food safety certificate.\nSpeaks Portuguese and Spanish.\n' >"$T_TMP/r/ana.txt"
printf 'Ben Lowe\nben@example.org\n\nWarehouse picker, Northline Logistics (2019 - 2024)\nForklift licence, stock counts and shift handovers.\n' >"$T_TMP/r/ben.txt"
curl -s "${A[@]}" -F "f=@$T_TMP/r/ana.txt" -F "f=@$T_TMP/r/ben.txt" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "two resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 2
drain "$JOB" || not_ok "the resumes were not processed"
check "both analyses used version 2" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND rubric_version = '$V2'")" = 2
check "nothing to rescore yet" test "$(rubric "$JOB" | jq -r '"\(.rescore.resumes) \(.rescore.stale)"')" = "2 0"

# --- the recruiter's edits: validated first
put() { # BODY: PUT the rubric through the service
	http PUT "/api/v1/jobs/$JOB/rubric" "${A[@]}" "${JSON[@]}" --data "$1"
}
put '{"criteria":[]}'
expect_status 400 "no criteria is refused"
check "naming the field" grep -q "body.criteria" <<<"$(json .detail)"
put '{"criteria":[{"name":"Cooking","weight":0}]}'
expect_status 400 "a zero weight is refused"
check "naming the weight" grep -q "body.criteria\[0\].weight" <<<"$(json .detail)"
put "{\"criteria\":[{\"name\":\"$(printf 'x%.0s' {1..101})\",\"weight\":1}]}"
expect_status 400 "a title over 100 bytes is refused"
check "naming the name" grep -q "body.criteria\[0\].name" <<<"$(json .detail)"
put '{"criteria":[{"name":"Cooking","weight":1},{"name":"cooking","weight":2}]}'
expect_status 400 "duplicate titles are refused"
put '{"criteria":[{"name":"Cooking","weight":1,"must_have":"yes"}]}'
expect_status 400 "must_have must be a boolean"
check "naming it" grep -q "must_have" <<<"$(json .detail)"
put "{\"criteria\":[$(for i in $(seq 51); do printf '%s{"name":"c%d","weight":1}' "$([[ $i == 1 ]] || echo ,)" "$i"; done)]}"
expect_status 400 "more than 50 criteria are refused"
check "the refusals made no version" test "$(sql "SELECT count(*) FROM rubric_versions WHERE job_id = $JOB")" = 2

# Reweight the second, reword nothing else, remove the last, add one.
jq '{criteria: ([.criteria[] | del(.suggested)] | .[1].weight = 10 | del(.[4]) + [{name: "Grill station", description: "Has run a charcoal grill station", weight: 5, keywords: ["grill", "charcoal"]}])}' \
	"$T_TMP/r2.json" >"$T_TMP/edit.json"
put "$(cat "$T_TMP/edit.json")"
expect_status 200 "the edited rubric is accepted"
cp "$T_TMP/body" "$T_TMP/r3.json"
check "it is version 3, from the recruiter" test "$(jq -r '"\(.number) \(.source) \(.state) \(.changed)"' "$T_TMP/r3.json")" = "3 recruiter ready true"
check "the diff names the added criterion" test "$(jq -c .diff.added "$T_TMP/r3.json")" = '["Grill station"]'
check "and the removed one" test "$(jq -c .diff.removed "$T_TMP/r3.json")" = '["Portuguese or Spanish"]'
check "and the reweighted one, from 8 to 10" test "$(jq -c '.diff.changed' "$T_TMP/r3.json")" = '[{"name":"Food safety certificate","fields":{"weight":{"from":8,"to":10}}}]'
check "between versions 2 and 3" test "$(jq -r '"\(.diff.from) \(.diff.to) \(.diff.unchanged)"' "$T_TMP/r3.json")" = "2 3 3"
check "the offer: both resumes would be rescored" test "$(jq -r '"\(.rescore.resumes) \(.rescore.stale)"' "$T_TMP/r3.json")" = "2 2"
check "untouched criteria stay suggested, edited and new ones do not" test "$(jq -r '[.criteria[] | .suggested] | map(tostring) | join(",")' "$T_TMP/r3.json")" = "true,false,true,true,false"
V3=$(jq -r .version "$T_TMP/r3.json")
put "$(cat "$T_TMP/edit.json")"
expect_status 200 "the same rubric again"
expect_json .changed false "makes no version"
expect_json .number 3 "version 3 stays"
check "the recruiter's version, and only it, is in the audit trail" test \
	"$(sql "SELECT string_agg((details->>'number') || ':' || (details->>'rubric_version'), ',') FROM audit_events WHERE job_id = $JOB AND action = 'rubric.changed'")" = "3:$V3"

http GET "/api/v1/jobs/$JOB/rubric/versions" "${A[@]}"
expect_status 200 "the versions"
check "three, newest first, with their sources" test "$(json '[.items[] | "\(.number):\(.source)"] | join(",")')" = "3:recruiter,2:llm,1:local"
http GET "/api/v1/jobs/$JOB/rubric/diff?from=1&to=2" "${A[@]}"
expect_status 200 "a diff between two named versions"
expect_json .to 2 "to version 2"
http GET "/api/v1/jobs/$JOB/rubric/diff?from=abc" "${A[@]}"
expect_status 400 "a version that is not a number"
check "naming the parameter" grep -q "^from" <<<"$(json .detail)"
http GET "/api/v1/jobs/$JOB/rubric/diff?from=99" "${A[@]}"
expect_status 404 "a version that does not exist"
http GET "/api/v1/jobs/$JOB/rubric" -H "Authorization: Bearer $KEY_B"
expect_status 404 "another organisation's job is not found"
http PUT "/api/v1/jobs/$JOB/rubric" -H "Authorization: Bearer $KEY_B" "${JSON[@]}" --data "$(cat "$T_TMP/edit.json")"
expect_status 404 "nor editable"

# --- the rescore scores against version 3
http POST "/api/v1/jobs/$JOB/rescore" "${A[@]}" --data ""
expect_status 202 "the rescore is offered and taken"
expect_json .rubric_version "$V3" "for version 3"
drain "$JOB" || not_ok "the rescore was not processed"
check "every current analysis used version 3" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND rubric_version = '$V3'")" = 2
check "nothing is stale any more" test "$(rubric "$JOB" | jq -r '"\(.rescore.resumes) \(.rescore.stale)"')" = "2 0"

# --- a description change keeps the recruiter's rubric; removing it asks the LLM again
jq -n --arg d "$DESC
- Menu costing" '{description: $d}' >"$T_TMP/patch.json"
llm_jobs PATCH "/api/v1/jobs/$JOB" "$T_TMP/patch.json" >/dev/null
check "the recruiter's rubric stays through a description change" test "$(rubric "$JOB" | jq -r '"\(.number) \(.source)"')" = "3 recruiter"
echo '{"rubric": null}' >"$T_TMP/reset.json"
llm_jobs PATCH "/api/v1/jobs/$JOB" "$T_TMP/reset.json" >"$T_TMP/reset-answer.json"
check "without it the local derivation is version 4, provisional" test "$(rubric "$JOB" | jq -r '"\(.number) \(.source) \(.state)"')" = "4 local provisional"
drain "$JOB" || not_ok "the new criteria task was not settled"
rubric "$JOB" >"$T_TMP/r5.json"
check "the LLM's criteria for the new description are version 5" test "$(jq -r '"\(.number) \(.source)"' "$T_TMP/r5.json")" = "5 llm"
check "with the added line" grep -q "Menu costing" <<<"$(jq -r '.criteria[].name' "$T_TMP/r5.json")"

# --- a provider that refuses: the local rubric stays, settled, saying why
jq -n '{title: "Night Porter", description: "A night porter for a hotel. FAKE_FAULT:refusal\n\nRequirements:\n- Night shifts\n- Guest service"}' >"$T_TMP/refused.json"
crit_before=$(crit_calls)
JOB3=$(llm_jobs POST /api/v1/jobs "$T_TMP/refused.json" | jq -r .id)
drain "$JOB3" || not_ok "the refused criteria task was not settled"
rubric "$JOB3" >"$T_TMP/r6.json"
check "a refusing provider leaves the local rubric, ready" test "$(jq -r '"\(.number) \(.source) \(.state)"' "$T_TMP/r6.json")" = "1 local ready"
check "saying why" grep -q "the LLM gave no criteria" <<<"$(jq -r .note "$T_TMP/r6.json")"
check "after the queue's attempts" test "$(sql "SELECT (attempts = max_attempts AND attempts > 1) || ' ' || state FROM tasks WHERE kind = 'job_prep' AND payload->>'kind' = 'criteria' AND (payload->>'job_id')::bigint = $JOB3")" = "true discarded"
check "one request each (the queue retries, not a loop in the drainer)" test "$(crit_calls)" = "$((crit_before + $(sql "SELECT attempts FROM tasks WHERE kind = 'job_prep' AND payload->>'kind' = 'criteria' AND (payload->>'job_id')::bigint = $JOB3")))"
curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB3" >"$T_TMP/job3.json"
check "its preparation says the criteria failed" test "$(jq -r .preparation.criteria.state "$T_TMP/job3.json")" = failed
check "with the provider's reason" grep -qi "refus" <<<"$(jq -r .preparation.criteria.reason "$T_TMP/job3.json")"

# --- without a provider nothing is asked
http POST /api/v1/jobs "${A[@]}" "${JSON[@]}" --data @"$T_TMP/job.json"
expect_status 201 "a job on the local scorer"
JOB4=$(json .id)
check "its local rubric is ready at once" test "$(rubric "$JOB4" | jq -r '"\(.number) \(.source) \(.state)"')" = "1 local ready"
check "and no criteria task is made" test "$(crit_tasks "$JOB4")" = 0
check "nor are criteria part of its preparation" test "$(json '.preparation | has("criteria")')" = false

# --- a closed job's rubric cannot change
http POST "/api/v1/jobs/$JOB4/close" "${A[@]}" --data ""
put_closed=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "${A[@]}" "${JSON[@]}" --data "$(cat "$T_TMP/edit.json")" "$BASE_URL/api/v1/jobs/$JOB4/rubric")
check "a closed job's rubric cannot change (409)" test "$put_closed" = 409
stop_handler

# --- the rubric routes leak nothing under valgrind (a job made with the provider, reads, edits, refusals, diffs)
if command -v valgrind >/dev/null && [[ -z ${SHORTLIST_SANITIZE-} ]]; then
	sock="$T_TMP/jobs-vg.sock"
	SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
		start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind.log" \
		"$BIN/jobs" 2>/dev/null
	VJ=$(llm_jobs POST /api/v1/jobs "$T_TMP/job.json" | jq -r .id)
	jq '{criteria: ([.criteria[] | del(.suggested)] | .[0].weight = 2)}' "$T_TMP/r2.json" >"$T_TMP/vg-edit.json"
	echo '{"criteria":[{"name":"x","weight":-1}]}' >"$T_TMP/vg-bad.json"
	for req in "GET /api/v1/jobs/$VJ/rubric" "PUT /api/v1/jobs/$VJ/rubric $T_TMP/vg-edit.json" \
		"PUT /api/v1/jobs/$VJ/rubric $T_TMP/vg-edit.json" "PUT /api/v1/jobs/$VJ/rubric $T_TMP/vg-bad.json" \
		"GET /api/v1/jobs/$VJ/rubric/versions" "GET /api/v1/jobs/$VJ/rubric/diff" "GET /api/v1/jobs/$VJ/rubric/diff?from=1&to=2" \
		"GET /api/v1/jobs/$VJ/rubric/diff?to=1" "GET /api/v1/jobs/$VJ/rubric/diff?from=x" "PATCH /api/v1/jobs/$VJ $T_TMP/reset.json"; do
		# shellcheck disable=SC2086
		llm_jobs $req >/dev/null
	done
	check "under valgrind the edit made version 2" test "$(rubric "$VJ" | jq -r .number)" -ge 2
	stop_handler
	rc=$?
	grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind.log" | sed 's/^==[0-9]*== /# /'
	check "valgrind: no leak and no error on the rubric routes (exit $rc)" test "$rc" = 0
fi
