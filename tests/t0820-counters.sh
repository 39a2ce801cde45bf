#!/usr/bin/env bash
# Counters stay equal to a full count of the rows: after two concurrent
# upload loops, two drainers, a rescore and forced retries, every batch, job,
# organisation and service counter equals a count(*) over the rows (batches
# classified with the join the status query used before the counters), the
# status and /stats answers agree with them, and counters_rebuild() repairs
# counters that were broken on purpose.
. "$(dirname "$0")/lib/test-lib.sh"

KEY_A=$(new_org "counters-a-$$")
KEY_B=$(new_org "counters-b-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
JSON=(-H "Content-Type: application/json")
ORG_A=$(sql "SELECT id FROM organisations WHERE name = 'counters-a-$$'")
ORG_B=$(sql "SELECT id FROM organisations WHERE name = 'counters-b-$$'")
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

# --- two upload loops and two drainers at once
touch "$T_TMP/uploading"
(upload_loop A "$JOB_A1" 1 12; upload_loop B "$JOB_B1" 1 6) &
UP1=$!
(upload_loop A "$JOB_A2" 13 24; upload_loop B "$JOB_B1" 7 12) &
UP2=$!
(wait_ups() { while kill -0 "$UP1" 2>/dev/null || kill -0 "$UP2" 2>/dev/null; do sleep 0.2; done; }
	wait_ups
	rm -f "$T_TMP/uploading") &
WAITER=$!
drainers 180
wait "$UP1" "$UP2" "$WAITER"
check "36 resumes accepted in 18 uploads" test "$(jq -s '[.[].accepted] | add' "$T_TMP/uploads.json")" = 36
check "every task of the uploads is done" test "$(busy)" = 0

# --- a rescore of one job while the other's tasks are retried
http PATCH "/api/v1/jobs/$JOB_A1" "${A[@]}" "${JSON[@]}" --data "{\"rubric\":$R_K8S}"
expect_status 200 "the rubric of job A1 changes"
http POST "/api/v1/jobs/$JOB_A1/rescore" "${A[@]}" --data ""
expect_status 202 "job A1 is rescored"
RB=$(json .batch_id)
# Forced retries: three finished tasks of job A2 become dead letters (as the
# queue leaves them after the last attempt), then are retried through the API.
DEAD=$(sql "UPDATE tasks SET state = 'discarded', last_error = 'forced for the test', finished_at = now()
	WHERE id IN (SELECT id FROM tasks WHERE kind = 'process_resume' AND payload->>'job_id' = '$JOB_A2'
	ORDER BY id LIMIT 3) RETURNING id")
check "three dead letters" test "$(wc -w <<<"$DEAD")" = 3
check "a dead letter counts as failed in its batch" test "$(sql "SELECT sum(n) FROM counters c JOIN tasks t ON c.scope_id = t.batch_id
	WHERE t.id = $(head -1 <<<"$DEAD") AND c.scope = 'batch' AND c.k1 = 'state' AND c.k2 = 'failed'")" -ge 1
for id in $DEAD; do
	http POST "/api/v1/tasks/$id/retry" "${A[@]}" --data ""
	expect_status 202 "dead letter $id retried"
done
drainers 180
check "the rescore and the retries are done" test "$(busy)" = 0
http GET "/api/v1/process/status/$RB" "${A[@]}"
expect_json '.state + " " + (.total | tostring)' "finished 12" "the rescore batch finished its twelve resumes"

# --- every counter equals a full count
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
	  FROM counters WHERE scope = 'batch' AND scope_id IN (SELECT id FROM batches WHERE org_id IN ($ORGS))
	 GROUP BY scope_id, k1, k2 HAVING sum(n) <> 0) s")
check "the batches' counters equal a full count ($(wc -w <<<"$counted_batches") figures)" \
	test "$stored_batches" = "$counted_batches"
check "19 batches counted (18 uploads, 1 rescore)" \
	test "$(sql "SELECT count(DISTINCT scope_id) FROM counters WHERE scope = 'batch' AND k1 = 'total' AND scope_id IN (SELECT id FROM batches WHERE org_id IN ($ORGS))")" = 19
ANY_BATCH=$(jq -r 'select(.batch_id) | .batch_id' "$T_TMP/uploads.json" | head -1)
http GET "/api/v1/process/status/$ANY_BATCH" "${A[@]}"
check "a batch's status shows its counters" test \
	"$(json '"\(.total) \(.counts.scored) \(.counts.failed) \(.categories.shortlist)"')" = \
	"$(sql "$BATCH_ROWS SELECT count(*) || ' ' || count(*) FILTER (WHERE state = 'scored') || ' ' || count(*) FILTER (WHERE state = 'failed') || ' ' || count(*) FILTER (WHERE state = 'scored' AND category = 'shortlist') FROM c WHERE batch_id = $ANY_BATCH")"

stored_scope() { # SCOPE IDS FAMILIES
	sql "SELECT string_agg(x, ' ' ORDER BY x) FROM (SELECT scope_id || ':' || family || ':' || k1
	  || CASE WHEN k2 <> '' THEN ':' || k2 ELSE '' END || ':' || sum(n) AS x FROM counters
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
http GET /metrics
check "/metrics shows the counted resumes" test \
	"$(grep -c '^shortlist_resumes{' "$T_TMP/body") $(grep '^shortlist_resumes{status="scored"}' "$T_TMP/body" | cut -d' ' -f2)" = \
	"$(sql "SELECT count(DISTINCT status) || ' ' || count(*) FILTER (WHERE status = 'scored') FROM resumes")"
check "no counter of the service differs from a full count" test -z "$(sql "SELECT * FROM counters_check()")"

# --- repair: broken on purpose, counters_rebuild() puts them right
sql "UPDATE counters SET n = n + 7 WHERE ctid = (SELECT ctid FROM counters
	  WHERE scope = 'batch' AND scope_id = $ANY_BATCH AND k1 = 'total' LIMIT 1);
	DELETE FROM counters WHERE scope = 'org' AND scope_id = $ORG_A AND family = 'resumes';
	DELETE FROM batch_items WHERE batch_id = $RB" >/dev/null
check "the broken counters are found" test "$(sql "SELECT count(*) FROM counters_check()")" -ge 2
http GET "/api/v1/process/status/$ANY_BATCH" "${A[@]}"
check "a broken counter shows in the status ($(json .total))" test "$(json .total)" = 9
check "counters_rebuild() reports what it repaired" test "$(sql "SELECT counters_rebuild()")" -ge 2
check "after the rebuild every counter equals a full count" test -z "$(sql "SELECT * FROM counters_check()")"
check "the batch items are back" test "$(sql "SELECT count(*) FROM batch_items WHERE batch_id = $RB")" = 12
http GET "/api/v1/process/status/$ANY_BATCH" "${A[@]}"
check "the status is right again" test "$(json .total)" = 2

t_finish
