#!/usr/bin/env bash
# Retention: an organisation's policy (admins only, bounded: audit events at
# least six months), the dry-run report through the API and through
# `shortlistctl retention --dry-run` (which changes nothing), then the sweep:
# a closed job past its retention is erased with its candidates (S3 objects
# included); a job whose candidate is held keeps that candidate and loses
# the others; a held job is skipped; a job still open or closed recently is
# left alone; audit events past their retention are deleted, younger ones
# stay; and the sweep's own erasures are in the trail with the actor
# "retention". The drainer runs the sweep once a day.
. "$(dirname "$0")/lib/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
RUN="r$$r$RANDOM"
ORG="retention-$RUN"
KEY_ORG=$(new_org "$ORG")
ctl user create --org "$ORG" --name "Rob Recruiter" "rob.$RUN@example.com" >/dev/null
ctl user create --org "$ORG" --admin --name "Ada Admin" "ada.$RUN@example.com" >/dev/null
KEY_ROB=$(ctl key create --org "$ORG" --user "rob.$RUN@example.com" 2>/dev/null)
KEY_ADA=$(ctl key create --org "$ORG" --user "ada.$RUN@example.com" 2>/dev/null)
[[ -n $KEY_ORG && -n $KEY_ROB && -n $KEY_ADA ]] || skip_all "cannot make the organisation and keys"
ORG_ID=$(sql "SELECT id FROM organisations WHERE name = '$ORG'")
JSON=(-H "Content-Type: application/json")
RO=(-H "Authorization: Bearer $KEY_ROB" "${JSON[@]}")
AD=(-H "Authorization: Bearer $KEY_ADA" "${JSON[@]}")
S3="http://127.0.0.1:$SHORTLIST_S3_PORT/$SHORTLIST_S3_BUCKET"

# --- the policy
http GET /api/v1/retention -H "Authorization: Bearer $KEY_ADA"
expect_status 200 "an admin reads the policy"
expect_json .policy.retention_months 24 "candidates are kept 24 months after a job closes by default"
expect_json .policy.audit_retention_months 48 "audit events 48 months (four years) by default"
http GET /api/v1/retention -H "Authorization: Bearer $KEY_ROB"
expect_status 403 "a recruiter does not"
http PUT /api/v1/retention "${RO[@]}" --data '{"retention_months":6}'
expect_status 403 "nor changes it"
http PUT /api/v1/retention "${AD[@]}" --data '{"audit_retention_months":3}'
expect_status 400 "audit events are kept six months at least"
expect_json '.detail | contains("audit_retention_months")' true "the problem names the field"
http PUT /api/v1/retention "${AD[@]}" --data '{"retention_months":0}'
expect_status 400 "a retention of zero months"
http PUT /api/v1/retention "${AD[@]}" --data '{"retention_months":"12"}'
expect_status 400 "a retention that is not a number"
http PUT /api/v1/retention "${AD[@]}" --data '{"retention_months":12,"colour":"red"}'
expect_status 400 "an unknown member"
http PUT /api/v1/retention "${AD[@]}" --data '{"retention_months":12,"audit_retention_months":60}'
expect_status 200 "an admin sets the policy"
expect_json .retention_months 12 "12 months"
check "the change is in the trail" test "$(sql "SELECT details->'after'->>'retention_months' FROM audit_events WHERE org_id = $ORG_ID AND action = 'retention.changed' ORDER BY id DESC LIMIT 1")" = 12

# --- four jobs with one candidate or two each
job() { # TITLE: prints the id
	curl -s "${RO[@]}" -d "{\"title\":\"$1\",\"description\":\"Go and SQL. $RUN\"}" "$BASE_URL/api/v1/jobs" | jq -r .id
}
upload() { # JOB NAME...: uploads a text resume per name; prints the resume ids
	local j=$1 n args=()
	shift
	for n in "$@"; do
		printf '%s\n%s@example.org\nGo and SQL engineer with eight years of work on %s systems.\n' "$n" "${n// /.}" "$RUN" >"$T_TMP/$n.txt"
		args+=(-F "f=@$T_TMP/$n.txt")
	done
	curl -s -H "Authorization: Bearer $KEY_ROB" "${args[@]}" "$BASE_URL/api/v1/jobs/$j/resumes" | jq -r '.files[].resume_id'
}
OLD=$(job "Old job") HELDC=$(job "Held candidate job") HELDJ=$(job "Held job") RECENT=$(job "Recent job")
read -r -d '' O1 O2 < <(upload "$OLD" "Olga One" "Oscar Two"; printf '\0')
read -r -d '' H1 H2 < <(upload "$HELDC" "Hana Held" "Hugo Free"; printf '\0')
J1=$(upload "$HELDJ" "Jorge Job")
R1=$(upload "$RECENT" "Rosa Recent")
check "six candidates uploaded" test "$(sql "SELECT count(*) FROM resumes WHERE org_id = $ORG_ID")" = 6
O1KEY=$(sql "SELECT s3_key FROM resumes WHERE id = $O1")
for j in "$OLD" "$HELDC" "$HELDJ" "$RECENT"; do
	http POST "/api/v1/jobs/$j/close" -H "Authorization: Bearer $KEY_ROB" -H "Content-Length: 0"
