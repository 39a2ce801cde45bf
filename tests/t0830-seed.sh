#!/usr/bin/env bash
# Seeding: shortlistctl seed fills one job with N scored candidates through
# SQL. The API then lists all of them ranked, their categories have the
# promised spread (and match what the command reported), a candidate's
# detail carries per-criterion evidence found in its resume text, and every
# resume has one current analysis and one finished task. With --failed K
# the outcomes are fixed: two batches seeded alike list the same failures in
# their status. Bad arguments are usage errors that write nothing.
. "$(dirname "$0")/lib/test-lib.sh"

N=2000
ORG="seed-$$"
JOB=$(ctl seed --org "$ORG" --job-title "Platform Engineer" --candidates $N 2>"$T_TMP/seed.err")
rc=$?
check "seed exits 0" test "$rc" = 0
check "seed prints the job id alone" grep -Eqx '[0-9]+' <<<"$JOB"
check "seed reports progress on stderr" grep -q "seed: $N of $N candidates written" "$T_TMP/seed.err"
ORG_ID=$(sql "SELECT id FROM organisations WHERE name = '$ORG'")
check "the organisation was made" test -n "$ORG_ID"
check "the job is the organisation's" test "$(sql "SELECT count(*) FROM jobs WHERE id = ${JOB:-0} AND org_id = ${ORG_ID:-0} AND title = 'Platform Engineer'")" = 1
summary=$(grep -o 'shortlist [0-9]* consider [0-9]* reject [0-9]* needs_review [0-9]* failed [0-9]*' "$T_TMP/seed.err")
reported() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$summary"; }
BATCH=$(sql "SELECT id FROM batches WHERE job_id = ${JOB:-0}")

# --- the rows
check "N resumes in one batch" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND batch_id = $BATCH")" = $N
check "one current analysis each" test "$(sql "SELECT count(DISTINCT resume_id) FILTER (WHERE is_current) || '/' || count(*) FROM analyses WHERE job_id = $JOB")" = "$N/$N"
check "one succeeded task each" test "$(sql "SELECT count(*) FROM tasks t JOIN resumes r ON t.idempotency_key = 'resume:' || r.id WHERE r.job_id = $JOB AND t.kind = 'process_resume' AND t.state = 'succeeded' AND t.finished_at IS NOT NULL")" = $N
check "s3 keys under the organisation's prefix" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND s3_key LIKE 'orgs/$ORG_ID/jobs/$JOB/%'")" = $N
check "a failure is never a reject: statuses follow categories" test "$(sql "SELECT count(*) FROM analyses a JOIN resumes r ON r.id = a.resume_id WHERE a.job_id = $JOB AND a.is_current AND (r.status <> CASE WHEN a.category IN ('failed', 'needs_review') THEN a.category ELSE 'scored' END)")" = 0
check "failed and needs_review resumes carry a reason" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status <> 'scored' AND (status_reason IS NULL OR status_reason = '')")" = 0
check "categories follow the job's thresholds" test "$(sql "SELECT count(*) FROM analyses a JOIN jobs j ON j.id = a.job_id WHERE a.job_id = $JOB AND a.category IN ('shortlist', 'consider', 'reject') AND a.category <> CASE WHEN a.score >= (j.spec->'thresholds'->>'shortlist')::numeric THEN 'shortlist' WHEN a.score >= (j.spec->'thresholds'->>'consider')::numeric THEN 'consider' ELSE 'reject' END")" = 0

# --- the ranked list through the API, every page
KEY=$(ctl key create --org "$ORG" 2>/dev/null)
A=(-H "Authorization: Bearer $KEY")
: >"$T_TMP/items"
cursor="" pages=0
while :; do
	http GET "/api/v1/jobs/$JOB/candidates?limit=100${cursor:+&cursor=$cursor}" "${A[@]}"
	[[ $STATUS == 200 ]] || break
	jq -c '.items[] | {resume_id, category, score, rank}' "$T_TMP/body" >>"$T_TMP/items"
	pages=$((pages + 1))
	cursor=$(json .next_cursor)
	[[ $cursor == null || $pages -gt 30 ]] && break
done
check "the list answers 200 on every page" test "$STATUS" = 200
check "twenty pages of 100" test "$pages" = 20
check "every candidate listed once" test "$(jq -r .resume_id "$T_TMP/items" | sort -u | wc -l)" = $N
grp='def grp: if .category == "needs_review" then 1 elif .category == "failed" then 2 else 0 end;'
check "ranked: scored by score, then needs_review, then failed" test "$(jq -s "$grp"' [.[] | [grp, -(.score // -1), .resume_id]] | . == sort' "$T_TMP/items")" = true
check "ranks run 1..N" test "$(jq -s "[.[].rank] == [range(1; $N + 1)]" "$T_TMP/items")" = true

# --- the distribution: what the command reported, what the API lists, in the promised bands
for cat in shortlist consider reject needs_review failed; do
	listed=$(jq -r --arg c "$cat" 'select(.category == $c) | .resume_id' "$T_TMP/items" | wc -l)
	check "$cat: the API lists what seed reported ($listed)" test "$listed" = "$(reported "$cat")"
