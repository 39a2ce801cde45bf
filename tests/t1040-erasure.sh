#!/usr/bin/env bash
# Erasure through the real services. Candidates are uploaded, scored through
# a fake OpenAI provider (so their answers are cached in memcached), given a
# recruiter's decision and an email; then one candidate is erased: a legal
# hold refuses it first, with a clear 409; once the hold is released its
# bytes are gone from the S3 server (listing and GET), its rows from every
# table of PostgreSQL that can name it (and no row anywhere holds its name,
# email or S3 key), its LLM cache entries from memcached, while the audit
# trail still holds its events, the scorer's and the recruiter's, without
# the personal data. The other candidate is untouched. Then a whole job is
# erased the same way, and the audit table refuses UPDATE and DELETE.
. "$(dirname "$0")/lib/test-lib.sh"

PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "$PY is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
RUN="e$$r$RANDOM"
ORG="erasure-$RUN"
KEY_ORG=$(new_org "$ORG")
ctl user create --org "$ORG" --name "Rita Recruiter" "rita.$RUN@example.com" >/dev/null
KEY_RITA=$(ctl key create --org "$ORG" --user "rita.$RUN@example.com" 2>/dev/null)
KEY_OTHER=$(new_org "erasure-other-$RUN")
[[ -n $KEY_ORG && -n $KEY_RITA && -n $KEY_OTHER ]] || skip_all "cannot make the organisations and keys"
JSON=(-H "Content-Type: application/json")
RI=(-H "Authorization: Bearer $KEY_RITA" "${JSON[@]}")
OT=(-H "Authorization: Bearer $KEY_OTHER" "${JSON[@]}")
S3="http://127.0.0.1:$SHORTLIST_S3_PORT/$SHORTLIST_S3_BUCKET"

start_fake_llm
drain() { # JOB: scores the job's resumes through the fake provider
	local end=$(($(date +%s) + 120))
	while (($(date +%s) < end)); do
		SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1040 SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
			"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
		[[ $(sql "SELECT count(*) FROM tasks WHERE payload->>'job_id' = '$1' AND state IN ('queued', 'running')") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}
# memcached's answer to a get of KEY: the value's length, or "miss".
mc_get() {
	"$PY" - "$SHORTLIST_MEMCACHED_PORT" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"get " + sys.argv[2].encode() + b"\r\n")
data = b""
while not (data.endswith(b"END\r\n")):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print("miss" if data.startswith(b"END") else data.split(b"\r\n", 1)[0].split()[-1].decode())
EOF
}
text_resume() { # FILE NAME EMAIL SKILLS
	printf '%s\nEmail: %s\nPhone: +1 415 555 0%03d\n\nSummary\nEngineer who likes careful work and %s.\n\nExperience\nSoftware Engineer, Acme Corporation (2015 - 2024)\nBuilt and ran production systems with %s for a team of twelve,\nwrote the runbooks and mentored new colleagues.\n\nSkills\n%s\n' \
		"$2" "$3" "$((RANDOM % 1000))" "$4" "$4" "$4" >"$1"
}
# Every row of every table of the public schema, as text, that holds NEEDLE.
rows_holding() {
	sql "SELECT string_agg(t, ' ') FROM (SELECT table_name AS t FROM information_schema.tables
	     WHERE table_schema = 'public' AND table_type = 'BASE TABLE') x" | tr ' ' '\n' | while read -r t; do
		n=$(sql "SELECT count(*) FROM \"$t\" x WHERE strpos(lower(x::text), lower('$1')) > 0")
		[[ $n != 0 ]] && echo "$t:$n"
	done
}
# Rows naming resume RID in every table that has a resume_id column (the audit trail and the erasure's own rows aside).
rows_naming() {
	sql "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'resume_id'
	     AND table_name NOT IN ('audit_events')" | while read -r t; do
		n=$(sql "SELECT count(*) FROM \"$t\" WHERE resume_id = $1")
		[[ $n != 0 ]] && echo "$t:$n"
	done
	n=$(sql "SELECT count(*) FROM resumes WHERE id = $1")
	[[ $n != 0 ]] && echo "resumes:$n"
	n=$(sql "SELECT count(*) FROM tasks WHERE payload->>'resume_id' = '$1'")
	[[ $n != 0 ]] && echo "tasks(payload):$n"
}

