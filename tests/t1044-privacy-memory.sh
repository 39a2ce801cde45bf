#!/usr/bin/env bash
# Erasure, the candidate export, legal holds, retention and the audit
# trail's filters and exports leak nothing and make no memory error under
# valgrind (the candidates handler, and shortlistctl retention), on their
# successes and their refusals alike.
. "$(dirname "$0")/lib/test-lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind is not installed"
[[ -z ${SHORTLIST_SANITIZE-} ]] || skip_all "valgrind needs the unsanitized build"

REQ="$ROOT/tests/tools/fcgi_request.py"
J=CONTENT_TYPE=application/json
ORG="memory-privacy-$$"
ctl org create "$ORG" >/dev/null
ctl user create --org "$ORG" --admin "vg-admin-$$@example.com" >/dev/null
KEY=$(ctl key create --org "$ORG" --user "vg-admin-$$@example.com" 2>/dev/null)
[[ -n $KEY ]] || skip_all "cannot make the organisation"
AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
JOB=$(curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" --data '{"title":"Leak check","description":"C"}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
OID=$(sql "SELECT org_id FROM jobs WHERE id = $JOB")
resume() { # N: a resume row with an analysis (no S3 object: deleting a missing key succeeds)
	local id
	id=$(sql "INSERT INTO resumes (org_id, job_id, s3_key, sha256, size_bytes, content_type, status, text)
		VALUES ($OID, $JOB, 'vg-privacy-$$/$1', lpad('$1', 64, '0'), 10, 'text/plain', 'scored', 'Val Grind $1') RETURNING id" | head -n 1)
	sql "INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result)
		VALUES ($OID, $JOB, $id, 'seed', 40, 'reject', '{}')" >/dev/null
	echo "$id"
}
R1=$(resume 1) R2=$(resume 2) R3=$(resume 3)
printf '{"reason": "asked to be forgotten"}' >"$T_TMP/reason.json"
printf '{"reason": ""}' >"$T_TMP/noreason.json"
printf '{"resume_id": %s, "reason": "dispute"}' "$R2" >"$T_TMP/hold.json"
printf '{"resume_id": 999999999, "reason": "x"}' >"$T_TMP/nohold.json"
printf '{"retention_months": 18}' >"$T_TMP/policy.json"
printf '{"audit_retention_months": 2}' >"$T_TMP/badpolicy.json"

sock="$T_TMP/candidates-vg.sock"
start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind-candidates.log" \
	"$BIN/candidates" 2>/dev/null
check "exports, holds, erasures, retention and audit reads answered under valgrind" bash -c "
	'$REQ' '$sock' 3 GET /api/v1/candidates/$R1/export '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET /api/v1/candidates/999999999/export '$AUTH' >/dev/null &&
	'$REQ' '$sock' 1 POST /api/v1/legal-holds '$T_TMP/hold.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 POST /api/v1/legal-holds '$T_TMP/nohold.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET /api/v1/legal-holds '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 POST /api/v1/candidates/$R2/erase '$T_TMP/reason.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 POST /api/v1/candidates/$R1/erase '$T_TMP/noreason.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 1 POST /api/v1/candidates/$R1/erase '$T_TMP/reason.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET /api/v1/retention '$AUTH' >/dev/null &&
	'$REQ' '$sock' 1 PUT /api/v1/retention '$T_TMP/policy.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 1 PUT /api/v1/retention '$T_TMP/badpolicy.json' $J '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET '/api/v1/audit?job_id=$JOB&action=candidate.&since=2000-01-01T00:00:00Z' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET '/api/v1/audit?since=nonsense' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET '/api/v1/audit/export?job_id=$JOB' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 2 GET '/api/v1/audit/export?format=json' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 1 GET '/api/v1/audit/export?format=xml' '$AUTH' >/dev/null &&
	'$REQ' '$sock' 1 POST /api/v1/jobs/$JOB/erase '$T_TMP/reason.json' $J '$AUTH' >/dev/null"
check "the first candidate is erased" test "$(sql "SELECT count(*) FROM resumes WHERE id = $R1")" = 0
check "the held one is not, nor its job" test "$(sql "SELECT count(*) FROM resumes WHERE id = $R2")" = 1
check "the policy changed" test "$(sql "SELECT retention_months FROM organisations WHERE id = $OID")" = 18
stop_handler
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind-candidates.log" | sed 's/^==[0-9]*== /# candidates: /'
check "valgrind: no leak and no error in the candidates handler (exit $rc)" test "$rc" = 0

sql "UPDATE jobs SET status = 'closed', closed_at = now() - interval '30 months' WHERE id = $JOB"
valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=99 --log-file="$T_TMP/valgrind-ctl.log" "$BIN/shortlistctl" retention --dry-run --org "$ORG" >"$T_TMP/dry.json"
rc=$?
grep -E "definitely lost|ERROR SUMMARY" "$T_TMP/valgrind-ctl.log" | sed 's/^==[0-9]*== /# shortlistctl: /'
check "valgrind: shortlistctl retention --dry-run leaks nothing (exit $rc)" test "$rc" = 0
check "and reports the job as due, its held candidate kept" test "$(jq -r --argjson j "$JOB" '.jobs[] | select(.job_id == $j) | .action' "$T_TMP/dry.json")" = erase_unheld_candidates
valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
	--error-exitcode=99 --log-file="$T_TMP/valgrind-ctl2.log" "$BIN/shortlistctl" retention --org "$ORG" >"$T_TMP/sweep.json"
rc=$?
check "valgrind: shortlistctl retention (the sweep) leaks nothing (exit $rc)" test "$rc" = 0
check "the sweep erased the unheld candidate" test "$(sql "SELECT count(*) FROM resumes WHERE id = $R3")" = 0
