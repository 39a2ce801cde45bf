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
# As autovacuum leaves tables after a bulk load: statistics, and the visibility map
# set, so that an index-only scan is planned as one.
sql "VACUUM ANALYZE"
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
jobsummary (score/jobsummary.c)|$ORG, $BIG|WITH j AS (SELECT id FROM jobs WHERE org_id = \$1 AND id = \$2), r AS (SELECT a.shown_category AS category, CASE WHEN a.rank_key % 20000 <= 10000 THEN LEAST((10000 - a.rank_key % 20000) / 1000, 9) END AS bin, count(*) AS n FROM analyses a WHERE a.job_id = \$2 AND a.is_current AND EXISTS (SELECT 1 FROM j) GROUP BY 1, 2) SELECT jsonb_build_object('job_id', j.id, 'candidates', (SELECT COALESCE(sum(n), 0) FROM r), 'score_bins', (SELECT jsonb_agg(jsonb_build_object('from', b * 10, 'to', b * 10 + 10,   'count', COALESCE((SELECT sum(n) FROM r WHERE r.bin = b), 0)) ORDER BY b) FROM generate_series(0, 9) b), 'unscored', (SELECT COALESCE(sum(n), 0) FROM r WHERE r.bin IS NULL), 'categories', jsonb_build_object('shortlist', 0, 'consider', 0, 'reject', 0, 'needs_review', 0, 'failed', 0)   || COALESCE((SELECT jsonb_object_agg(c.category, c.n)   FROM (SELECT category, sum(n) AS n FROM r GROUP BY 1) c), '{}'::jsonb), 'states', jsonb_build_object('queued', 0, 'processing', 0, 'scored', 0, 'needs_review', 0, 'failed', 0)   || COALESCE((SELECT jsonb_object_agg(s.status, s.n)   FROM (SELECT status, count(*) AS n FROM resumes WHERE job_id = \$2 AND EXISTS (SELECT 1 FROM j)   GROUP BY 1) s), '{}'::jsonb), 'llm', (SELECT jsonb_build_object('analyses', count(*), 'cache_hits', count(*) FILTER (WHERE cache_hit),   'prompt_tokens', COALESCE(sum(prompt_tokens), 0), 'completion_tokens', COALESCE(sum(completion_tokens), 0),   'cost_usd', COALESCE(sum(cost_usd), 0)) FROM analyses WHERE job_id = \$2 AND EXISTS (SELECT 1 FROM j)), 'as_of', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text FROM j
opsreport, 24 hours (account/opsreport.c)|$ORG, 24|WITH w AS (SELECT date_trunc('hour', now()) - (\$2::int - 1) * interval '1 hour' AS h0,  date_trunc('hour', now()) AS h1,  date_trunc('day', date_trunc('hour', now()) - (\$2::int - 1) * interval '1 hour', 'UTC') AS d0,  date_trunc('day', now(), 'UTC') AS d1), a AS MATERIALIZED (SELECT a.id, a.resume_id, a.created_at, a.category, a.cost_usd, a.prompt_tokens,  a.completion_tokens FROM analyses a WHERE a.org_id = \$1 AND a.created_at >= (SELECT d0 FROM w)), hourly AS (SELECT date_trunc('hour', a.created_at) AS t, count(*) AS processed,  count(*) FILTER (WHERE a.category = 'failed') AS failed,  count(*) FILTER (WHERE a.category = 'needs_review') AS needs_review  FROM a WHERE a.created_at >= (SELECT h0 FROM w) GROUP BY 1), latency AS (SELECT date_trunc('hour', a.created_at) AS t, count(*) AS n,  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.created_at - r.created_at)) AS p50,  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.created_at - r.created_at)) AS p95  FROM a JOIN resumes r ON r.id = a.resume_id AND r.org_id = \$1  WHERE a.created_at >= (SELECT h0 FROM w) AND a.category <> 'failed'  AND NOT EXISTS (SELECT 1 FROM analyses o WHERE o.resume_id = a.resume_id AND o.id < a.id   AND o.category <> 'failed') GROUP BY 1), spend AS (SELECT date_trunc('day', a.created_at, 'UTC') AS t, count(*) AS analyses, sum(a.cost_usd) AS cost,  sum(a.prompt_tokens) AS pt, sum(a.completion_tokens) AS ct FROM a GROUP BY 1), mail AS (SELECT date_trunc('day', COALESCE(e.sent_at, e.updated_at), 'UTC') AS t,  count(*) FILTER (WHERE e.state <> 'failed') AS sent, count(*) FILTER (WHERE e.state = 'failed') AS failed  FROM emails e WHERE e.org_id = \$1 AND e.state IN ('sent', 'failed', 'bounced', 'complained')  AND COALESCE(e.sent_at, e.updated_at) >= (SELECT d0 FROM w) GROUP BY 1), queue AS (SELECT t.kind, count(*) FILTER (WHERE t.state = 'queued') AS queued,  count(*) FILTER (WHERE t.state = 'running') AS running  FROM tasks t WHERE t.org_id = \$1 AND t.state IN ('queued', 'running') GROUP BY 1) SELECT jsonb_build_object('hours', \$2::int, 'from', to_char(w.h0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'hourly', (SELECT jsonb_agg(jsonb_build_object('at', to_char(g.t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),   'processed', COALESCE(h.processed, 0), 'failed', COALESCE(h.failed, 0),   'needs_review', COALESCE(h.needs_review, 0), 'latency_n', COALESCE(l.n, 0),   'latency_p50_s', round(l.p50::numeric, 3), 'latency_p95_s', round(l.p95::numeric, 3)) ORDER BY g.t)   FROM generate_series(w.h0, w.h1, interval '1 hour') g(t) LEFT JOIN hourly h ON h.t = g.t   LEFT JOIN latency l ON l.t = g.t), 'daily', (SELECT jsonb_agg(jsonb_build_object('day', to_char(g.t AT TIME ZONE 'UTC', 'YYYY-MM-DD'),   'analyses', COALESCE(s.analyses, 0), 'cost_usd', COALESCE(s.cost, 0), 'prompt_tokens', COALESCE(s.pt, 0),   'completion_tokens', COALESCE(s.ct, 0), 'emails_sent', COALESCE(m.sent, 0),   'emails_failed', COALESCE(m.failed, 0)) ORDER BY g.t)   FROM generate_series(w.d0, w.d1, interval '1 day') g(t) LEFT JOIN spend s ON s.t = g.t   LEFT JOIN mail m ON m.t = g.t), 'queue', (SELECT COALESCE(jsonb_agg(jsonb_build_object('kind', q.kind, 'queued', q.queued,   'running', q.running) ORDER BY q.kind), '[]'::jsonb) FROM queue q), 'as_of', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text FROM w
opsreport, 14 days (account/opsreport.c)|$ORG, 336|WITH w AS (SELECT date_trunc('hour', now()) - (\$2::int - 1) * interval '1 hour' AS h0,  date_trunc('hour', now()) AS h1,  date_trunc('day', date_trunc('hour', now()) - (\$2::int - 1) * interval '1 hour', 'UTC') AS d0,  date_trunc('day', now(), 'UTC') AS d1), a AS MATERIALIZED (SELECT a.id, a.resume_id, a.created_at, a.category, a.cost_usd, a.prompt_tokens,  a.completion_tokens FROM analyses a WHERE a.org_id = \$1 AND a.created_at >= (SELECT d0 FROM w)), hourly AS (SELECT date_trunc('hour', a.created_at) AS t, count(*) AS processed,  count(*) FILTER (WHERE a.category = 'failed') AS failed,  count(*) FILTER (WHERE a.category = 'needs_review') AS needs_review  FROM a WHERE a.created_at >= (SELECT h0 FROM w) GROUP BY 1), latency AS (SELECT date_trunc('hour', a.created_at) AS t, count(*) AS n,  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.created_at - r.created_at)) AS p50,  percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.created_at - r.created_at)) AS p95  FROM a JOIN resumes r ON r.id = a.resume_id AND r.org_id = \$1  WHERE a.created_at >= (SELECT h0 FROM w) AND a.category <> 'failed'  AND NOT EXISTS (SELECT 1 FROM analyses o WHERE o.resume_id = a.resume_id AND o.id < a.id   AND o.category <> 'failed') GROUP BY 1), spend AS (SELECT date_trunc('day', a.created_at, 'UTC') AS t, count(*) AS analyses, sum(a.cost_usd) AS cost,  sum(a.prompt_tokens) AS pt, sum(a.completion_tokens) AS ct FROM a GROUP BY 1), mail AS (SELECT date_trunc('day', COALESCE(e.sent_at, e.updated_at), 'UTC') AS t,  count(*) FILTER (WHERE e.state <> 'failed') AS sent, count(*) FILTER (WHERE e.state = 'failed') AS failed  FROM emails e WHERE e.org_id = \$1 AND e.state IN ('sent', 'failed', 'bounced', 'complained')  AND COALESCE(e.sent_at, e.updated_at) >= (SELECT d0 FROM w) GROUP BY 1), queue AS (SELECT t.kind, count(*) FILTER (WHERE t.state = 'queued') AS queued,  count(*) FILTER (WHERE t.state = 'running') AS running  FROM tasks t WHERE t.org_id = \$1 AND t.state IN ('queued', 'running') GROUP BY 1) SELECT jsonb_build_object('hours', \$2::int, 'from', to_char(w.h0 AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'hourly', (SELECT jsonb_agg(jsonb_build_object('at', to_char(g.t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),   'processed', COALESCE(h.processed, 0), 'failed', COALESCE(h.failed, 0),   'needs_review', COALESCE(h.needs_review, 0), 'latency_n', COALESCE(l.n, 0),   'latency_p50_s', round(l.p50::numeric, 3), 'latency_p95_s', round(l.p95::numeric, 3)) ORDER BY g.t)   FROM generate_series(w.h0, w.h1, interval '1 hour') g(t) LEFT JOIN hourly h ON h.t = g.t   LEFT JOIN latency l ON l.t = g.t), 'daily', (SELECT jsonb_agg(jsonb_build_object('day', to_char(g.t AT TIME ZONE 'UTC', 'YYYY-MM-DD'),   'analyses', COALESCE(s.analyses, 0), 'cost_usd', COALESCE(s.cost, 0), 'prompt_tokens', COALESCE(s.pt, 0),   'completion_tokens', COALESCE(s.ct, 0), 'emails_sent', COALESCE(m.sent, 0),   'emails_failed', COALESCE(m.failed, 0)) ORDER BY g.t)   FROM generate_series(w.d0, w.d1, interval '1 day') g(t) LEFT JOIN spend s ON s.t = g.t   LEFT JOIN mail m ON m.t = g.t), 'queue', (SELECT COALESCE(jsonb_agg(jsonb_build_object('kind', q.kind, 'queued', q.queued,   'running', q.running) ORDER BY q.kind), '[]'::jsonb) FROM queue q), 'as_of', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text FROM w
SQL

# Indexes a statement must read (by the name before any comma).
declare -A want=(
	["jobsummary (score/jobsummary.c)"]="analyses_rank_category resumes_job_status analyses_job_spend"
	["opsreport"]="analyses_org_created emails_org_done tasks_org_active"
)

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
	# The dashboards' statements read the indexes made for them, and the ranked list's.
	for idx in ${want[${name%%,*}]:-}; do
		check "$name: reads $idx" jq -e --arg i "$idx" '[.. | objects | select(."Index Name" == $i)] | length > 0' <<<"$plan"
	done
done <"$T_TMP/statements"
check "every statement of the list was planned ($n)" test "$n" = 24