done
band() { # CATEGORY LOW HIGH: the category's share of N, in per mille, is within [LOW, HIGH]
	local n
	n=$(jq -r --arg c "$1" 'select(.category == $c) | .resume_id' "$T_TMP/items" | wc -l)
	check "$1 is $((n * 1000 / N))‰ of the candidates (expected $2-$3‰)" test $((n * 1000 / N)) -ge "$2" -a $((n * 1000 / N)) -le "$3"
}
band failed 8 35
band needs_review 30 75
band shortlist 20 100
band consider 550 800
band reject 140 340
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_status 200 "the batch has a status"
expect_json '.state + " " + (.done | tostring) + "/" + (.total | tostring)' "finished $N/$N" "the batch is finished"

# --- one candidate's detail: evidence for every criterion, quoting its resume
TOP=$(head -n 1 "$T_TMP/items" | jq -r .resume_id)
http GET "/api/v1/candidates/$TOP" "${A[@]}"
expect_status 200 "the top candidate's detail"
ncrit=$(sql "SELECT jsonb_array_length(rubric->'criteria') FROM jobs WHERE id = $JOB")
expect_json '.analysis.result.criteria | length' "$ncrit" "a criterion for each of the rubric's $ncrit"
expect_json '[.analysis.result.criteria[] | select((.evidence | length) > 0 and all(.evidence[]; .verified))] | length' "$ncrit" \
	"each criterion has verified evidence"
quote=$(json '.analysis.result.criteria[0].evidence[0].quote')
start=$(json '.analysis.result.criteria[0].evidence[0].start')
end=$(json '.analysis.result.criteria[0].evidence[0].end')
check "the quote is the resume text at its offsets" test "$(sql "SELECT convert_from(substring(convert_to(text, 'UTF8') FROM $start + 1 FOR $end - $start), 'UTF8') FROM resumes WHERE id = $TOP")" = "$quote"
FAILED=$(jq -r 'select(.category == "failed") | .resume_id' "$T_TMP/items" | head -n 1)
http GET "/api/v1/candidates/$FAILED" "${A[@]}"
expect_json '.status + " " + (.reason | length > 0 | tostring)' "failed true" "a failed candidate says why"

# --- fixed outcomes: --failed K, batches alike in what their status lists
for i in 1 2; do
	J=$(ctl seed --org "$ORG" --job-title "Fixed $i" --candidates 10 --failed 1 2>"$T_TMP/fixed.err")
	check "seed --failed 1 exits 0 ($i)" grep -Eqx '[0-9]+' <<<"$J"
	check "seed --failed 1 reports one failure and no needs_review ($i)" grep -q 'needs_review 0 failed 1$' "$T_TMP/fixed.err"
	B=$(sql "SELECT id FROM batches WHERE job_id = ${J:-0}")
	http GET "/api/v1/process/status/$B" "${A[@]}"
	expect_status 200 "a fixed batch's status ($i)"
	json '[.counts.failed, .counts.needs_review, .counts.scored, (.failures | length),
		(.failures[0].status // "none"), (.failures[0].reason | length > 0)] | map(tostring) | join(" ")' >"$T_TMP/fixed-$i"
	check "its status: 1 failed, 0 needs_review, 9 scored, one failure listed with its reason ($(cat "$T_TMP/fixed-$i"))" \
		test "$(cat "$T_TMP/fixed-$i")" = "1 0 9 1 failed true"
	check "the failed candidate is the batch's first ($i)" test "$(sql "SELECT string_agg(status, ',' ORDER BY id) FROM resumes WHERE batch_id = ${B:-0}")" = "failed$(printf ',scored%.0s' 1 2 3 4 5 6 7 8 9)"
done
J=$(ctl seed --org "$ORG" --job-title "Fixed none" --candidates 3 --failed 0 2>"$T_TMP/fixed.err")
check "seed --failed 0 seeds no failure and no needs_review" grep -q 'needs_review 0 failed 0$' "$T_TMP/fixed.err"

# --- tenancy and bad arguments
OTHER=$(new_org "seed-other-$$")
http GET "/api/v1/jobs/$JOB/candidates" -H "Authorization: Bearer $OTHER"
expect_status 404 "another organisation cannot see the seeded job"
before=$(sql "SELECT count(*) FROM resumes WHERE org_id = $ORG_ID")
for bad in 0 -5 abc 10000001 ""; do
	ctl seed --org "$ORG" --job-title X --candidates "$bad" >/dev/null 2>&1
	check "--candidates '$bad' is a usage error (64)" test $? = 64
done
for bad in -1 11 abc ""; do
	ctl seed --org "$ORG" --job-title X --candidates 10 --failed "$bad" >/dev/null 2>"$T_TMP/bad.err"
	check "--failed '$bad' of 10 is a usage error (64)" test $? = 64
done
check "the error names --failed and its range" grep -q -- '--failed must be a whole number from 0 to --candidates (10)' "$T_TMP/bad.err"
ctl seed --org "$ORG" --candidates 5 >/dev/null 2>&1
check "a missing --job-title is a usage error" test $? = 64
check "bad arguments wrote nothing" test "$(sql "SELECT count(*) FROM resumes WHERE org_id = $ORG_ID")" = "$before"
