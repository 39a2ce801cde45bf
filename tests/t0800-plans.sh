#!/usr/bin/env bash
# Plans: on a database seeded with shortlistctl seed (50,000 candidates in one
# job, a few small organisations, emails, upload slots and queued tasks), each
# hot prepared statement is planned with plan_cache_mode = force_generic_plan
# (the plan a prepared statement switches to after five runs, whatever its
# parameters) and must not read analyses, resumes, tasks or emails with a
# sequential scan. Each statement's plan is printed in one line.
#
# The statements are copied from their stores (named below by store and
# statement name); only the JSON projections of plain columns are trimmed,
# since they do not change the plan. Left out on purpose: the ranked lists
# (score/ranking.c ranking_list*) and the progress, stats and metrics
# queries (score/progress.c, account/orgstats.c, core/metrics.c), which are
# being rewritten to read counters and a stored sort key; they get their own
# plan checks with that work.
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
sql "ANALYZE"
RID=$(sql "SELECT id FROM resumes WHERE job_id = $BIG ORDER BY id LIMIT 1 OFFSET 777")
KEY=$(sql "SELECT s3_key FROM resumes WHERE id = $RID")
SHA=$(sql "SELECT sha256 FROM resumes WHERE id = $RID")
EID=$(sql "SELECT id FROM emails WHERE job_id = $BIG LIMIT 1")

