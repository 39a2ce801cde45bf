#!/usr/bin/env bash
# Pruning: the drainer's maintenance deletes succeeded tasks, dead-letter
# tasks and settled upload slots past their retention (7, 90 and 30 days by
# default), oldest first and at most 5,000 of each kind a round. Young rows,
# dead letters within their longer retention, unfinished tasks and issued
# slots stay whatever their age, and nothing an audit needs is touched:
# resumes, analyses, batches and emails of pruned tasks remain, and the job's
# candidates and its batch status still answer.
. "$(dirname "$0")/lib/test-lib.sh"

KEY=$(new_org "prune-$$")
A=(-H "Authorization: Bearer $KEY")
ORG=$(sql "SELECT org_id FROM api_keys ORDER BY id DESC LIMIT 1")
JOB=$(ctl seed --org "prune-$$" --job-title "Pruned Engineer" --candidates 20 2>/dev/null)
check "a seeded job to audit" grep -Eqx '[0-9]+' <<<"$JOB"
BATCH=$(sql "SELECT id FROM batches WHERE job_id = $JOB")
K=prune_test_$$
ins() { # STATE FINISHED-DAYS-AGO COUNT TAG: tasks of kind $K
	sql "INSERT INTO tasks (org_id, kind, idempotency_key, state, attempts, finished_at, created_at, run_at, lease_until, locked_by)
	     SELECT $ORG, '$K', '$4:' || g, '$1', 1,
	            CASE WHEN '$1' IN ('succeeded', 'discarded') THEN now() - $2 * interval '1 day' END,
	            now() - ($2 + 1) * interval '1 day',
	            CASE WHEN '$1' = 'queued' THEN now() + interval '1 day' ELSE now() - ($2 + 1) * interval '1 day' END,
	            CASE WHEN '$1' = 'running' THEN now() + interval '1 day' END,
	            CASE WHEN '$1' = 'running' THEN 'elsewhere' END
	     FROM generate_series(1, $3) g"
}
ins succeeded 8 6000 old
ins succeeded 6 20 young
ins discarded 30 10 dead-young
ins discarded 100 5 dead-old
ins queued 200 3 waiting
ins running 200 2 working
# The seeded job's own tasks finished long ago, too.
sql "UPDATE tasks SET finished_at = now() - interval '30 days' WHERE org_id = $ORG AND kind = 'process_resume'"
slots() { # STATE UPDATED-DAYS-AGO COUNT TAG
	sql "INSERT INTO upload_slots (upload_id, org_id, job_id, batch_id, s3_key, filename, expires_at, state, created_at, updated_at)
	     SELECT md5('$$:$4:' || g), $ORG, $JOB, NULL, 'orgs/$ORG/jobs/$JOB/uploads/$4-' || g, 'f' || g || '.pdf',
	            now() + interval '1 day', '$1', now() - $2 * interval '1 day', now() - $2 * interval '1 day'
	     FROM generate_series(1, $3) g"
}
slots received 40 10 rec-old
slots received 10 10 rec-young
slots rejected 40 5 rej-old
slots expired 40 5 exp-old
slots issued 100 5 iss-old

count() { sql "SELECT count(*) FROM tasks WHERE kind = '$K' AND idempotency_key LIKE '$1:%'"; }
old_global=$(sql "SELECT count(*) FROM tasks WHERE state = 'succeeded' AND finished_at < now() - interval '7 days'")
audit=$(sql "SELECT (SELECT count(*) FROM resumes WHERE org_id = $ORG) || '/' || (SELECT count(*) FROM analyses WHERE org_id = $ORG) || '/' || (SELECT count(*) FROM batches WHERE org_id = $ORG)")

"$BIN/drainer" --once --max-seconds 20 >"$T_TMP/drainer1.log" 2>&1
check "the first drainer run exits 0" test $? = 0
after=$(sql "SELECT count(*) FROM tasks WHERE state = 'succeeded' AND finished_at < now() - interval '7 days'")
check "one round deletes 5000 old succeeded tasks, no more ($old_global -> $after)" test $((old_global - after)) = 5000
check "the drainer says what it pruned" grep -q "prune: deleted 5000 succeeded tasks, 5 dead-letter tasks, 20 upload slots" "$T_TMP/drainer1.log"
check "the oldest went first: the seeded job's 30-day-old tasks are gone" \
	test "$(sql "SELECT count(*) FROM tasks WHERE org_id = $ORG AND kind = 'process_resume'")" = 0
check "1020 of the 8-day-old remain after one round (the 20 older went first)" test "$(count old)" = 1020
check "young succeeded tasks stay" test "$(count young)" = 20
check "dead letters younger than 90 days stay" test "$(count dead-young)" = 10
check "dead letters older than 90 days are gone" test "$(count dead-old)" = 0
check "old queued tasks stay" test "$(count waiting)" = 3
check "old running tasks stay" test "$(count working)" = 2
slot() { sql "SELECT count(*) FROM upload_slots WHERE org_id = $ORG AND s3_key LIKE '%/uploads/$1-%'"; }
check "old received slots are gone" test "$(slot rec-old)" = 0
check "young received slots stay" test "$(slot rec-young)" = 10
check "old rejected and expired slots are gone" test "$(($(slot rej-old) + $(slot exp-old)))" = 0
check "issued slots stay, however old" test "$(slot iss-old)" = 5

"$BIN/drainer" --once --max-seconds 20 >"$T_TMP/drainer2.log" 2>&1
check "a second round finishes the backlog" test "$(count old)" = 0
check "and keeps the young" test "$(count young)/$(count dead-young)/$(count waiting)/$(count working)" = "20/10/3/2"

# --- what an audit needs
check "resumes, analyses and batches stay" test "$(sql "SELECT (SELECT count(*) FROM resumes WHERE org_id = $ORG) || '/' || (SELECT count(*) FROM analyses WHERE org_id = $ORG) || '/' || (SELECT count(*) FROM batches WHERE org_id = $ORG)")" = "$audit"
http GET "/api/v1/jobs/$JOB/candidates?limit=100" "${A[@]}"
expect_json '.items | length' 20 "the job still lists its 20 candidates"
http GET "/api/v1/process/status/$BATCH" "${A[@]}"
expect_status 200 "the batch's status still answers"
expect_json '.state + " " + (.done | tostring)' "finished 20" "the batch is still finished with its 20"

# --- retention is configurable
ins succeeded 3 4 three-days
SHORTLIST_TASK_RETENTION_DAYS=2 "$BIN/drainer" --once --max-seconds 20 >"$T_TMP/drainer3.log" 2>&1
check "SHORTLIST_TASK_RETENTION_DAYS=2 prunes 3-day-old tasks" test "$(count three-days)" = 0
check "and the 6-day-old too" test "$(count young)" = 0
SHORTLIST_TASK_RETENTION_DAYS=0 "$BIN/drainer" --once --max-seconds 5 >"$T_TMP/drainer4.log" 2>&1
check "a retention of 0 days is refused as bad configuration (78)" test $? = 78
