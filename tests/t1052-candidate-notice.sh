#!/usr/bin/env bash
# The candidate notice: with the organisation's candidate_notice on, every
# candidate whose resume gives an address gets one acknowledgement email
# (through the outbox and the drainer, to the SMTP sink) saying that an
# automated tool assists the screening, what it looks at, and how to ask
# for a human review or another process, with a signed link; never when the
# setting is off, never twice (not after a rescore or a second run). The
# link's public page records one request per candidate, in the audit trail,
# shown on the candidate; a token that is not the service's is refused.
. "$(dirname "$0")/lib/test-lib.sh"

RUN="n$$r$RANDOM"
ORG="notice-$RUN"
KEY=$(new_org "$ORG")
KEY_OTHER=$(new_org "notice-off-$RUN")
[[ -n $KEY && -n $KEY_OTHER ]] || skip_all "cannot make the organisations"
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
O=(-H "Authorization: Bearer $KEY_OTHER" -H "Content-Type: application/json")
WEB="http://127.0.0.1:${SHORTLIST_MAIL_WEB_PORT:-0}"

R_DB='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL","weight":1,"keywords":["postgresql","go"]}]}'
resume() { # FILE NAME EMAIL
	printf '%s\n%s\n\nSummary\nEngineer who builds Go services on PostgreSQL.\n\nExperience\nEngineer, Acme (2016 - 2024)\nGo and PostgreSQL in production.\n' \
		"$2" "$3" >"$1"
}
drain() {
	local _
	for _ in $(seq 30); do
		"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
		[[ $(sql "SELECT count(*) FROM resumes WHERE job_id IN ($1) AND status IN ('queued', 'processing')") == 0 ]] &&
			[[ $(sql "SELECT count(*) FROM emails WHERE job_id IN ($1) AND state IN ('queued', 'sending', 'retrying')") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}
notices() { sql "SELECT count(*) FROM emails WHERE job_id = $1 AND kind = 'notice'${2:+ AND $2}"; }
mkdir -p "$T_TMP/r"

# --- the setting off (the default): no notice
http POST /api/v1/jobs "${O[@]}" --data "{\"title\":\"Engineer\",\"description\":\"Go and PostgreSQL $RUN\",\"rubric\":$R_DB}"
JOB_OFF=$(json .id)
resume "$T_TMP/r/off.txt" "Olga Offwood" "olga.$RUN@example.org"
curl -s -H "Authorization: Bearer $KEY_OTHER" -F "f=@$T_TMP/r/off.txt" "$BASE_URL/api/v1/jobs/$JOB_OFF/resumes" >/dev/null
drain "$JOB_OFF" || not_ok "the first upload was not processed"
check "the resume was read" test "$(sql "SELECT status FROM resumes WHERE job_id = $JOB_OFF")" != queued
check "with the setting off no notice is queued" test "$(notices "$JOB_OFF")" = 0

# --- the setting on
check "shortlistctl turns candidate_notice on" bash -c "'$BIN/shortlistctl' org set --org '$ORG' candidate_notice on >/dev/null"
check "it is stored" test "$(sql "SELECT candidate_notice FROM organisations WHERE name = '$ORG'")" = t
http POST /api/v1/jobs "${A[@]}" --data "{\"title\":\"Backend Engineer\",\"description\":\"Go and PostgreSQL $RUN\",\"rubric\":$R_DB}"
expect_status 201 "a job"
JOB=$(json .id)
http PUT "/api/v1/jobs/$JOB/company" "${A[@]}" --data '{"company":"Nordlicht Labs","position":"Backend Engineer","skills":["Go","PostgreSQL"]}'
expect_status 200 "the company and skills the notice names"
resume "$T_TMP/r/nina.txt" "Nina Notified" "nina.$RUN@example.org"
resume "$T_TMP/r/nobody.txt" "Noah Noaddress" ""
curl -s -H "Authorization: Bearer $KEY" -F "f=@$T_TMP/r/nina.txt" -F "f=@$T_TMP/r/nobody.txt" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "two resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 2
NINA=$(jq -r '.files[] | select(.filename == "nina.txt") | .resume_id' "$T_TMP/upload.json")
NOAH=$(jq -r '.files[] | select(.filename == "nobody.txt") | .resume_id' "$T_TMP/upload.json")
drain "$JOB" || not_ok "the upload and its notice were not processed"
check "one notice, to the candidate with an address" test "$(notices "$JOB")" = 1
check "it is Nina's, to her address" test "$(sql "SELECT resume_id || ' ' || to_address FROM emails WHERE job_id = $JOB AND kind = 'notice'")" = "$NINA nina.$RUN@example.org"
check "the drainer sent it" test "$(notices "$JOB" "state = 'sent'")" = 1
check "none for the resume without an address" test "$(sql "SELECT count(*) FROM emails WHERE resume_id = $NOAH")" = 0
sql "SELECT body_text FROM emails WHERE job_id = $JOB AND kind = 'notice'" >"$T_TMP/notice.txt"
check "it says an automated tool assists the screening" grep -q "An automated tool assists our screening" "$T_TMP/notice.txt"
check "what it looks at, with the job's skills" grep -q "compares your skills, experience and qualifications with the requirements of the job (among them: Go, PostgreSQL)" "$T_TMP/notice.txt"
check "that a person makes every decision" grep -q "a person reviews its suggestions and makes every decision" "$T_TMP/notice.txt"
check "how to ask for a human review or another process" grep -q "ask for a person to review your application without the tool, or for another selection process" "$T_TMP/notice.txt"
check "the subject names the position and company" test "$(sql "SELECT subject FROM emails WHERE job_id = $JOB AND kind = 'notice'")" = "Your application for Backend Engineer at Nordlicht Labs: how it is screened"
LINK=$(grep -o 'http[^ ]*/notice.html#t=[0-9]*-[0-9a-f]*' "$T_TMP/notice.txt" | head -n 1)
TOKEN=${LINK##*#t=}
check "it carries a link to the notice page ($LINK)" test -n "$TOKEN"
check "the token names Nina's resume" test "${TOKEN%%-*}" = "$NINA"
sql "SELECT body_html FROM emails WHERE job_id = $JOB AND kind = 'notice'" >"$T_TMP/notice.html"
check "the HTML part links it too" grep -qF "href=\"$LINK\"" "$T_TMP/notice.html"
if curl -sf -o /dev/null "$WEB/api/email"; then
	check "the SMTP sink received it, once" test "$(curl -s "$WEB/api/email" | jq --arg to "nina.$RUN@example.org" '[.[] | select(any(.to[]; .address == $to))] | length')" = 1
fi

# --- never twice: another run, a rescore, the same candidate read again
"$BIN/drainer" --once --max-seconds 10 >>"$T_TMP/drainer.log" 2>&1
http PATCH "/api/v1/jobs/$JOB" "${A[@]}" --data '{"rubric":{"criteria":[{"name":"Go","description":"Go services","weight":1,"keywords":["go"]}]}}'
http POST "/api/v1/jobs/$JOB/rescore" -H "Authorization: Bearer $KEY" --data ""
expect_status 202 "a rescore reads every resume again"
drain "$JOB" || not_ok "the rescore was not processed"
check "still one notice" test "$(notices "$JOB")" = 1

# --- the link's page
http GET /notice.html
expect_status 200 "the notice page is served"
http GET /notice.js
expect_status 200 "and its script"
http GET "/api/v1/notice/$TOKEN"
expect_status 200 "the link answers without signing in"
expect_json '[.company, .position, (.review_request | tostring)] | join("|")' "Nordlicht Labs|Backend Engineer|null" "it names the job, no request yet"
check "it says what the tool looks at" grep -q "requirements of the job" <<<"$(json .looks_at)"
check "it holds no name or address" bash -c "! grep -qiE 'nina|example.org' '$T_TMP/body'"
check "it is not cached" grep -qi '^cache-control: no-store' "$T_TMP/headers"
sig=${TOKEN#*-}
bad="${TOKEN%%-*}-$(tr '0-9a-f' '1-9a-f0' <<<"$sig")"
http GET "/api/v1/notice/$bad"
expect_status 404 "a token with a wrong signature"
check "the refusal says the link is not the service's" grep -q "not a link this service sent" <<<"$(json .detail)"
http GET "/api/v1/notice/$NOAH-$sig"
expect_status 404 "another resume's id with Nina's signature"
http GET "/api/v1/notice/nonsense"
expect_status 404 "a token that is no token"
http POST "/api/v1/notice/$bad/review" -H "Content-Type: application/json" --data '{"kind":"human_review"}'
expect_status 404 "a request through a forged link"

# --- the request: bad input first, nothing recorded
R="/api/v1/notice/$TOKEN/review"
J=(-H "Content-Type: application/json")
http POST "$R" "${J[@]}" --data '{"kind":"robot_review"}'
expect_status 400 "an unknown kind"
check "the error names kind" grep -q "^kind:" <<<"$(json .detail)"
http POST "$R" "${J[@]}" --data '{"kind":"human_review","score":100}'
expect_status 400 "an unknown member"
http POST "$R" "${J[@]}" --data "{\"kind\":\"human_review\",\"message\":\"$(printf 'x%.0s' $(seq 1001))\"}"
expect_status 400 "a message over 1000 bytes"
check "the error names message" grep -q "^message:" <<<"$(json .detail)"
check "no request was recorded" test "$(sql "SELECT count(*) FROM review_requests WHERE resume_id = $NINA")" = 0
http POST "$R" "${J[@]}" --data '{"kind":"human_review","message":"I would like a person to read it, please."}'
expect_status 201 "Nina asks for a human review"
expect_json '[.kind, .message] | join("|")' "human_review|I would like a person to read it, please." "the request as recorded"
http POST "$R" "${J[@]}" --data '{"kind":"alternative_process"}'
expect_status 200 "asking again"
expect_json .kind human_review "keeps the first request"
check "one request per candidate" test "$(sql "SELECT count(*) FROM review_requests WHERE resume_id = $NINA")" = 1
check "the audit trail has it, done by the candidate (no user, no key)" test "$(sql "SELECT count(*) FROM audit_events WHERE resume_id = $NINA AND action = 'candidate.review_requested' AND actor_user_id IS NULL AND actor_key_id IS NULL AND job_id = $JOB")" = 1
check "its details keep the kind, not the candidate's words" test "$(sql "SELECT details FROM audit_events WHERE resume_id = $NINA AND action = 'candidate.review_requested'")" = '{"kind": "human_review"}'
http GET "/api/v1/notice/$TOKEN"
expect_json .review_request.kind human_review "the page shows the request"

# --- shown on the candidate, to the recruiter
http GET "/api/v1/candidates/$NINA" "${A[@]}"
expect_json '[.review_request.kind, .review_request.message, .notice.state] | join("|")' "human_review|I would like a person to read it, please.|sent" "the candidate shows the request and the notice"
http GET "/api/v1/audit?resume_id=$NINA" "${A[@]}"
expect_json '[.items[] | select(.action == "candidate.review_requested")] | length' 1 "the organisation's audit trail lists it"
http GET "/api/v1/candidates/$NOAH" "${A[@]}"
expect_json '[(.review_request | tostring), (.notice | tostring)] | join("|")' "null|null" "the other candidate has neither"

# --- the candidate's own, optional answers for the bias audit, through the link
D="/api/v1/notice/$TOKEN/demographics"
http PUT "$D" "${J[@]}" --data '{"sex":"nonbinary","race_ethnicity":null}'
expect_status 400 "an answer outside the law's categories"
check "the error names sex" grep -q "^sex:" <<<"$(json .detail)"
http PUT "/api/v1/notice/$bad/demographics" "${J[@]}" --data '{"sex":"female","race_ethnicity":null}'
expect_status 404 "answers through a forged link"
check "nothing was stored" test "$(sql "SELECT count(*) FROM candidate_demographics WHERE resume_id = $NINA")" = 0
http PUT "$D" "${J[@]}" --data '{"sex":"female","race_ethnicity":"asian"}'
expect_status 204 "Nina gives her answers, and sees nothing back"
check "they are stored apart, reported by the candidate" test "$(sql "SELECT sex || ' ' || race_ethnicity || ' ' || reported_by FROM candidate_demographics WHERE resume_id = $NINA")" = "female asian candidate"
check "the audit trail says she gave answers, not what they are" test "$(sql "SELECT details FROM audit_events WHERE resume_id = $NINA AND action = 'candidate.demographics_set' AND actor_user_id IS NULL")" = '{"reported_by": "candidate"}'
http GET "/api/v1/notice/$TOKEN"
check "the link's page does not show them" bash -c "! grep -qiE 'female|asian' '$T_TMP/body'"
http GET "/api/v1/candidates/$NINA" "${A[@]}"
check "nor does the candidate's record" bash -c "! grep -qiE 'female|asian' '$T_TMP/body'"
http GET "/api/v1/candidates/$NINA/demographics" "${A[@]}"
expect_json '[.sex, .race_ethnicity, .reported_by] | join("|")' "female|asian|candidate" "the organisation key (an admin) reads them"
