#!/usr/bin/env bash
# The hot statements of batch status, /stats and /metrics, and the one the
# counter triggers run per change, are index-shaped under the generic plan:
# on a database with T0825_ROWS (default 100,000) resumes, tasks, analyses
# and emails, PREPARE + EXPLAIN EXECUTE with plan_cache_mode =
# force_generic_plan shows no Seq Scan of analyses, resumes, tasks, emails or
# batch_items. The statements are those of shared/score/progress.c,
# shared/account/orgstats.c, shared/core/metrics.c and migration 0110.
. "$(dirname "$0")/lib/test-lib.sh"

N=${T0825_ROWS:-100000}
TAG="plans-$$"
# Rows go in with the triggers off (fast), then counters_rebuild() counts them.
seed() {
	sql "SET session_replication_role = replica;
	INSERT INTO organisations (name) VALUES ('$TAG');
	INSERT INTO jobs (org_id, title) SELECT id, 'Plans' FROM organisations WHERE name = '$TAG';
	INSERT INTO batches (org_id, job_id) SELECT org_id, id FROM jobs WHERE org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	INSERT INTO resumes (org_id, job_id, batch_id, s3_key, sha256, size_bytes, content_type, filename, status)
	  SELECT b.org_id, b.job_id, b.id, '$TAG/' || g, md5(g::text) || md5('$TAG' || g), 100, 'text/plain', 'r' || g || '.txt',
	         CASE WHEN g % 50 = 0 THEN 'failed' ELSE 'scored' END
	    FROM batches b, generate_series(1, $N) g WHERE b.org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	INSERT INTO tasks (org_id, kind, payload, idempotency_key, state, finished_at, resume_id, batch_id)
	  SELECT org_id, 'process_resume', jsonb_build_object('resume_id', id, 'job_id', job_id, 'batch_id', batch_id),
	         'resume:' || id, CASE WHEN id % 50 = 0 THEN 'discarded' ELSE 'succeeded' END, now(), id, batch_id
	    FROM resumes WHERE s3_key LIKE '$TAG/%';
	INSERT INTO analyses (org_id, job_id, resume_id, provider, score, category, result, prompt_tokens, completion_tokens, cost_usd)
	  SELECT org_id, job_id, id, 'local', id % 100, (ARRAY['shortlist', 'consider', 'reject'])[1 + id % 3], '{}', 100, 20, 0.0001
	    FROM resumes WHERE s3_key LIKE '$TAG/%';
	INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, subject, body_text, message_id, state)
	  SELECT org_id, job_id, id, 'invite', 'c' || id || '@plans.example', 'Hello', 'Hello', '$TAG-' || id, 'sent'
	    FROM resumes WHERE s3_key LIKE '$TAG/%' AND id % 5 = 0;
	SET session_replication_role = origin;
	SELECT counters_rebuild();
	ANALYZE resumes; ANALYZE tasks; ANALYZE analyses; ANALYZE emails; ANALYZE batch_items; ANALYZE counters;" >/dev/null
}
cleanup() {
	[[ -n ${T0825_KEEP:-} ]] && return
	sql "SET session_replication_role = replica;
	DELETE FROM emails WHERE message_id LIKE '$TAG-%';
	DELETE FROM analyses WHERE org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	DELETE FROM tasks WHERE org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	DELETE FROM resumes WHERE org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	DELETE FROM batches WHERE org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	DELETE FROM jobs WHERE org_id = (SELECT id FROM organisations WHERE name = '$TAG');
	DELETE FROM organisations WHERE name = '$TAG';
	SET session_replication_role = origin;
	SELECT counters_rebuild();" >/dev/null
}
seed || skip_all "cannot seed $N rows"
ORG=$(sql "SELECT id FROM organisations WHERE name = '$TAG'")
BATCH=$(sql "SELECT id FROM batches WHERE org_id = $ORG")
RESUME=$(sql "SELECT min(id) FROM resumes WHERE batch_id = $BATCH")
check "$N resumes, tasks and analyses in one batch" \
	test "$(sql "SELECT count(*) FROM resumes WHERE batch_id = $BATCH") $(sql "SELECT count(*) FROM batch_items WHERE batch_id = $BATCH")" = "$N $N"
check "the rebuilt counters equal a full count" test -z "$(sql "SELECT * FROM counters_check() LIMIT 1")"

# plan NAME TYPES ARGS SQL: the generic plan of SQL prepared with TYPES, executed with ARGS.
plan() {
	psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 \
		-c "SET plan_cache_mode = force_generic_plan" -c "PREPARE p${2:+($2)} AS $4" \
		-c "EXPLAIN EXECUTE p${3:+($3)}" 2>&1
}
generic() { # NAME TYPES ARGS SQL
	local out
	out=$(plan "$@")
	if grep -q "Seq Scan on \(analyses\|resumes\|tasks\|emails\|batch_items\)\b" <<<"$out" || ! grep -q "Scan" <<<"$out"; then
		not_ok "$1: the generic plan scans a large table"
		sed 's/^/#   /' <<<"$out"
	else
		ok "$1: index-shaped under the generic plan"
	fi
}

