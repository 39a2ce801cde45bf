#!/usr/bin/env bash
# Jobs: authentication, tenancy, create/read/update/close, validation and
# keyset pagination.
. "$(dirname "$0")/lib/test-lib.sh"

KEY_A=$(new_org "jobs-a-$$")
KEY_B=$(new_org "jobs-b-$$")
A=(-H "Authorization: Bearer $KEY_A" -H "Content-Type: application/json")
B=(-H "Authorization: Bearer $KEY_B" -H "Content-Type: application/json")

http GET /api/v1/jobs
expect_status 401 "no key"
check "401 asks for a bearer token" test "$(header WWW-Authenticate)" = "Bearer"
http GET /api/v1/jobs -H "Authorization: Bearer sl_$(printf '0%.0s' {1..64})"
expect_status 401 "unknown key"
http GET /api/v1/jobs -H "Authorization: Basic Zm9vOmJhcg=="
expect_status 401 "not a bearer token"

job='{"title":"Site Reliability Engineer","description":"Run Kubernetes and PostgreSQL in production; on-call; Go or Python.",
"company":"Acme","location":"Remote","required_skills":["Kubernetes","PostgreSQL"],
"knockouts":[{"type":"min_years","years":3},{"type":"certification","name":"CKA"}],
"thresholds":{"shortlist":70,"consider":40}}'
http POST /api/v1/jobs "${A[@]}" --data "$job"
expect_status 201 "create a job"
ID=$(json .id)
check "Location points at the job" test "$(header Location)" = "/api/v1/jobs/$ID"
expect_json .status open "a new job is open"
expect_json .rubric_source derived "a rubric is derived when none is given"
check "the rubric has a version" test -n "$(json .rubric_version)"
expect_json '.knockouts | length' 2 "knock-outs kept"
expect_json .thresholds.shortlist 70 "thresholds kept"
V1=$(json .rubric_version)

http GET "/api/v1/jobs/$ID" "${A[@]}"
expect_status 200 "read it back"
expect_json .title "Site Reliability Engineer" "title round-trips"

http GET "/api/v1/jobs/$ID" "${B[@]}"
expect_status 404 "another organisation's job is not found"
http PATCH "/api/v1/jobs/$ID" "${B[@]}" --data '{"title":"stolen"}'
expect_status 404 "another organisation cannot update it"
http POST "/api/v1/jobs/$ID/close" "${B[@]}" --data ""
expect_status 404 "another organisation cannot close it"
http GET "/api/v1/jobs/abc" "${A[@]}"
expect_status 404 "a malformed id is not found"

http POST /api/v1/jobs "${A[@]}" --data '{"description":"no title"}'
expect_status 400 "a job needs a title"
check "the error names the field" grep -q title <<<"$(json .detail)"
http POST /api/v1/jobs "${A[@]}" --data '{"title":"t","description":"d","thresholds":{"shortlist":30,"consider":60}}'
expect_status 400 "shortlist threshold must be above consider"

http PATCH "/api/v1/jobs/$ID" "${A[@]}" --data '{"location":"Berlin"}'
expect_status 200 "update a field"
expect_json .location Berlin "the change is kept"
expect_json .title "Site Reliability Engineer" "other fields unchanged"
check "an unchanged rubric keeps its version" test "$(json .rubric_version)" = "$V1"

rubric='{"rubric":{"criteria":[{"name":"Kubernetes operations","description":"Runs clusters","weight":3,"keywords":["kubernetes","helm"]},
{"name":"Databases","description":"PostgreSQL tuning","weight":1,"keywords":["postgresql"]}]}}'
http PATCH "/api/v1/jobs/$ID" "${A[@]}" --data "$rubric"
expect_status 200 "set an explicit rubric"
expect_json .rubric_source given "the given rubric is used"
check "a changed rubric gets a new version" test "$(json .rubric_version)" != "$V1"