# --- a job, two candidates, scored through the provider (cached), a decision and an email on one of them
http POST /api/v1/jobs "${RI[@]}" --data '{"title":"Platform Engineer","description":"Go, PostgreSQL and Linux. Run '"$RUN"'.","required_skills":["Go","PostgreSQL"]}'
expect_status 201 "a job"
JOB=$(json .id)
http PUT "/api/v1/jobs/$JOB/company" "${RI[@]}" --data '{"company":"Nordlicht Labs","position":"Platform Engineer"}'
expect_status 200 "the company the emails name"
ZNAME="Zelda Quuxington$RANDOM"
ZMAIL="zelda.$RUN@example.org"
text_resume "$T_TMP/zelda.txt" "$ZNAME" "$ZMAIL" "Go, PostgreSQL and Linux"
text_resume "$T_TMP/yannick.txt" "Yannick Plover" "yannick.$RUN@example.org" "Go and Kubernetes"
curl -s -H "Authorization: Bearer $KEY_RITA" -F "f=@$T_TMP/zelda.txt" -F "f=@$T_TMP/yannick.txt" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "two resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 2
ZED=$(jq -r '.files[] | select(.filename == "zelda.txt") | .resume_id' "$T_TMP/upload.json")
YAN=$(jq -r '.files[] | select(.filename == "yannick.txt") | .resume_id' "$T_TMP/upload.json")
drain "$JOB" || not_ok "the upload was scored"
ZKEY=$(sql "SELECT s3_key FROM resumes WHERE id = $ZED")
YKEY=$(sql "SELECT s3_key FROM resumes WHERE id = $YAN")
check "the scorer went through the provider ($(sql "SELECT provider FROM analyses WHERE resume_id = $ZED AND is_current"))" \
	test "$(sql "SELECT provider FROM analyses WHERE resume_id = $ZED AND is_current")" = openai
ZCACHE=$(sql "SELECT llm_cache_key FROM analyses WHERE resume_id = $ZED AND llm_cache_key IS NOT NULL LIMIT 1")
check "the analysis names its LLM cache entry" test -n "$ZCACHE"
check "the cache entry is in memcached" test "$(mc_get "llm:v1:$ZCACHE")" != miss
check "the stored file is in the S3 server" test "$(curl -s -o /dev/null -w '%{http_code}' "$S3/$ZKEY")" = 200

# The automated decision is in the trail: analysis id, provider, model, versions, input hashes, score, category.
http GET "/api/v1/audit?resume_id=$ZED&action=analysis.recorded" -H "Authorization: Bearer $KEY_RITA"
expect_status 200 "the candidate's automated decisions"
expect_json '.items[0].actor.system' scorer "the scorer is the actor"
expect_json '.items[0].details.analysis_id' "$(sql "SELECT id FROM analyses WHERE resume_id = $ZED AND is_current")" "the event names the analysis"
expect_json '.items[0].details.inputs.file_sha256' "$(sql "SELECT sha256 FROM resumes WHERE id = $ZED")" "the event holds the file's hash"
expect_json '.items[0].details.inputs.text_sha256 | test("^[0-9a-f]{64}$")' true "and the text's"
expect_json '.items[0].details | has("prompt_version") and has("rubric_version") and has("model") and has("score") and has("category")' true "and the versions, model, score and category"

http PUT "/api/v1/jobs/$JOB/candidates/$ZED/decision" "${RI[@]}" --data "{\"category\":\"shortlist\",\"reason\":\"$ZNAME led the migration we need\"}"
expect_status 200 "a decision naming the candidate in its reason"
http POST "/api/v1/jobs/$JOB/emails" "${RI[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[$ZED],\"scheduling_link\":\"https://cal.example/$RUN\"}"
expect_status 202 "an invitation to the candidate"
check "the email body is stored" test "$(sql "SELECT count(*) FROM emails WHERE resume_id = $ZED")" = 1
"$BIN/drainer" --once --max-seconds 15 >>"$T_TMP/drainer.log" 2>&1
eventually 30 test "$(sql "SELECT state FROM emails WHERE resume_id = $ZED")" = sent || not_ok "the invitation is sent"
check "its delivery is in the trail, by the mailer, naming the email" \
	test "$(sql "SELECT count(*) FROM audit_events e JOIN emails m ON m.id = ANY (e.email_ids) WHERE e.action = 'email.sent' AND e.actor_system = 'mailer' AND m.resume_id = $ZED")" = 1
http GET "/api/v1/candidates/$ZED" -H "Authorization: Bearer $KEY_RITA"
expect_status 200 "the candidate is viewed"
check "viewing is in the trail" test "$(sql "SELECT count(*) FROM audit_events WHERE resume_id = $ZED AND action = 'resume.viewed'")" = 1

before=$(rows_holding "$ZMAIL" | tr '\n' ' ')
check "before the erasure, rows hold the candidate's email ($before)" grep -q "resumes:1" <<<"$before"
check "and the email's" grep -q "emails:1" <<<"$before"
check "before the erasure, tables name the candidate" test -n "$(rows_naming "$ZED")"

