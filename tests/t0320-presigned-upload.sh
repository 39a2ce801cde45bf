#!/usr/bin/env bash
# Presigned uploads: upload URLs for a job, the browser's PUT straight to S3,
# the bucket's event (plain S3, SNS-wrapped, EventBridge) turning the object
# into one resume, replays, duplicates, tenancy, and expired or unknown keys.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
mkdir -p "$FIX"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
[[ -n ${SHORTLIST_S3_EVENT_SECRET:-} ]] || skip_all "the test instance has no S3 event secret"

KEY_A=$(new_org "presign-a-$$")
KEY_B=$(new_org "presign-b-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
JSON=(-H "Content-Type: application/json")
SECRET=(-H "X-Shortlist-Event-Secret: $SHORTLIST_S3_EVENT_SECRET")
S3="http://127.0.0.1:$SHORTLIST_S3_PORT/$SHORTLIST_S3_BUCKET"
new_job() { # KEYARGS...: prints a new job id
	curl -s "$@" "${JSON[@]}" --data '{"title":"Engineer","description":"C, PostgreSQL"}' "$BASE_URL/api/v1/jobs" |
		jq -r .id
}
JOB=$(new_job "${A[@]}")
ORG_A=$(sql "SELECT org_id FROM jobs WHERE id = $JOB")
rows() { sql "SELECT count(*) FROM resumes WHERE job_id = $1"; }
object_status() { curl -s -o /dev/null -w '%{http_code}' "$S3/$1"; }
# put FILE ENTRY_INDEX: PUTs FILE to the presigned URL of that entry of the last
# upload-urls answer, with the headers it says to send, as a browser's fetch() would.
put() {
	local file=$1 i=$2 url hdrs=()
	url=$(json ".uploads[$i].url")
	while IFS= read -r h; do [[ -n $h ]] && hdrs+=(-H "$h"); done < <(json ".uploads[$i].headers | to_entries[] | \"\(.key): \(.value)\"")
	curl -s -o /dev/null -w '%{http_code}' -X "$(json ".uploads[$i].method")" "${hdrs[@]}" --data-binary "@$file" "$url"
}
# Event bodies for one key, in three envelopes.
ev_s3() { jq -nc --arg k "$1" --arg b "${2:-$SHORTLIST_S3_BUCKET}" \
	'{Records:[{eventVersion:"2.1",eventSource:"aws:s3",eventName:"ObjectCreated:Put",s3:{bucket:{name:$b},object:{key:($k|@uri),size:1}}}]}'; }
ev_sns() { jq -nc --arg m "$(ev_s3 "$1")" '{Type:"Notification",MessageId:"m-1",TopicArn:"arn:aws:sns:us-east-1:1:t",Message:$m}'; }
ev_eb() { jq -nc --arg k "$1" --arg b "$SHORTLIST_S3_BUCKET" \
	'{version:"0","detail-type":"Object Created",source:"aws.s3",detail:{bucket:{name:$b},object:{key:$k,size:1}}}'; }
event() { http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data "$1"; }

# --- issuing URLs
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[
	{"filename":"cv.pdf","content_type":"application/pdf","size":'"$(stat -c %s "$FIX/resume.pdf")"'},
	{"filename":"../../etc/cv.docx","content_type":"application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"filename":"cv.txt"},
	{"filename":"huge.pdf","size":999999999999},
	{"filename":"empty.pdf","size":0},
	{"filename":"bad-type.pdf","content_type":"pdf please"},
	{"content_type":"application/pdf"}]}'
expect_status 201 "upload URLs for seven requested files"
cp "$T_TMP/body" "$T_TMP/slots.json"
expect_json '[.uploads[].status] | join(",")' "issued,issued,issued,refused,refused,refused,refused" "a result per entry, in order"
expect_json '.issued' 3 "three issued"
check "a batch for the request" test "$(json .batch_id)" -gt 0
check "entry 3 names the size limit" grep -q "larger than the limit" <<<"$(json '.uploads[3].reason')"
expect_json '.uploads[4].reason' "empty file" "a declared size of 0 is refused"
check "a malformed content type is refused" grep -q "media type" <<<"$(json '.uploads[5].reason')"
check "a missing filename is refused" grep -q "filename is required" <<<"$(json '.uploads[6].reason')"
K_PDF=$(json '.uploads[0].key')
K_DOCX=$(json '.uploads[1].key')
K_TXT=$(json '.uploads[2].key')
check "the key encodes organisation, job and upload id" \
	grep -Eq "^orgs/$ORG_A/jobs/$JOB/uploads/$(json '.uploads[0].upload_id')$" <<<"$K_PDF"
check "upload ids are 128-bit hex" grep -Eq '^[0-9a-f]{32}$' <<<"$(json '.uploads[0].upload_id')"
expect_json '.uploads[0].method' PUT "the method is PUT"
expect_json '.uploads[0].headers["Content-Type"]' application/pdf "the declared type is a header to send"
expect_json '.uploads[2].headers | length' 0 "no type declared, no header to send"
check "the URL is presigned (SigV4, short expiry)" grep -q "X-Amz-Signature=.*" <<<"$(json '.uploads[0].url')"
check "the URL carries the configured expiry" grep -q "X-Amz-Expires=${SHORTLIST_S3_PRESIGN_TTL:-900}&" <<<"$(json '.uploads[0].url')"
check "the signed headers include the content type" grep -q "X-Amz-SignedHeaders=content-type%3Bhost" <<<"$(json '.uploads[0].url')"
check "expires_at is an RFC 3339 time" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<<"$(json '.uploads[0].expires_at')"
expect_json '.uploads[1].filename' "cv.docx" "the filename is sanitised"
check "three slots recorded, issued" test "$(sql "SELECT count(*) FROM upload_slots WHERE job_id = $JOB AND state = 'issued'")" = 3
check "the slot keeps the declared size" test "$(sql "SELECT declared_size FROM upload_slots WHERE s3_key = '$K_PDF'")" = "$(stat -c %s "$FIX/resume.pdf")"

# --- the browser PUTs each file, the bucket reports it
cp "$T_TMP/slots.json" "$T_TMP/body"
check "PUT of the PDF to its URL" test "$(put "$FIX/resume.pdf" 0)" = 200
check "PUT of the DOCX to its URL" test "$(put "$FIX/resume.docx" 1)" = 200
check "PUT of the text file to its URL" test "$(put "$FIX/resume.txt" 2)" = 200
check "nothing recorded before the event" test "$(rows "$JOB")" = 0

event "$(ev_s3 "$K_PDF")"
expect_status 200 "a plain S3 event"
expect_json '.results[0].status' accepted "the PDF is accepted"
expect_json '.results[0].key' "$K_PDF" "the result names the key"
RID=$(json '.results[0].resume_id')
check "one resume" test "$(rows "$JOB")" = 1
check "the resume is the PDF, typed by magic bytes, named as declared" test \
	"$(sql "SELECT s3_key || '|' || content_type || '|' || filename || '|' || sha256 FROM resumes WHERE id = $RID")" = \
	"$K_PDF|application/pdf|cv.pdf|$(sha256sum <"$FIX/resume.pdf" | cut -d' ' -f1)"
check "it belongs to the request's presigned batch" test \
	"$(sql "SELECT b.source || ':' || b.id FROM resumes r JOIN batches b ON b.id = r.batch_id WHERE r.id = $RID")" = "presigned:$(jq -r .batch_id "$T_TMP/slots.json")"
check "its processing task is queued" test "$(sql "SELECT count(*) FROM tasks WHERE idempotency_key = 'resume:$RID'")" = 1
check "the slot is received and points at it" test "$(sql "SELECT state || ':' || resume_id FROM upload_slots WHERE s3_key = '$K_PDF'")" = "received:$RID"

event "$(ev_s3 "$K_PDF")"
expect_status 200 "the same event delivered again"
expect_json '.results[0].status' accepted "reports the same outcome"
expect_json '.results[0].resume_id' "$RID" "with the same resume"
check "still one resume" test "$(rows "$JOB")" = 1
check "the object is kept" test "$(object_status "$K_PDF")" = 200

event "$(ev_sns "$K_PDF")"
expect_json '.results[0].resume_id' "$RID" "the same object through SNS is the same resume"

event "$(ev_sns "$K_DOCX")"
expect_status 200 "an SNS-wrapped event"
expect_json '.results[0].status' accepted "the DOCX is accepted"
check "typed DOCX" test "$(sql "SELECT content_type FROM resumes WHERE s3_key = '$K_DOCX'")" = \
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document"

event "$(ev_eb "$K_TXT")"
expect_status 200 "an EventBridge event"
expect_json '.results[0].status' accepted "the text file is accepted"
check "three resumes" test "$(rows "$JOB")" = 3

# Two records in one notification, the second the replay of the first.
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":"again.pdf"}]}'
K_DUP=$(json '.uploads[0].key')
put "$FIX/resume.pdf" 0 >/dev/null
both=$(jq -nc --argjson a "$(ev_s3 "$K_DUP")" '{Records: ($a.Records + $a.Records)}')
event "$both"
expect_json '[.results[].status] | join(",")' "duplicate,duplicate" "the same bytes under a new key are a duplicate"
expect_json '.results[0].resume_id' "$RID" "pointing at the first copy"
check "the redundant object is deleted" test "$(object_status "$K_DUP")" = 404
check "the first object stays" test "$(object_status "$K_PDF")" = 200
check "still three resumes" test "$(rows "$JOB")" = 3
check "the duplicate's slot is settled" test "$(sql "SELECT state || ':' || resume_id FROM upload_slots WHERE s3_key = '$K_DUP'")" = "received:$RID"

# --- tenancy
http POST "/api/v1/jobs/$JOB/upload-urls" "${B[@]}" "${JSON[@]}" --data '{"files":[{"filename":"x.pdf"}]}'
expect_status 404 "another organisation's job"
http POST "/api/v1/jobs/$JOB/upload-urls" "${JSON[@]}" --data '{"files":[{"filename":"x.pdf"}]}'
expect_status 401 "no key"
JOB_B=$(new_job "${B[@]}")
http POST "/api/v1/jobs/$JOB_B/upload-urls" "${B[@]}" "${JSON[@]}" --data '{"files":[{"filename":"b.txt"}]}'
K_B=$(json '.uploads[0].key')
UID_B=$(json '.uploads[0].upload_id')
printf 'Organisation B candidate\nSkills: C\n' >"$T_TMP/b.txt"
put "$T_TMP/b.txt" 0 >/dev/null
event "$(ev_s3 "$K_B")"
expect_json '.results[0].status' accepted "a slot of another organisation is received"
check "into that organisation's job, never ours" test \
	"$(sql "SELECT r.job_id || ':' || (r.org_id = j.org_id) FROM resumes r JOIN jobs j ON j.id = r.job_id WHERE r.s3_key = '$K_B'")" = "$JOB_B:true"
check "our job is unchanged" test "$(rows "$JOB")" = 3
# A key forged to look like ours around the other organisation's upload id names no slot.
FORGED="orgs/$ORG_A/jobs/$JOB/uploads/$UID_B"
curl -s -o /dev/null -X PUT --data-binary "@$FIX/three_pages.pdf" "$S3/$FORGED"
event "$(ev_s3 "$FORGED")"
expect_json '.results[0].status' rejected "a forged key is rejected"
expect_json '.results[0].reason' "unknown key" "as an unknown key"
check "nothing recorded for it" test "$(sql "SELECT count(*) FROM resumes WHERE s3_key = '$FORGED'")" = 0

# --- expired and unknown keys
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":"late.pdf"}]}'
K_LATE=$(json '.uploads[0].key')
sql "UPDATE upload_slots SET expires_at = now() - interval '1 hour' WHERE s3_key = '$K_LATE'"
put "$FIX/three_pages.pdf" 0 >/dev/null
event "$(ev_s3 "$K_LATE")"
expect_json '.results[0].status' rejected "an object written after its slot expired is rejected"
check "the reason says expired" grep -q "expired" <<<"$(json '.results[0].reason')"
check "the late object is deleted" test "$(object_status "$K_LATE")" = 404
check "the slot is rejected with the reason" grep -q "^rejected:.*expired" <<<"$(sql "SELECT state || ':' || reason FROM upload_slots WHERE s3_key = '$K_LATE'")"
check "no resume for it" test "$(rows "$JOB")" = 3

event "$(ev_s3 "orgs/$ORG_A/jobs/$JOB/uploads/00000000000000000000000000000000")"
expect_json '.results[0].status' rejected "an unknown key is rejected"
expect_json '.results[0].reason' "unknown key" "and says so"
event "$(ev_s3 "$K_PDF" "some-other-bucket")"
expect_json '.results[0].status' ignored "an object in another bucket is ignored"

# --- closed jobs and malformed requests
J2=$(new_job "${A[@]}")
curl -s -o /dev/null "${A[@]}" -X POST --data '' "$BASE_URL/api/v1/jobs/$J2/close"
http POST "/api/v1/jobs/$J2/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":"x.pdf"}]}'
expect_status 409 "a closed job issues no URLs"
sql "ALTER TABLE jobs RENAME COLUMN status TO status_hidden"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":"x.pdf"}]}'
sql "ALTER TABLE jobs RENAME COLUMN status_hidden TO status"
expect_status 500 "an unreadable job state answers 500, as for the multipart upload"
check "without Retry-After" test -z "$(header Retry-After)"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[]}'
expect_status 400 "no files"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" \
	--data "$(jq -nc '{files: [range(101) | {filename: "f\(.).pdf"}]}')"
