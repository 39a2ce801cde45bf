#!/usr/bin/env bash
# The audit trail is complete and readable: a job created, changed (its
# rubric too) and closed, a candidate scored (the automated decision with
# provider, model, versions and input hashes), viewed and downloaded, each
# leave an event with its actor, time and request id; the trail reads per
# organisation, job and candidate, by action or action family and by time,
# page after page (keyset, no event twice or missed), and exports as CSV
# and JSON with the same events; another organisation sees none of them.
. "$(dirname "$0")/lib/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
RUN="a$$r$RANDOM"
ORG="trail-$RUN"
KEY=$(new_org "$ORG")
KEY_OTHER=$(new_org "trail-other-$RUN")
[[ -n $KEY && -n $KEY_OTHER ]] || skip_all "cannot make the organisations"
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")

http POST /api/v1/jobs "${A[@]}" -H "X-Request-Id: t1042-create-$RUN" --data '{"title":"Analyst","description":"SQL and Python. '"$RUN"'"}'
expect_status 201 "a job"
JOB=$(json .id)
http PATCH "/api/v1/jobs/$JOB" "${A[@]}" --data '{"rubric":{"criteria":[{"name":"SQL","description":"Writes SQL","weight":1,"keywords":["sql"]}]}}'
expect_status 200 "its rubric changed"
for i in 1 2 3; do
	printf 'Person %s\nAnalyst with SQL and Python, %s years of work on reporting.\n' "$i" "$((i + 4))" >"$T_TMP/p$i.txt"
done
curl -s -H "Authorization: Bearer $KEY" -F "f=@$T_TMP/p1.txt" -F "f=@$T_TMP/p2.txt" -F "f=@$T_TMP/p3.txt" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/up.json"
R1=$(jq -r '.files[0].resume_id' "$T_TMP/up.json")
end=$(($(date +%s) + 120))
while (($(date +%s) < end)); do
	SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --once --max-seconds 20 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM tasks WHERE payload->>'job_id' = '$JOB' AND state IN ('queued', 'running')") == 0 ]] && break
	sleep 0.3
done
http GET "/api/v1/candidates/$R1" -H "Authorization: Bearer $KEY" -H "X-Request-Id: t1042-view-$RUN"
expect_status 200 "a candidate viewed"
http GET "/api/v1/resumes/$R1/download" -H "Authorization: Bearer $KEY"
expect_status 200 "and downloaded"
http POST "/api/v1/jobs/$JOB/close" -H "Authorization: Bearer $KEY" -H "Content-Length: 0"
expect_status 200 "the job closed"

# --- every action is there
http GET "/api/v1/audit?job_id=$JOB&limit=100" -H "Authorization: Bearer $KEY"
expect_status 200 "the job's trail"
acts=$(json '[.items[].action] | sort | unique | join(",")')
for a in job.created job.updated job.closed analysis.recorded resume.viewed resume.downloaded; do
	check "the trail holds $a ($acts)" grep -q "$a" <<<"$acts"
done
expect_json '[.items[] | select(.action == "analysis.recorded")] | length' 3 "one automated decision per candidate"
expect_json '[.items[] | select(.action == "job.updated")][0].details.rubric_changed' true "the rubric change is marked"
expect_json '[.items[] | select(.action == "job.created")][0].request_id' "t1042-create-$RUN" "the creation has its request id"
expect_json '[.items[] | select(.action == "resume.viewed")][0].request_id' "t1042-view-$RUN" "the view has its request id"
expect_json '[.items[] | select(.action == "analysis.recorded")][0].details | (.provider == "local") and (.prompt_version == "local") and (.rubric_version | length > 0) and (.inputs.rubric_sha256 | test("^[0-9a-f]{64}$"))' true "the automated decision names provider, versions and the rubric's hash"
expect_json '[.items[] | select(.action == "analysis.recorded")][0].request_id | length > 0' true "and the request that uploaded the resume"
expect_json '[.items[].created_at | test("^20[0-9]{2}-")] | all' true "every event has its time"

# --- filters
http GET "/api/v1/audit?job_id=$JOB&action=analysis.&limit=100" -H "Authorization: Bearer $KEY"
expect_json '[.items[].action] | unique | join(",")' analysis.recorded "action=analysis. is the family"
expect_json '.items | length' 3 "of three events"
http GET "/api/v1/audit?resume_id=$R1&limit=100" -H "Authorization: Bearer $KEY"
expect_json "[.items[].resume_id] | unique | join(\",\")" "$R1" "per candidate"
http GET "/api/v1/audit?job_id=$JOB&since=2100-01-01T00:00:00Z" -H "Authorization: Bearer $KEY"
expect_json '.items | length' 0 "since the future: nothing"
http GET "/api/v1/audit?job_id=$JOB&until=2000-01-01T00:00:00Z" -H "Authorization: Bearer $KEY"
expect_json '.items | length' 0 "until the past: nothing"
http GET "/api/v1/audit?since=yesterday-ish" -H "Authorization: Bearer $KEY"
expect_status 400 "a time that is not one"
expect_json '.detail | contains("since")' true "the problem names it"
http GET "/api/v1/audit?job_id=abc" -H "Authorization: Bearer $KEY"
expect_status 400 "a job id that is not one"
http GET "/api/v1/audit?job_id=$JOB" -H "Authorization: Bearer $KEY_OTHER"
expect_json '.items | length' 0 "another organisation sees nothing of it"

# --- keyset pages: all events, none twice
all=$(sql "SELECT count(*) FROM audit_events WHERE job_id = $JOB")
cursor="" seen="$T_TMP/seen"
: >"$seen"
for _ in $(seq 1 50); do
	http GET "/api/v1/audit?job_id=$JOB&limit=2${cursor:+&cursor=$cursor}" -H "Authorization: Bearer $KEY"
	json '.items[].id' >>"$seen"
	cursor=$(json '.next_cursor // empty')
	[[ -z $cursor ]] && break
done
check "pages of two give all $all events" test "$(wc -l <"$seen")" = "$all"
check "none twice" test "$(sort -u "$seen" | wc -l)" = "$all"
check "newest first" test "$(cat "$seen")" = "$(sort -rn "$seen")"

# --- exports
http GET "/api/v1/audit/export?job_id=$JOB" -H "Authorization: Bearer $KEY"
expect_status 200 "the CSV export"
check "it is CSV" grep -qi '^content-type: text/csv' "$T_TMP/headers"
check "its header names the columns" test "$(head -n 1 "$T_TMP/body" | tr -d '\r')" = "id,created_at,action,actor_user_id,actor_user_email,actor_key_id,actor_system,job_id,resume_id,email_ids,request_id,details,redacted_at"
csv_rows=$(/usr/bin/python3 -c 'import csv, sys; rows = list(csv.reader(open(sys.argv[1], newline=""))); print(len(rows) - 1, all(len(r) == 13 for r in rows))' "$T_TMP/body")
check "one well-formed row per event ($csv_rows)" test "$csv_rows" = "$all True"
check "the details are JSON inside their field" /usr/bin/python3 -c 'import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert all(isinstance(json.loads(r["details"]), dict) for r in rows)
assert any(r["actor_system"] == "scorer" for r in rows)' "$T_TMP/body"
http GET "/api/v1/audit/export?job_id=$JOB&format=json" -H "Authorization: Bearer $KEY"
expect_status 200 "the JSON export"
expect_json 'length' "$all" "with every event"
expect_json '[.[].id] == ([.[].id] | sort | reverse)' true "newest first"
http GET "/api/v1/audit/export?format=xml" -H "Authorization: Bearer $KEY"
expect_status 400 "an unknown format"
