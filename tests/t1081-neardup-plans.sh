#!/usr/bin/env bash
# Plans of the near-duplicate statements (score/neardup.c, printed by
# shortlistctl statements): on an organisation of 20,000 seeded candidates,
# each with a fingerprint, and 10,000 links, the look-up of a new
# fingerprint and the reading of a page's links (the body of
# resume_links_of(), which keeps its generic plan) are planned with
# plan_cache_mode = force_generic_plan (what a prepared statement switches
# to after five runs) and must read resume_fingerprints, resume_links and
# resumes through their indexes only: the look-up as one index range per
# band (all eight band indexes in the plan), never a sequential scan.
. "$(dirname "$0")/lib/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
JOB=$(ctl seed --org "ndplans-$$" --job-title "Plan Engineer" --candidates 20000 2>"$T_TMP/seed.err")
check "seeded 20,000 candidates" grep -Eqx '[0-9]+' <<<"$JOB" || skip_all "seed failed: $(tail -n 3 "$T_TMP/seed.err")"
ORG=$(sql "SELECT org_id FROM jobs WHERE id = $JOB")
# Random 64-bit fingerprints, the bands cut from them as the code does (band i is bits 8i..8i+7).
sql "INSERT INTO resume_fingerprints (resume_id, org_id, simhash, words, name_key, b0, b1, b2, b3, b4, b5, b6, b7)
     SELECT id, org_id, h, 200, '', h & 255, (h >> 8) & 255, (h >> 16) & 255, (h >> 24) & 255, (h >> 32) & 255,
            (h >> 40) & 255, (h >> 48) & 255, (h >> 56) & 255
     FROM (SELECT id, org_id, (random() * 9.2e18)::bigint AS h FROM resumes WHERE job_id = $JOB) x" >/dev/null
sql "INSERT INTO resume_links (org_id, resume_a, resume_b, distance)
     SELECT $ORG, a.id, a.id + 1, 3 FROM resumes a WHERE a.job_id = $JOB AND a.id % 2 = 0
     AND EXISTS (SELECT 1 FROM resumes b WHERE b.id = a.id + 1 AND b.job_id = $JOB)" >/dev/null
check "20,000 fingerprints" test "$(sql "SELECT count(*) FROM resume_fingerprints WHERE org_id = $ORG")" = 20000
check "about 10,000 links" test "$(sql "SELECT count(*) FROM resume_links WHERE org_id = $ORG")" -ge 9000
sql "ANALYZE resume_fingerprints; ANALYZE resume_links; ANALYZE resumes" >/dev/null

ctl statements >"$T_TMP/statements" 2>"$T_TMP/statements.err"
for name in neardup_lookup neardup_links; do
	check "the list has $name" grep -q "^$name|" "$T_TMP/statements"
done
scans='[.. | objects | select(has("Node Type") and has("Relation Name"))
        | "\(."Node Type") on \(."Relation Name")\(if ."Index Name" then " using \(."Index Name")" else "" end)"] | .[]'
n=0
while IFS='|' read -r name args stmt; do
	[[ $name == neardup_* ]] || continue
	n=$((n + 1))
	args=${args//ORG_ID/$ORG}
	types=
	if [[ $name == neardup_links ]]; then
		# The links are read by resume_links_of() (migration 0330): what is planned is its body's statement.
		check "$name reads them through resume_links_of()" grep -q 'FROM resume_links_of(' <<<"$stmt"
		stmt=$(sql "SELECT prosrc FROM pg_proc WHERE proname = 'resume_links_of'" | tr '\n' ' ' |
			sed -E 's/.*RETURN QUERY[[:space:]]+(SELECT[^;]*);.*/\1/')
		types="(bigint, bigint[])"
	fi
	plan=$(psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 2>&1 <<PSQL
BEGIN;
SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE s $types AS $stmt;
EXPLAIN (FORMAT JSON) EXECUTE s($args);
ROLLBACK;
PSQL
	)
	if ! jq -e . >/dev/null 2>&1 <<<"$plan"; then
		not_ok "$name: cannot be planned: $(head -c 300 <<<"$plan")"
		continue
	fi
	summary=$(jq -r "$scans" <<<"$plan" | paste -sd ';' | sed 's/;/; /g')
	indexes=$(jq -r '[.. | objects | select(has("Index Name")) | ."Index Name"] | unique | join(", ")' <<<"$plan")
	echo "# $name: $summary; indexes: $indexes"
	bad=$(jq -r "$scans" <<<"$plan" | grep -E '^Seq Scan on (resume_fingerprints|resume_links|resumes)$' | sort -u | paste -sd ',')
	check "$name: no sequential scan${bad:+ (found: $bad)}" test -z "$bad"
	if [[ $name == neardup_lookup ]]; then
		bands=$(tr ',' '\n' <<<"$indexes" | grep -Ec 'resume_fingerprints_b[0-7]$')
		check "$name: one index range per band ($bands of 8 band indexes)" test "$bands" = 8
	fi
done <"$T_TMP/statements"
check "both statements were planned ($n)" test "$n" = 2
