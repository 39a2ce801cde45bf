#!/usr/bin/env bash
# What preparing a job costs (migration 0225): the drainer's company-details
# and template calls, through the real services and the fake provider, are
# recorded call by call with the tokens the provider reported; they show in
# the job's and the organisation's spend, in /stats and in the operations
# report, and count against the job's budget. Calls to a model without a
# price are counted apart everywhere, and /stats says its cost is not
# complete instead of reading $0. The counters stay equal to a full count,
# and erasing the job keeps what it cost (no personal data in it).
. "$(dirname "$0")/lib/test-lib.sh"

[[ -n ${SHORTLIST_LLM_PORT:-} ]] || skip_all "the instance has no fake LLM provider (SHORTLIST_LLM_PORT)"
FAKE="http://127.0.0.1:$SHORTLIST_LLM_PORT"
curl -sf -o /dev/null "$FAKE/health" || skip_all "the fake LLM provider is not running"
command -v jq >/dev/null || skip_all "jq is not installed"
RUN="p$$r$RANDOM"
ORG="prep-spend-$RUN"
KEY=$(new_org "$ORG")
ctl user create --org "$ORG" --name "Pat Preparer" "pat.$RUN@example.com" >/dev/null
KEY_PAT=$(ctl key create --org "$ORG" --user "pat.$RUN@example.com" 2>/dev/null)
[[ -n $KEY && -n $KEY_PAT ]] || skip_all "cannot make the organisation and keys"
A=(-H "Authorization: Bearer $KEY")
J=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
ORG_ID=$(sql "SELECT id FROM organisations WHERE name = '$ORG'")
# Model names of this run only, so that the fake's counts per model are this test's calls
# (a drainer also prepares other tests' jobs: those calls are in llm_spend under the same names).
PRICED="gpt-4o-mini-$RUN"
UNPRICED="acme-prep-$RUN"
LLM=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1022
	SHORTLIST_OPENAI_BASE_URL="$FAKE/v1")

