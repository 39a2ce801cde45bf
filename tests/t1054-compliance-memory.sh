#!/usr/bin/env bash
# The compliance routes leak nothing: the candidates handler answers
# demographics (set, refused, read), the job's and the organisation's bias
# audit (JSON and CSV) and a blind view of the list, the candidate and batch
# progress, and the emails handler the blind view of emails and the notice
# link (shown, requested, answered, forged), under valgrind.
. "$(dirname "$0")/lib/test-lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind is not installed"
[[ -z ${SHORTLIST_SANITIZE-} ]] || skip_all "valgrind needs the unsanitized build"
[[ -n ${SHORTLIST_MAIL_EVENT_SECRET-} ]] || skip_all "no SHORTLIST_MAIL_EVENT_SECRET: no notice link to sign"

REQ="$ROOT/tests/tools/fcgi_request.py"
J="CONTENT_TYPE=application/json"
ORG="memory-compliance-$$"
ctl org create "$ORG" >/dev/null
ctl user create --org "$ORG" "vg-rec-$$@example.com" >/dev/null
KEY=$(ctl key create --org "$ORG" 2>/dev/null)
RKEY=$(ctl key create --org "$ORG" --user "vg-rec-$$@example.com" 2>/dev/null)
[[ -n $KEY && -n $RKEY ]] || skip_all "cannot make the organisation and keys"
ctl org set --org "$ORG" blind_view on >/dev/null
AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
RAUTH="HTTP_AUTHORIZATION=Bearer $RKEY"
printf '{"title": "Leak check", "description": "C"}' >"$T_TMP/job.json"
JOB=$(curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" --data @"$T_TMP/job.json" \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
OID=$(sql "SELECT org_id FROM jobs WHERE id = $JOB")
RES=$(sql "INSERT INTO resumes (org_id, job_id, s3_key, sha256, size_bytes, content_type, status, contact)
	VALUES ($OID, $JOB, 'vgc-$$/1', lpad('2', 64, '0'), 10, 'text/plain', 'scored', '{\"name\": \"Val Grind\", \"emails\": [\"val@example.org\"]}') RETURNING id" | head -n 1)
sql "INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result)
	VALUES ($OID, $JOB, $RES, 'seed', 40, 'reject', '{}')" >/dev/null
EMAIL=$(sql "INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, subject, body_text, message_id, state)
	VALUES ($OID, $JOB, $RES, 'reject', 'val@example.org', 's', 'Dear Val', '<vgc-$$@example.org>', 'sent') RETURNING id" | head -n 1)
printf '{"sex": "female", "race_ethnicity": "white"}' >"$T_TMP/demo.json"
printf '{"sex": "x", "race_ethnicity": null}' >"$T_TMP/baddemo.json"
printf '{"kind": "human_review", "message": "please"}' >"$T_TMP/review.json"
printf '{"kind": "robot"}' >"$T_TMP/badreview.json"

vg() { # NAME: valgrind's command line for that handler
	echo valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind-$1.log" "$BIN/$1"
}
sock="$T_TMP/candidates-vg.sock"
# shellcheck disable=SC2046
start_handler "$sock" $(vg candidates) 2>/dev/null
check "demographics, bias audits and blind views answered under valgrind" bash -c "
	'$REQ' '$sock' 5 PUT /api/v1/candidates/$RES/demographics '$T_TMP/demo.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 PUT /api/v1/candidates/$RES/demographics '$T_TMP/baddemo.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 PUT /api/v1/candidates/$RES/demographics '$T_TMP/demo.json' $J '$RAUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/candidates/$RES/demographics '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/jobs/$JOB/bias-audit '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET '/api/v1/jobs/$JOB/bias-audit?format=csv&min_group=1' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET '/api/v1/bias-audit?format=xml' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/bias-audit '$AUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/jobs/$JOB/candidates '$RAUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/candidates/$RES '$RAUTH' >/dev/null"
check "the answers were stored once and the audit trail has each write" \
	test "$(sql "SELECT count(*) FROM audit_events WHERE resume_id = $RES AND action = 'demographics.set'")" = 5
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-candidates.log" | sed 's/^==[0-9]*== /# candidates: /'
check "valgrind: no leak and no error in the candidates handler (exit $rc)" test "$rc" = 0

# The link's token as the service signs it (mail/notice.h): the id, then 128 bits of HMAC-SHA256.
SIG=$(printf 'notice:%s' "$RES" | openssl dgst -sha256 -hmac "$SHORTLIST_MAIL_EVENT_SECRET" | sed 's/^.*= //' | cut -c1-32)
TOKEN="$RES-$SIG"
sock="$T_TMP/emails-vg.sock"
# shellcheck disable=SC2046
start_handler "$sock" $(vg emails) 2>/dev/null
check "blind emails and the notice link answered under valgrind" bash -c "
	'$REQ' '$sock' 3 GET '/api/v1/emails?job_id=$JOB' '$RAUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/emails/$EMAIL '$RAUTH' >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/notice/$TOKEN >/dev/null &&
	'$REQ' '$sock' 3 GET /api/v1/notice/$RES-00000000000000000000000000000000 >/dev/null &&
	'$REQ' '$sock' 3 POST /api/v1/notice/$TOKEN/review '$T_TMP/badreview.json' $J >/dev/null &&
	'$REQ' '$sock' 3 POST /api/v1/notice/$TOKEN/review '$T_TMP/review.json' $J >/dev/null &&
	'$REQ' '$sock' 3 PUT /api/v1/notice/$TOKEN/demographics '$T_TMP/demo.json' $J >/dev/null &&
	'$REQ' '$sock' 3 PUT /api/v1/notice/$TOKEN/demographics '$T_TMP/baddemo.json' $J >/dev/null"
check "the link was the service's own: one request recorded" test "$(sql "SELECT count(*) FROM review_requests WHERE resume_id = $RES")" = 1
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-emails.log" | sed 's/^==[0-9]*== /# emails: /'
check "valgrind: no leak and no error in the emails handler (exit $rc)" test "$rc" = 0