expect_status 400 "101 files"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":{"filename":"x"}}'
expect_status 400 "files not an array"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":'
expect_status 400 "malformed JSON"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" --data '{"files":[{"filename":"x.pdf"}]}'
expect_status 415 "not JSON"
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":["cv.pdf"]}'
expect_json '.uploads[0].status' refused "an entry that is not an object is refused"

# --- lost S3 events: the drainer's sweep records what arrived and expires what never did
J3=$(new_job "${A[@]}")
http POST "/api/v1/jobs/$J3/upload-urls" "${A[@]}" "${JSON[@]}" \
	--data '{"files":[{"filename":"lost-event.pdf"},{"filename":"never-sent.pdf"},{"filename":"empty.pdf"}]}'
expect_status 201 "three upload URLs for the sweep"
check "a file is PUT, its event lost" test "$(put "$FIX/resume.pdf" 0)" = 200
check "an empty file is PUT, its event lost" test "$(put "$FIX/empty.bin" 2)" = 200
K_LOST=$(json '.uploads[0].key')
K_NEVER=$(json '.uploads[1].key')
K_BAD=$(json '.uploads[2].key')
http POST "/api/v1/jobs/$J3/upload-urls" "${A[@]}" "${JSON[@]}" --data '{"files":[{"filename":"still-open.pdf"}]}'
K_OPEN=$(json '.uploads[0].key')
# The first three links expired a moment ago (after their files were written); the fourth is still open.
sql "UPDATE upload_slots SET expires_at = now() - interval '2 seconds' WHERE s3_key IN ('$K_LOST', '$K_NEVER', '$K_BAD')" >/dev/null
slot() { sql "SELECT state || ':' || COALESCE(reason, '') FROM upload_slots WHERE s3_key = '$1'"; }
SHORTLIST_UPLOAD_SWEEP_AFTER_SECONDS=1 "$BIN/drainer" --once >"$T_TMP/sweep.log" 2>&1
check "the drainer ran" test $? = 0
check "the file whose event was lost is received" grep -q '^received' <<<"$(slot "$K_LOST")"
check "as a presigned resume of the job" \
	test "$(sql "SELECT count(*) FROM resumes r JOIN batches b ON b.id = r.batch_id WHERE r.job_id = $J3 AND b.source = 'presigned' AND r.s3_key = '$K_LOST'")" = 1
check "which the same run processed" \
	test "$(sql "SELECT status FROM resumes WHERE s3_key = '$K_LOST'")" = scored
check "the slot no file reached is expired, saying why" \
	test "$(slot "$K_NEVER")" = "expired:no file arrived before the upload link expired"
check "the empty file is rejected" test "$(slot "$K_BAD")" = "rejected:empty file"
check "and its object deleted" test "$(object_status "$K_BAD")" = 404
check "a slot whose link is still open is left alone" test "$(slot "$K_OPEN")" = "issued:"
check "the drainer says which objects had no event" grep -q "had no S3 event" "$T_TMP/sweep.log"
http POST /api/v1/s3/events "${SECRET[@]}" "${JSON[@]}" --data "$(ev_s3 "$K_LOST")"
expect_json '.results[0].status' accepted "a late event for the recorded file reports it accepted"
check "still one resume for it" test "$(sql "SELECT count(*) FROM resumes WHERE s3_key = '$K_LOST'")" = 1
