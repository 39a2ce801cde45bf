#!/usr/bin/env bash
# Company details and email templates come from the LLM provider when one is
# configured (checked, stored once), and from local extraction or the
# built-in defaults when it is not or when the provider fails.
. "$(dirname "$0")/lib/test-lib.sh"
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"

KEY=$(new_org "company-llm-$$")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
new_job() {
	curl -s "${A[@]}" --data "{\"title\":\"Payments Engineer $1\",\"description\":\"Lumen Pay is hiring a payments engineer for its Risk team in Lisbon. You will build fraud scoring in Go and Kafka.\"}" \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
# The emails handler run directly, configured for the fake provider.
sock="$T_TMP/emails.sock"
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
	start_handler "$sock" "$BIN/emails" 2>"$T_TMP/emails.log"
company() { # JOB: prints the company JSON
	FCGI_PRINT_BODY=1 "$ROOT/tests/tools/fcgi_request.py" "$sock" 1 GET "/api/v1/jobs/$1/company" "HTTP_AUTHORIZATION=Bearer $KEY"
}
calls() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r '.completions // .requests'; }

J1=$(new_job one)
before=$(calls)
company "$J1" >"$T_TMP/c1.json"
check "the provider was asked" test "$(calls)" -gt "$before"
check "details from the provider are marked llm" test "$(jq -r .source "$T_TMP/c1.json")" = llm
check "the company is filled" test -n "$(jq -r '.company // empty' "$T_TMP/c1.json")"
check "the answer is cached: no second call" bash -c "n=\$(curl -s http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats | jq -r '.completions // .requests'); FCGI_PRINT_BODY=1 '$ROOT/tests/tools/fcgi_request.py' '$sock' 1 GET /api/v1/jobs/$J1/company 'HTTP_AUTHORIZATION=Bearer $KEY' >/dev/null; test \$(curl -s http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats | jq -r '.completions // .requests') = \$n"

# The provider failing: three 500s in a row, then the local extraction answers.
J2=$(new_job two)
curl -s -o /dev/null -H "Content-Type: application/json" --data '{"next":["500","500","500"]}' \
	"http://127.0.0.1:$SHORTLIST_LLM_PORT/_fault"
company "$J2" >"$T_TMP/c2.json"
check "a failing provider falls back to local extraction" test "$(jq -r .source "$T_TMP/c2.json")" = local
check "the local extraction still finds the company" grep -q "Lumen Pay" <<<"$(jq -r .company "$T_TMP/c2.json")"
check "the failure is logged" grep -q "using local extraction" "$T_TMP/emails.log"
# Templates: written by the provider once per job and kind, then stored.
template() { # JOB KIND
	FCGI_PRINT_BODY=1 "$ROOT/tests/tools/fcgi_request.py" "$sock" 1 GET "/api/v1/jobs/$1/templates/$2" "HTTP_AUTHORIZATION=Bearer $KEY"
}
before=$(calls)
template "$J1" invite >"$T_TMP/t1.json"
check "the provider wrote the invitation" test "$(calls)" -gt "$before"
check "the written template is the job's own, not the default" test "$(jq -r .is_default "$T_TMP/t1.json")" = false
check "it is stored" test "$(sql "SELECT count(*) FROM email_templates WHERE job_id = $J1 AND kind = 'invite'")" = 1
before=$(calls)
template "$J1" invite >/dev/null
check "a stored template is not written again" test "$(calls)" = "$before"
curl -s -o /dev/null -H "Content-Type: application/json" --data '{"next":["500","500","500"]}' \
	"http://127.0.0.1:$SHORTLIST_LLM_PORT/_fault"
template "$J2" reject >"$T_TMP/t2.json"
check "a failing provider leaves the built-in default" test "$(jq -r .is_default "$T_TMP/t2.json")" = true
check "and stores nothing" test "$(sql "SELECT count(*) FROM email_templates WHERE job_id = $J2")" = 0
stop_handler
