#!/usr/bin/env bash
# With the LLM provider taking seconds per answer, a job's preparation runs
# in the drainer while web requests about the job answer at once through
# lighttpd (the local extraction and the built-in templates stand in), an
# invitation asked for meanwhile waits rather than going out with the stand-
# ins, and once the drainer has prepared the job the invitation is sent,
# rendered from what it prepared.
. "$(dirname "$0")/lib/test-lib.sh"
[[ -x /usr/bin/python3 ]] || skip_all "python3 is not installed"

KEY=$(new_org "warm-slow-$$")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
DRAINER_PID=''
cleanup() {
	[[ -n $DRAINER_PID ]] && kill -TERM "$DRAINER_PID" 2>/dev/null && wait "$DRAINER_PID" 2>/dev/null
	return 0
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT

# A provider of this test's own that takes 4 s for every answer.
start_fake_llm --latency-median-ms 4000 --latency-sigma 0
fake() { curl -s "$FAKE/_stats" | jq -r "$1"; }

prep() { curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB" | jq -r ".preparation.$1.state"; }
unsettled() { test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')")" = 0; }

http POST /api/v1/jobs "${A[@]}" --data '{"title":"Platform Engineer","company":"Lumen Pay","description":"Lumen Pay is hiring a platform engineer in Lisbon: Go, Kafka and PostgreSQL.","required_skills":["Go","Kafka"]}'
expect_status 201 "a job is made"
JOB=$(json .id)
check "its preparation is pending" test "$(json .preparation.company_details.state)" = pending
printf 'Rita Almeida\nrita.%s@example.org\n\nPlatform engineer, 6 years of Go, Kafka and PostgreSQL.\nSkills: Go, Kafka, PostgreSQL\n' "$$" >"$T_TMP/r.txt"
RESUME=$(curl -s -H "Authorization: Bearer $KEY" -F "f=@$T_TMP/r.txt" "$BASE_URL/api/v1/jobs/$JOB/resumes" | jq -r '.files[0].resume_id')
# Scored by the local scorer; the preparation is done with it too (no provider: local details, default templates).
"$BIN/drainer" --once >>"$T_TMP/drainer-local.log" 2>&1
eventually 60 unsettled
check "without a provider the drainer prepares the job at once" test "$(prep company_details)/$(prep email_templates)" = ready/ready

# Earlier tests' jobs may still hold preparation tasks waiting out a retry: they are not this test's, and
# the slow provider below would answer them too.
sql "DELETE FROM tasks WHERE kind = 'job_prep' AND (payload->>'job_id')::bigint <> $JOB" >/dev/null
# Now the slow provider, with a drainer that follows the queue; the job changes, so it is prepared again.
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1011 SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
	"$BIN/drainer" --follow >>"$T_TMP/drainer.log" 2>&1 &
DRAINER_PID=$!
http PATCH "/api/v1/jobs/$JOB" "${A[@]}" --data '{"description":"Lumen Pay is hiring a platform engineer for its Payments team in Porto: Go, Kafka and PostgreSQL."}'
expect_status 200 "the job is changed"
check "the change makes its preparation pending again" test "$(json .preparation.company_details.state)" = pending
asked() { test "$(fake .in_flight)" -ge 1; }
eventually 30 asked

# While the provider holds the call, every request about the job answers.
in_flight=$(fake .in_flight)
check "a call to the provider is in flight" test "$in_flight" -ge 1
http GET "/api/v1/jobs/$JOB" "${A[@]}"
expect_status 200 "the job answers"
check "and says its details are pending" test "$(json .preparation.company_details.state)" = pending
http GET "/api/v1/jobs/$JOB/company" "${A[@]}"
expect_status 200 "the company details answer"
check "from the local extraction" test "$(json .source)" = local
http GET "/api/v1/jobs/$JOB/templates/invite" "${A[@]}"
expect_status 200 "the invitation template answers"
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[$RESUME],\"recruiter_name\":\"Sam Smith\",\"recruiter_email\":\"sam@example.org\",\"scheduling_link\":\"https://cal.example.com/sam\"}"
expect_status 202 "an invitation is asked for"
EMAIL=$(json '.results[0].email_id')
check "it waits for the preparation" test "$(json '.results[0].waiting_for_preparation')" = true
http GET "/api/v1/emails/$EMAIL" "${A[@]}"
check "the email says it waits" test "$(json .waiting_for_preparation)/$(json .state)" = true/queued
before_subject=$(json .subject)
check "the provider has not answered yet: nothing is prepared" test "$(prep company_details)" = pending

# Later the drainer has prepared the job, and the invitation goes out.
ready() { test "$(prep company_details)/$(prep email_templates)" = ready/ready; }
check "the details and templates become ready" eventually 180 ready
http GET "/api/v1/jobs/$JOB/company" "${A[@]}"
check "the details are the provider's" test "$(json .source)" = llm
http GET "/api/v1/jobs/$JOB/templates/invite" "${A[@]}"
check "the invitation template is the provider's" test "$(json .source)" = llm
sent() { test "$(sql "SELECT state FROM emails WHERE id = $EMAIL")" = sent; }
check "the waiting invitation is sent" eventually 60 sent
http GET "/api/v1/emails/$EMAIL" "${A[@]}"
check "it no longer waits" test "$(json .waiting_for_preparation)" = false
check "it was rendered again from the prepared template" test "$(json .subject)" != "$before_subject"
check "the provider answered the company details once" test "$(fake '.by_schema.company_details // 0')" = 1
check "and each of three templates once" test "$(fake '.by_schema.email_template // 0')" = 3
check "and nothing else but criteria (an earlier test's job, whose preparation may still be asked)" \
	test "$(fake '.completions - (.by_schema.job_criteria // 0)')" = 4
