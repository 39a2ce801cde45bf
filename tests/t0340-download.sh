#!/usr/bin/env bash
# Resume downloads: a short-lived presigned GET URL that fetches the exact
# bytes, with the original name and type, only for the resume's organisation.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
mkdir -p "$FIX"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"

KEY_A=$(new_org "download-a-$$")
KEY_B=$(new_org "download-b-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" --data '{"title":"Engineer","description":"C"}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
# One resume through the multipart upload, one through a presigned URL and its event.
curl -s "${A[@]}" -F "a=@$FIX/resume.pdf" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
PDF=$(jq -r '.files[0].resume_id' "$T_TMP/upload.json")
[[ $PDF =~ ^[0-9]+$ ]] || skip_all "the upload for the test failed: $(head -c 300 "$T_TMP/upload.json")"
DOCX=
if [[ -n ${SHORTLIST_S3_EVENT_SECRET:-} ]]; then
	curl -s "${A[@]}" -H "Content-Type: application/json" --data '{"files":[{"filename":"Résumé «final».docx"}]}' \
		"$BASE_URL/api/v1/jobs/$JOB/upload-urls" >"$T_TMP/slot.json"
	curl -s -o /dev/null -X PUT --data-binary "@$FIX/resume.docx" "$(jq -r '.uploads[0].url' "$T_TMP/slot.json")"
	DOCX=$(curl -s -H "X-Shortlist-Event-Secret: $SHORTLIST_S3_EVENT_SECRET" -H "Content-Type: application/json" \
		--data "$(jq -c '{Records:[{eventSource:"aws:s3",eventName:"ObjectCreated:Put",s3:{bucket:{name:env.SHORTLIST_S3_BUCKET},object:{key:.uploads[0].key}}}]}' "$T_TMP/slot.json")" \
		"$BASE_URL/api/v1/s3/events" | jq -r '.results[0].resume_id')
fi

http GET "/api/v1/resumes/$PDF/download" "${A[@]}"
expect_status 200 "a download link for our resume"
expect_json .filename resume.pdf "with the original file name"
expect_json .content_type application/pdf "and its type"
expect_json .resume_id "$PDF" "naming the resume"
check "not cached" test "$(header Cache-Control)" = no-store
check "expires_at is an RFC 3339 time" grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' <<<"$(json .expires_at)"
url=$(json .url)
ttl=${SHORTLIST_S3_PRESIGN_TTL:-900}
((ttl > 300)) && ttl=300
check "the link is presigned for at most 5 minutes (X-Amz-Expires=$ttl)" grep -q "X-Amz-Expires=$ttl&" <<<"$url"
check "it is a GET of our bucket" grep -q "^http.*/$SHORTLIST_S3_BUCKET/orgs/" <<<"$url"
got=$(curl -s "$url" | sha256sum | cut -d' ' -f1)
check "it fetches the exact bytes" test "$got" = "$(sha256sum <"$FIX/resume.pdf" | cut -d' ' -f1)"

if [[ -n $DOCX ]]; then
	check "the presigned upload became a resume" grep -Eq '^[0-9]+$' <<<"$DOCX"
	http GET "/api/v1/resumes/$DOCX/download" "${A[@]}"
	expect_json .filename "Résumé «final».docx" "a non-ASCII name comes back intact"
	expect_json .content_type application/vnd.openxmlformats-officedocument.wordprocessingml.document "a DOCX type"
	got=$(curl -s "$(json .url)" | sha256sum | cut -d' ' -f1)
	check "the DOCX bytes too" test "$got" = "$(sha256sum <"$FIX/resume.docx" | cut -d' ' -f1)"
else
	echo "skip: no S3 event secret (the presigned case)"
fi

http HEAD "/api/v1/resumes/$PDF/download" "${A[@]}" -I
expect_status 200 "HEAD is served"

# --- tenancy and authentication
http GET "/api/v1/resumes/$PDF/download" "${B[@]}"
expect_status 404 "another organisation's resume is not found"
check "and no URL leaks" bash -c "! grep -q X-Amz <'$T_TMP/body'"
http GET "/api/v1/resumes/$PDF/download"
expect_status 401 "no key"
http GET "/api/v1/resumes/$PDF/download" -H "Authorization: Bearer sl_nonsense"
expect_status 401 "a bad key"
http GET "/api/v1/resumes/999999999/download" "${A[@]}"
expect_status 404 "a resume that does not exist"
http GET "/api/v1/resumes/abc/download" "${A[@]}"
expect_status 404 "a malformed id"
http POST "/api/v1/resumes/$PDF/download" "${A[@]}" --data ""
expect_status 405 "POST is not allowed"

# --- PostgreSQL down: 503 with Retry-After
services stop postgresql
http GET "/api/v1/resumes/$PDF/download" "${A[@]}"
expect_status 503 "PostgreSQL down: 503"
check "with Retry-After" test -n "$(header Retry-After)"
services start postgresql >/dev/null
http GET "/api/v1/resumes/$PDF/download" "${A[@]}"
expect_status 200 "back by itself when PostgreSQL returns"
