#!/usr/bin/env bash
# Resume upload: many files in one request streamed to S3, per-file results,
# limits, duplicates, malformed multipart, and S3 or PostgreSQL going away.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
mkdir -p "$FIX"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
MP="$ROOT/tests/tools/multipart_body.py"

KEY_A=$(new_org "upload-a-$$")
KEY_B=$(new_org "upload-b-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
new_job() { # KEYARGS...: prints a new job id
	curl -s "$@" -H "Content-Type: application/json" --data '{"title":"Engineer","description":"C, PostgreSQL"}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
JOB=$(new_job "${A[@]}")
s3_objects() { find "$ROOT/var/test/s3/shortlist" -type f -name '*._S3rver_object' 2>/dev/null | wc -l; }
rows() { sql "SELECT count(*) FROM resumes WHERE job_id = $1"; }

# --- the happy path: several types at once, one duplicate, one rejected
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$FIX/resume.pdf" -F "b=@$FIX/resume.docx" \
	-F "c=@$FIX/resume.txt" -F "d=@$FIX/resume.pdf;filename=copy.pdf" -F "e=@$FIX/empty.bin"
expect_status 201 "upload of five files"
expect_json '[.files[].status] | join(",")' "accepted,accepted,accepted,duplicate,rejected" "a result per file, in order"
expect_json .accepted 3 "three accepted"
expect_json '.files[3].duplicate_of' "$(json '.files[0].resume_id')" "the duplicate points at the first copy"
expect_json '.files[4].reason' "empty file" "the empty file says why"
BATCH=$(json .batch_id)
check "a batch id" test -n "$BATCH" -a "$BATCH" != null
check "the batch is where Location says" test "$(header Location)" = "/api/v1/process/status/$BATCH"
check "three resume rows" test "$(rows "$JOB")" = 3
check "three processing tasks, one per resume" test "$(sql "SELECT count(*) FROM tasks t JOIN resumes r ON t.idempotency_key = 'resume:' || r.id WHERE r.job_id = $JOB")" = 3
check "types from magic bytes" test "$(sql "SELECT string_agg(content_type, '|' ORDER BY id) FROM resumes WHERE job_id = $JOB")" = "application/pdf|application/vnd.openxmlformats-officedocument.wordprocessingml.document|text/plain; charset=utf-8"
key=$(sql "SELECT s3_key FROM resumes WHERE job_id = $JOB ORDER BY id LIMIT 1")
check "the S3 key is ours, not the filename" grep -Eq "^orgs/[0-9]+/jobs/$JOB/resumes/[0-9a-f]{32}$" <<<"$key"
stored=$(find "$ROOT/var/test/s3/shortlist/$key" -name '*._S3rver_object' 2>/dev/null | head -n 1)
[[ -n $stored ]] || stored=$(find "$ROOT/var/test/s3/shortlist" -path "*${key##*/}*" -type f -name '*._S3rver_object' | head -n 1)
check "the stored bytes are the uploaded bytes" test "$(sha256sum <"$stored" | cut -d' ' -f1)" = "$(sha256sum <"$FIX/resume.pdf" | cut -d' ' -f1)"

http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$FIX/resume.pdf"
expect_status 200 "uploading the same bytes again"
expect_json '.files[0].status' duplicate "is a duplicate, stored once"
check "still three rows" test "$(rows "$JOB")" = 3

# --- type and size limits
cp "$FIX/resume.txt" "$T_TMP/fake.pdf"
printf 'MZ\x90\x00binary' >"$T_TMP/fake.pdf"
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$T_TMP/fake.pdf"
expect_json '.files[0].status' rejected "a .pdf that is not a PDF is rejected"
check "it says what it is" grep -q "not a PDF" <<<"$(json '.files[0].reason')"

# A PDF of 22 MB (fixture plus padding after %%EOF): over the 20 MiB limit.
{ cat "$FIX/resume.pdf"; head -c 22000000 /dev/urandom; } >"$T_TMP/huge.pdf"
before=$(s3_objects)
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$T_TMP/huge.pdf" -F "b=@$FIX/three_pages.pdf"
expect_json '.files[0].status' rejected "a file over the size limit is rejected"
check "the reason names the limit" grep -q "larger than the limit" <<<"$(json '.files[0].reason')"
expect_json '.files[1].status' accepted "the next file in the same request is still accepted"
check "nothing of the big file stays in S3" test "$(s3_objects)" = "$((before + 1))"

# A 12 MB PDF goes up as an S3 multipart upload (parts of 5 MiB by default) and arrives whole.
{ cat "$FIX/resume.pdf"; head -c 12000000 /dev/urandom; } >"$T_TMP/large.pdf"
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$T_TMP/large.pdf"
expect_json '.files[0].status' accepted "a 12 MB file is accepted"
expect_json '.files[0].sha256' "$(sha256sum <"$T_TMP/large.pdf" | cut -d' ' -f1)" "its SHA-256 is computed on the way"
key=$(sql "SELECT s3_key FROM resumes WHERE id = $(json '.files[0].resume_id')")
got=$(curl -s "http://127.0.0.1:$SHORTLIST_S3_PORT/shortlist/$key" | sha256sum | cut -d' ' -f1)
check "the multipart object reads back identical" test "$got" = "$(json '.files[0].sha256')"

# --- storing overlaps receiving: one file goes to S3 while the next is read.
# Results stay in request order, a duplicate of a file still on its way is
# caught, and every accepted row points at exactly its bytes.
PART=${SHORTLIST_S3_PART_SIZE:-5242880}
pad() { # OUT BYTES: the fixture PDF padded with random bytes to exactly BYTES
	{ cat "$FIX/resume.pdf"; head -c $(($2 - $(stat -c %s "$FIX/resume.pdf"))) /dev/urandom; } >"$1"
}
pad "$T_TMP/onepart.pdf" "$PART"
pad "$T_TMP/twoparts.pdf" $((2 * PART))
J4=$(new_job "${A[@]}")
before=$(s3_objects)
http POST "/api/v1/jobs/$J4/resumes" "${A[@]}" -F "a=@$FIX/resume.txt" -F "b=@$T_TMP/large.pdf" \
	-F "c=@$FIX/resume.txt;filename=again.txt" -F "d=@$T_TMP/onepart.pdf" -F "e=@$T_TMP/fake.pdf" \
	-F "f=@$T_TMP/large.pdf;filename=large-again.pdf" -F "g=@$T_TMP/twoparts.pdf" -F "h=@$FIX/resume.docx" \
	-F "i=@$FIX/resume.docx;filename=adjacent.docx"
expect_status 201 "nine files of every size in one request"
expect_json '[.files[].status] | join(",")' "accepted,accepted,duplicate,accepted,rejected,duplicate,accepted,accepted,duplicate" \
	"each file's result, in request order"
expect_json '[.files[].index] | join(",")' "0,1,2,3,4,5,6,7,8" "indexes in order"
expect_json '.files[2].duplicate_of == .files[0].resume_id' true "a copy after a multipart file points at the first"
expect_json '.files[5].duplicate_of == .files[1].resume_id' true "a multipart copy points at the first multipart file"
expect_json '.files[8].duplicate_of == .files[7].resume_id' true "a copy right after its original is caught"
check "rows in request order" test "$(sql "SELECT string_agg(filename, ',' ORDER BY id) FROM resumes WHERE job_id = $J4")" = \
	"resume.txt,large.pdf,onepart.pdf,twoparts.pdf,resume.docx"
check "one object per accepted file, none for duplicates or rejections" test "$(s3_objects)" = "$((before + 5))"
stored_ok=0
for i in 0 1 3 6 7; do
	key=$(sql "SELECT s3_key FROM resumes WHERE id = $(json ".files[$i].resume_id")")
	got=$(curl -s "http://127.0.0.1:$SHORTLIST_S3_PORT/shortlist/$key" | sha256sum | cut -d' ' -f1)
	[[ $got == "$(json ".files[$i].sha256")" ]] && stored_ok=$((stored_ok + 1))
done
check "each accepted file reads back identical from S3" test "$stored_ok" = 5
check "exactly one part and exactly two parts arrive whole" test \
	"$(json '.files[3].sha256') $(json '.files[6].sha256')" = \
	"$(sha256sum <"$T_TMP/onepart.pdf" | cut -d' ' -f1) $(sha256sum <"$T_TMP/twoparts.pdf" | cut -d' ' -f1)"

# A body that breaks after whole files: those files stay accepted (a retry
# reports them as duplicates); the broken file leaves no row and no object,
# whether it was still in memory or already partly sent to S3.
pad "$T_TMP/cut-small.pdf" 300000
pad "$T_TMP/cut-large.pdf" $((PART + 3000000))
J5=$(new_job "${A[@]}")
before=$(s3_objects)
"$MP" files "$T_TMP/cut1.body" "$FIX/resume.docx" "$T_TMP/cut-small.pdf" >"$T_TMP/cut1.ct"
head -c $(($(stat -c %s "$T_TMP/cut1.body") - 100000)) "$T_TMP/cut1.body" >"$T_TMP/cut1.trunc"
http POST "/api/v1/jobs/$J5/resumes" "${A[@]}" -H "Content-Type: $(cat "$T_TMP/cut1.ct")" --data-binary @"$T_TMP/cut1.trunc"
expect_status 400 "a body cut inside its second file"
check "the whole first file is kept, the cut one is not" test "$(sql "SELECT string_agg(filename, ',') FROM resumes WHERE job_id = $J5")" = "resume.docx"
"$MP" files "$T_TMP/cut2.body" "$FIX/three_pages.pdf" "$T_TMP/cut-large.pdf" >"$T_TMP/cut2.ct"
head -c $(($(stat -c %s "$T_TMP/cut2.body") - 1000000)) "$T_TMP/cut2.body" >"$T_TMP/cut2.trunc"
http POST "/api/v1/jobs/$J5/resumes" "${A[@]}" -H "Content-Type: $(cat "$T_TMP/cut2.ct")" --data-binary @"$T_TMP/cut2.trunc"
expect_status 400 "a body cut after the first part of a multipart file"
check "again only the whole file is kept" test "$(sql "SELECT string_agg(filename, ',' ORDER BY id) FROM resumes WHERE job_id = $J5")" = "resume.docx,three_pages.pdf"
check "two objects, nothing of the cut files" test "$(s3_objects)" = "$((before + 2))"
http POST "/api/v1/jobs/$J5/resumes" "${A[@]}" -F "a=@$FIX/resume.docx" -F "b=@$T_TMP/cut-small.pdf"
expect_json '[.files[].status] | join(",")' "duplicate,accepted" "a retry: the kept file is a duplicate, the cut one is new"

# --- authentication and tenancy
http POST "/api/v1/jobs/$JOB/resumes" -F "a=@$FIX/resume.txt"
expect_status 401 "no key"
http POST "/api/v1/jobs/$JOB/resumes" "${B[@]}" -F "a=@$FIX/resume.txt"
expect_status 404 "another organisation's job"
http POST "/api/v1/jobs/999999999/resumes" "${A[@]}" -F "a=@$FIX/resume.txt"
expect_status 404 "a job that does not exist"

# --- malformed multipart
n_before=$(rows "$JOB")
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "Content-Type: multipart/form-data" --data-binary @"$FIX/resume.txt"
expect_status 400 "no boundary"
check "it says there is no boundary" grep -qi "boundary" <<<"$(json .detail)"

ct=$("$MP" inner-boundary "$T_TMP/inner.body" "$FIX/resume.txt")
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "Content-Type: $ct" --data-binary @"$T_TMP/inner.body"
expect_json '.files[0].status' accepted "boundary text inside file content is content"
check "the stored size includes the boundary-like text" test "$(json '.files[0].size')" -gt "$(stat -c %s "$FIX/resume.txt")"

ct=$("$MP" truncated "$T_TMP/trunc.body" "$FIX/resume.pdf")
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "Content-Type: $ct" --data-binary @"$T_TMP/trunc.body"
expect_status 400 "a truncated body"
check "the error says truncated" grep -qi "truncat" <<<"$(json .detail)"

ct=$("$MP" big-headers "$T_TMP/bighead.body" "$FIX/resume.pdf")
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "Content-Type: $ct" --data-binary @"$T_TMP/bighead.body"
expect_status 400 "part headers over 16 KiB"
check "the error names the header limit" grep -q "16384" <<<"$(json .detail)"

ct=$("$MP" empty-parts "$T_TMP/empty.body" 10000)
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "Content-Type: $ct" --data-binary @"$T_TMP/empty.body"
expect_status 400 "10,000 empty parts"
check "no rows from malformed bodies" test "$(rows "$JOB")" = "$((n_before + 1))"

for kind in crlf-name dotdot-name latin1-name; do
	ct=$("$MP" "$kind" "$T_TMP/$kind.body" "$FIX/resume.docx")
	http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -H "Content-Type: $ct" --data-binary @"$T_TMP/$kind.body"
	name=$(json '.files[0].filename')
	if [[ $STATUS =~ ^20 && $name != *$'\r'* && $name != *$'\n'* && $name != */* && $name != *..* ]]; then
		ok "$kind: stored with a safe name ('$name')"
	else
		not_ok "$kind: HTTP $STATUS, name '$name'"
	fi
done
check "the latin-1 name became valid UTF-8" iconv -f UTF-8 -t UTF-8 <<<"$(sql "SELECT filename FROM resumes WHERE job_id = $JOB ORDER BY id DESC LIMIT 1")"

cp "$FIX/resume.txt" "$T_TMP/utf8.txt"
echo "Ünïcödé" >>"$T_TMP/utf8.txt"
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$T_TMP/utf8.txt;filename=Résumé Zoë 李雷.txt"
expect_json '.files[0].status' accepted "a non-ASCII filename is accepted"
expect_json '.files[0].filename' "Résumé Zoë 李雷.txt" "and kept intact"

# --- a closed job takes nothing
J2=$(new_job "${A[@]}")
curl -s -o /dev/null "${A[@]}" -X POST --data '' "$BASE_URL/api/v1/jobs/$J2/close"
http POST "/api/v1/jobs/$J2/resumes" "${A[@]}" -F "a=@$FIX/resume.txt"
expect_status 409 "a closed job refuses uploads"

# --- the job's state cannot be read (an internal database error): 500, like every store failure, not 503
sql "ALTER TABLE jobs RENAME COLUMN status TO status_hidden"
http POST "/api/v1/jobs/$J2/resumes" "${A[@]}" -F "a=@$FIX/resume.txt"
sql "ALTER TABLE jobs RENAME COLUMN status_hidden TO status"
expect_status 500 "an unreadable job state answers 500"
check "without Retry-After: trying again will not help" test -z "$(header Retry-After)"

# --- S3 down in the middle of an upload: 503, the multipart upload gone, no rows
J3=$(new_job "${A[@]}")
before=$(s3_objects)
curl -s -o "$T_TMP/s3down.json" -w '%{http_code}' --limit-rate 2M "${A[@]}" -F "a=@$T_TMP/large.pdf" \
	"$BASE_URL/api/v1/jobs/$J3/resumes" >"$T_TMP/s3down.status" &
upload_pid=$!
sleep 1.5
services stop s3
wait $upload_pid
check "S3 down mid-upload answers 503" test "$(cat "$T_TMP/s3down.status")" = 503
check "the problem says storage is unavailable" grep -q "storage" "$T_TMP/s3down.json"
check "no resume row for the interrupted file" test "$(rows "$J3")" = 0
services start s3 >/dev/null
check "no object left for the interrupted file" test "$(s3_objects)" = "$before"

# S3 going away after some files are in: those stay accepted, the file in
# flight leaves nothing, and the request still answers 503.
J6=$(new_job "${A[@]}")
before=$(s3_objects)
curl -s -o "$T_TMP/s3down2.json" -w '%{http_code}' --limit-rate 2M "${A[@]}" -F "a=@$FIX/resume.txt" \
	-F "b=@$T_TMP/large.pdf" "$BASE_URL/api/v1/jobs/$J6/resumes" >"$T_TMP/s3down2.status" &
upload_pid=$!
sleep 1.5
services stop s3
wait $upload_pid
check "S3 down after a stored file answers 503" test "$(cat "$T_TMP/s3down2.status")" = 503
check "the problem names the interrupted file" grep -q "file 1" "$T_TMP/s3down2.json"
check "the stored file keeps its row, the interrupted one has none" test "$(sql "SELECT string_agg(filename, ',') FROM resumes WHERE job_id = $J6")" = "resume.txt"
services start s3 >/dev/null
check "one object: the stored file's" test "$(s3_objects)" = "$((before + 1))"

# --- PostgreSQL down: 503 with Retry-After, and back by itself
services stop postgresql
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "a=@$FIX/three_pages.pdf"
expect_status 503 "PostgreSQL down: 503"
check "with Retry-After" test -n "$(header Retry-After)"
services start postgresql >/dev/null
http POST "/api/v1/jobs/$J3/resumes" "${A[@]}" -F "a=@$FIX/resume.txt"
expect_status 201 "after PostgreSQL returns, uploads work again without a restart"
