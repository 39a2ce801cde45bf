#!/usr/bin/env bash
# One request followed to its emails: an upload's X-Request-Id is on the
# drainer's line for the task it made, and the send request's on each email
# it queued (emails.request_id, the email's JSON) and on the drainer's line
# for each email it settles, sent or refused. A request that brings no
# X-Request-Id gets one of its own (the answer's header), and its emails
# carry that one.
. "$(dirname "$0")/lib/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd is not installed"
RUN="q$$r$RANDOM"

# The SMTP server that refuses reject* recipients (550) and takes the rest.
SMTP_PORT=$((26100 + ($$ + 200) % 800))
while (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; do SMTP_PORT=$((SMTP_PORT + 1)); done
mkdir -p "$T_TMP/mail"
/usr/bin/python3 "$ROOT/tests/fakes/smtp_faults.py" --port "$SMTP_PORT" --dir "$T_TMP/mail" >"$T_TMP/fs.out" 2>&1 &
FS_PID=$!
trap 'code=$?; kill "$FS_PID" 2>/dev/null && wait "$FS_PID" 2>/dev/null; (exit $code); t_finish' EXIT
eventually 10 grep -q ready "$T_TMP/fs.out" || skip_all "the fault-injecting SMTP server did not start"
drain() { SHORTLIST_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" "$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/drainer.log" 2>&1; }
# Settles what earlier tests left, so this test's lines are told apart by their ids alone.
drain

KEY=$(new_org "trace-$RUN")
A=(-H "Authorization: Bearer $KEY")
J=(-H "Content-Type: application/json")
http POST /api/v1/jobs "${A[@]}" "${J[@]}" \
	--data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux."}'
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job (HTTP $STATUS)"; exit 1; }

args=()
for lp in ok1 reject ok2; do
	printf 'Zoe Lind\n%s.%s@example.org\n\nSummary\nBackend engineer with 7 years of C, PostgreSQL and Linux systems work.\nSkills: C, PostgreSQL, Linux\n' \
		"$lp" "$RUN" >"$T_TMP/$lp.txt"
	args+=(-F "$lp=@$T_TMP/$lp.txt")
done
UPLOAD_ID="upload-$RUN"
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "X-Request-Id: $UPLOAD_ID" "${args[@]}"
expect_status 201 "three resumes uploaded"
check "the answer names the request's id" test "$(header X-Request-Id)" = "$UPLOAD_ID"
drain
declare -A RID
while IFS='|' read -r id addr; do RID[${addr%%.*}]=$id; done < <(sql "SELECT id, contact->'emails'->>0 FROM resumes WHERE job_id = $JOB")
check "every resume was processed and has its address" test "${#RID[@]}" = 3
# lines FILTER: the drainer's JSON lines that jq's select(FILTER) keeps.
lines() { grep '^{' "$T_TMP/drainer.log" | jq -c "select($1)"; }
task_lines=$(lines ".msg == \"task\" and .request_id == \"$UPLOAD_ID\"" | wc -l)
check "the upload's id is on the line of each of its three tasks ($task_lines)" test "$task_lines" = 3

invite() { # REQUEST_ID_HEADER LOCALPART...: queues invitations (an empty header sends none)
	local hdr=$1 ids=() lp
	shift
	for lp in "$@"; do ids+=("${RID[$lp]}"); done
	local h=()
	[[ -n $hdr ]] && h=(-H "X-Request-Id: $hdr")
	http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" "${J[@]}" "${h[@]}" \
		--data "{\"kind\":\"invite\",\"candidate_ids\":[$(IFS=,; echo "${ids[*]}")],\"recruiter_name\":\"Sam\",\"scheduling_link\":\"https://cal.example.com/s\"}"
}
email() { sql "SELECT $2 FROM emails WHERE job_id = $JOB AND kind = 'invite' AND resume_id = ${RID[$1]}"; }

# --- a send request with its own id: two emails, one sent and one refused
SEND_ID="send-$RUN"
invite "$SEND_ID" ok1 reject
expect_status 202 "two invitations queued"
check "the answer names the request's id" test "$(header X-Request-Id)" = "$SEND_ID"
check "the first email stores the request's id" test "$(email ok1 request_id)" = "$SEND_ID"
check "so does the second" test "$(email reject request_id)" = "$SEND_ID"
http GET "/api/v1/emails/$(email ok1 id)" "${A[@]}"
expect_json .request_id "$SEND_ID" "the email's JSON carries it"
drain
check "one sent ($(email ok1 state)), one refused ($(email reject state))" \
	test "$(email ok1 state),$(email reject state)" = "sent,failed"
sent_line=$(lines ".msg == \"email\" and .email_id == $(email ok1 id)")
check "the sent email's line names the send request" test "$(jq -r .request_id <<<"$sent_line")" = "$SEND_ID"
check "and its state, attempt and SMTP code" test "$(jq -r '[.state, .attempt, .smtp_code] | join(" ")' <<<"$sent_line")" = "sent 1 250"
refused_line=$(lines ".msg == \"email\" and .email_id == $(email reject id)")
check "the refused email's line names the send request" test "$(jq -r .request_id <<<"$refused_line")" = "$SEND_ID"
check "and its state and SMTP code" test "$(jq -r '[.state, .smtp_code] | join(" ")' <<<"$refused_line")" = "failed 550"
check "the request's id leads to its two emails and nothing else" \
	test "$(lines ".request_id == \"$SEND_ID\"" | jq -r .email_id | sort -n | tr '\n' ' ')" = \
	"$(printf '%s\n' "$(email ok1 id)" "$(email reject id)" | sort -n | tr '\n' ' ')"
check "the message itself reached the server" \
	grep -lqi "^Message-ID: $(email ok1 message_id)" "$T_TMP"/mail/*.eml

# --- a request without an id of its own: the one it was given
invite "" ok2
expect_status 202 "an invitation queued without X-Request-Id"
given=$(header X-Request-Id)
check "the answer names the id it was given ($given)" test -n "$given"
check "the email stores that id" test "$(email ok2 request_id)" = "$given"
drain
check "and the sender's line for it names it" \
	test "$(lines ".msg == \"email\" and .email_id == $(email ok2 id)" | jq -r .request_id)" = "$given"

