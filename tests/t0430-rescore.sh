#!/usr/bin/env bash
# Rescoring after a rubric change: a rescore batch queues every resume of
# the job once per rubric version, its progress reports who moved into and
# out of the shortlist, rescoring twice with one rubric queues nothing, and
# every resume keeps exactly one current analysis.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"

KEY_A=$(new_org "rescore-a-$$")
KEY_B=$(new_org "rescore-b-$$")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")
JSON=(-H "Content-Type: application/json")
R_DB='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL","weight":1,"keywords":["postgresql","go"]}]}'
R_K8S='{"criteria":[{"name":"Clusters","description":"Runs Kubernetes with Helm","weight":1,"keywords":["kubernetes","helm"]}]}'
text_resume() { # FILE NAME SKILLS
	printf '%s\nEmail: %s@example.org\n\nSummary\nEngineer who likes careful work, clear writing and %s.\n\nExperience\nSoftware Engineer, Acme Corporation (2015 - 2024)\nBuilt and ran production systems with %s for a team of twelve people,\nwrote the runbooks, reviewed designs and mentored new colleagues.\n\nSkills\n%s\n' \
		"$2" "$(tr -cd 'a-z' <<<"${2,,}")" "$3" "$3" "$3" >"$1"
}
drain_until_done() { # JOB SECONDS: runs drainer --once until none of the job's tasks is queued or running
	local end=$(($(date +%s) + $2))
	while (($(date +%s) < end)); do
		"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
		[[ $(sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'job_id' = '$1' AND state IN ('queued', 'running')") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}
hold() { sql "UPDATE tasks SET run_at = now() + interval '1 hour' WHERE kind = 'process_resume' AND state = 'queued' AND payload->>'batch_id' = '$1'" >/dev/null; }
unhold() { sql "UPDATE tasks SET run_at = now() WHERE kind = 'process_resume' AND state = 'queued' AND payload->>'batch_id' = '$1'" >/dev/null; }
shortlist() { # JOB: the shortlisted names, sorted
	curl -s "${A[@]}" "$BASE_URL/api/v1/jobs/$1/candidates?category=shortlist&limit=100" | jq -r '[.items[].name] | sort | join(",")'
}
tasks_of() { sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'job_id' = '$1'"; }
one_current() { test -z "$(sql "SELECT resume_id FROM analyses WHERE is_current GROUP BY 1 HAVING count(*) > 1")"; }

JOB=$(curl -s "${A[@]}" "${JSON[@]}" --data "{\"title\":\"Engineer\",\"description\":\"Go and PostgreSQL\",\"rubric\":$R_DB}" \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
mkdir -p "$T_TMP/r"
text_resume "$T_TMP/r/alice.txt" "Alice Gopher" "Go, PostgreSQL and Linux"
text_resume "$T_TMP/r/bob.txt" "Bob Kube" "Kubernetes, Helm and Terraform"
text_resume "$T_TMP/r/carol.txt" "Carol Both" "Go, PostgreSQL, Kubernetes and Helm"
text_resume "$T_TMP/r/dan.txt" "Dan Neither" "spreadsheets and accounting"
curl -s "${A[@]}" -F "f=@$T_TMP/r/alice.txt" -F "f=@$T_TMP/r/bob.txt" -F "f=@$T_TMP/r/carol.txt" \
	-F "f=@$T_TMP/r/dan.txt" -F "f=@$FIX/truncated.pdf" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "five resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 5
ALICE=$(jq -r '.files[] | select(.filename == "alice.txt") | .resume_id' "$T_TMP/upload.json")
BOB=$(jq -r '.files[] | select(.filename == "bob.txt") | .resume_id' "$T_TMP/upload.json")
TRUNC=$(jq -r '.files[] | select(.filename == "truncated.pdf") | .resume_id' "$T_TMP/upload.json")
drain_until_done "$JOB" 120 || not_ok "the upload was not processed"
check "under the database rubric Alice and Carol are shortlisted" test "$(shortlist "$JOB")" = "Alice Gopher,Carol Both"

# --- the rubric changes; rescore
http PATCH "/api/v1/jobs/$JOB" "${A[@]}" "${JSON[@]}" --data "{\"rubric\":$R_K8S}"
expect_status 200 "the rubric changes"
V2=$(json .rubric_version)
tasks_before=$(tasks_of "$JOB")
http POST "/api/v1/jobs/$JOB/rescore" "${A[@]}" --data ""
expect_status 202 "rescore"
RB=$(json .batch_id)
hold "$RB"
expect_json .queued 5 "every resume queued"
expect_json .rubric_version "$V2" "for the new rubric"
check "Location is the batch's progress" test "$(header Location)" = "/api/v1/process/status/$RB"
check "five more tasks" test "$(tasks_of "$JOB")" = $((tasks_before + 5))
check "keyed by resume and rubric" test "$(sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND idempotency_key = 'resume:$ALICE:rubric:$V2' AND payload = jsonb_build_object('resume_id', $ALICE, 'job_id', $JOB, 'batch_id', $RB)")" = 1
check "the batch is a rescore batch holding the old shortlist" test "$(sql "SELECT source || ' ' || rubric_version || ' ' || array_length(shortlist_before, 1) FROM batches WHERE id = $RB")" = "rescore $V2 2"

http GET "/api/v1/process/status/$RB" "${A[@]}"
expect_status 200 "the rescore batch's progress"
expect_json .rubric_version "$V2" "names the rubric"
# Another drainer on the same instance may have claimed a task before the hold.
if [[ $(sql "SELECT count(*) FROM tasks WHERE payload->>'batch_id' = '$RB' AND state = 'queued' AND attempts = 0") == 5 ]]; then
	expect_json '.source + " " + (.total | tostring) + " " + (.counts.queued | tostring)' "rescore 5 5" "five queued"
	expect_json .shortlist_changes null "no changes reported before the tasks are done"
	expect_json .eta_seconds null "no ETA yet"
else
	echo "# another drainer took tasks of batch $RB before they were held: only consistency is checked"
	expect_json '.source + " " + (.total | tostring)' "rescore 5" "five in the batch"
	expect_json '(.state == "running") == (.shortlist_changes == null)' true "changes only once finished"
fi

# --- the same rubric again: nothing new
http POST "/api/v1/jobs/$JOB/rescore" "${A[@]}" --data ""
expect_status 200 "rescoring again with the same rubric"
expect_json .queued 0 "queues nothing"
expect_json .batch_id "$RB" "and points at the batch that did"
check "no new task" test "$(tasks_of "$JOB")" = $((tasks_before + 5))
check "no empty batch" test "$(sql "SELECT count(*) FROM batches WHERE job_id = $JOB AND source = 'rescore'")" = 1

# --- drain: the changes
unhold "$RB"
drain_until_done "$JOB" 120 || not_ok "the rescore was not processed"
check "every resume has exactly one current analysis" one_current
check "the current analyses are of the new rubric" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND category <> 'failed' AND rubric_version = '$V2'")" = 4
check "under the cluster rubric Bob and Carol are shortlisted" test "$(shortlist "$JOB")" = "Bob Kube,Carol Both"
http GET "/api/v1/process/status/$RB" "${A[@]}"
expect_json '.state + " " + (.done | tostring) + " " + (.percent | tostring)' "finished 5 100" "the rescore batch is finished"
expect_json '[.shortlist_changes.moved_in[].name] | join(",")' "Bob Kube" "Bob moved in"
expect_json '[.shortlist_changes.moved_out[].name] | join(",")' "Alice Gopher" "Alice moved out"
expect_json ".shortlist_changes.moved_in[0] | .resume_id == $BOB and (.score | type) == \"number\"" true \
	"with the resume id and the new score"
expect_json ".shortlist_changes.moved_out[0] | .resume_id == $ALICE and .category != \"shortlist\"" true \
	"with where Alice stands now"
expect_json "[.failures[] | select(.resume_id == $TRUNC)][0].status" failed "the truncated PDF fails again, with a reason"
expect_json '.counts.failed' 1 "one failure"
cp "$T_TMP/body" "$T_TMP/status.json"
http GET "/api/v1/jobs/$JOB/rescore/$RB" "${A[@]}"
expect_status 200 "the rescore report"
check "tells the same changes" test "$(jq -c .shortlist_changes "$T_TMP/body")" = "$(jq -c .shortlist_changes "$T_TMP/status.json")"
http GET "/api/v1/candidates/$ALICE" "${A[@]}"
expect_json .previous_analyses 1 "Alice's first analysis is kept, no longer current"
check "no failure became a reject" test "$(sql "SELECT count(*) FROM analyses WHERE resume_id = $TRUNC AND category = 'reject'")" = 0

# --- back to the first rubric: the moves reverse
http PATCH "/api/v1/jobs/$JOB" "${A[@]}" "${JSON[@]}" --data "{\"rubric\":$R_DB}"
http POST "/api/v1/jobs/$JOB/rescore" "${A[@]}" --data ""
expect_status 202 "rescore after changing back"
expect_json .queued 5 "a rubric version not rescored before queues everything"
RB2=$(json .batch_id)
drain_until_done "$JOB" 120 || not_ok "the second rescore was not processed"
http GET "/api/v1/jobs/$JOB/rescore/$RB2" "${A[@]}"
expect_json '[.shortlist_changes.moved_in[].name] | join(",")' "Alice Gopher" "Alice moved back in"
expect_json '[.shortlist_changes.moved_out[].name] | join(",")' "Bob Kube" "Bob moved back out"
check "still exactly one current analysis per resume" one_current
check "three analyses of Alice, one current" test "$(sql "SELECT count(*) || '/' || count(*) FILTER (WHERE is_current) FROM analyses WHERE resume_id = $ALICE")" = "3/1"

# --- what cannot be rescored or reported
EMPTY=$(curl -s "${A[@]}" "${JSON[@]}" --data '{"title":"Empty","description":"No resumes yet"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
http POST "/api/v1/jobs/$EMPTY/rescore" "${A[@]}" --data ""
expect_status 200 "rescoring a job without resumes"
expect_json '.queued + (.batch_id // 0)' 0 "queues nothing and makes no batch"
http POST "/api/v1/jobs/$JOB/rescore" "${B[@]}" --data ""
expect_status 404 "another organisation's job cannot be rescored"
http POST "/api/v1/jobs/999999999/rescore" "${A[@]}" --data ""
expect_status 404 "a job that does not exist"
http GET "/api/v1/jobs/$JOB/rescore/$RB" "${B[@]}"
expect_status 404 "another organisation's rescore report"
http GET "/api/v1/jobs/$EMPTY/rescore/$RB" "${A[@]}"
expect_status 404 "a rescore batch under another job"
UPLOAD_BATCH=$(jq -r .batch_id "$T_TMP/upload.json")
http GET "/api/v1/jobs/$JOB/rescore/$UPLOAD_BATCH" "${A[@]}"
expect_status 404 "an upload batch is no rescore report"
http POST "/api/v1/jobs/$JOB/rescore" --data ""
expect_status 401 "no key"