# --- the export for an access request holds everything
http GET "/api/v1/candidates/$ZED/export" -H "Authorization: Bearer $KEY_RITA"
expect_status 200 "the candidate's data export"
expect_json '.candidate.text | contains("'"$ZMAIL"'")' true "it holds the resume text"
expect_json '.analyses | length >= 1' true "its analyses"
expect_json '.analyses[0].result | has("criteria") or has("evidence") or (keys | length > 0)' true "with their results"
expect_json '.decision.reason | contains("led the migration")' true "the decision"
expect_json '.emails[0].body_text | length > 0' true "the email with its body"
expect_json '[.audit_events[].action] | contains(["analysis.recorded", "decision.set", "resume.viewed", "emails.send_requested"])' true "and its audit events"
http GET "/api/v1/candidates/$ZED/export" -H "Authorization: Bearer $KEY_OTHER"
expect_status 404 "another organisation cannot export it"

# --- a legal hold stops the erasure
http POST /api/v1/candidates/$ZED/erase "${RI[@]}" --data '{}'
expect_status 400 "an erasure without a reason"
expect_json '.detail | contains("reason")' true "the problem names the reason"
http POST /api/v1/candidates/$ZED/erase "${RI[@]}" --data '{"reason":"   "}'
expect_status 400 "an erasure with a blank reason"
http POST /api/v1/legal-holds "${RI[@]}" --data "{\"resume_id\":$ZED,\"reason\":\"litigation 2026-17\"}"
expect_status 201 "a legal hold on the candidate"
HOLD=$(json .id)
http POST /api/v1/legal-holds "${OT[@]}" --data "{\"resume_id\":$ZED,\"reason\":\"x\"}"
expect_status 404 "another organisation cannot hold it"
http POST /api/v1/legal-holds "${RI[@]}" --data "{\"resume_id\":$ZED,\"job_id\":$JOB,\"reason\":\"x\"}"
expect_status 400 "a hold names one thing"
http POST /api/v1/candidates/$ZED/erase "${RI[@]}" --data '{"reason":"the candidate asked (GDPR art. 17)"}'
expect_status 409 "the held candidate is not erased"
expect_json ".detail | contains(\"legal hold $HOLD\")" true "the refusal names the hold"
check "nothing was removed" test "$(sql "SELECT count(*) FROM resumes WHERE id = $ZED")" = 1
check "the S3 object is still there" test "$(curl -s -o /dev/null -w '%{http_code}' "$S3/$ZKEY")" = 200
http POST /api/v1/legal-holds/$HOLD/release "${RI[@]}" --data '{"reason":"case settled"}'
expect_status 204 "the hold is released"
http POST /api/v1/legal-holds/$HOLD/release "${RI[@]}" --data '{"reason":"again"}'
expect_status 404 "a released hold is not released twice"

# --- the erasure
check "the counters agree with the rows before the erasure" ctl counters-check
http POST /api/v1/candidates/$ZED/erase "${OT[@]}" --data '{"reason":"x"}'
expect_status 404 "another organisation cannot erase it"
http POST /api/v1/candidates/$ZED/erase "${RI[@]}" --data '{"reason":"the candidate asked (GDPR art. 17)"}'
expect_status 200 "the candidate is erased"
expect_json '.erased.candidates' 1 "one candidate"
expect_json '.erased.s3_objects >= 1' true "its S3 object"
expect_json '.erased.cache_entries >= 1' true "its cache entries"
expect_json '.erased.emails' 1 "its email"
expect_json '.erased.decisions' 1 "its decision"
http POST /api/v1/candidates/$ZED/erase "${RI[@]}" --data '{"reason":"again"}'
expect_status 404 "an erased candidate is not found"

code=$(curl -s -o /dev/null -w '%{http_code}' "$S3/$ZKEY")
check "S3 answers 404 for the erased object (got $code)" test "$code" = 404
curl -s "$S3?list-type=2&prefix=$(dirname "$ZKEY")/" >"$T_TMP/list.xml"
check "the S3 listing no longer holds its key" bash -c "! grep -qF '$ZKEY' '$T_TMP/list.xml'"
check "the S3 listing still holds the other candidate's key" grep -qF "$YKEY" "$T_TMP/list.xml"
check "the cache entry is gone from memcached" test "$(mc_get "llm:v1:$ZCACHE")" = miss
left=$(rows_naming "$ZED")
check "no row of any table names the candidate (${left:-none})" test -z "$left"
for needle in "$ZNAME" "$ZMAIL" "$ZKEY" "led the migration"; do
	left=$(rows_holding "$needle" | tr '\n' ' ')
	check "no row anywhere holds '$needle' (${left:-none})" test -z "$left"