done
expect_status 200 "the jobs are closed"
check "closing is in the trail" test "$(sql "SELECT count(*) FROM audit_events WHERE org_id = $ORG_ID AND action = 'job.closed'")" = 4
# Three of them closed 13 months ago (past the 12 months), one last week.
sql "UPDATE jobs SET closed_at = now() - interval '13 months' WHERE id IN ($OLD, $HELDC, $HELDJ)"
sql "UPDATE jobs SET closed_at = now() - interval '7 days' WHERE id = $RECENT"
http POST /api/v1/legal-holds "${RO[@]}" --data "{\"resume_id\":$H1,\"reason\":\"subject access dispute\"}"
expect_status 201 "a hold on one candidate"
http POST /api/v1/legal-holds "${RO[@]}" --data "{\"job_id\":$HELDJ,\"reason\":\"tribunal claim\"}"
expect_status 201 "a hold on one job"
# Audit events: one older than the 60 months, one younger than that.
sql "INSERT INTO audit_events (org_id, actor_system, action, created_at, details) VALUES
     ($ORG_ID, 'retention', 'test.ancient', now() - interval '61 months', '{}'),
     ($ORG_ID, 'retention', 'test.recent', now() - interval '59 months', '{}')"

# --- the dry run, through the API and the command line
http GET /api/v1/retention -H "Authorization: Bearer $KEY_ADA"
expect_status 200 "the dry-run report"
action_of() { jq -r --argjson j "$1" '.dry_run.jobs[] | select(.job_id == $j) | .action' "$T_TMP/body"; }
check "the old job would be erased ($(action_of "$OLD"))" test "$(action_of "$OLD")" = erase_job
check "the job with a held candidate would lose the others ($(action_of "$HELDC"))" test "$(action_of "$HELDC")" = erase_unheld_candidates
check "the held job would be skipped ($(action_of "$HELDJ"))" test "$(action_of "$HELDJ")" = skip_held
check "the recent job is not due" test -z "$(action_of "$RECENT")"
expect_json .dry_run.audit_events_due 1 "one audit event is due"
ctl retention --dry-run --org "$ORG" >"$T_TMP/dry.json"
check "shortlistctl retention --dry-run says the same" test "$(jq -c '[.jobs[] | [.job_id, .action]]' "$T_TMP/dry.json")" = "$(jq -c '[.dry_run.jobs[] | [.job_id, .action]]' "$T_TMP/body")"
check "a dry run erases nothing" test "$(sql "SELECT count(*) FROM resumes WHERE org_id = $ORG_ID")" = 6
check "nor deletes audit events" test "$(sql "SELECT count(*) FROM audit_events WHERE org_id = $ORG_ID AND action LIKE 'test.%'")" = 2
check "the S3 object is still there" test "$(curl -s -o /dev/null -w '%{http_code}' "$S3/$O1KEY")" = 200

# --- the sweep
ctl retention --org "$ORG" >"$T_TMP/sweep.json"
check "the sweep erased the old job ($(jq -c --argjson j "$OLD" '.jobs[] | select(.job_id == $j) | .result' "$T_TMP/sweep.json"))" \
	test "$(jq -r --argjson j "$OLD" '.jobs[] | select(.job_id == $j) | .result.erased.candidates' "$T_TMP/sweep.json")" = 2
check "the old job and its candidates are gone" test "$(sql "SELECT (SELECT count(*) FROM jobs WHERE id = $OLD) + (SELECT count(*) FROM resumes WHERE id IN ($O1, $O2))")" = 0
check "and its S3 objects" test "$(curl -s -o /dev/null -w '%{http_code}' "$S3/$O1KEY")" = 404
check "the held candidate stays" test "$(sql "SELECT count(*) FROM resumes WHERE id = $H1")" = 1
check "the other candidate of its job is gone" test "$(sql "SELECT count(*) FROM resumes WHERE id = $H2")" = 0
check "the job of the held candidate stays" test "$(sql "SELECT count(*) FROM jobs WHERE id = $HELDC")" = 1
check "the held job and its candidate stay" test "$(sql "SELECT count(*) FROM resumes WHERE id = $J1")" = 1
check "the recent job's candidate stays" test "$(sql "SELECT count(*) FROM resumes WHERE id = $R1")" = 1
check "the audit event past its retention is deleted" test "$(sql "SELECT count(*) FROM audit_events WHERE org_id = $ORG_ID AND action = 'test.ancient'")" = 0
check "the younger one stays" test "$(sql "SELECT count(*) FROM audit_events WHERE org_id = $ORG_ID AND action = 'test.recent'")" = 1
check "the sweep's erasures are in the trail, by the retention actor" \
	test "$(sql "SELECT count(*) FROM audit_events WHERE org_id = $ORG_ID AND action = 'job.erased' AND actor_system = 'retention'")" = 2
check "the run is recorded" test "$(sql "SELECT count(*) FROM retention_runs WHERE NOT dry_run AND report->'jobs' @> '[{\"job_id\": $OLD}]'")" = 1
ctl retention --org "$ORG" >"$T_TMP/again.json"
check "a second sweep erases nothing more" test "$(jq '[.jobs[] | select(.result.erased.candidates > 0)] | length' "$T_TMP/again.json")" = 0

# --- the drainer's daily run: not again within a day of the last
sql "UPDATE jobs SET closed_at = now() - interval '13 months' WHERE id = $RECENT"
"$BIN/drainer" --once --max-seconds 5 >"$T_TMP/drainer.log" 2>&1
check "the drainer does not sweep within a day of the last run" test "$(sql "SELECT count(*) FROM resumes WHERE id = $R1")" = 1
sql "DELETE FROM retention_runs WHERE NOT dry_run"
"$BIN/drainer" --once --max-seconds 5 >>"$T_TMP/drainer.log" 2>&1
check "the drainer sweeps when no run is a day recent" test "$(sql "SELECT count(*) FROM resumes WHERE id = $R1")" = 0
check "and records its run" test "$(sql "SELECT count(*) FROM retention_runs WHERE NOT dry_run")" -ge 1
check "the counters agree with the rows" ctl counters-check
