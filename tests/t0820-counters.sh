#!/usr/bin/env bash
# Counters stay equal to a full count of the rows: after two concurrent
# upload loops, two drainers, a rescore while they process, provider failures
# and forced retries, a deleted job and a deleted organisation, shortlistctl
# counters-check finds no difference, every batch, job and organisation
# counter touched equals a count(*) over the rows (batches classified with
# the join the status query used before the counters), the status and /stats
# answers agree with them, and compaction leaves no delta of a deleted scope.
# Seeding 50,000 candidates writes a bounded number of deltas (per
# statement, not per row), timed against the same seed with the counter
# triggers off; last, counters-rebuild repairs counters broken on purpose
# and that seed's.
. "$(dirname "$0")/lib/test-lib.sh"

KEY_A=$(new_org "counters-a-$$")
KEY_B=$(new_org "counters-b-$$")
KEY_C=$(new_org "counters-c-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
C=(-H "Authorization: Bearer $KEY_C")
JSON=(-H "Content-Type: application/json")
ORG_A=$(sql "SELECT id FROM organisations WHERE name = 'counters-a-$$'")
ORG_B=$(sql "SELECT id FROM organisations WHERE name = 'counters-b-$$'")
ORG_C=$(sql "SELECT id FROM organisations WHERE name = 'counters-c-$$'")
ORGS="$ORG_A, $ORG_B"
R_DB='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL","weight":1,"keywords":["postgresql","go"]}]}'
R_K8S='{"criteria":[{"name":"Clusters","description":"Runs Kubernetes with Helm","weight":1,"keywords":["kubernetes","helm"]}]}'
SKILLS=("Go, PostgreSQL and Linux" "Kubernetes, Helm and Terraform" "Go, PostgreSQL, Kubernetes and Helm" "spreadsheets and accounting")
resume() { # FILE N
	local s=${SKILLS[$(($2 % 4))]}
	printf 'Candidate Number%s\nEmail: c%s@counters.example\n\nSummary\nEngineer who likes careful work and %s.\n\nExperience\nSoftware Engineer, Acme Corporation (2015 - 2024)\nBuilt and ran production systems with %s for a team of twelve people.\n\nSkills\n%s\n' \
		"$2" "$2" "$s" "$s" "$s" >"$1"
}
new_job() { # KEY_ARRAY_NAME
	local -n k=$1
	curl -s "${k[@]}" "${JSON[@]}" --data "{\"title\":\"Engineer\",\"description\":\"Go and PostgreSQL\",\"rubric\":$R_DB}" \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
busy() { sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND org_id IN ($ORGS) AND state IN ('queued', 'running')"; }
drainers() { # SECONDS: two drainers at once until the organisations' tasks are done
	local end=$(($(date +%s) + $1)) i
	for i in 1 2; do
		(while (($(date +%s) < end)); do
			"$BIN/drainer" --once --max-seconds 20 >>"$T_TMP/drainer-$i.log" 2>&1
			[[ -e "$T_TMP/uploading" || $(busy) != 0 ]] || break
			sleep 0.2
		done) &
	done
	wait
}

JOB_A1=$(new_job A)
JOB_A2=$(new_job A)
JOB_B1=$(new_job B)
JOB_B2=$(new_job B)
JOB_C1=$(new_job C)
mkdir -p "$T_TMP/r"
for ((i = 1; i <= 24; i++)); do resume "$T_TMP/r/c$i.txt" "$i"; done
# Batches of two files, so each loop makes several batches.
upload_loop() { # KEY_ARRAY_NAME JOB FIRST LAST
	local -n k=$1
	local i
	for ((i = $3; i <= $4; i += 2)); do
		curl -s "${k[@]}" -F "f=@$T_TMP/r/c$i.txt" -F "f=@$T_TMP/r/c$((i + 1)).txt" \
			"$BASE_URL/api/v1/jobs/$2/resumes" >>"$T_TMP/uploads.json"
		echo >>"$T_TMP/uploads.json"
	done
}

# --- two upload loops and two drainers at once; job A1 is rescored while they run
touch "$T_TMP/uploading"
(upload_loop A "$JOB_A1" 1 12
	curl -s "${A[@]}" "${JSON[@]}" -X PATCH --data "{\"rubric\":$R_K8S}" "$BASE_URL/api/v1/jobs/$JOB_A1" >/dev/null
	curl -s "${A[@]}" -X POST --data "" "$BASE_URL/api/v1/jobs/$JOB_A1/rescore" >"$T_TMP/rescore.json"
	upload_loop B "$JOB_B1" 1 6) &
UP1=$!
(upload_loop A "$JOB_A2" 13 24; upload_loop B "$JOB_B1" 7 12; upload_loop B "$JOB_B2" 13 16; upload_loop C "$JOB_C1" 17 20) &
UP2=$!
(wait_ups() { while kill -0 "$UP1" 2>/dev/null || kill -0 "$UP2" 2>/dev/null; do sleep 0.2; done; }
	wait_ups
	rm -f "$T_TMP/uploading") &
WAITER=$!
drainers 240
wait # the drainers waited for the upload loops too
check "44 resumes accepted in 22 uploads" test "$(jq -s '[.[].accepted] | add' "$T_TMP/uploads.json")" = 44
RB=$(jq -r .batch_id "$T_TMP/rescore.json")
check "job A1 was rescored while the drainers ran (batch $RB)" grep -Eqx '[0-9]+' <<<"$RB"
drainers 120
check "every task of the uploads and the rescore is done" test "$(busy)" = 0

# --- retries: the provider fails (500s, retried by the engine and then by the
# queue), and three finished tasks of job A2 become dead letters that are
# retried through the API.
DEAD=$(sql "UPDATE tasks SET state = 'discarded', last_error = 'forced for the test', finished_at = now()
	WHERE id IN (SELECT id FROM tasks WHERE kind = 'process_resume' AND payload->>'job_id' = '$JOB_A2'
	ORDER BY id LIMIT 3) RETURNING id")
check "three dead letters" test "$(wc -w <<<"$DEAD")" = 3
DEAD_BATCH=$(sql "SELECT batch_id FROM tasks WHERE id = $(head -1 <<<"$DEAD")")
check "a dead letter counts as failed in its batch" \
	test "$(sql "SELECT COALESCE(sum(n), 0) FROM counter_deltas WHERE scope = 'batch' AND scope_id = $DEAD_BATCH AND k1 = 'state' AND k2 = 'failed'")" -ge 1
http GET "/api/v1/process/status/$DEAD_BATCH" "${A[@]}"
check "its batch status lists the dead letter with the task's error" \
	test "$(json '[.failures[] | select(.reason == "forced for the test")] | length')" -ge 1
curl -s -o /dev/null -H "Content-Type: application/json" --data '{"next":["500","500","500","500","500","500","500","500","500","500","500","500"]}' \
	"http://127.0.0.1:$SHORTLIST_LLM_PORT/_fault"
for id in $DEAD; do
	http POST "/api/v1/tasks/$id/retry" "${A[@]}" --data ""
	expect_status 202 "dead letter $id retried"
done
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=test-key drainers 180
check "the retries are done" test "$(busy)" = 0
echo "# the fake provider answered $(curl -s "http://127.0.0.1:$SHORTLIST_LLM_PORT/_stats" | jq -r .faults) faults; tasks tried more than once: $(sql "SELECT count(*) FROM tasks WHERE org_id IN ($ORGS) AND attempts > 1")"
http GET "/api/v1/process/status/$RB" "${A[@]}"
expect_json '.state + " " + (.total | tostring)' "finished 12" "the rescore batch finished its twelve resumes"

# --- a deleted job and a deleted organisation (no API deletes them: SQL, cascading)
C_BATCH=$(sql "SELECT id FROM batches WHERE org_id = $ORG_C ORDER BY id LIMIT 1")
B2_BATCH=$(sql "SELECT id FROM batches WHERE job_id = $JOB_B2 ORDER BY id LIMIT 1")
check "the organisation and the job to delete have counters" \
	test "$(sql "SELECT count(DISTINCT scope) FROM counter_deltas WHERE (scope = 'org' AND scope_id = $ORG_C) OR (scope = 'job' AND scope_id = $JOB_B2)")" = 2
sql "DELETE FROM jobs WHERE id = $JOB_B2" >/dev/null
sql "DELETE FROM organisations WHERE id = $ORG_C" >/dev/null

# --- every counter equals a full count
out=$(ctl counters-check 2>&1)
check "shortlistctl counters-check finds no difference${out:+: $(head -c 400 <<<"$out")}" test -z "$out"
# Each batch item classified as the status query did before the counters.
BATCH_ROWS="WITH i AS (
	SELECT b.id AS batch_id, t.state AS tstate, r.status AS rstatus, a.category FROM batches b
	  JOIN resumes r ON r.batch_id = b.id
	  LEFT JOIN tasks t ON t.kind = 'process_resume' AND t.idempotency_key = 'resume:' || r.id
	  LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current
	 WHERE b.org_id IN ($ORGS) AND b.source <> 'rescore'
	UNION ALL
	SELECT b.id, t.state, r.status, a.category FROM batches b
	  JOIN tasks t ON t.org_id = b.org_id AND t.kind = 'process_resume' AND t.payload->>'batch_id' = b.id::text
	  JOIN resumes r ON r.org_id = b.org_id AND r.id = (t.payload->>'resume_id')::bigint
	  LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current
	 WHERE b.org_id IN ($ORGS) AND b.source = 'rescore'),
  c AS (SELECT batch_id, category, CASE WHEN tstate = 'discarded' THEN 'failed' WHEN tstate = 'queued' THEN 'queued'
	  WHEN tstate = 'running' THEN 'processing'
	  WHEN tstate = 'succeeded' AND category IN ('shortlist', 'consider', 'reject') THEN 'scored'
	  WHEN tstate = 'succeeded' AND category IS NOT NULL THEN category ELSE rstatus END AS state FROM i)"
counted_batches=$(sql "$BATCH_ROWS
	SELECT string_agg(x, ' ' ORDER BY x) FROM (
	  SELECT batch_id || ':total:' || count(*) AS x FROM c GROUP BY batch_id
	  UNION ALL SELECT batch_id || ':state:' || state || ':' || count(*) FROM c GROUP BY batch_id, state
	  UNION ALL SELECT batch_id || ':category:' || category || ':' || count(*) FROM c WHERE state = 'scored'
	            GROUP BY batch_id, category) s")
stored_batches=$(sql "SELECT string_agg(x, ' ' ORDER BY x) FROM (
	SELECT scope_id || ':' || k1 || CASE WHEN k2 <> '' THEN ':' || k2 ELSE '' END || ':' || sum(n) AS x
	  FROM counter_deltas WHERE scope = 'batch' AND scope_id IN (SELECT id FROM batches WHERE org_id IN ($ORGS))
	 GROUP BY scope_id, k1, k2 HAVING sum(n) <> 0) s")
check "the batches' counters equal a full count ($(wc -w <<<"$counted_batches") figures)" \
	test "$stored_batches" = "$counted_batches"
check "19 batches counted (18 uploads, 1 rescore)" \
	test "$(sql "SELECT count(DISTINCT scope_id) FROM counter_deltas WHERE scope = 'batch' AND k1 = 'total' AND scope_id IN (SELECT id FROM batches WHERE org_id IN ($ORGS))")" = 19
ANY_BATCH=$(jq -r 'select(.batch_id) | .batch_id' "$T_TMP/uploads.json" | head -1)
http GET "/api/v1/process/status/$ANY_BATCH" "${A[@]}"
check "a batch's status shows its counters" test \
	"$(json '"\(.total) \(.counts.scored) \(.counts.failed) \(.categories.shortlist)"')" = \
	"$(sql "$BATCH_ROWS SELECT count(*) || ' ' || count(*) FILTER (WHERE state = 'scored') || ' ' || count(*) FILTER (WHERE state = 'failed') || ' ' || count(*) FILTER (WHERE state = 'scored' AND category = 'shortlist') FROM c WHERE batch_id = $ANY_BATCH")"

stored_scope() { # SCOPE IDS FAMILIES
	sql "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT scope_id || ':' || family || ':' || k1
	  || CASE WHEN k2 <> '' THEN ':' || k2 ELSE '' END || ':' || sum(n) AS x FROM counter_deltas
	  WHERE scope = '$1' AND scope_id IN ($2) AND family IN ($3) GROUP BY scope_id, family, k1, k2 HAVING sum(n) <> 0) s"
}
counted_jobs=$(sql "SELECT string_agg(x, ' ' ORDER BY x) FROM (
	SELECT job_id || ':resumes:' || status || ':' || count(*) AS x FROM resumes WHERE org_id IN ($ORGS) GROUP BY job_id, status
	UNION ALL SELECT job_id || ':candidates:' || category || ':' || count(*) FROM analyses
	 WHERE org_id IN ($ORGS) AND is_current GROUP BY job_id, category) s")
check "the jobs' counters equal a full count" \
	test "$(stored_scope job "$JOB_A1, $JOB_A2, $JOB_B1" "'resumes', 'candidates'")" = "$counted_jobs"
counted_orgs=$(sql "SELECT string_agg(x, ' ' ORDER BY x) FROM (
	SELECT org_id || ':resumes:' || status || ':' || count(*) AS x FROM resumes WHERE org_id IN ($ORGS) GROUP BY org_id, status
	UNION ALL SELECT org_id || ':candidates:' || category || ':' || count(*) FROM analyses
	  WHERE org_id IN ($ORGS) AND is_current GROUP BY org_id, category
	UNION ALL SELECT org_id || ':tasks:' || state || ':' || count(*) FROM tasks WHERE org_id IN ($ORGS) GROUP BY org_id, state
	UNION ALL SELECT org_id || ':emails:' || state || ':' || count(*) FROM emails WHERE org_id IN ($ORGS) GROUP BY org_id, state
	UNION ALL SELECT org_id || ':jobs:' || status || ':' || count(*) FROM jobs WHERE org_id IN ($ORGS) GROUP BY org_id, status
	UNION ALL SELECT org_id || ':llm:analyses:' || count(*) FROM analyses WHERE org_id IN ($ORGS) GROUP BY org_id
	UNION ALL SELECT org_id || ':llm:cache_hits:' || count(*) FROM analyses WHERE org_id IN ($ORGS) AND cache_hit GROUP BY org_id
	UNION ALL SELECT org_id || ':llm:prompt_tokens:' || sum(prompt_tokens) FROM analyses WHERE org_id IN ($ORGS) GROUP BY org_id
	  HAVING sum(prompt_tokens) <> 0
	UNION ALL SELECT org_id || ':llm:completion_tokens:' || sum(completion_tokens) FROM analyses WHERE org_id IN ($ORGS)
	  GROUP BY org_id HAVING sum(completion_tokens) <> 0
	UNION ALL SELECT org_id || ':llm:cost_usd:' || sum(cost_usd) FROM analyses WHERE org_id IN ($ORGS) GROUP BY org_id
	  HAVING sum(cost_usd) <> 0) s")
check "the organisations' counters equal a full count" \
	test "$(stored_scope org "$ORGS" "'resumes', 'candidates', 'tasks', 'emails', 'jobs', 'llm'")" = "$counted_orgs"
http GET /api/v1/stats "${A[@]}"
expect_status 200 "organisation A's statistics"
check "/stats shows the counted resumes and candidates" test \
	"$(json '"\(.resumes.scored) \(.resumes.failed) \(.candidates.shortlist) \(.tasks.succeeded) \(.llm.analyses)"')" = \
	"$(sql "SELECT (SELECT count(*) FROM resumes WHERE org_id = $ORG_A AND status = 'scored') || ' ' ||
	  (SELECT count(*) FROM resumes WHERE org_id = $ORG_A AND status = 'failed') || ' ' ||
	  (SELECT count(*) FROM analyses WHERE org_id = $ORG_A AND is_current AND category = 'shortlist') || ' ' ||
	  (SELECT count(*) FROM tasks WHERE org_id = $ORG_A AND state = 'succeeded') || ' ' ||
	  (SELECT count(*) FROM analyses WHERE org_id = $ORG_A)")"
http GET "/api/v1/jobs/$JOB_A2" "${A[@]}"
check "a job's counts show its counted resumes and candidates" test \
	"$(json '"\(.counts.resumes.scored) \(.counts.resumes.failed) \(.counts.candidates.shortlist) \(.counts.candidates.consider) \(.counts.candidates.reject)"')" = \
	"$(sql "SELECT (SELECT count(*) FROM resumes WHERE job_id = $JOB_A2 AND status = 'scored') || ' ' ||
	  (SELECT count(*) FROM resumes WHERE job_id = $JOB_A2 AND status = 'failed') || ' ' ||
	  (SELECT count(*) FROM analyses WHERE job_id = $JOB_A2 AND is_current AND category = 'shortlist') || ' ' ||
	  (SELECT count(*) FROM analyses WHERE job_id = $JOB_A2 AND is_current AND category = 'consider') || ' ' ||
	  (SELECT count(*) FROM analyses WHERE job_id = $JOB_A2 AND is_current AND category = 'reject')")"
BASE_URL=$METRICS_URL http GET /metrics
check "/metrics shows the counted resumes" test \
	"$(grep -c '^shortlist_resumes{' "$T_TMP/body") $(grep '^shortlist_resumes{status="scored"}' "$T_TMP/body" | cut -d' ' -f2)" = \
	"$(sql "SELECT count(DISTINCT status) || ' ' || count(*) FILTER (WHERE status = 'scored') FROM resumes")"

# --- compaction: the drainer's round folds the deltas and drops those of the deleted scopes
sql "SELECT 1 FROM counter_deltas LIMIT 0" >/dev/null
before=$(sql "SELECT count(*) FROM counter_deltas")
for i in $(seq 1 $(((before + 9999) / 10000 + 1))); do "$BIN/drainer" --once --max-seconds 1 >>"$T_TMP/drainer-c.log" 2>&1; done
check "the drainer folded the deltas ($before rows before, $(sql "SELECT count(*) FROM counter_deltas") after)" \
	test "$(sql "SELECT count(*) FROM counter_deltas")" -lt "$before"
check "no delta of the deleted organisation, job or their batches is left" \
	test "$(sql "SELECT count(*) FROM counter_deltas WHERE (scope = 'org' AND scope_id = $ORG_C) OR (scope = 'job' AND scope_id IN ($JOB_B2, $JOB_C1)) OR (scope = 'batch' AND scope_id IN ($C_BATCH, $B2_BATCH))")" = 0
check "no batch item of the deleted batches is left" \
	test "$(sql "SELECT count(*) FROM batch_items WHERE batch_id IN ($C_BATCH, $B2_BATCH)")" = 0
check "no counter of any scope is negative" \
	test "$(sql "SELECT count(*) FROM (SELECT 1 FROM counter_deltas GROUP BY scope, scope_id, family, k1, k2 HAVING sum(n) < 0) s")" = 0
http GET "/api/v1/cache/stats" "${A[@]}"
check "the analysis totals show the counted analyses" test "$(json '"\(.analyses.analyses) \(.analyses.current) \(.analyses.cache_hits)"')" = \
	"$(sql "SELECT count(*) || ' ' || count(*) FILTER (WHERE is_current) || ' ' || count(*) FILTER (WHERE cache_hit) FROM analyses WHERE org_id = $ORG_A")"
http GET /api/v1/stats "${A[@]}"
check "/stats is unchanged by compaction" test "$(json '"\(.resumes.scored) \(.candidates.shortlist) \(.tasks.succeeded)"')" = \
	"$(sql "SELECT (SELECT count(*) FROM resumes WHERE org_id = $ORG_A AND status = 'scored') || ' ' ||
	  (SELECT count(*) FROM analyses WHERE org_id = $ORG_A AND is_current AND category = 'shortlist') || ' ' ||
	  (SELECT count(*) FROM tasks WHERE org_id = $ORG_A AND state = 'succeeded')")"
check "after compaction the organisations' counters still equal a full count" \
	test "$(stored_scope org "$ORGS" "'resumes', 'candidates', 'tasks', 'emails', 'jobs', 'llm'")" = "$counted_orgs"
check "and the jobs' counters" test "$(stored_scope job "$JOB_A1, $JOB_A2, $JOB_B1" "'resumes', 'candidates'")" = "$counted_jobs"

# --- bulk: a seed of 50,000 is a handful of statements, each writing a few summed deltas
TRIGGERS="jobs resumes analyses tasks emails"
triggers() { # ENABLE|DISABLE
	local t
	for t in $TRIGGERS; do sql "ALTER TABLE $t $1 TRIGGER counters_ins; ALTER TABLE $t $1 TRIGGER counters_upd; ALTER TABLE $t $1 TRIGGER counters_del" >/dev/null; done
}
triggers DISABLE
t0=$(date +%s.%N)
ctl seed --org "counters-bulk-off-$$" --job-title "Bulk" --candidates 50000 >/dev/null 2>"$T_TMP/seed-off.err"
t1=$(date +%s.%N)
triggers ENABLE
d0=$(sql "SELECT COALESCE(max(id), 0) FROM counter_deltas")
t2=$(date +%s.%N)
BULK=$(ctl seed --org "counters-bulk-$$" --job-title "Bulk" --candidates 50000 2>"$T_TMP/seed.err")
t3=$(date +%s.%N)
check "seeded 50,000 candidates with the counters on" grep -Eqx '[0-9]+' <<<"$BULK"
echo "# seed of 50,000: $(printf '%.1f' "$(bc <<<"$t1 - $t0")") s with the counter triggers off, $(printf '%.1f' "$(bc <<<"$t3 - $t2")") s on (ratio $(printf '%.2f' "$(bc -l <<<"($t3 - $t2) / ($t1 - $t0)")"))"
written=$(sql "SELECT count(*) FROM counter_deltas WHERE id > $d0")
check "the seed wrote $written deltas: per statement and counter, not per row" test "$written" -le 200
BULK_BATCH=$(sql "SELECT id FROM batches WHERE job_id = $BULK")
check "its batch counts 50,000 resumes" \
	test "$(sql "SELECT sum(n) FROM counter_deltas WHERE scope = 'batch' AND scope_id = $BULK_BATCH AND k1 = 'total'")" = 50000
OFF_BATCH=$(sql "SELECT b.id FROM batches b JOIN organisations o ON o.id = b.org_id WHERE o.name = 'counters-bulk-off-$$'")
check "the seed made with the triggers off has no counters" \
	test "$(sql "SELECT count(*) FROM counter_deltas WHERE scope = 'batch' AND scope_id = $OFF_BATCH")" = 0

# --- repair: broken on purpose, counters-check finds it and counters-rebuild puts it right
sql "INSERT INTO counter_deltas (scope, scope_id, family, k1, n) VALUES ('batch', $ANY_BATCH, 'batch', 'total', 7);
	DELETE FROM counter_deltas WHERE scope = 'org' AND scope_id = $ORG_A AND family = 'resumes';
	DELETE FROM batch_items WHERE batch_id = $RB" >/dev/null
ctl counters-check >"$T_TMP/check.out" 2>&1
check "counters-check exits 1 on broken counters" test $? = 1
check "and prints the broken batch total" grep -q "^batch $ANY_BATCH batch total  9 2$" "$T_TMP/check.out"
check "and the organisation's resumes" grep -q "^org $ORG_A resumes " "$T_TMP/check.out"
http GET "/api/v1/process/status/$ANY_BATCH" "${A[@]}"
check "a broken counter shows in the status ($(json .total))" test "$(json .total)" = 9
check "counters-rebuild reports what it repaired (the broken ones and the seed made with the triggers off)" \
	test "$(ctl counters-rebuild)" -ge 10
out=$(ctl counters-check 2>&1)
check "after the rebuild counters-check finds no difference" test -z "$out"
check "the batch items are back" test "$(sql "SELECT count(*) FROM batch_items WHERE batch_id = $RB")" = 12
http GET "/api/v1/process/status/$ANY_BATCH" "${A[@]}"
check "the status is right again" test "$(json .total)" = 2
check "the seed made with the triggers off is counted now" \
	test "$(sql "SELECT sum(n) FROM counter_deltas WHERE scope = 'batch' AND scope_id = $OFF_BATCH AND k1 = 'total'")" = 50000

t_finish