done
http GET "/api/v1/audit?resume_id=$ZED&limit=100" -H "Authorization: Bearer $KEY_RITA"
expect_status 200 "the erased candidate's trail"
expect_json '[.items[].action] | contains(["analysis.recorded", "decision.set", "resume.viewed", "candidate.exported", "hold.placed", "hold.released", "candidate.erased", "email.sent"])' true "every event is still there"
expect_json '[.items[] | select(.action != "candidate.erased") | .redacted_at != null] | all' true "each marked redacted"
expect_json '[.items[] | select(.action == "decision.set") | .details | has("reason")] | any | not' true "the decision's reason is gone"
expect_json '[.items[] | select(.action == "decision.set") | .details.category][0]' shortlist "what was decided stays"
expect_json '.items[0].action' candidate.erased "the erasure is the newest event"
expect_json '.items[0].details.reason' "the candidate asked (GDPR art. 17)" "with its reason"
expect_json '.items[0].actor.key_id != null' true "and who erased"
check "the other candidate is untouched" test "$(sql "SELECT count(*) FROM resumes r JOIN analyses a ON a.resume_id = r.id WHERE r.id = $YAN")" -ge 1
check "its S3 object is still there" test "$(curl -s -o /dev/null -w '%{http_code}' "$S3/$YKEY")" = 200
check "the counters agree with the rows after a candidate's erasure" ctl counters-check
http GET "/api/v1/jobs/$JOB/candidates" -H "Authorization: Bearer $KEY_RITA"
expect_json '[.items[].resume_id] == ['"$YAN"']' true "the ranked list holds only the other candidate"

# --- the trail is append-only, in the database itself
out=$(sql "UPDATE audit_events SET action = 'x.y' WHERE resume_id = $ZED" 2>&1)
check "UPDATE of the trail is refused" grep -q "append-only" <<<"$out"
out=$(sql "DELETE FROM audit_events WHERE resume_id = $ZED" 2>&1)
check "DELETE of the trail is refused" grep -q "append-only" <<<"$out"
out=$(sql "BEGIN; SELECT set_config('shortlist.audit_redact', 'on', true); UPDATE audit_events SET action = 'x.y', redacted_at = now() WHERE resume_id = $YAN; COMMIT" 2>&1)
check "a redaction may not change what an event says" grep -q "append-only" <<<"$out"
out=$(sql "BEGIN; SELECT set_config('shortlist.audit_sweep', 'on', true); DELETE FROM audit_events WHERE resume_id = $YAN; COMMIT" 2>&1)
check "the sweep may not delete young events" grep -q "append-only" <<<"$out"

# --- a whole job
http POST /api/v1/legal-holds "${RI[@]}" --data "{\"job_id\":$JOB,\"reason\":\"audit by the works council\"}"
expect_status 201 "a hold on the job"
JHOLD=$(json .id)
http POST "/api/v1/jobs/$JOB/erase" "${RI[@]}" --data '{"reason":"the position is withdrawn"}'
expect_status 409 "the held job is not erased"
http POST "/api/v1/candidates/$YAN/erase" "${RI[@]}" --data '{"reason":"asked"}'
expect_status 409 "nor a candidate of it"
http GET /api/v1/legal-holds -H "Authorization: Bearer $KEY_RITA"
expect_json "[.items[] | select(.id == $JHOLD) | .active][0]" true "the hold is listed as active"
http POST /api/v1/legal-holds/$JHOLD/release "${RI[@]}" --data '{"reason":"done"}'
expect_status 204 "the job's hold is released"
http POST "/api/v1/jobs/$JOB/erase" "${RI[@]}" --data '{"reason":"the position is withdrawn"}'
expect_status 200 "the job is erased"
expect_json '.erased.candidates' 1 "with its remaining candidate"
expect_json '.erased.job_erased' true "and itself"
check "the job's rows are gone" test "$(sql "SELECT (SELECT count(*) FROM jobs WHERE id = $JOB) + (SELECT count(*) FROM resumes WHERE job_id = $JOB) + (SELECT count(*) FROM batches WHERE job_id = $JOB) + (SELECT count(*) FROM job_company WHERE job_id = $JOB)")" = 0
code=$(curl -s -o /dev/null -w '%{http_code}' "$S3/$YKEY")
check "S3 answers 404 for the job's objects (got $code)" test "$code" = 404
left=$(rows_naming "$YAN")
check "no row names its candidate (${left:-none})" test -z "$left"
check "the trail keeps the job's erasure" test "$(sql "SELECT count(*) FROM audit_events WHERE job_id = $JOB AND action = 'job.erased'")" = 1
check "the counters agree with the rows" ctl counters-check
