#!/usr/bin/env bash
# A job's criteria while the LLM provider is down: the drainer asks once per
# attempt and goes on (the queue retries the criteria with its backoff, as
# the "criteria" kind of the job's preparation); meanwhile the job keeps its
# local rubric, marked provisional, and resumes uploaded before the criteria
# arrive are scored with it; a change to the job meanwhile asks again for its
# new version; once the provider answers, its criteria are the next version
# and the resumes scored with the local one are in the rescore offer.
. "$(dirname "$0")/lib/test-lib.sh"
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"

KEY=$(new_org "criteria-down-$$")
A=(-H "Authorization: Bearer $KEY")
UP=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test
	SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1")
closed_port=$(((RANDOM % 100) + 24380)) # this instance's free range: nothing listens there
DOWN=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test
	SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$closed_port/v1" SHORTLIST_LLM_TIMEOUT_MS=500)
crit_calls() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r '.by_schema.job_criteria // 0'; }

sock="$T_TMP/jobs.sock"
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
	start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
llm_jobs() { # METHOD URI [BODY_FILE]: the body of the answer
	FCGI_PRINT_BODY=1 "$ROOT/tests/tools/fcgi_request.py" "$sock" 1 "$1" "$2" ${3:+"$3"} \
		"HTTP_AUTHORIZATION=Bearer $KEY" CONTENT_TYPE=application/json
}
rubric() { curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB/rubric"; }
crit_sql() { # COLUMNS [CONDITION]: of the job's criteria tasks, oldest first
	sql "SELECT $1 FROM tasks WHERE kind = 'job_prep' AND payload->>'kind' = 'criteria' AND (payload->>'job_id')::bigint = $JOB ${2:+AND $2} ORDER BY id"
}
resumes_settled() { test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')")" = 0; }

# Earlier tests' jobs may still hold preparation tasks waiting out a retry: not this test's.
sql "DELETE FROM tasks WHERE kind = 'job_prep' AND state IN ('queued', 'running')" >/dev/null

DESC="Tidewater Clinic ($$) is hiring a dental hygienist in Leeds.

Requirements:
- Registered dental hygienist with two years of practice
- Periodontal charting and scaling

Nice to have:
- Experience with children"
jq -n --arg d "$DESC" '{title: "Dental Hygienist", description: $d}' >"$T_TMP/job.json"
llm_jobs POST /api/v1/jobs "$T_TMP/job.json" >"$T_TMP/created.json"
JOB=$(jq -r .id "$T_TMP/created.json")
check "the job is created" test "$JOB" -gt 0
V1=$(rubric | jq -r .version)

# --- the provider down: one request per attempt, and the drainer goes on (a long outage: the queue keeps retrying)
sql "UPDATE tasks SET max_attempts = 100 WHERE kind = 'job_prep' AND payload->>'kind' = 'criteria' AND (payload->>'job_id')::bigint = $JOB" >/dev/null
env "${DOWN[@]}" "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/drainer-down.log" 2>&1
check "the drainer exits on its own with the provider down" test $? = 0
check "the criteria task failed and waits out the queue's backoff" \
	test "$(crit_sql "(attempts >= 1) || ' ' || state")" = "true queued"
check "with the reason" grep -q "provider unreachable" <<<"$(crit_sql last_error)"
check "the job keeps its local rubric, provisional" test "$(rubric | jq -r '"\(.number) \(.source) \(.state)"')" = "1 local provisional"
curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB" >"$T_TMP/job-down.json"
check "its preparation says the criteria are pending" test "$(jq -r .preparation.criteria.state "$T_TMP/job-down.json")" = pending
check "and why" grep -q "provider unreachable" <<<"$(jq -r .preparation.criteria.reason "$T_TMP/job-down.json")"

# --- the outage goes on (its retry an hour away); resumes uploaded meanwhile are scored with the local rubric
sql "UPDATE tasks SET run_at = now() + interval '1 hour' WHERE kind = 'job_prep' AND payload->>'kind' = 'criteria' AND (payload->>'job_id')::bigint = $JOB" >/dev/null
mkdir -p "$T_TMP/r"
printf 'Nia Okafor\nnia@example.org\n\nDental hygienist, Leeds Smile Centre (2019 - 2024)\nRegistered dental hygienist: periodontal charting, scaling and root planing, also for children.\n' >"$T_TMP/r/nia.txt"
printf 'Tom Reyes\ntom@example.org\n\nBarista, Corner Cup (2020 - 2024)\nEspresso, latte art and opening shifts.\n' >"$T_TMP/r/tom.txt"
curl -s "${A[@]}" -F "f=@$T_TMP/r/nia.txt" -F "f=@$T_TMP/r/tom.txt" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "two resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 2
crit_before=$(crit_calls)
env "${UP[@]}" "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/drainer-resumes.log" 2>&1
check "the resumes are scored" eventually 60 resumes_settled
check "both with the provisional local rubric" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND rubric_version = '$V1'")" = 2
check "no criteria were asked meanwhile" test "$(crit_calls)" = "$crit_before"
check "the rubric is still the provisional local one" test "$(rubric | jq -r '"\(.number) \(.state)"')" = "1 provisional"

# --- a change to the job meanwhile asks again, for its new version
echo '{"location": "Leeds, West Yorkshire"}' >"$T_TMP/patch.json"
llm_jobs PATCH "/api/v1/jobs/$JOB" "$T_TMP/patch.json" >"$T_TMP/patched.json"
check "the change keeps the provisional local rubric" test "$(jq -r '"\(.rubric_number) \(.rubric_state)"' "$T_TMP/patched.json")" = "1 provisional"
check "and asks for the criteria of the new version" test "$(crit_sql state "payload->>'job_updated_at' = (SELECT updated_at::text FROM jobs WHERE id = $JOB)")" = queued

# --- the provider back: its criteria are the next version, and the rescore offer names both resumes
sql "UPDATE tasks SET run_at = now() WHERE kind = 'job_prep' AND state = 'queued' AND (payload->>'job_id')::bigint = $JOB" >/dev/null
env "${UP[@]}" "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/drainer-up.log" 2>&1
rubric >"$T_TMP/r2.json"
check "the LLM's criteria are version 2" test "$(jq -r '"\(.number) \(.source) \(.state)"' "$T_TMP/r2.json")" = "2 llm ready"
check "asked once" test "$(crit_calls)" = "$((crit_before + 1))"
check "the older version's task only succeeded, the new one's at its first attempt" \
	test "$(crit_sql "state || CASE WHEN payload->>'job_updated_at' = (SELECT updated_at::text FROM jobs WHERE id = $JOB) THEN ' ' || attempts ELSE '' END" | tr '\n' ' ')" = "succeeded succeeded 1 "
check "the resumes scored with the local rubric are offered a rescore" test "$(jq -r '"\(.rescore.resumes) \(.rescore.stale)"' "$T_TMP/r2.json")" = "2 2"
check "the preparation says the criteria are ready" test "$(curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB" | jq -r .preparation.criteria.state)" = ready
stop_handler
