#!/usr/bin/env bash
# Paging while rescoring: one pass through a job's ranked list shows every
# candidate exactly once with consecutive ranks, while candidates are rescored
# between pages, from a later page to an earlier one, from a page already
# shown to a later one and into another category. The next pass shows the new
# scores. A cursor of the earlier format is answered 400.
. "$(dirname "$0")/lib/test-lib.sh"

N=30
KEY=$(new_org "paging-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Paging","description":"Rescoring while paging"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
[[ $JOB =~ ^[0-9]+$ ]] || skip_all "cannot create a job"
ORG=$(sql "SELECT org_id FROM jobs WHERE id = $JOB")
sql "INSERT INTO resumes (org_id, job_id, s3_key, sha256, size_bytes, content_type, status, contact)
	SELECT $ORG, $JOB, 'paging-$$/' || i, lpad(to_hex(i), 64, '0'), 1000, 'text/plain', 'scored',
	jsonb_build_object('name', 'Candidate ' || i) FROM generate_series(1, $N) AS i" >/dev/null
# Scores 90, 87, ... 3: one candidate per score, shortlist from 75, consider from 50.
category() { echo "CASE WHEN $1 >= 75 THEN 'shortlist' WHEN $1 >= 50 THEN 'consider' ELSE 'reject' END"; }
sql "INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result)
	SELECT $ORG, $JOB, id, 'seed', s, $(category s), '{}'
	FROM (SELECT id, 93 - 3 * row_number() OVER (ORDER BY id) AS s FROM resumes WHERE job_id = $JOB) r" >/dev/null
# rescore NAME SCORE: what a rescore writes, a new current analysis replacing the old one.
rescore() {
	sql "WITH r AS (SELECT id FROM resumes WHERE job_id = $JOB AND contact->>'name' = '$1'),
	old AS (UPDATE analyses SET is_current = false WHERE resume_id = (SELECT id FROM r) AND is_current RETURNING 1)
	INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result)
	SELECT $ORG, $JOB, id, 'rescore', $2, $(category "$2"), '{}' FROM r, (SELECT count(*) FROM old) o" >/dev/null
}
# pass QUERY: pages through with limit 5, rescoring between pages; the items go to $T_TMP/pass.
pass() {
	local cursor="" page=0
	: >"$T_TMP/pass"
	while :; do
		http GET "/api/v1/jobs/$JOB/candidates?limit=5$1${cursor:+&cursor=$cursor}" "${A[@]}"
		[[ $STATUS == 200 ]] || { not_ok "page $page: HTTP $STATUS $BODY"; return; }
		jq -c '.items[] | {name, rank, score, category}' "$T_TMP/body" >>"$T_TMP/pass"
		cursor=$(json .next_cursor)
		[[ $cursor == null ]] && return
		page=$((page + 1))
		case $page in
		1) rescore "Candidate 28" 99 ;; # not yet shown: moves to the top, a page already shown
		2) rescore "Candidate 2" 1 ;;   # shown on page 1: moves to the last page
		3) rescore "Candidate 20" 80 ;; # not yet shown, reject: moves to the shortlist, already shown
		4) rescore "Candidate 25" 20 ;; # not yet shown: moves a little further down
		esac
	done
}
names() { jq -r .name "$T_TMP/pass" | sort | uniq -c | awk '{print $1}' | sort -u | tr '\n' ' '; }

pass ""
check "one pass shows $N candidates" test "$(wc -l <"$T_TMP/pass")" = $N
check "each exactly once" test "$(names)" = "1 "
check "ranks 1 to $N in order" test "$(jq -r .rank "$T_TMP/pass" | tr '\n' ' ')" = "$(seq -s ' ' 1 $N) "
check "in the order of the ranking when the pass began" \
	test "$(jq -r .score "$T_TMP/pass" | tr '\n' ' ')" = "$(seq -s ' ' 90 -3 3) "
check "four rescores were written" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND provider = 'rescore'")" = 4

# The next pass shows the new ranking.
http GET "/api/v1/jobs/$JOB/candidates?limit=1" "${A[@]}"
expect_json '.items[0].name' "Candidate 28" "the next pass starts with the candidate rescored to the top"
expect_json '.items[0].score' 99 "with the new score"

# A category filter, with a candidate rescored out of it and one into it during the pass.
cursor=""
: >"$T_TMP/pass"
for page in 0 1 2 3 4 5 6 7; do
	http GET "/api/v1/jobs/$JOB/candidates?category=shortlist&limit=2${cursor:+&cursor=$cursor}" "${A[@]}"
	jq -c '.items[] | {name, rank, score, category}' "$T_TMP/body" >>"$T_TMP/pass"
	cursor=$(json .next_cursor)
	[[ $page == 0 ]] && { rescore "Candidate 5" 10; rescore "Candidate 16" 76; }
	[[ $cursor == null ]] && break
done
SHORT=$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND category = 'shortlist'")
check "the shortlist pass shows the $((SHORT)) shortlisted of when it began, once each" \
	test "$(wc -l <"$T_TMP/pass") $(names)" = "$SHORT 1 "
check "Candidate 5, rescored out during the pass, is still in it" grep -q '"Candidate 5"' "$T_TMP/pass"
check "Candidate 16, rescored in during the pass, waits for the next pass" test -z "$(grep '"Candidate 16"' "$T_TMP/pass")"

# A cursor of the earlier format ("GROUP.SCORE.ID") carries no rank: start again.
OLD=$(printf '0.9000.%s' "$(sql "SELECT min(id) FROM resumes WHERE job_id = $JOB")" | od -An -tx1 | tr -d ' \n')
http GET "/api/v1/jobs/$JOB/candidates?cursor=$OLD" "${A[@]}"
expect_status 400 "a cursor of the earlier format"
expect_json '.detail | test("older page; start again")' true "says to start again"

sql "DELETE FROM organisations WHERE id = $ORG" >/dev/null