# --- batch status (shared/score/progress.c)
generic progress_batch "bigint, bigint" "$ORG, $BATCH" \
	"SELECT b.job_id, b.source, to_jsonb(b.created_at)#>>'{}', extract(epoch FROM clock_timestamp() - b.created_at),
	 b.rubric_version, (SELECT count(*) FROM upload_slots s WHERE s.batch_id = b.id AND s.state = 'issued'
	 AND s.expires_at > now()) FROM batches b WHERE b.org_id = \$1 AND b.id = \$2"
generic progress_counts "text" "'$BATCH'" \
	"SELECT k1, k2, sum(n)::bigint FROM counters WHERE scope = 'batch' AND scope_id = \$1::bigint
	 AND family = 'batch' GROUP BY k1, k2"
generic progress_finished "text" "'$BATCH'" \
	"SELECT to_jsonb(fin)#>>'{}' FROM batch_items WHERE batch_id = \$1::bigint ORDER BY fin DESC NULLS LAST LIMIT 1"
generic progress_failures "bigint, text, text" "$ORG, '$BATCH', '100'" \
	"SELECT jsonb_build_object('resume_id', r.id, 'filename', r.filename, 'status', i.state, 'reason',
	 CASE WHEN t.state = 'discarded' THEN COALESCE(t.last_error, 'gave up after the last attempt')
	  ELSE COALESCE(r.status_reason, NULLIF(a.result->>'reason', ''), NULLIF(a.result->>'summary', '')) END)::text
	 FROM batch_items i JOIN resumes r ON r.id = i.resume_id AND r.org_id = \$1
	 LEFT JOIN LATERAL (SELECT t.state, t.last_error FROM tasks t WHERE t.kind = 'process_resume'
	  AND t.resume_id = i.resume_id AND t.batch_id = i.batch_id AND t.org_id = r.org_id
	  ORDER BY t.id DESC LIMIT 1) t ON true
	 LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current
	 WHERE i.batch_id = \$2::bigint AND i.state IN ('failed', 'needs_review') ORDER BY i.resume_id LIMIT \$3::int"

# --- /stats (shared/account/orgstats.c), one family shown: all have this shape
generic orgstats "text" "'$ORG'" \
	"WITH c AS (SELECT family, k1, sum(n) AS n FROM counters WHERE scope = 'org' AND scope_id = \$1::bigint
	 GROUP BY family, k1) SELECT jsonb_build_object('jobs', jsonb_build_object('open', 0, 'closed', 0)
	 || COALESCE((SELECT jsonb_object_agg(k1, n) FROM c WHERE family = 'jobs'), '{}'::jsonb),
	 'llm', COALESCE((SELECT jsonb_object_agg(k1, n) FROM c WHERE family = 'llm'), '{}'::jsonb))::text"

# --- /metrics (shared/core/metrics.c)
for fam in tasks:"k1, k2" resumes:k1 candidates:k1 emails:k1; do
	generic "metrics ${fam%%:*}" "" "" \
		"SELECT ${fam#*:}, sum(n) FROM counters WHERE scope = 'service' AND scope_id = 0 AND family = '${fam%%:*}'
		 GROUP BY ${fam#*:} HAVING sum(n) <> 0 ORDER BY ${fam#*:}"
done
generic "metrics llm" "" "" \
	"SELECT COALESCE(sum(n), 0) FROM counters WHERE scope = 'service' AND scope_id = 0 AND family = 'llm' AND k1 = 'cost_usd'"

# --- what the triggers run for each change (migration 0110)
generic batch_item_compute "bigint, bigint" "$BATCH, $RESUME" "SELECT * FROM batch_item_compute(\$1, \$2)"
generic batch_item_compute_body "bigint, bigint" "$BATCH, $RESUME" \
	"SELECT r.status, t.state, a.category FROM resumes r
	 LEFT JOIN LATERAL (SELECT t.state, t.finished_at FROM tasks t WHERE t.kind = 'process_resume' AND t.resume_id = r.id
	   AND t.batch_id = \$1 AND t.org_id = r.org_id ORDER BY t.id DESC LIMIT 1) t ON true
	 LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current
	 WHERE r.id = \$2 AND (r.batch_id = \$1 OR t.state IS NOT NULL)"
generic refresh_resume_batches "bigint" "$RESUME" \
	"SELECT batch_id FROM resumes WHERE id = \$1 AND batch_id IS NOT NULL
	 UNION SELECT batch_id FROM tasks WHERE kind = 'process_resume' AND resume_id = \$1 AND batch_id IS NOT NULL
	 UNION SELECT batch_id FROM batch_items WHERE resume_id = \$1 ORDER BY 1"

# --- a change through the triggers keeps the counts
sql "UPDATE resumes SET status = 'needs_review', updated_at = now() WHERE id = $RESUME" >/dev/null
check "one change moves one count" test "$(sql "SELECT sum(n) FROM counters WHERE scope = 'job' AND family = 'resumes' AND k1 = 'needs_review' AND scope_id = (SELECT job_id FROM batches WHERE id = $BATCH)")" = 1

cleanup
t_finish
