#!/usr/bin/env bash
# Plans of the counting statements: on a database seeded with shortlistctl
# seed (50,000 candidates in one job, a few small organisations) and a
# counter_deltas table of 100,000 rows, each statement that batch status,
# /stats and /metrics run, and the drainer's compaction, is planned with
# plan_cache_mode = force_generic_plan (the plan a prepared statement
# switches to after five runs, whatever its parameters) and must not read
# analyses, resumes, tasks, emails, counter_deltas or batch_items with a
# sequential scan. The statements are the code's own, printed by
# shortlistctl statements (NAME|PARAMETERS|SQL); the plan harness is
# t0800's. The batch status's failure list is planned under both plans (a
# small batch's custom plan, the big batch's, the generic one: the same
# index-shaped plan), and a prepared statement run the way a handler runs it
# (plan_cache_mode auto, small and big batches in turn) keeps the generic
# plan after its first five runs instead of planning every call.
. "$(dirname "$0")/lib/test-lib.sh"

BIG=$(ctl seed --org "cplans-big-$$" --job-title "Plan Engineer" --candidates 50000 2>"$T_TMP/seed.err")
check "seeded 50,000 candidates" grep -Eqx '[0-9]+' <<<"$BIG" || skip_all "seed failed: $(tail -n 3 "$T_TMP/seed.err")"
for i in 1 2 3; do ctl seed --org "cplans-small-$i-$$" --job-title "Small $i" --candidates 200 >/dev/null 2>&1; done
ORG=$(sql "SELECT org_id FROM jobs WHERE id = $BIG")
BATCH=$(sql "SELECT id FROM batches WHERE job_id = $BIG")
# Deltas of 100,000 scopes that do not exist (compaction drops them later): a
# large table in which each scope is a small range.
sql "INSERT INTO counter_deltas (scope, scope_id, family, k1, n)
     SELECT 'job', 9000000000 + g, 'resumes', 'scored', 1 FROM generate_series(1, 100000) g" >/dev/null
sql "ANALYZE"

ctl statements >"$T_TMP/statements" 2>"$T_TMP/statements.err"
check "shortlistctl statements lists the statements" test -s "$T_TMP/statements"
for name in counters_scope counters_compact counters_newest progress_finished progress_failures shortlist_tasks shortlist_resumes \
	shortlist_analyses_current shortlist_emails shortlist_llm_tokens shortlist_llm_cost_usd; do
	check "the list has $name" grep -q "^$name|" "$T_TMP/statements"
done

# Every scan node of a JSON plan as "Type on relation [using index]", one per line.
scans='[.. | objects | select(has("Node Type") and has("Relation Name"))
        | "\(."Node Type") on \(."Relation Name")\(if ."Index Name" then " using \(."Index Name")" else "" end)"] | .[]'
plan_one() { # LABEL ARGS SQL [MODE]
	local label=$1 args=$2 stmt=$3 mode=${4:-force_generic_plan} plan summary bad
	plan=$(psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 2>&1 <<PSQL
BEGIN;
SET LOCAL plan_cache_mode = $mode;
PREPARE s AS $stmt;
EXPLAIN (FORMAT JSON) EXECUTE s${args:+($args)};
ROLLBACK;
PSQL
	)
	if ! jq -e . >/dev/null 2>&1 <<<"$plan"; then
		not_ok "$label: cannot be planned: $(head -c 300 <<<"$plan")"
		return
	fi
	summary=$(jq -r "$scans" <<<"$plan" | paste -sd ';' | sed 's/;/; /g')
	echo "# $label: $summary"
	echo "$summary" >"$T_TMP/last-plan"
	bad=$(jq -r "$scans" <<<"$plan" | grep -E '^Seq Scan on (analyses|resumes|tasks|emails|counter_deltas|batch_items)$' | sort -u | paste -sd ',')
	check "$label: no sequential scan of a large table${bad:+ (found: $bad)}" test -z "$bad"
}
n=0
while IFS='|' read -r name args stmt; do
	[[ -z $name ]] && continue
	n=$((n + 1))
	args=${args//ORG_ID/$ORG}
	args=${args//BATCH_ID/$BATCH}
	if [[ $name == counters_scope ]]; then
		plan_one "batch status counts (counters_scope)" "'batch', $BATCH" "$stmt"
		plan_one "/stats (counters_scope)" "'org', $ORG" "$stmt"
		plan_one "job counts (counters_scope)" "'job', $BIG" "$stmt"
	else
		plan_one "$name" "$args" "$stmt"
	fi
	[[ $name == progress_failures ]] && failures_sql=$stmt
done <"$T_TMP/statements"
check "every statement of the list was planned ($n)" test "$n" = 13

# The failure list: one index-shaped plan under both plans, for a small batch and the big one.
SORG=$(sql "SELECT id FROM organisations WHERE name = 'cplans-small-1-$$'")
SBATCH=$(sql "SELECT id FROM batches WHERE org_id = $SORG")
check "the small batch has failed or needs_review items" \
	test "$(sql "SELECT count(*) FROM batch_items WHERE batch_id = $SBATCH AND state IN ('failed', 'needs_review')")" -gt 0
check "the big batch has more than the list's limit" \
	test "$(sql "SELECT count(*) FROM batch_items WHERE batch_id = $BATCH AND state IN ('failed', 'needs_review')")" -gt 100
plan_one "progress_failures, generic plan" "$SORG, $SBATCH" "$failures_sql"
generic=$(cat "$T_TMP/last-plan")
check "the failure list's generic plan reads batch_items_problems" grep -q 'Index Scan on batch_items using batch_items_problems' <<<"$generic"
for b in "$SORG, $SBATCH" "$ORG, $BATCH"; do
	plan_one "progress_failures, custom plan ($b)" "$b" "$failures_sql" force_custom_plan
	check "the custom plan for ($b) is the generic one" test "$(cat "$T_TMP/last-plan")" = "$generic"
done
# As a handler's connection runs it: small and big batches in turn, plan_cache_mode auto.
runs=$(psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 2>&1 <<PSQL
PREPARE f AS $failures_sql;
$(for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	if ((i % 4 == 0)); then echo "EXECUTE f($ORG, $BATCH) \\g /dev/null"; else echo "EXECUTE f($SORG, $SBATCH) \\g /dev/null"; fi
done)
SELECT generic_plans || ' ' || custom_plans FROM pg_prepared_statements WHERE name = 'f';
PSQL
)
echo "# progress_failures in a session, 12 runs: generic and custom plans: $runs"
check "the failure list keeps its generic plan after five custom ones ($runs)" test "$runs" = "7 5"
# The list a status answers is the same as before: the batch's problems in resume order, at most 100.
want=$(sql "SELECT string_agg(resume_id::text, ',' ORDER BY resume_id) FROM (SELECT resume_id FROM batch_items
	WHERE batch_id = $BATCH AND state IN ('failed', 'needs_review') ORDER BY resume_id LIMIT 100) x")
got=$(psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 2>&1 <<PSQL | jq -rs 'map(.resume_id | tostring) | join(",")'
PREPARE f AS $failures_sql;
EXECUTE f($ORG, $BATCH);
PSQL
)
check "the failure list of the big batch is its first 100 problems in resume order" test "$got" = "$want"
check "another organisation's id lists none of the batch's failures" \
	test -z "$(psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -c "PREPARE f AS $failures_sql; EXECUTE f($SORG, $BATCH)" 2>&1)"
sql "DELETE FROM counter_deltas WHERE scope = 'job' AND scope_id > 9000000000" >/dev/null
t_finish
