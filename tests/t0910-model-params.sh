#!/usr/bin/env bash
# Real model parameters through the fake provider, which refuses what the
# real API refuses: a batch is scored with a reasoning model (o4-mini: no
# temperature 0, no seed, hidden reasoning tokens counted against the
# budget), and a job of 50 criteria is scored with a chat model, each answer
# holding all 50 (the budget grows with the criteria: test_llm_models). A resume whose reasoning
# leaves too little of the first budget is asked once more with a larger one
# and scores.
. "$(dirname "$0")/lib/test-lib.sh"

curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"
KEY=$(new_org "models-$$")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
stats() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats"; }

# drain MODEL: one drainer pass scoring with MODEL through the fake provider.
drain() {
	SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY="sk-t0910" SHORTLIST_OPENAI_MODEL="$1" \
		SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
		"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
}
# upload JOB N [EXTRA]: N small resumes, EXTRA appended to each.
upload() {
	local job=$1 n=$2 extra=${3:-} i args=()
	for ((i = 1; i <= n; i++)); do
		printf 'Candidate %d of %s\nc%d@example.org\n\nBackend engineer: C, PostgreSQL, Linux, Go, Kubernetes since 2015.\n%s\n' \
			"$i" "$job" "$i" "$extra" >"$T_TMP/j$job-r$i.txt"
		args+=(-F "f$i=@$T_TMP/j$job-r$i.txt")
	done
	http POST "/api/v1/jobs/$job/resumes" -H "Authorization: Bearer $KEY" "${args[@]}"
}
status_count() { sql "SELECT count(*) FROM resumes WHERE job_id = $1 AND status = '$2'"; }

# --- a reasoning model
http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux. Opening '"$$"'.","required_skills":["C","PostgreSQL","Linux"]}'
J1=$(json .id)
upload "$J1" 5
expect_status 201 "five resumes accepted"
before=$(stats | jq '.by_model["o4-mini"].completions // 0')
drain o4-mini
check "every resume was scored with o4-mini ($(status_count "$J1" scored) of 5)" test "$(status_count "$J1" scored)" = 5
check "by the provider, not the local scorer" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $J1 AND is_current AND provider = 'openai' AND model LIKE 'o4-mini%'")" = 5
check "the fake answered o4-mini completions" test "$(stats | jq '.by_model["o4-mini"].completions // 0')" -ge $((before + 5))
check "no request was refused for its parameters" bash -c "! grep -q 'temperature' '$T_TMP/drainer.log'"

# --- a reasoning model that spends most of its first budget on reasoning
http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer II","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux. Opening '"$$"'.","required_skills":["C","PostgreSQL","Linux"]}'
J2=$(json .id)
crit=$(sql "SELECT jsonb_array_length(rubric->'criteria') FROM jobs WHERE id = $J2")
first=$((600 + 250 * ${crit:-0} + 8192))
((first < 1024)) && first=1024
upload "$J2" 2 "FAKE_REASONING:$((first - 20))"
drain o4-mini
check "cut-off answers were asked again and scored ($(status_count "$J2" scored) of 2)" test "$(status_count "$J2" scored)" = 2
check "the drainer said it asked with a larger budget" grep -q "answer cut off at $first tokens; asking once more with $((first * 2))" "$T_TMP/drainer.log"

# --- 50 criteria with a chat model
rubric=$(jq -cn '{criteria: [range(1; 51) | {name: "Skill \(.)", description: "Shows Skill\(.) at work", weight: 2, keywords: ["Skill\(.)"]}]}')
http POST /api/v1/jobs "${A[@]}" --data "$(jq -cn --argjson r "$rubric" --arg o "$$" '{title: "Generalist", company: "Nordlicht Labs", description: "Many skills, opening \($o).", rubric: $r}')"
expect_status 201 "a job with a 50-criterion rubric"
J3=$(json .id)
crit=$(sql "SELECT jsonb_array_length(rubric->'criteria') FROM jobs WHERE id = ${J3:-0}")
check "the job has 50 criteria ($crit)" test "${crit:-0}" -ge 50
upload "$J3" 2 "Skill1 Skill2 Skill3"
drain gpt-4o-mini
check "a 50-criterion job is scored with a chat model ($(status_count "$J3" scored) of 2)" test "$(status_count "$J3" scored)" = 2
check "each analysis holds all 50 criteria" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = ${J3:-0} AND is_current AND jsonb_array_length(result->'criteria') >= 50")" = 2
