#!/usr/bin/env bash
# Company details and email templates come from the LLM provider when one is
# configured, asked by the drainer when a job is made or changed (never by a
# web request); a web request answers at once with the local extraction and
# the built-in defaults meanwhile, a failing provider leaves them standing
# (the preparation says failed, and why), and a person's edits always win.
. "$(dirname "$0")/lib/test-lib.sh"
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"

KEY=$(new_org "company-llm-$$")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
new_job() { # NAME [EXTRA DESCRIPTION]: prints the new job's id
	curl -s "${A[@]}" --data "{\"title\":\"Payments Engineer $1\",\"description\":\"Lumen Pay is hiring a payments engineer for its Risk team in Lisbon. You will build fraud scoring in Go and Kafka. ${2:-}\"}" \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
drain() {
	SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test \
		SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
		"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
}
prep() { curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$1" | jq -r ".preparation.$2.state"; }
calls() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r '.completions // .requests'; }

J1=$(new_job one)
check "a new job's company details are pending" test "$(prep "$J1" company_details)" = pending
check "and so are its templates" test "$(prep "$J1" email_templates)" = pending
before=$(calls)
http GET "/api/v1/jobs/$J1/company" "${A[@]}"
check "the details answer at once, extracted locally" test "$(json .source)" = local
http GET "/api/v1/jobs/$J1/templates/invite" "${A[@]}"
check "the invitation is the built-in default meanwhile" test "$(json .source)" = default
check "no web request asked the provider" test "$(calls)" = "$before"

drain
check "the drainer asked the provider" test "$(calls)" -gt "$before"
check "the details are ready" test "$(prep "$J1" company_details)" = ready
check "the templates are ready" test "$(prep "$J1" email_templates)" = ready
check "the job says it is prepared" test "$(curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$J1" | jq -r .preparation.ready)" = true
http GET "/api/v1/jobs/$J1/company" "${A[@]}"
check "details from the provider are marked llm" test "$(json .source)" = llm
check "the company is filled" test -n "$(json '.company // empty')"
http GET "/api/v1/jobs/$J1/templates/invite" "${A[@]}"
check "the written template is the job's own, not the default" test "$(json .is_default)" = false
check "and marked llm" test "$(json .source)" = llm
check "all three kinds are stored" test "$(sql "SELECT count(*) FROM email_templates WHERE job_id = $J1 AND source = 'llm'")" = 3
before=$(calls)
drain
check "a prepared job is not asked for again" test "$(calls)" = "$before"

# A change of the job prepares it again; the task of the older version changes nothing.
curl -s -o /dev/null -X PATCH "${A[@]}" --data '{"description":"Lumen Pay is hiring for its Fraud team in Porto. Go, Kafka and SQL."}' "$BASE_URL/api/v1/jobs/$J1"
check "a changed job is pending again" test "$(prep "$J1" company_details)" = pending
drain
check "and ready after the drainer" test "$(prep "$J1" company_details)" = ready
check "one task per version and kind" test "$(sql "SELECT count(*) FROM tasks WHERE kind = 'job_prep' AND payload->>'job_id' = '$J1'")" = 4

# The provider failing for one job: the local extraction stands and the preparation says why.
J2=$(new_job two "FAKE_FAULT:500")
sql "UPDATE tasks SET max_attempts = 1 WHERE kind = 'job_prep' AND payload->>'job_id' = '$J2'" >/dev/null
drain
check "a failing provider leaves the details failed" test "$(prep "$J2" company_details)" = failed
check "with the reason" grep -qi "500\|server" <<<"$(curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$J2" | jq -r .preparation.company_details.reason)"
http GET "/api/v1/jobs/$J2/company" "${A[@]}"
check "the local extraction answers" test "$(json .source)" = local
check "and still finds the company" grep -q "Lumen Pay" <<<"$(json .company)"
check "the failure is logged" grep -q "the local extraction stands" "$T_TMP/drainer.log"

# A person's edits made before the drainer runs are never replaced by the LLM's.
J3=$(new_job three)
http PUT "/api/v1/jobs/$J3/company" "${A[@]}" --data '{"company":"Edited Pay Ltd"}'
http PUT "/api/v1/jobs/$J3/templates/reject" "${A[@]}" --data '{"subject":"About {{position}}","text":"Dear {{candidate_name}}, thank you. {{recruiter_name}}"}'
expect_status 200 "a person edits the rejection before the drainer runs"
drain
check "the edited templates' job is prepared too" test "$(prep "$J3" email_templates)" = ready
http GET "/api/v1/jobs/$J3/company" "${A[@]}"
check "the edited company stays" test "$(json .company)/$(json .source)" = "Edited Pay Ltd/edited"
http GET "/api/v1/jobs/$J3/templates/reject" "${A[@]}"
check "the edited rejection stays" test "$(json .subject)/$(json .source)" = "About {{position}}/edited"
http GET "/api/v1/jobs/$J3/templates/invite" "${A[@]}"
check "while the kinds nobody edited are the LLM's" test "$(json .source)" = llm
