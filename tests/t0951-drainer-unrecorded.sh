#!/usr/bin/env bash
# A drainer whose result cannot be recorded because the database went away
# while the LLM was answering (PostgreSQL, or pgbouncer in front of it,
# restarted) gives the task back once the database answers: it is scored
# again at once instead of waiting for its lease to run out. The lease here is 10 minutes, so a resume scored
# within a minute shows the task was given back.
. "$(dirname "$0")/lib/test-lib.sh"

DRAINER=""
cleanup() {
	[[ -n $DRAINER ]] && kill "$DRAINER" 2>/dev/null && wait "$DRAINER" 2>/dev/null
	DRAINER=""
	services start postgresql >/dev/null 2>&1
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT

KEY=$(new_org "unrecorded-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Backend Engineer","description":"We build services in C on PostgreSQL and Linux. 3+ years."}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
[[ $JOB =~ ^[0-9]+$ ]] || {
	not_ok "cannot create a job"
	exit 1
}
printf '%s\n' "Candidate Unrecorded" "Email: unrecorded-$$@candidates.example" "" "Experience" \
	"Software Engineer, Acme (2016 - 2024)" \
	"Built backend services in C on PostgreSQL and Linux (run $$)." \
	"Education" "BSc Computer Science, University of Somewhere (2012 - 2016)" >"$T_TMP/r.txt"

# An LLM that answers after 4 s: long enough to stop PostgreSQL under the call.
start_fake_llm --latency-median-ms 4000 --latency-sigma 0.01
stats() { curl -s "$FAKE/_stats"; }
SHORTLIST_TASK_LEASE_SECONDS=600 SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test \
	SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
	"$BIN/drainer" --follow >"$T_TMP/drainer.log" 2>&1 &
DRAINER=$!
eventually 10 grep -q '"drain: worker' "$T_TMP/drainer.log" || not_ok "the drainer did not start"

curl -s "${A[@]}" -F "f=@$T_TMP/r.txt" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "one resume queued" test "$(jq -r .accepted "$T_TMP/upload.json")" = 1
RID=$(jq -r '.files[0].resume_id' "$T_TMP/upload.json")
# The resume's own call: its task holds the full lease (its work started) and a call is in flight (the
# job's preparation, an LLM call of its own, runs only while no resume is in flight).
started() { test "$(sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'resume_id' = '$RID' \
	AND state = 'running' AND lease_until > now() + interval '5 minutes'")" = 1; }
calling() { started && test "$(stats | jq .in_flight)" = 1; }
if eventually 30 calling; then ok "the drainer is calling the LLM for the resume"; else not_ok "no call for the resume: $(stats)"; fi
calls_before=$(stats | jq '[.by_model[].requests] | add')

services stop postgresql
if eventually 20 grep -q "cannot record resume $RID; the task goes back to the queue" "$T_TMP/drainer.log"; then
	ok "the answer came while PostgreSQL was down: the result was not recorded"
else
	not_ok "the drainer did not report the unrecorded result"
fi
services start postgresql
scored() { test "$(sql "SELECT status FROM resumes WHERE id = $RID")" = scored; }
if eventually 60 scored; then
	ok "scored once PostgreSQL was back, long before the 10-minute lease"
else
	not_ok "resume $RID is still $(sql "SELECT status FROM resumes WHERE id = $RID")"
fi
check "the drainer gave the task back" grep -q '"drain: task [0-9]*, whose result was not recorded, is back in the queue' \
	"$T_TMP/drainer.log"
check "the task succeeded" test "$(sql "SELECT state FROM tasks WHERE org_id = (SELECT org_id FROM resumes WHERE id = $RID) \
	AND kind = 'process_resume' AND payload->>'resume_id' = '$RID'")" = succeeded
check "one analysis, current" test "$(sql "SELECT count(*) || ':' || count(*) FILTER (WHERE is_current) FROM analyses \
	WHERE resume_id = $RID")" = 1:1
echo "# LLM calls after the resume's first: $(($(stats | jq '[.by_model[].requests] | add') - calls_before))"
grep -E '"level":"(warn|error)"|back in the queue|answers again' "$T_TMP/drainer.log" | cut -c1-220 | head -n 12 | sed 's/^/# log: /'