# name|EXECUTE arguments|statement
cat >"$T_TMP/statements" <<SQL
job_list (score/jobstore.c)|$ORG, 9223372036854775807, 51|SELECT id, title FROM jobs WHERE org_id = \$1 AND id < \$2 ORDER BY id DESC LIMIT \$3
keystore_list (account/keystore.c)|$ORG, 0, 51|SELECT k.id, jsonb_build_object('id', k.id, 'user', (SELECT jsonb_build_object('id', u.id, 'email', u.email) FROM users u WHERE u.id = k.user_id))::text FROM api_keys k WHERE k.org_id = \$1 AND (\$2::bigint = 0 OR k.id < \$2::bigint) ORDER BY k.id DESC LIMIT \$3::int
outbox_list, all (mail/outbox.c)|$ORG, NULL, NULL, NULL, 51|SELECT id, state FROM emails WHERE org_id = \$1 AND (\$2::bigint IS NULL OR job_id = \$2::bigint) AND (\$3::text IS NULL OR state = \$3::text) AND (\$4::bigint IS NULL OR id < \$4::bigint) ORDER BY id DESC LIMIT \$5::int
outbox_list, job and state (mail/outbox.c)|$ORG, $BIG, 'failed', NULL, 51|SELECT id, state FROM emails WHERE org_id = \$1 AND (\$2::bigint IS NULL OR job_id = \$2::bigint) AND (\$3::text IS NULL OR state = \$3::text) AND (\$4::bigint IS NULL OR id < \$4::bigint) ORDER BY id DESC LIMIT \$5::int
outbox_get (mail/outbox.c)|$ORG, $EID, true|SELECT (jsonb_build_object('id', id) || CASE WHEN \$3::boolean THEN jsonb_build_object('text', body_text, 'html', body_html) ELSE '{}'::jsonb END)::text FROM emails WHERE org_id = \$1 AND id = \$2
outbox_rescue (mail/outbox.c)|5|WITH r AS (SELECT id FROM emails WHERE state = 'sending' AND lease_until < now() ORDER BY lease_until LIMIT 1000 FOR UPDATE SKIP LOCKED) UPDATE emails e SET state = CASE WHEN e.attempts >= \$1::int THEN 'failed' ELSE 'retrying' END, next_attempt_at = now(), lease_until = NULL, locked_by = NULL, uncertain = e.uncertain + 1, updated_at = now() FROM r WHERE e.id = r.id RETURNING e.state
ranking_get, the candidate detail (score/ranking.c)|$ORG, $RID|SELECT jsonb_build_object('resume_id', r.id, 'analysis', (SELECT jsonb_build_object('id', a.id, 'result', a.result) FROM analyses a WHERE a.resume_id = r.id AND a.is_current), 'previous_analyses', (SELECT count(*) FROM analyses a WHERE a.resume_id = r.id AND NOT a.is_current))::text, r.s3_key FROM resumes r WHERE r.org_id = \$1 AND r.id = \$2
uploadslot_find (intake/uploadslot.c)|'orgs/$ORG/jobs/$BIG/uploads/plans-$$-5'|SELECT id, org_id, job_id, state FROM upload_slots WHERE s3_key = \$1
resume_existing, by s3 key or sha (intake/resumestore.c)|$ORG, $BIG, '$SHA', '$KEY'|SELECT id FROM resumes WHERE org_id = \$1 AND job_id = \$2 AND (sha256 = \$3 OR s3_key = \$4) ORDER BY id LIMIT 1
resume_find_sha (intake/resumestore.c)|$ORG, $BIG, '$SHA'|SELECT id FROM resumes WHERE org_id = \$1 AND job_id = \$2 AND sha256 = \$3
arrival_locate (intake/arrival.c)|$RID, $ORG|SELECT s3_key, filename, content_type FROM resumes WHERE id = \$1 AND org_id = \$2
queue_claim_any (queue/queue.c)|'w', NULL, 10, 60|WITH c AS (SELECT id FROM tasks WHERE state = 'queued' AND run_at <= now() AND \$2::text IS NULL ORDER BY priority DESC, run_at, id LIMIT \$3::int FOR UPDATE SKIP LOCKED), u AS (UPDATE tasks t SET state = 'running', attempts = t.attempts + 1, lease_until = now() + \$4::int * interval '1 second', locked_by = \$1, updated_at = now() FROM c WHERE t.id = c.id RETURNING t.id, t.priority, t.run_at) SELECT id FROM u ORDER BY priority DESC, run_at, id
queue_claim_kind (queue/queue.c)|'w', 'process_resume', 10, 60|WITH c AS (SELECT id FROM tasks WHERE state = 'queued' AND run_at <= now() AND kind = \$2::text ORDER BY priority DESC, run_at, id LIMIT \$3::int FOR UPDATE SKIP LOCKED), u AS (UPDATE tasks t SET state = 'running', attempts = t.attempts + 1, lease_until = now() + \$4::int * interval '1 second', locked_by = \$1, updated_at = now() FROM c WHERE t.id = c.id RETURNING t.id, t.priority, t.run_at) SELECT id FROM u ORDER BY priority DESC, run_at, id
queue_still_owned (queue/queue.c)|1, 'w', 1|SELECT 1 FROM tasks WHERE id = \$1::bigint AND state = 'running' AND locked_by = \$2 AND attempts = \$3::int FOR UPDATE
queue_rescue (queue/queue.c)||WITH r AS (SELECT id FROM tasks WHERE state = 'running' AND lease_until < now() FOR UPDATE SKIP LOCKED), u AS (UPDATE tasks t SET state = CASE WHEN t.attempts >= t.max_attempts THEN 'discarded' ELSE 'queued' END, run_at = now(), lease_until = NULL, updated_at = now() FROM r WHERE t.id = r.id RETURNING t.id, t.state, t.kind) SELECT count(*), count(*) FILTER (WHERE state = 'discarded') FROM u
analysis_retire (score/resultstore.c)|$RID|UPDATE analyses SET is_current = false WHERE resume_id = \$1 AND is_current
resume_discarded (score/resultstore.c)||SELECT r.org_id, r.id, COALESCE(t.last_error, 'unknown error') FROM tasks t JOIN resumes r ON r.id = (t.payload->>'resume_id')::bigint AND r.org_id = t.org_id WHERE t.kind = 'process_resume' AND t.state = 'discarded' AND r.status IN ('queued', 'processing') AND NOT EXISTS (SELECT 1 FROM tasks u WHERE u.kind = t.kind AND u.id <> t.id AND u.payload->>'resume_id' = t.payload->>'resume_id' AND u.state IN ('queued', 'running')) LIMIT 1000
prune_tasks (queue/prune.c)|7|DELETE FROM tasks WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE state = 'succeeded' AND finished_at < now() - \$1::int * interval '1 day' ORDER BY finished_at LIMIT 5000 FOR UPDATE SKIP LOCKED))
prune_dead_tasks (queue/prune.c)|90|DELETE FROM tasks WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE state = 'discarded' AND finished_at < now() - \$1::int * interval '1 day' ORDER BY finished_at LIMIT 5000 FOR UPDATE SKIP LOCKED))
prune_upload_slots (queue/prune.c)|30|DELETE FROM upload_slots WHERE id = ANY (ARRAY(SELECT id FROM upload_slots WHERE state IN ('received', 'rejected', 'expired') AND updated_at < now() - \$1::int * interval '1 day' ORDER BY updated_at LIMIT 5000 FOR UPDATE SKIP LOCKED))
queue_metrics, depth and age at scrape time (queue/queuemetrics.c)||SELECT kind, 'queued', count(*), COALESCE(floor(EXTRACT(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now()))), 0) FROM tasks WHERE state = 'queued' GROUP BY kind UNION ALL SELECT kind, 'running', count(*), 0 FROM tasks WHERE state = 'running' GROUP BY kind ORDER BY 1, 2
SQL

# Every scan node of a JSON plan as "Type on relation [using index]", one per line.
scans='[.. | objects | select(has("Node Type") and has("Relation Name"))
        | "\(."Node Type") on \(."Relation Name")\(if ."Index Name" then " using \(."Index Name")" else "" end)"] | .[]'
n=0
while IFS='|' read -r name args stmt; do
	[[ -z $name ]] && continue
	n=$((n + 1))
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
	bad=$(jq -r "$scans" <<<"$plan" | grep -E '^Seq Scan on (analyses|resumes|tasks|emails)$' | sort -u | paste -sd ',')
	check "$name: no sequential scan of a large table${bad:+ (found: $bad)}" test -z "$bad"
done <"$T_TMP/statements"
check "every statement of the list was planned ($n)" test "$n" = 21
