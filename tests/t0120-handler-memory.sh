#!/usr/bin/env bash
# A handler process serves 10,000 requests with flat RSS, and valgrind finds
# no leak over 1,000 requests (success, client errors and not-found mixed);
# the other handlers' routes, decisions, the audit trail and approvals among
# them, leak nothing under valgrind either.
. "$(dirname "$0")/lib/test-lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind is not installed"
# valgrind cannot run a sanitized program, and AddressSanitizer's shadow and
# quarantine make RSS grow by design; in a sanitized run LeakSanitizer checks
# every handler for leaks instead.
[[ -z ${SHORTLIST_SANITIZE-} ]] || skip_all "valgrind and the RSS check need the unsanitized build"

KEY=$(new_org "memory-$$")
AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
REQ="$ROOT/tests/tools/fcgi_request.py"
printf '{"title": "x", "description": }' >"$T_TMP/bad.json"
printf '{"title": "Leak check", "description": "C"}' >"$T_TMP/job.json"

# mix SOCKET N: N rounds of five kinds of request.
mix() {
	local sock=$1 n=$2
	"$REQ" "$sock" "$n" GET "/api/v1/jobs?limit=5" "$AUTH" >/dev/null &&
		"$REQ" "$sock" "$n" GET "/api/v1/jobs/1" "$AUTH" >/dev/null &&
		"$REQ" "$sock" "$n" POST "/api/v1/jobs" "$T_TMP/bad.json" "$AUTH" CONTENT_TYPE=application/json >/dev/null &&
		"$REQ" "$sock" "$n" GET "/api/v1/nothing-here" >/dev/null &&
		"$REQ" "$sock" "$n" GET "/api/v1/jobs" "HTTP_AUTHORIZATION=Bearer sl_bad" >/dev/null
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# --- flat RSS over 10,000 requests
sock="$T_TMP/jobs.sock"
# Every request is counted against the key's rate limit, which is set high enough never to refuse.
export SHORTLIST_API_RATE_PER_MINUTE=100000000
start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
pid=$HANDLER_PID
"$REQ" "$sock" 1 POST /api/v1/jobs "$T_TMP/job.json" "$AUTH" CONTENT_TYPE=application/json >/dev/null
check "1,000 warm-up requests answered" mix "$sock" 200 # connections, prepared statements, caches
rss_before=$(rss_kb "$pid")
check "10,000 more requests answered" mix "$sock" 2000
rss_after=$(rss_kb "$pid")
echo "# RSS after warm-up ${rss_before} kB, after 10,000 more requests ${rss_after} kB"
if [[ -n $rss_before && -n $rss_after ]]; then
	check "RSS flat over 10,000 requests (grew $((rss_after - rss_before)) kB, allowed 256)" \
		test $((rss_after - rss_before)) -le 256
else
	not_ok "the handler was not running to be measured: $(tail -n 3 "$T_TMP/jobs.log")"
fi
stop_handler
check "the handler stopped on SIGTERM" bash -c "! kill -0 $pid 2>/dev/null"

# --- no leak under valgrind over 1,000 requests
sock="$T_TMP/jobs-vg.sock"
start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind.log" \
	"$BIN/jobs" 2>/dev/null
check "1,000 requests answered under valgrind" mix "$sock" 200
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind.log" | sed 's/^==[0-9]*== /# /'
check "valgrind: no leak and no error over 1,000 requests (exit $rc)" test "$rc" = 0
check "valgrind saw the handler exit cleanly" grep -q "ERROR SUMMARY: 0 errors" "$T_TMP/valgrind.log"

# --- the account handler under valgrind: sign-ins (right and wrong), who am I, sessions, sign-out, stats, keys,
# operations (refused to a recruiter, a day and 14 days, a bad window)
ORG="memory-web-$$"
ctl org create "$ORG" >/dev/null
echo "correct horse battery" | ctl user create --org "$ORG" --password-stdin "vg-$$@example.com" >/dev/null
printf '{"email": "vg-%s@example.com", "password": "correct horse battery"}' $$ >"$T_TMP/right.json"
printf '{"email": "vg-%s@example.com", "password": "not the password"}' $$ >"$T_TMP/wrong.json"
printf '{"email": "nobody-%s@example.com", "password": "not the password"}' $$ >"$T_TMP/nobody.json"
printf '{"name": "made under valgrind"}' >"$T_TMP/newkey.json"
ORG_KEY=$(ctl key create --org "$ORG" 2>/dev/null)
sock="$T_TMP/account-vg.sock"
start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind-account.log" \
	"$BIN/account" 2>/dev/null
J=CONTENT_TYPE=application/json
cookie=$(FCGI_PRINT_HEADERS=1 "$REQ" "$sock" 1 POST /api/v1/session "$T_TMP/right.json" "$J" |
	sed -n 's/^Set-Cookie: \(sl_session=[^;]*\);.*/\1/p' | tr -d '\r')
check "a sign-in under valgrind sets a cookie" test -n "$cookie"
check "wrong and unknown sign-ins, who am I, stats, budget, sessions, keys, operations and sign-out answered under valgrind" bash -c "
	'$REQ' '$sock' 2 POST /api/v1/session '$T_TMP/wrong.json' $J >/dev/null &&
	'$REQ' '$sock' 2 POST /api/v1/session '$T_TMP/nobody.json' $J >/dev/null &&
	'$REQ' '$sock' 20 GET /api/v1/session 'HTTP_COOKIE=$cookie' >/dev/null &&
	'$REQ' '$sock' 20 GET /api/v1/stats 'HTTP_COOKIE=$cookie' >/dev/null &&
	'$REQ' '$sock' 20 GET /api/v1/rate-limit 'HTTP_COOKIE=$cookie' >/dev/null &&
	'$REQ' '$sock' 10 GET /api/v1/sessions 'HTTP_COOKIE=$cookie' >/dev/null &&
	'$REQ' '$sock' 2 DELETE /api/v1/sessions/1 'HTTP_COOKIE=$cookie' HTTP_X_REQUESTED_WITH=shortlist >/dev/null &&
	'$REQ' '$sock' 10 GET /api/v1/keys 'HTTP_AUTHORIZATION=Bearer $ORG_KEY' >/dev/null &&
	'$REQ' '$sock' 3 POST /api/v1/keys '$T_TMP/newkey.json' $J 'HTTP_AUTHORIZATION=Bearer $ORG_KEY' >/dev/null &&
	'$REQ' '$sock' 2 DELETE /api/v1/keys/1 'HTTP_AUTHORIZATION=Bearer $ORG_KEY' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/operations 'HTTP_COOKIE=$cookie' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/operations 'HTTP_AUTHORIZATION=Bearer $ORG_KEY' >/dev/null &&
	'$REQ' '$sock' 2 GET '/api/v1/operations?hours=336' 'HTTP_AUTHORIZATION=Bearer $ORG_KEY' >/dev/null &&
	'$REQ' '$sock' 2 GET '/api/v1/operations?hours=0' 'HTTP_AUTHORIZATION=Bearer $ORG_KEY' >/dev/null &&
	'$REQ' '$sock' 1 DELETE /api/v1/session 'HTTP_COOKIE=$cookie' HTTP_X_REQUESTED_WITH=shortlist >/dev/null"
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-account.log" | sed 's/^==[0-9]*== /# account: /'
check "valgrind: no leak and no error in the account handler (exit $rc)" test "$rc" = 0

# --- the storage handler under valgrind: upload URLs issued and refused (the process's one S3 client,
# freed at exit), a closed job, a missing resume's download
# A key of its own: the first key's minute of requests is spent.
SKEY=$(new_org "memory-storage-$$")
SAUTH="HTTP_AUTHORIZATION=Bearer $SKEY"
JOB=$(curl -s -H "Authorization: Bearer $SKEY" -H "Content-Type: application/json" --data @"$T_TMP/job.json" \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
CLOSED=$(curl -s -H "Authorization: Bearer $SKEY" -H "Content-Type: application/json" --data @"$T_TMP/job.json" \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
check "two jobs for the storage handler ($JOB, $CLOSED)" test "$JOB" -gt 0 -a "$CLOSED" -gt 0
curl -s -o /dev/null -H "Authorization: Bearer $SKEY" -X POST --data '' "$BASE_URL/api/v1/jobs/$CLOSED/close"
printf '{"files": [{"filename": "a.pdf", "content_type": "application/pdf", "size": 1000}, {"filename": "b.pdf", "size": 0}, {"size": 1}]}' \
	>"$T_TMP/urls.json"
sock="$T_TMP/storage-vg.sock"
start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind-storage.log" \
	"$BIN/storage" 2>/dev/null
check "upload URLs, a closed job and a missing download answered under valgrind" bash -c "
	'$REQ' '$sock' 20 POST /api/v1/jobs/$JOB/upload-urls '$T_TMP/urls.json' $J '$SAUTH' >/dev/null &&
	'$REQ' '$sock' 5 POST /api/v1/jobs/$CLOSED/upload-urls '$T_TMP/urls.json' $J '$SAUTH' >/dev/null &&
	'$REQ' '$sock' 5 POST /api/v1/jobs/$JOB/upload-urls '$T_TMP/bad.json' $J '$SAUTH' >/dev/null &&
	'$REQ' '$sock' 5 GET /api/v1/resumes/999999999/download '$SAUTH' >/dev/null"
check "one upload slot issued per request, the refused files none" \
	test "$(sql "SELECT count(*) FROM upload_slots WHERE job_id = $JOB")" = 20
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-storage.log" | sed 's/^==[0-9]*== /# storage: /'
check "valgrind: no leak and no error in the storage handler (exit $rc)" test "$rc" = 0

# --- decisions, the audit trail and approvals under valgrind (candidates and emails handlers)
ORG="memory-oversight-$$"
ctl org create "$ORG" >/dev/null
ctl user create --org "$ORG" "vg-a-$$@example.com" >/dev/null
ctl user create --org "$ORG" "vg-b-$$@example.com" >/dev/null
BKEY=$(ctl key create --org "$ORG" --user "vg-b-$$@example.com" 2>/dev/null)
BAUTH="HTTP_AUTHORIZATION=Bearer $BKEY"
OJOB=$(curl -s -H "Authorization: Bearer $BKEY" -H "Content-Type: application/json" --data @"$T_TMP/job.json" \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
OORG=$(sql "SELECT org_id FROM jobs WHERE id = $OJOB")
AUSER=$(sql "SELECT id FROM users WHERE org_id = $OORG AND email = 'vg-a-$$@example.com'")
RES=$(sql "INSERT INTO resumes (org_id, job_id, s3_key, sha256, size_bytes, content_type, status, contact)
	VALUES ($OORG, $OJOB, 'vg-$$/1', lpad('1', 64, '0'), 10, 'text/plain', 'scored', '{\"name\": \"Val Grind\"}') RETURNING id" | head -n 1)
sql "INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result)
	VALUES ($OORG, $OJOB, $RES, 'seed', 40, 'reject', '{}')" >/dev/null
EMAIL=$(sql "INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, subject, body_text, message_id, state, requested_by_user)
	VALUES ($OORG, $OJOB, $RES, 'reject', 'val@example.org', 's', 't', '<vg-$$@example.org>', 'awaiting_approval', $AUSER) RETURNING id" | head -n 1)
printf '{"category": "shortlist", "reason": "checked by hand"}' >"$T_TMP/decision.json"
printf '{"category": "shortlist"}' >"$T_TMP/noreason.json"
printf '{"email_ids": [%s, 999999999]}' "$EMAIL" >"$T_TMP/approve.json"
sock="$T_TMP/candidates-vg.sock"
start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind-candidates.log" \
	"$BIN/candidates" 2>/dev/null
D="/api/v1/jobs/$OJOB/candidates/$RES/decision"
check "decisions set, refused and withdrawn, lists, details and the audit trail answered under valgrind" bash -c "
	'$REQ' '$sock' 10 PUT $D '$T_TMP/decision.json' $J '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 PUT $D '$T_TMP/noreason.json' $J '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 PUT /api/v1/jobs/$OJOB/candidates/999999999/decision '$T_TMP/decision.json' $J '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 GET '/api/v1/jobs/$OJOB/candidates?category=shortlist' '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 GET /api/v1/candidates/$RES '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 3 DELETE $D '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 GET '/api/v1/audit?job_id=$OJOB&limit=3' '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 GET '/api/v1/audit?resume_id=x' '$BAUTH' >/dev/null"
check "ten decisions and one withdrawal recorded" \
	test "$(sql "SELECT count(*) FILTER (WHERE action = 'decision.set') || ',' || count(*) FILTER (WHERE action = 'decision.withdrawn') FROM audit_events WHERE job_id = $OJOB")" = "10,1"
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-candidates.log" | sed 's/^==[0-9]*== /# candidates: /'
check "valgrind: no leak and no error in the candidates handler (exit $rc)" test "$rc" = 0
sock="$T_TMP/emails-vg.sock"
start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind-emails.log" \
	"$BIN/emails" 2>/dev/null
check "approvals and refused approvals answered under valgrind" bash -c "
	'$REQ' '$sock' 5 POST /api/v1/jobs/$OJOB/emails/approve '$T_TMP/approve.json' $J '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 POST /api/v1/jobs/$OJOB/emails/approve '$T_TMP/bad.json' $J '$BAUTH' >/dev/null &&
	'$REQ' '$sock' 5 POST /api/v1/jobs/$OJOB/emails/approve '$T_TMP/approve.json' $J '$AUTH' >/dev/null"
check "the email was approved once" test "$(sql "SELECT state FROM emails WHERE id = $EMAIL")" = queued
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-emails.log" | sed 's/^==[0-9]*== /# emails: /'
check "valgrind: no leak and no error in the emails handler (exit $rc)" test "$rc" = 0
sql "DELETE FROM emails WHERE id = $EMAIL" >/dev/null
