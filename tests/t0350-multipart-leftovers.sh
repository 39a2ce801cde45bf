#!/usr/bin/env bash
# Multipart parts left in S3: an upload refused after its first parts whose
# abort fails (the local S3 server, s3rver 3, answers 405 to
# AbortMultipartUpload) leaves a pending abort in PostgreSQL; the drainer
# retries it with a backoff near the cap and says so once per interval; the
# sweep of unfinished uploads says once that the store cannot list them.
# s3rver implements neither AbortMultipartUpload nor ListMultipartUploads, so
# the path where an abort succeeds is covered by the unit tests only.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
mkdir -p "$FIX"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"

code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$SHORTLIST_S3_PORT/$SHORTLIST_S3_BUCKET/orgs/probe?uploadId=probe")
[[ $code == 405 ]] || skip_all "the S3 server answers $code, not 405, to AbortMultipartUpload: this test is about a store that cannot abort"

KEY=$(new_org "leftovers-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" --data '{"title":"Engineer","description":"C"}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
pending() { sql "SELECT $1 FROM pending_aborts WHERE s3_key LIKE 'orgs/%/jobs/$JOB/resumes/%'"; }
sql "DELETE FROM multipart_chores" >/dev/null

# --- a file over the 20 MiB limit: four 5 MiB parts are stored before it is refused, then the abort fails
LIMIT=${SHORTLIST_UPLOAD_MAX_FILE_BYTES:-20971520}
{ cat "$FIX/resume.pdf"; head -c $((LIMIT + 1000000)) /dev/urandom; } >"$T_TMP/huge.pdf"
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$T_TMP/huge.pdf" -F "b=@$FIX/resume.txt"
check "the request is answered, not failed (got $STATUS)" test "$STATUS" = 201
expect_json '.files[0].status' rejected "the file over the limit is rejected"
expect_json '.files[1].status' accepted "the next file is still accepted"
check "one pending abort for the refused file" test "$(pending 'count(*)')" = 1
check "with its upload id" test -n "$(pending upload_id)"
check "the error S3 answered" grep -q "^405 MethodNotAllowed" <<<"$(pending last_error)"
check "one attempt so far" test "$(pending attempts)" = 1
check "the next attempt is hours away (the store cannot abort: near the cap)" \
	test "$(pending "(next_attempt_at > now() + interval '2 hours')::text")" = true
check "the first failure is recorded" test "$(pending "(first_failed_at <= now())::text")" = true

# --- the drainer retries it when due: attempts grow, the next attempt moves out, one log line
run_drainer() { # LOG [VAR=VALUE...]
	local log=$1
	shift
	env "$@" "$BIN/drainer" --once >"$log" 2>&1
}
sql "UPDATE pending_aborts SET next_attempt_at = now() - interval '1 second' WHERE s3_key LIKE 'orgs/%/jobs/$JOB/%'" >/dev/null
before=$(pending "extract(epoch FROM next_attempt_at)")
run_drainer "$T_TMP/d1.log" SHORTLIST_MULTIPART_SWEEP_AFTER_SECONDS=0
check "the drainer ran" test $? = 0
check "the row stays (the store still cannot abort)" test "$(pending 'count(*)')" = 1
check "a second attempt is counted" test "$(pending attempts)" = 2
check "the next attempt moved hours out" test "$(pending "(next_attempt_at > now() + interval '2 hours')::text")" = true
check "later than before" test "$(pending "(extract(epoch FROM next_attempt_at) > $before)::text")" = true
check "the drainer says once that the store cannot abort" \
	test "$(grep -c 'does not implement AbortMultipartUpload' "$T_TMP/d1.log")" = 1
check "and reports the retry" grep -q "retried .* pending multipart aborts: 0 done" "$T_TMP/d1.log"
check "no sweep when it is off" test "$(grep -c 'ListMultipartUploads\|orphans: sweep' "$T_TMP/d1.log")" = 0

# Due again within the same interval: retried, but not said again.
sql "UPDATE pending_aborts SET next_attempt_at = now() - interval '1 second' WHERE s3_key LIKE 'orgs/%/jobs/$JOB/%'" >/dev/null
run_drainer "$T_TMP/d2.log" SHORTLIST_MULTIPART_SWEEP_AFTER_SECONDS=0
check "a third attempt is counted" test "$(pending attempts)" = 3
check "the store's shortcoming is not logged again within the interval" \
	test "$(grep -c 'does not implement AbortMultipartUpload' "$T_TMP/d2.log")" = 0
# Not due: nothing is tried.
run_drainer "$T_TMP/d3.log" SHORTLIST_MULTIPART_SWEEP_AFTER_SECONDS=0
check "an abort that is not due is not tried" test "$(pending attempts)" = 3
check "nor logged" test "$(grep -c 'orphans:' "$T_TMP/d3.log")" = 0

# --- the sweep of unfinished uploads: s3rver cannot list them (NotImplemented), said once per interval
run_drainer "$T_TMP/s1.log" SHORTLIST_MULTIPART_SWEEP_AFTER_SECONDS=1
check "the sweep says the store cannot list unfinished uploads" \
	test "$(grep -c 'does not implement ListMultipartUploads' "$T_TMP/s1.log")" = 1
check "and reports no sweep it could not do" test "$(grep -c 'orphans: sweep:' "$T_TMP/s1.log")" = 0
check "the sweep's next turn is recorded" \
	test "$(sql "SELECT (next_at > now())::text FROM multipart_chores WHERE name = 'multipart-sweep'")" = true
run_drainer "$T_TMP/s2.log" SHORTLIST_MULTIPART_SWEEP_AFTER_SECONDS=1
check "a second drainer run within the interval does not sweep or say it again" \
	test "$(grep -c 'ListMultipartUploads' "$T_TMP/s2.log")" = 0
check "the pending abort is still there, untouched by the sweep" test "$(pending attempts)" = 3
