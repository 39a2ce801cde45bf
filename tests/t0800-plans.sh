#!/usr/bin/env bash
# Plans: on a database seeded with shortlistctl seed (50,000 candidates in one
# job, a few small organisations, emails, upload slots, queued tasks and
# audit events), each
# hot prepared statement is planned with plan_cache_mode = force_generic_plan
# (the plan a prepared statement switches to after five runs, whatever its
# parameters) and must not read analyses, resumes, tasks or emails with a
# sequential scan (nor audit_events). Each statement's plan is printed in
# one line.
#
# The statements are the code's own, printed by shortlistctl statements
# stores (NAME|PARAMETERS|SQL, the parameters naming the seeded rows by
# placeholder), so a changed query cannot escape its plan check. The ranked
# lists have theirs in t0805, the counting statements (batch status, /stats,
# /metrics) in t0825.
. "$(dirname "$0")/lib/test-lib.sh"

BIG=$(ctl seed --org "plans-big-$$" --job-title "Plan Engineer" --candidates 50000 2>"$T_TMP/seed.err")
check "seeded 50,000 candidates" grep -Eqx '[0-9]+' <<<"$BIG" || skip_all "seed failed: $(tail -n 3 "$T_TMP/seed.err")"
for i in 1 2 3; do ctl seed --org "plans-small-$i-$$" --job-title "Small $i" --candidates 200 >/dev/null 2>&1; done
ORG=$(sql "SELECT org_id FROM jobs WHERE id = $BIG")
# Emails for 20,000 of the big job's candidates, some not sent yet; upload slots; queued and running tasks.
sql "INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, subject, body_text, message_id, state)
     SELECT org_id, job_id, id, 'invite', 'c' || id || '@seed.example', 'Hello', 'Hello', 'plans-$$-' || id || '@seed',
            (ARRAY['sent', 'sent', 'sent', 'queued', 'failed'])[1 + id % 5]
     FROM resumes WHERE job_id = $BIG ORDER BY id LIMIT 20000"
sql "INSERT INTO upload_slots (upload_id, org_id, job_id, s3_key, filename, expires_at, state)
     SELECT md5('plans-$$-' || g), $ORG, $BIG, 'orgs/$ORG/jobs/$BIG/uploads/plans-$$-' || g, 'f.pdf', now() + interval '1 hour',
            CASE WHEN g % 10 = 0 THEN 'issued' ELSE 'received' END FROM generate_series(1, 20000) g"
sql "INSERT INTO tasks (org_id, kind, idempotency_key, state, run_at, lease_until, locked_by)
     SELECT $ORG, 'process_resume', 'plans-$$-' || g, CASE WHEN g % 2 = 0 THEN 'queued' ELSE 'running' END,
            now() + interval '1 hour', now() + interval '1 hour', 'plans' FROM generate_series(1, 500) g"
sql "INSERT INTO audit_events (org_id, action, job_id, resume_id, request_id, details)
     SELECT org_id, 'candidate.viewed', job_id, id, 'plans-$$', '{}'::jsonb
     FROM resumes WHERE job_id = $BIG ORDER BY id LIMIT 20000"
# As autovacuum leaves tables after a bulk load: statistics, and the visibility map
# set, so that an index-only scan is planned as one.
sql "VACUUM ANALYZE"
RID=$(sql "SELECT id FROM resumes WHERE job_id = $BIG ORDER BY id LIMIT 1 OFFSET 777")
KEY=$(sql "SELECT s3_key FROM resumes WHERE id = $RID")
SHA=$(sql "SELECT sha256 FROM resumes WHERE id = $RID")
EID=$(sql "SELECT id FROM emails WHERE job_id = $BIG LIMIT 1")
BATCH=$(sql "SELECT id FROM batches WHERE job_id = $BIG")

ctl statements stores >"$T_TMP/statements" 2>"$T_TMP/statements.err"
check "shortlistctl statements stores lists the statements" test -s "$T_TMP/statements"
for name in job_list keystore_list outbox_list outbox_list_job_state outbox_get ranking_get uploadslot_find \
	resume_existing arrival_locate queue_claim_any queue_claim_kind queue_succeed_many queue_rescue analysis_retire \
	resume_discarded prune_tasks queue_metrics jobsummary opsreport_24h opsreport_14d queue_defer budget_committed \
	budget_wake_tasks budget_wake_resumes budget_spend budget_spend_org budget_spend_jobs budget_job \
	budget_seen_completion budget_batch_sizes jobprep_status jobprep_pending_rows jobprep_record audit_list_resume \
	audit_list_job audit_list_org audit_list_filtered hold_check hold_list; do
	check "the list has $name" grep -q "^$name|" "$T_TMP/statements"
done

# Indexes a statement must read.
declare -A want=(
	[jobsummary]="analyses_rank_category resumes_job_status analyses_job_spend"
	[opsreport_24h]="analyses_org_created emails_org_done tasks_org_active"
	[opsreport_14d]="analyses_org_created emails_org_done tasks_org_active"
)

# Every scan node of a JSON plan as "Type on relation [using index]", one per line.
scans='[.. | objects | select(has("Node Type") and has("Relation Name"))
        | "\(."Node Type") on \(."Relation Name")\(if ."Index Name" then " using \(."Index Name")" else "" end)"] | .[]'
n=0
while IFS='|' read -r name args stmt; do
	[[ -z $name ]] && continue
	n=$((n + 1))
	args=${args//ORG_ID/$ORG}
	args=${args//JOB_ID/$BIG}
	args=${args//RESUME_ID/$RID}
	args=${args//RESUME_SHA/$SHA}
	args=${args//RESUME_KEY/$KEY}
	args=${args//EMAIL_ID/$EID}
	args=${args//BATCH_ID/$BATCH}
	args=${args//SLOT_KEY/orgs/$ORG/jobs/$BIG/uploads/plans-$$-5}
	plan=$(psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 2>&1 <<PSQL
SET plan_cache_mode = force_generic_plan;
PREPARE s AS $stmt;
EXPLAIN (FORMAT JSON) EXECUTE s${args:+($args)};
PSQL
	)
	if ! jq -e . >/dev/null 2>&1 <<<"$plan"; then
		not_ok "$name: cannot be planned: $(head -c 300 <<<"$plan")"
		continue
	fi
	summary=$(jq -r "$scans" <<<"$plan" | paste -sd ';' | sed 's/;/; /g')
	echo "# $name: $summary"
	bad=$(jq -r "$scans" <<<"$plan" | grep -E '^Seq Scan on (analyses|resumes|tasks|emails|audit_events)$' | sort -u | paste -sd ',')
	check "$name: no sequential scan of a large table${bad:+ (found: $bad)}" test -z "$bad"
	# The dashboards' statements read the indexes made for them, and the ranked list's.
	for idx in ${want[$name]:-}; do
		check "$name: reads $idx" jq -e --arg i "$idx" '[.. | objects | select(."Index Name" == $i)] | length > 0' <<<"$plan"
	done
done <"$T_TMP/statements"
check "every statement of the list was planned ($n)" test "$n" -ge 52