http PATCH "/api/v1/jobs/$ID" "${A[@]}" --data '{"owner":"x"}'
expect_status 400 "unknown fields cannot be patched"

http POST "/api/v1/jobs/$ID/close" "${A[@]}" --data ""
expect_status 200 "close the job"
expect_json .status closed "it is closed"
http PATCH "/api/v1/jobs/$ID" "${A[@]}" --data '{"location":"Paris"}'
expect_status 409 "a closed job cannot change"

# Keyset pagination over 25 more jobs: every job once, newest first.
for i in $(seq 1 25); do
	curl -s -o /dev/null "${A[@]}" --data "{\"title\":\"Job $i\",\"description\":\"d\"}" "$BASE_URL/api/v1/jobs"
done
seen=()
cursor=""
pages=0
while :; do
	http GET "/api/v1/jobs?limit=10${cursor:+&cursor=$cursor}" "${A[@]}"
	[[ $STATUS == 200 ]] || break
	pages=$((pages + 1))
	mapfile -t ids < <(json '.items[].id')
	seen+=("${ids[@]}")
	cursor=$(json '.next_cursor // empty')
	[[ -n $cursor ]] || break
	((pages < 10)) || break
done
check "three pages of at most 10" test "$pages" = 3
check "26 jobs seen in all" test "${#seen[@]}" = 26
check "no job seen twice" test "$(printf '%s\n' "${seen[@]}" | sort -u | wc -l)" = 26
check "newest first" test "$(printf '%s\n' "${seen[@]}" | sort -rn | tr '\n' ' ')" = "$(printf '%s\n' "${seen[@]}" | tr '\n' ' ')"

http GET /api/v1/jobs "${B[@]}"
expect_json '.items | length' 0 "the other organisation sees none of them"

# A job description given as a file (PDF here) becomes the description text.
printf '%s\n' "Platform Engineer" "We run Kubernetes clusters and PostgreSQL for payments." "Requirements: Go, Terraform, on-call." \
	>"$T_TMP/jd.txt"
"$TOOLS/text2pdf" "$T_TMP/jd.txt" "$T_TMP/jd.pdf"
jq -n --arg b64 "$(base64 -w0 "$T_TMP/jd.pdf")" \
	'{title: "Platform Engineer", description_file: {filename: "jd.pdf", content_base64: $b64}}' >"$T_TMP/jd.json"
http POST /api/v1/jobs "${A[@]}" --data-binary @"$T_TMP/jd.json"
expect_status 201 "create a job from a PDF job description"
check "the PDF's text is the description" grep -q "Kubernetes clusters and PostgreSQL for payments" <<<"$(json .description)"
check "the rubric is derived from that text" grep -qi "kubernetes" <<<"$(json '.rubric | tostring')"
JD=$(json .id)
jq -n --arg b64 "$(base64 -w0 "$T_TMP/jd.txt")" '{description_file: {filename: "jd.txt", content_base64: $b64}}' >"$T_TMP/jd-patch.json"
http PATCH "/api/v1/jobs/$JD" "${A[@]}" --data-binary @"$T_TMP/jd-patch.json"
expect_status 200 "replace the description with a text file"
check "the text file's content is the description" grep -q "Requirements: Go, Terraform" <<<"$(json .description)"
http POST /api/v1/jobs "${A[@]}" --data '{"title":"x","description_file":{"filename":"a.pdf","content_base64":"not base64!"}}'
expect_status 400 "a description file that is not base64"
check "the error names the field" grep -q "description_file.content_base64" <<<"$(json .detail)"
jq -n --arg b64 "$(head -c 3000 /bin/ls | base64 -w0)" '{title: "x", description_file: {filename: "a.pdf", content_base64: $b64}}' \
	>"$T_TMP/bin.json"
http POST /api/v1/jobs "${A[@]}" --data-binary @"$T_TMP/bin.json"
expect_status 400 "a description file that is no document"
check "the error says why" grep -q "^description_file: " <<<"$(json .detail)"
