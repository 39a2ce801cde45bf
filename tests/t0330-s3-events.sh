#!/usr/bin/env bash
# S3 event notifications: the shared secret, every envelope of the corpus,
# test and subscription messages, malformed bodies, objects that are not
# resumes, and S3 or PostgreSQL going away while an event is handled.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
mkdir -p "$FIX"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
[[ -n ${SHORTLIST_S3_EVENT_SECRET:-} ]] || skip_all "the test instance has no S3 event secret"

KEY_A=$(new_org "events-a-$$")
A=(-H "Authorization: Bearer $KEY_A")
JSON=(-H "Content-Type: application/json")
SECRET=(-H "X-Shortlist-Event-Secret: $SHORTLIST_S3_EVENT_SECRET")
S3="http://127.0.0.1:$SHORTLIST_S3_PORT/$SHORTLIST_S3_BUCKET"
LOG="$ROOT/var/test/log/lighttpd.log"
JOB=$(curl -s "${A[@]}" "${JSON[@]}" --data '{"title":"Engineer","description":"C"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
rows() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB"; }
object_status() { curl -s -o /dev/null -w '%{http_code}' "$S3/$1"; }
# slot FILENAME: asks for one upload URL; sets SLOT_KEY and SLOT_URL.
slot() {
	http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data "$(jq -nc --arg f "$1" '{files:[{filename:$f}]}')"
	SLOT_KEY=$(json '.uploads[0].key')
	SLOT_URL=$(json '.uploads[0].url')
}
put() { curl -s -o /dev/null -w '%{http_code}' -X PUT --data-binary "@$1" "$SLOT_URL"; }
ev_s3() { jq -nc --arg k "$1" --arg n "${2:-ObjectCreated:Put}" --arg b "$SHORTLIST_S3_BUCKET" \
	'{Records:[{eventSource:"aws:s3",eventName:$n,s3:{bucket:{name:$b},object:{key:$k}}}]}'; }
event() { http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data "$1"; }

# --- the shared secret
TEST_EVENT='{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"shortlist"}'
http POST /api/v1/s3/events "${JSON[@]}" -H "X-Request-Id: t0330-nosecret-$$" --data "$TEST_EVENT"
expect_status 401 "no secret"
check "the refusal is logged" eventually 5 grep -q "t0330-nosecret-$$.*\|refused a notification without" "$LOG"
check "the log line names the request" bash -c "grep 't0330-nosecret-$$' '$LOG' | grep -q 'refused a notification'"
http POST /api/v1/s3/events "${JSON[@]}" -H "X-Shortlist-Event-Secret: wrong" -H "X-Request-Id: t0330-bad-$$" --data "$TEST_EVENT"
expect_status 401 "a wrong secret in the header"
check "the bad secret is logged, not its value" bash -c "grep 't0330-bad-$$' '$LOG' | grep 'wrong shared secret' | grep -vq wrong\\\""
http POST "/api/v1/s3/events?token=${SHORTLIST_S3_EVENT_SECRET}x" "${JSON[@]}" --data "$TEST_EVENT"
expect_status 401 "a wrong token (the secret plus one character)"
http POST "/api/v1/s3/events?token=${SHORTLIST_S3_EVENT_SECRET:0:10}" "${JSON[@]}" --data "$TEST_EVENT"
expect_status 401 "a prefix of the secret"
http POST "/api/v1/s3/events?token=$SHORTLIST_S3_EVENT_SECRET" -H "Content-Type: text/plain; charset=UTF-8" --data "$TEST_EVENT"
expect_status 200 "the secret as the token query parameter (SNS sends text/plain)"
expect_json .test_event true "s3:TestEvent is acknowledged"
expect_json '.results | length' 0 "with nothing to do"
http POST /api/v1/s3/events "${SECRET[@]}" --data "$TEST_EVENT"
expect_status 200 "the secret as a header"

# An empty configured secret refuses every event: the handler run directly with that setting.
if command -v cgi-fcgi >/dev/null; then
	sock="$T_TMP/storage.sock"
	SHORTLIST_S3_EVENT_SECRET= start_handler "$sock" "$BIN/storage" 2>"$T_TMP/storage.log"
	out=$(printf '%s' "$TEST_EVENT" | REQUEST_METHOD=POST REQUEST_URI=/api/v1/s3/events CONTENT_TYPE=application/json \
		CONTENT_LENGTH=${#TEST_EVENT} HTTP_X_SHORTLIST_EVENT_SECRET=anything cgi-fcgi -bind -connect "$sock")
	check "no secret configured: 503" grep -q "^Status: 503" <<<"$out"
	check "saying it is not configured" grep -q "not configured" <<<"$out"
	stop_handler
else
	echo "skip: cgi-fcgi is not installed (the not-configured case)"
fi

# --- SNS subscription and other messages
http POST /api/v1/s3/events "${SECRET[@]}" -H "Content-Type: text/plain; charset=UTF-8" --data \
	'{"Type":"SubscriptionConfirmation","MessageId":"m","Token":"tok","TopicArn":"arn:aws:sns:us-east-1:123456789012:t0330-'$$'","SubscribeURL":"https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=tok"}'
expect_status 200 "an SNS subscription confirmation"
expect_json .subscription "pending confirmation" "is reported pending"
check "the topic and the URL to confirm are logged" eventually 5 grep -q "t0330-$$.*ConfirmSubscription" "$LOG"

event "$(ev_s3 "orgs/1/jobs/1/uploads/x" "ObjectRemoved:Delete")"
expect_status 200 "an ObjectRemoved event"
expect_json '.results[0].status' ignored "is ignored"
check "and says which event" grep -q "ObjectRemoved:Delete" <<<"$(json '.results[0].reason')"

http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data '{"Records":['
expect_status 400 "malformed JSON"
http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data '{"hello":"world"}'
expect_status 400 "not a notification"
http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data "$(printf '%.0s[' {1..5000})"
expect_status 400 "a depth bomb"
head -c 3000000 /dev/zero | tr '\0' ' ' >"$T_TMP/big.json"
http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data-binary "@$T_TMP/big.json"
check "a body over the limit is refused (HTTP $STATUS)" test "$STATUS" = 413
event '{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"shortlist"},"object":{}}}]}'
expect_json '.results[0].status' rejected "a record without a key is rejected"
expect_json '.results[0].reason' "record has no object key" "and says why"

# --- every envelope of the corpus, with its bucket and keys rewritten to a slot of ours
EVENTS="$CORPUS/s3_events"
if [[ -d $EVENTS ]]; then
	# Rewrites buckets and keys wherever an envelope holds them, JSON text inside JSON text included.
	RW='def rw($k; $b):
		def inner: if type == "string" then (fromjson | rw($k; $b) | tojson) elif type == "object" then (rw($k; $b) | tojson) else . end;
		if type == "object" then
			(if (.s3 | type) == "object" then .s3.bucket.name = $b | .s3.object.key = $k else . end)
			| (if has("detail-type") and (.detail | type) == "object" then .detail.bucket.name = $b | .detail.object.key = $k else . end)
			| (if has("Message") and has("Type") then .Message |= inner else . end)
			| (if has("body") then .body |= inner else . end)
			| (if has("Body") then .Body |= inner else . end)
			| (if (.Sns | type) == "object" then .Sns |= rw($k; $b) else . end)
			| (if (.Records | type) == "array" then .Records |= map(rw($k; $b)) else . end)
		else . end;'
	EXPAND='def expand: if type == "object" then with_entries(if (.key == "Message" or .key == "body" or .key == "Body") and (.value | type) == "string" then .value = (.value | (fromjson? // .)) else . end) | map_values(expand) elif type == "array" then map(expand) else . end;'
	MSGS='def msgs: if type == "object" and (has("Records") or has("eventName") or has("detail-type") or has("Body") or has("body") or has("Sns") or (has("Message") and has("Type"))) then . elif type == "object" or type == "array" then .[] | msgs else empty end;'
	n=0
	for f in "$EVENTS"/*.json; do
		name=$(basename "$f")
		if [[ $name == *.snapshot.* ]]; then
			jq -c "$MSGS msgs" "$f" >"$T_TMP/msgs"
		else
			jq -c . "$f" >"$T_TMP/msgs"
		fi
		i=0
		while IFS= read -r msg; do
			i=$((i + 1))
			n=$((n + 1))
			created=$(jq "$EXPAND [expand | .. | objects | select((.eventName? // \"\" | tostring | test(\"ObjectCreated\")) or (.\"detail-type\"? == \"Object Created\"))] | length" <<<"$msg")
			slot "corpus-$n.txt"
			printf 'Candidate %d from %s\nSkills: C, PostgreSQL, S3\n' "$n" "$name" >"$T_TMP/c.txt"
			put "$T_TMP/c.txt" >/dev/null
			before=$(rows)
			event "$(jq -c --arg k "$SLOT_KEY" --arg b "$SHORTLIST_S3_BUCKET" "$RW rw(\$k; \$b)" <<<"$msg")"
			accepted=$(jq '[.results[]? | select(.status == "accepted")] | length' <"$T_TMP/body")
			rejected=$(jq '[.results[]? | select(.status == "rejected" or .status == "duplicate")] | length' <"$T_TMP/body")
			grew=$(($(rows) - before))
			if [[ $STATUS == 200 && $accepted == "$created" && $rejected == 0 && $grew == $((created > 0 ? 1 : 0)) ]]; then
				ok "$name #$i: HTTP 200, $created created, $accepted accepted, $grew new resume"
			else
				not_ok "$name #$i: HTTP $STATUS, $created created, $accepted accepted, $rejected rejected, $grew new: $(head -c 300 "$T_TMP/body")"
			fi
		done <"$T_TMP/msgs"
	done
	check "every corpus message was tried ($n)" test "$n" -ge 40
else
	echo "skip: corpus s3_events not found (the corpus cases)"
fi

# --- objects that are not resumes are rejected and deleted
slot "fake.pdf"
printf 'MZ\x90\x00 this is a program, not a PDF' >"$T_TMP/fake.pdf"
put "$T_TMP/fake.pdf" >/dev/null
event "$(ev_s3 "$SLOT_KEY")"
expect_json '.results[0].status' rejected "a .pdf that is not a PDF is rejected"
check "it says what it is" grep -q "not a PDF" <<<"$(json '.results[0].reason')"
check "its object is deleted" test "$(object_status "$SLOT_KEY")" = 404
check "its slot is rejected" test "$(sql "SELECT state FROM upload_slots WHERE s3_key = '$SLOT_KEY'")" = rejected
event "$(ev_s3 "$SLOT_KEY")"
expect_json '.results[0].status' rejected "the same event again is still rejected"
check "with the recorded reason" grep -q "not a PDF" <<<"$(json '.results[0].reason')"

slot "empty.pdf"
put "$FIX/empty.bin" >/dev/null
event "$(ev_s3 "$SLOT_KEY")"
expect_json '.results[0].reason' "empty file" "an empty object is rejected"
check "and deleted" test "$(object_status "$SLOT_KEY")" = 404

slot "huge.pdf"
{ cat "$FIX/resume.pdf"; head -c 21000000 /dev/zero; } >"$T_TMP/huge.pdf"
put "$T_TMP/huge.pdf" >/dev/null
event "$(ev_s3 "$SLOT_KEY")"
expect_json '.results[0].status' rejected "an object over the size limit is rejected"
check "as too large" grep -q "too large" <<<"$(json '.results[0].reason')"
check "and deleted" test "$(object_status "$SLOT_KEY")" = 404

# --- S3 down: 503 with Retry-After, nothing decided; delivered again later, accepted
slot "later.txt"
printf 'A candidate who waited for S3\nSkills: C\n' >"$T_TMP/later.txt"
put "$T_TMP/later.txt" >/dev/null
before=$(rows)
services stop s3
event "$(ev_s3 "$SLOT_KEY")"
expect_status 503 "S3 down: 503"
check "with Retry-After" test -n "$(header Retry-After)"
check "nothing recorded" test "$(rows)" = "$before"
check "the slot is still open" test "$(sql "SELECT state FROM upload_slots WHERE s3_key = '$SLOT_KEY'")" = issued
services start s3 >/dev/null
event "$(ev_s3 "$SLOT_KEY")"
expect_json '.results[0].status' accepted "delivered again once S3 is back, accepted"

# --- PostgreSQL down: 503 with Retry-After
slot "pg.txt"
printf 'A candidate who waited for PostgreSQL\nSkills: C\n' >"$T_TMP/pg.txt"
put "$T_TMP/pg.txt" >/dev/null
services stop postgresql
event "$(ev_s3 "$SLOT_KEY")"
expect_status 503 "PostgreSQL down: 503"
check "with Retry-After" test -n "$(header Retry-After)"
services start postgresql >/dev/null
event "$(ev_s3 "$SLOT_KEY")"
expect_json '.results[0].status' accepted "delivered again once PostgreSQL is back, accepted"
