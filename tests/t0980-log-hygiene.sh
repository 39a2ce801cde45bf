#!/usr/bin/env bash
# The logs keep no secrets and no resume text: a full run (a password set, a
# web sign-in, an API key made and used, resumes uploaded and scored by the
# fake LLM provider, invitations queued, a sign-out) at debug level, then every
# log of the instance and of the programs this test ran is searched for the
# password, the API key, the session token, the CSRF-free cookie value and
# phrases that occur only in the resumes. The search itself is shown to find
# what it looks for (a planted line is found). Each task the drainer settles
# is one JSON line carrying the request id of the upload that made it.
. "$(dirname "$0")/lib/test-lib.sh"

curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"
LOGS_DIR="$ROOT/var/${SHORTLIST_INSTANCE:-test}/log"
RUN="h$$x$RANDOM"
ORG="hygiene-$RUN"
USER_EMAIL="recruiter-$RUN@example.com"
PW="Pw-$RUN-vermilion-otter"
# Phrases that appear in the resumes and nowhere else.
PHRASE1="Quokkabridge$RUN"
PHRASE2="marmalade-turbine-$RUN"

ctl org create "$ORG" >/dev/null
echo "$PW" | ctl user create --org "$ORG" --admin --password-stdin "$USER_EMAIL" >/dev/null
KEY=$(ctl key create --org "$ORG" --user "$USER_EMAIL" --name hygiene 2>/dev/null)
check "an API key was made" test -n "$KEY"
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")

# A web sign-in and an authenticated read with the cookie.
http POST /api/v1/session -H "Content-Type: application/json" -c "$T_TMP/jar" \
	--data "$(jq -cn --arg e "$USER_EMAIL" --arg p "$PW" '{email: $e, password: $p}')"
expect_status 201 "signed in"
TOKEN=$(awk '$6 ~ /session/ { print $7 }' "$T_TMP/jar" | head -n 1)
check "a session cookie was set" test -n "$TOKEN"
http GET /api/v1/session -b "$T_TMP/jar"
expect_status 200 "the cookie works"
# A wrong password too: a failed sign-in must not log what was typed.
http POST /api/v1/session -H "Content-Type: application/json" \
	--data "$(jq -cn --arg e "$USER_EMAIL" --arg p "$PW-typo" '{email: $e, password: $p}')"
expect_status 401 "a wrong password is refused"

# A job, resumes, scoring through the fake provider, invitations.
http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux.","required_skills":["C","PostgreSQL"]}'
JOB=$(json .id)
for i in 1 2 3; do
	printf 'Candidate %d %s\nc%d-%s@example.org\n\nSummary\nBuilt the %s pipeline in C and PostgreSQL on Linux.\nSkills: C, PostgreSQL, Linux\n' \
		"$i" "$PHRASE1" "$i" "$RUN" "$PHRASE2" >"$T_TMP/r$i.txt"
done
REQ="upload-$RUN"
http POST "/api/v1/jobs/$JOB/resumes" -H "Authorization: Bearer $KEY" -H "X-Request-Id: $REQ" -F "a=@$T_TMP/r1.txt" -F "b=@$T_TMP/r2.txt" -F "c=@$T_TMP/r3.txt"
expect_status 201 "three resumes accepted"
check "the upload kept its request id" test "$(header X-Request-Id)" = "$REQ"
calls() { curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r '.completions // .requests'; }
before=$(calls)
SHORTLIST_LOG_LEVEL=debug SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY="sk-$RUN" \
	SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
	"$BIN/drainer" --once >"$T_TMP/drainer.log" 2>&1
check "the provider was asked" test "$(calls)" -gt "${before:-0}"
# One JSON line per task, carrying the request id of the upload that made it.
task_lines=$(grep '"msg":"task"' "$T_TMP/drainer.log" | jq -c --arg r "$REQ" 'select(.request_id == $r)')
check "one task line per resume, with the upload's request id ($(grep -c . <<<"$task_lines"))" test "$(grep -c . <<<"$task_lines")" = 3
check "each says its task, kind, attempt, outcome and duration" \
	test "$(jq -s '[.[] | select((.task_id | type) == "number" and .kind == "process_resume" and .attempt == 1 and .outcome == "scored" and (.duration_ms | type) == "number")] | length' <<<"$task_lines")" = 3
check "the drainer scored them" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = ${JOB:-0} AND status = 'scored'")" = 3
ids=$(sql "SELECT string_agg(id::text, ',') FROM resumes WHERE job_id = ${JOB:-0}")
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[$ids],\"recruiter_name\":\"Sam\",\"recruiter_email\":\"sam@example.com\",\"scheduling_link\":\"https://cal.example.com/sam\"}"
check "invitations queued" test "$STATUS" = 202 -o "$STATUS" = 200
SHORTLIST_LOG_LEVEL=debug "$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
http DELETE /api/v1/session -b "$T_TMP/jar" -H "X-Requested-With: shortlist"

# --- the search
files=("$T_TMP/drainer.log")
for f in "$LOGS_DIR"/*.log "$LOGS_DIR"/*.out; do
	[[ -f $f ]] && files+=("$f")
done
check "there are logs to search (${#files[@]} files)" test "${#files[@]}" -gt 2
# The handlers' own request lines (lighttpd keeps its access log buffered for a while).
check "the run left lines in the logs" grep -qF "\"path\":\"/api/v1/jobs/$JOB/resumes\"" "${files[@]}"
found() { grep -rlF -- "$1" "${files[@]}" 2>/dev/null | head -n 3 | tr '\n' ' '; }
for secret in "$PW" "$KEY" "sk-$RUN" "$TOKEN" "$PHRASE1" "$PHRASE2"; do
	[[ -n $secret ]] || continue
	where=$(found "$secret")
	check "no log holds '${secret:0:6}…' (${where:-none})" test -z "$where"
done
# The API key's secret part alone, in case a log keeps the key without its prefix.
secret_part=${KEY##*_}
if ((${#secret_part} >= 16)); then
	where=$(found "$secret_part")
	check "no log holds the key's secret part (${where:-none})" test -z "$where"
fi
# The search finds what is there.
echo "planted $PHRASE1" >"$T_TMP/planted.log"
files+=("$T_TMP/planted.log")
check "the search finds a planted line" test -n "$(found "$PHRASE1")"
