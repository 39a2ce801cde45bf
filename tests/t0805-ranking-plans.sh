#!/usr/bin/env bash
# The ranked list in index order: on a job with 20,000 analyses, the keys of
# page 1, of a late page and of a category filter are one range of the
# rank-key indexes, under the custom and the generic plan, with human
# decisions on some candidates (the key follows them): an Index Scan on
# analyses_rank_key or analyses_rank_category, no Sort and no Seq Scan.
# The statements are the key parts of ranking.c's LIVE_KEYS, as prepared.
. "$(dirname "$0")/lib/test-lib.sh"

N=20000
KEY=$(new_org "plans-$$")
JOB=$(curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
	--data '{"title":"Plans","description":"Many candidates"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
[[ $JOB =~ ^[0-9]+$ ]] || skip_all "cannot create a job"
ORG=$(sql "SELECT org_id FROM jobs WHERE id = $JOB")

sql "INSERT INTO resumes (org_id, job_id, s3_key, sha256, size_bytes, content_type, status, contact)
	SELECT $ORG, $JOB, 'plans-$$/' || i, lpad(to_hex(i), 64, '0'), 1000, 'text/plain', 'scored',
	jsonb_build_object('name', 'Candidate ' || i) FROM generate_series(1, $N) AS i" >/dev/null
sql "INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result)
	SELECT $ORG, $JOB, r.id, 'seed', s, CASE WHEN r.id % 50 = 0 THEN 'needs_review' WHEN s >= 75 THEN 'shortlist'
	WHEN s >= 50 THEN 'consider' ELSE 'reject' END, '{}'
	FROM (SELECT id, round((id * 7919 % 10000) / 100.0, 2) AS s FROM resumes WHERE job_id = $JOB) r" >/dev/null
# Human decisions on some of them (decision.h) move those through the triggers of migration 0151.
sql "INSERT INTO decisions (org_id, job_id, resume_id, category, reason)
	SELECT $ORG, $JOB, id, CASE WHEN id % 2 = 0 THEN 'shortlist' ELSE 'reject' END, 'plan test'
	FROM resumes WHERE job_id = $JOB AND id % 37 = 0" >/dev/null
sql "ANALYZE analyses" >/dev/null
check "the decisions are on the analyses" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND decision IS NOT NULL")" = "$(sql "SELECT count(*) FROM decisions WHERE job_id = $JOB")"
check "the job has $N current analyses" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current")" = $N
SINCE=$(sql "SELECT max(id) FROM analyses WHERE job_id = $JOB")
LATE=$(sql "SELECT rank_key || ', ' || resume_id FROM analyses WHERE job_id = $JOB AND is_current
	ORDER BY rank_key, resume_id OFFSET 15000 LIMIT 1")
LATE_CAT=$(sql "SELECT rank_key || ', ' || resume_id FROM analyses WHERE job_id = $JOB AND is_current
	AND shown_category = 'reject' ORDER BY rank_key, resume_id OFFSET 3000 LIMIT 1")

LIVE="SELECT a.id AS aid, a.resume_id, a.rank_key FROM analyses a WHERE a.job_id = \$2 AND a.is_current
	AND (a.rank_key, a.resume_id) > (\$4::int, \$5::bigint) AND a.org_id = \$1 AND a.id <= \$3::bigint
	ORDER BY a.rank_key, a.resume_id LIMIT \$6::int"
LIVE_CAT="SELECT a.id AS aid, a.resume_id, a.rank_key FROM analyses a WHERE a.job_id = \$2 AND a.is_current
	AND a.shown_category = \$7::text AND (a.rank_key, a.resume_id) > (\$4::int, \$5::bigint) AND a.org_id = \$1
	AND a.id <= \$3::bigint ORDER BY a.rank_key, a.resume_id LIMIT \$6::int"

# plan MODE STATEMENT ARGS: the JSON plan of EXECUTE under plan_cache_mode MODE.
plan() {
	local types='bigint, bigint, bigint, int, bigint, int'
	[[ $2 == "$LIVE_CAT" ]] && types="$types, text"
	psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 <<SQL
SET plan_cache_mode = $1;
PREPARE q ($types) AS $2;
EXPLAIN (FORMAT JSON) EXECUTE q ($3);
SQL
}
# shaped WHAT INDEX MODE STATEMENT ARGS
shaped() {
	local p nodes
	p=$(plan "$3" "$4" "$5")
	nodes=$(jq -r '[.. | objects | select(has("Node Type")) | .["Node Type"] + ":" + (.["Index Name"] // .["Relation Name"] // "")] | join(" ")' <<<"$p")
	if grep -q "Index Scan:$2" <<<"$nodes" && ! grep -qE "Seq Scan|Sort" <<<"$nodes"; then
		ok "$1, $3: $nodes"
	else
		not_ok "$1, $3: expected an Index Scan on $2 and no Seq Scan or Sort, got $nodes"
	fi
}
for mode in force_custom_plan force_generic_plan; do
	shaped "page 1" analyses_rank_key $mode "$LIVE" "$ORG, $JOB, $SINCE, -1, 0, 26"
	shaped "a late page" analyses_rank_key $mode "$LIVE" "$ORG, $JOB, $SINCE, $LATE, 26"
	shaped "category page 1" analyses_rank_category $mode "$LIVE_CAT" "$ORG, $JOB, $SINCE, -1, 0, 26, 'shortlist'"
	shaped "a late category page" analyses_rank_category $mode "$LIVE_CAT" "$ORG, $JOB, $SINCE, $LATE_CAT, 26, 'reject'"
done

# The list through the API agrees: a late page carries on from the rank in its cursor.
A=(-H "Authorization: Bearer $KEY")
http GET "/api/v1/jobs/$JOB/candidates?limit=100" "${A[@]}"
expect_status 200 "page 1"
expect_json '.items[99].rank' 100 "page 1 ends at rank 100"
http GET "/api/v1/jobs/$JOB/candidates?limit=100&cursor=$(json .next_cursor)" "${A[@]}"
expect_json '.items[0].rank' 101 "page 2 starts at rank 101"

sql "DELETE FROM organisations WHERE id = $ORG" >/dev/null
