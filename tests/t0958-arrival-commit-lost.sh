#!/usr/bin/env bash
# A presigned upload whose S3 event is handled while the database connection
# is cut at the COMMIT, after PostgreSQL committed and before its answer came
# back (tests/tools/fault_proxy.py between a storage handler and PostgreSQL,
# as a pgbouncer restart does it). The event path never deleted the object
# on a database failure, but it answered 503 (deliver again) for a resume
# that was recorded; now it looks the resume up by its key, as the form
# upload does (resumestore_written_after_all), and answers accepted: the row
# and its task are there once, the object stays in S3, the slot is marked
# received. Delivered again, the same event gets the same answer and
# changes nothing. (The drainer's sweep of slots whose event never came goes
# through the same arrival_receive.)
#
# Seen to fail: without the lookup in arrival.c's record() the first
# delivery was answered 503 (deliver again).
#
# Extra ports: SHORTLIST_EXTRA_PORT_BASE (default HTTP port + 60).
. "$(dirname "$0")/lib/test-lib.sh"

command -v cgi-fcgi >/dev/null || skip_all "cgi-fcgi is not installed"
[[ -n ${SHORTLIST_S3_EVENT_SECRET:-} ]] || skip_all "the test instance has no S3 event secret"
P_PROXY=${SHORTLIST_EXTRA_PORT_BASE:-$((SHORTLIST_HTTP_PORT + 60))}
(exec 3<>"/dev/tcp/127.0.0.1/$P_PROXY") 2>/dev/null && skip_all "port $P_PROXY is taken (set SHORTLIST_EXTRA_PORT_BASE)"

MODE=$T_TMP/mode STATS=$T_TMP/stats
echo pass >"$MODE"
/usr/bin/python3 "$ROOT/tests/tools/fault_proxy.py" --port "$P_PROXY" --to "127.0.0.1:$SHORTLIST_PG_PORT" \
	--mode-file "$MODE" --stats "$STATS" >"$T_TMP/proxy.out" 2>&1 &
PROXY_PID=$!
trap 'rc=$?; [[ -n ${HANDLER_PID:-} ]] && stop_handler; kill "$PROXY_PID" 2>/dev/null; (exit $rc); t_finish' EXIT
eventually 10 grep -q ready "$T_TMP/proxy.out" || skip_all "the fault proxy did not start"

KEY=$(new_org "commit-lost-$$")
A=(-H "Authorization: Bearer $KEY")
JSON=(-H "Content-Type: application/json")
S3="http://127.0.0.1:$SHORTLIST_S3_PORT/$SHORTLIST_S3_BUCKET"
JOB=$(curl -s "${A[@]}" "${JSON[@]}" --data '{"title":"Engineer","description":"C"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":"cut.txt"}]}'
expect_status 201 "an upload URL"
SLOT_KEY=$(json '.uploads[0].key')
SLOT_URL=$(json '.uploads[0].url')
printf 'Candidate %s\nSkills: C, PostgreSQL, S3\n' "$$" >"$T_TMP/cut.txt"
check "the file is PUT to S3 with it" test "$(curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$T_TMP/cut.txt" "$SLOT_URL")" = 200

# The storage handler, its statements through the proxy (direct: no pooler).
sock=$T_TMP/storage.sock
SHORTLIST_DATABASE_URL="host=127.0.0.1 port=$P_PROXY dbname=shortlist user=postgres" SHORTLIST_DB_POOLER= \
	start_handler "$sock" "$BIN/storage" 2>"$T_TMP/storage.log"
EVENT=$(jq -nc --arg k "$SLOT_KEY" --arg b "$SHORTLIST_S3_BUCKET" \
	'{Records:[{eventSource:"aws:s3",eventName:"ObjectCreated:Put",s3:{bucket:{name:$b},object:{key:$k}}}]}')
deliver() { # the notification to the handler; status in $STATUS, body in $T_TMP/body
	printf '%s' "$EVENT" | env REQUEST_METHOD=POST REQUEST_URI=/api/v1/s3/events SCRIPT_NAME=/api/v1/s3/events \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#EVENT} REMOTE_ADDR=127.0.0.1 \
		HTTP_X_SHORTLIST_EVENT_SECRET="$SHORTLIST_S3_EVENT_SECRET" cgi-fcgi -bind -connect "$sock" |
		tr -d '\r' >"$T_TMP/resp"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T_TMP/resp")
	sed '1,/^$/d' "$T_TMP/resp" >"$T_TMP/body"
}
rows() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND s3_key = '$SLOT_KEY'"; }
tasks() { sql "SELECT count(*) FROM tasks t JOIN resumes r ON t.idempotency_key = 'resume:' || r.id WHERE r.s3_key = '$SLOT_KEY'"; }
object_status() { curl -s -o /dev/null -w '%{http_code}' "$S3/$SLOT_KEY"; }
slot_state() { sql "SELECT state FROM upload_slots WHERE s3_key = '$SLOT_KEY'"; }

echo cut-commit >"$MODE"
deliver
cuts=$(jq .cut "$STATS")
check "the connection was cut at a COMMIT ($cuts)" test "$cuts" -ge 1
check "PostgreSQL had committed the resume (one row)" test "$(rows)" = 1
check "and its task" test "$(tasks)" = 1
RESUME=$(sql "SELECT id FROM resumes WHERE s3_key = '$SLOT_KEY'")
check "the notification is answered 200 though its COMMIT's answer was lost (got $STATUS)" test "$STATUS" = 200
expect_json '.results[0].status' accepted "the file accepted"
expect_json '.results[0].resume_id' "$RESUME" "as the resume the cut COMMIT recorded"
check "the slot is received" test "$(slot_state)" = received
check "the object is still in S3 (not deleted as a failed upload)" test "$(object_status)" = 200
check "the handler logged that it was recorded after all" grep -q "recorded after all" "$T_TMP/storage.log"

echo pass >"$MODE"
deliver
check "delivered again: 200 (got $STATUS)" test "$STATUS" = 200
expect_json '.results[0].status' accepted "accepted again"
expect_json '.results[0].resume_id' "$RESUME" "the same resume"
check "still one row" test "$(rows)" = 1
check "and one task" test "$(tasks)" = 1
check "the object kept" test "$(object_status)" = 200
stop_handler
check "the handler exited cleanly" test $? -eq 0
HANDLER_PID=