new_job() { # TAG: prints the job's id
	curl -s "${J[@]}" --data '{"title":"Line Cook","description":"Harbour Kitchen, Leith. We cook seasonal food; knife skills, food hygiene certificate and a calm head in service ('"$1"').","required_skills":["knife skills","food hygiene"]}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
fake_model() { # MODEL FIELD: the fake's count of FIELD for MODEL (0 when it saw none)
	curl -s "$FAKE/_stats" | jq -r --arg m "$1" --arg f "$2" '(.by_model[$m][$f]) // 0'
}
ledger() { # MODEL EXPR: EXPR over every llm_spend row of MODEL
	sql "SELECT COALESCE($2, 0) FROM llm_spend WHERE model = '$1'"
}
prepare() { # MODEL [ENV...]: runs a drainer that prepares the queued jobs with MODEL
	local model=$1
	shift
	env "${LLM[@]}" SHORTLIST_OPENAI_MODEL="$model" "$@" "$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/drainer.log" 2>&1
}
# Faults an earlier test queued and its calls did not use up are not this test's.
curl -s -o /dev/null -H "Content-Type: application/json" --data '{"clear":true}' "$FAKE/_fault"
check "the fake provider reports its counts per model" test "$(curl -s "$FAKE/_stats" | jq -r ".by_model | type")" = object

# --- a job prepared with a priced model
JOB=$(new_job "priced $RUN")
check "a job is created" test -n "$JOB" -a "$JOB" != null
prepare "$PRICED"
check "the drainer prepared the job (company details and the templates are ready)" \
	test "$(sql "SELECT count(*) FROM job_prep WHERE job_id = $JOB AND state = 'ready'")" -ge 2
calls=$(fake_model "$PRICED" completions)
check "the provider answered preparation calls ($calls)" test "$calls" -ge 2
check "one ledger row per answer the provider gave" test "$(ledger "$PRICED" 'count(*)')" = "$calls"
check "with the prompt tokens it reported" test "$(ledger "$PRICED" 'sum(prompt_tokens)')" = "$(fake_model "$PRICED" prompt_tokens)"
check "and the completion tokens" test "$(ledger "$PRICED" 'sum(completion_tokens)')" = "$(fake_model "$PRICED" completion_tokens)"
check "each row names what it prepared" test "$(sql "SELECT string_agg(DISTINCT purpose, ',' ORDER BY purpose) FROM llm_spend WHERE job_id = $JOB")" = "company_details,email_template"
mine=$(sql "SELECT count(*) FROM llm_spend WHERE job_id = $JOB")
pt=$(sql "SELECT sum(prompt_tokens) FROM llm_spend WHERE job_id = $JOB")
ct=$(sql "SELECT sum(completion_tokens) FROM llm_spend WHERE job_id = $JOB")

http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
expect_status 200 "the job's budget and spend"
expect_json .spend.preparation.calls "$mine" "the job's spend counts its preparation calls"
expect_json .spend.preparation.prompt_tokens "$pt" "with their prompt tokens"
usd=$(json .spend.preparation.usd)
check "priced at gpt-4o-mini's table price (\$$usd for $pt in, $ct out; cached input at most half off)" \
	awk -v u="$usd" -v p="$pt" -v c="$ct" 'BEGIN { hi = (p * 0.15 + c * 0.60) / 1e6; lo = (p * 0.075 + c * 0.60) / 1e6; exit !(u > 0 && u <= hi + 0.000002 && u >= lo - 0.000002) }'
expect_json .spend.preparation.unknown_priced_calls 0 "none of unknown price"
expect_json .spend.calls 0 "no scoring call was made"
expect_json .spend.total_usd "$usd" "the total is the preparation's cost"
expect_json .committed_usd "$usd" "and it is committed against the job's budget"

# A budget smaller than what preparing cost leaves nothing for scoring.
http PUT "/api/v1/jobs/$JOB/budget" "${J[@]}" --data '{"budget_usd":0.000001}'
expect_status 200 "a budget below the preparation's cost is accepted"
expect_json .remaining_usd 0 "nothing remains of it"

http GET /api/v1/stats "${A[@]}"
expect_status 200 "the organisation's stats"
expect_json .llm.preparation_calls "$mine" "count the preparation calls"
expect_json .llm.preparation_prompt_tokens "$pt" "and their tokens"
check "and their cost (\$$(json .llm.preparation_cost_usd))" awk -v a="$(json .llm.preparation_cost_usd)" -v b="$usd" 'BEGIN { exit !(a - b < 0.000002 && b - a < 0.000002) }'
expect_json .llm.unpriced_calls 0 "no call of unknown price yet"
expect_json .llm.cost_complete true "so the cost is complete"

# --- a job prepared with a model without a price
UJOB=$(new_job "unpriced $RUN")
prepare "$UNPRICED"
ucalls=$(fake_model "$UNPRICED" completions)
check "the provider answered the unpriced model's calls ($ucalls)" test "$ucalls" -ge 2
check "each is recorded as of unknown cost, at \$0 that is not a price" \
	test "$(sql "SELECT count(*) FILTER (WHERE NOT cost_known AND cost_usd = 0) || '/' || count(*) FROM llm_spend WHERE model = '$UNPRICED'")" = "$ucalls/$ucalls"
umine=$(sql "SELECT count(*) FROM llm_spend WHERE job_id = $UJOB")
http GET "/api/v1/jobs/$UJOB/budget" "${A[@]}"
expect_json .spend.preparation.unknown_priced_calls "$umine" "the job's spend counts them apart"
expect_json .spend.preparation.usd 0 "adding no dollars"
http GET /api/v1/spend "${A[@]}"
expect_status 200 "the organisation's spend"
expect_json .preparation.calls $((mine + umine)) "has every preparation call"
expect_json .preparation.unknown_priced_calls "$umine" "the unpriced ones apart"
http GET /api/v1/stats "${A[@]}"
expect_json .llm.unpriced_calls "$umine" "/stats counts the calls of unknown price"
expect_json .llm.cost_complete false "and says its cost is not complete rather than reading \$0 for them"
http GET "/api/v1/operations?hours=24" "${A[@]}"
expect_status 200 "the operations report"
check "the report's days hold the preparation calls" test "$(jq '[.daily[].preparation_calls] | add' "$T_TMP/body")" = $((mine + umine))
check "and the calls of unknown price" test "$(jq '[.daily[].unpriced_calls] | add' "$T_TMP/body")" = "$umine"

ctl counters-check >"$T_TMP/check.txt" 2>&1
check "every counter equals a full count" test $? -eq 0
cat "$T_TMP/check.txt" >&2

# --- erasing a job keeps what it cost
http POST "/api/v1/jobs/$UJOB/erase" -H "Authorization: Bearer $KEY_PAT" -H "Content-Type: application/json" \
	--data '{"reason":"withdrawn before posting"}'
expect_status 200 "the job is erased"
check "its preparation calls stay in the organisation's spend, without the job" \
	test "$(sql "SELECT count(*) FROM llm_spend WHERE org_id = $ORG_ID AND job_id IS NULL AND model = '$UNPRICED'")" = "$umine"
http GET /api/v1/stats "${A[@]}"
expect_json .llm.unpriced_calls "$umine" "and in /stats"
ctl counters-check >"$T_TMP/check.txt" 2>&1
check "the counters still equal a full count" test $? -eq 0
