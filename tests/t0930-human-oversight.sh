#!/usr/bin/env bash
# Human oversight: a recruiter's decision overrides the scorer's category
# (with a reason, shown with its author beside the recommendation, followed
# by the ranked list and its filter, kept through a rescore, withdrawn);
# nothing automatic ever creates a rejection email, only a request naming
# the candidates; with require_rejection_approval on, a requested rejection
# waits until another user approves it; and every one of these human actions
# is in the append-only audit trail, in the transaction of the action.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
RUN="o$$r$RANDOM"
ORG="oversight-$RUN"
KEY_ORG=$(new_org "$ORG")
ctl user create --org "$ORG" --name "Alice Recruiter" "alice.$RUN@example.com" >/dev/null
ctl user create --org "$ORG" --name "Bob Approver" "bob.$RUN@example.com" >/dev/null
KEY_ALICE=$(ctl key create --org "$ORG" --user "alice.$RUN@example.com" 2>/dev/null)
KEY_BOB=$(ctl key create --org "$ORG" --user "bob.$RUN@example.com" 2>/dev/null)
KEY_OTHER=$(new_org "oversight-other-$RUN")
[[ -n $KEY_ALICE && -n $KEY_BOB && -n $KEY_OTHER ]] || skip_all "cannot make the organisations and keys"
JSON=(-H "Content-Type: application/json")
AL=(-H "Authorization: Bearer $KEY_ALICE" "${JSON[@]}")
BO=(-H "Authorization: Bearer $KEY_BOB" "${JSON[@]}")
OK=(-H "Authorization: Bearer $KEY_ORG" "${JSON[@]}")
OT=(-H "Authorization: Bearer $KEY_OTHER" "${JSON[@]}")

R_DB='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL","weight":1,"keywords":["postgresql","go"]}]}'
R_K8S='{"criteria":[{"name":"Clusters","description":"Runs Kubernetes with Helm","weight":1,"keywords":["kubernetes","helm"]}]}'
text_resume() { # FILE NAME SKILLS
	printf '%s\nEmail: %s.%s@example.org\n\nSummary\nEngineer who likes careful work, clear writing and %s.\n\nExperience\nSoftware Engineer, Acme Corporation (2015 - 2024)\nBuilt and ran production systems with %s for a team of twelve people,\nwrote the runbooks, reviewed designs and mentored new colleagues.\n\nSkills\n%s\n' \
		"$2" "$(tr -cd 'a-z' <<<"${2,,}")" "$RUN" "$3" "$3" "$3" >"$1"
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
emails_of() { sql "SELECT count(*) FROM emails WHERE job_id = $JOB${1:+ AND $1}"; }
list() { # QUERY JQ: the job's candidates list, filtered by jq
	curl -s -H "Authorization: Bearer $KEY_ALICE" "$BASE_URL/api/v1/jobs/$JOB/candidates?limit=100$1" | jq -r "$2"
}

http POST /api/v1/jobs "${AL[@]}" --data "{\"title\":\"Engineer\",\"description\":\"Go and PostgreSQL\",\"rubric\":$R_DB}"
expect_status 201 "a job"
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job"; exit 1; }
http PUT "/api/v1/jobs/$JOB/company" "${AL[@]}" --data '{"company":"Nordlicht Labs","position":"Engineer"}'
expect_status 200 "the company the emails name"
mkdir -p "$T_TMP/r"
text_resume "$T_TMP/r/alice.txt" "Ada Gopher" "Go, PostgreSQL and Linux"
text_resume "$T_TMP/r/bob.txt" "Ben Kube" "Kubernetes, Helm and Terraform"
text_resume "$T_TMP/r/carol.txt" "Cleo Both" "Go, PostgreSQL, Kubernetes and Helm"
text_resume "$T_TMP/r/dan.txt" "Dan Neither" "spreadsheets and accounting"
text_resume "$T_TMP/r/eve.txt" "Eve Ledger" "bookkeeping and payroll"
curl -s -H "Authorization: Bearer $KEY_ALICE" -F "f=@$T_TMP/r/alice.txt" -F "f=@$T_TMP/r/bob.txt" \
	-F "f=@$T_TMP/r/carol.txt" -F "f=@$T_TMP/r/dan.txt" -F "f=@$T_TMP/r/eve.txt" -F "f=@$FIX/truncated.pdf" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "six resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 6
rid() { jq -r --arg f "$1" '.files[] | select(.filename == $f) | .resume_id' "$T_TMP/upload.json"; }
ADA=$(rid alice.txt) BEN=$(rid bob.txt) DAN=$(rid dan.txt) EVE=$(rid eve.txt) TRUNC=$(rid truncated.pdf)
drain_until_done "$JOB" 120 || not_ok "the upload was not processed"
cat_of() { sql "SELECT category FROM analyses WHERE resume_id = $1 AND is_current"; }
check "Ada is recommended for the shortlist ($(cat_of "$ADA"))" test "$(cat_of "$ADA")" = shortlist
check "Dan is recommended for rejection ($(cat_of "$DAN"))" test "$(cat_of "$DAN")" = reject
check "Eve is recommended for rejection ($(cat_of "$EVE"))" test "$(cat_of "$EVE")" = reject

# --- nothing automatic makes a rejection. The one statement that writes an email is outbox_enqueue's, and its
# one caller is the send request (POST /api/v1/jobs/{id}/emails): not the drainer, not scoring, not a rescore.
check "only shared/mail/outbox.c inserts into emails" test "$(grep -rl 'INSERT INTO emails' "$ROOT/shared" "$ROOT/handlers" | sed "s|$ROOT/||")" = shared/mail/outbox.c
# The other caller is the candidate notice (shared/mail/notice.c), whose one email is of kind "notice".
check "only the send request and the candidate notice enqueue an email" test "$(grep -rn 'outbox_enqueue(' "$ROOT/shared" "$ROOT/handlers" | grep -v '^[^:]*outbox\.[ch]:' | cut -d: -f1 | sed "s|$ROOT/||" | sort -u | tr '\n' ' ')" = "handlers/emails.c shared/mail/notice.c "
check "and the notice names no other kind" bash -c "grep -A4 'struct outbox_new e' '$ROOT/shared/mail/notice.c' | grep -q '\"notice\",' && ! grep -qE '\"(invite|consider|reject)\"' '$ROOT/shared/mail/notice.c'"
# The batch is processed, rejects and all, and no email exists.
"$BIN/drainer" --once --max-seconds 10 >>"$T_TMP/drainer.log" 2>&1
check "processing a batch with rejects created no email" test "$(emails_of)" = 0
http POST "/api/v1/jobs/$JOB/emails" "${AL[@]}" --data '{"kind":"reject","category":"reject"}'
expect_status 400 "a rejection by category is refused"
check "the refusal says rejections need named candidates" grep -q "candidate_ids" <<<"$(json .detail)"
check "still no email" test "$(emails_of)" = 0

# --- decisions: validation
D="/api/v1/jobs/$JOB/candidates/$DAN/decision"
http PUT "$D" "${AL[@]}" --data '{"category":"shortlist"}'
expect_status 400 "a decision without a reason"
check "the error names the reason" grep -q "^reason:" <<<"$(json .detail)"
http PUT "$D" "${AL[@]}" --data '{"category":"shortlist","reason":"   "}'
expect_status 400 "a blank reason"
http PUT "$D" "${AL[@]}" --data "{\"category\":\"shortlist\",\"reason\":\"$(printf 'é%.0s' $(seq 501))\"}"
expect_status 400 "a reason of 501 characters"
http PUT "$D" "${AL[@]}" --data '{"category":"failed","reason":"x"}'
expect_status 400 "failed is not a category a person gives"
http PUT "$D" "${AL[@]}" --data '{"category":"shortlist","reason":"x","score":99}'
expect_status 400 "an unknown member"
http PUT "$D" "${OT[@]}" --data '{"category":"shortlist","reason":"x"}'
expect_status 404 "another organisation's candidate"
http PUT "/api/v1/jobs/$JOB/candidates/999999999/decision" "${AL[@]}" --data '{"category":"shortlist","reason":"x"}'
expect_status 404 "no such candidate"
check "no decision was stored by the refused requests" test "$(sql "SELECT count(*) FROM decisions WHERE job_id = $JOB")" = 0
check "and nothing was audited" test "$(sql "SELECT count(*) FROM audit_events WHERE job_id = $JOB AND action ~ '^(decision|emails)\.'")" = 0

# --- a decision overrides the recommendation
REASON="Ten years of PostgreSQL in the cover letter; the résumé undersells it"
http PUT "$D" "${AL[@]}" --data "{\"category\":\"shortlist\",\"reason\":\"$REASON\"}"
expect_status 200 "Alice shortlists Dan with a reason"
expect_json '[.category, .reason, .decided_by.user_email] | join("|")' "shortlist|$REASON|alice.$RUN@example.com" "the decision, its reason and author"
check "it carries a time" test "$(json .decided_at)" != null
PUT_RID=$(header X-Request-Id)
http GET "/api/v1/candidates/$DAN" "${AL[@]}"
expect_json '[.category, .recommendation, .decision.category, .decision.reason] | join("|")' "shortlist|reject|shortlist|$REASON" "the detail shows decision and recommendation"
check "the shortlist filter has Dan" test "$(list '&category=shortlist' "[.items[] | select(.resume_id == $DAN)] | length")" = 1
check "the reject filter does not" test "$(list '&category=reject' "[.items[] | select(.resume_id == $DAN)] | length")" = 0
check "the list shows both" test "$(list '' ".items[] | select(.resume_id == $DAN) | [.category, .recommendation, .decision.decided_by.user_email] | join(\"|\")")" = "shortlist|reject|alice.$RUN@example.com"

# A decision for review places the candidate with those needing review, after every scored one.
http PUT "/api/v1/jobs/$JOB/candidates/$ADA/decision" "${AL[@]}" --data '{"category":"needs_review","reason":"check the dates of the last job"}'
expect_status 200 "Ada is sent for review"
check "Ada is listed after every scored candidate" test "$(list '' "([.items[] | select(.category == \"shortlist\" or .category == \"consider\" or .category == \"reject\") | .rank] | max) < ([.items[] | select(.resume_id == $ADA) | .rank] | first)")" = true
check "the needs_review filter has Ada" test "$(list '&category=needs_review' "[.items[] | select(.resume_id == $ADA)] | length")" = 1
check "the sort key follows the decision" test "$(sql "SELECT rank_key >= 20000 FROM analyses WHERE resume_id = $ADA AND is_current")" = t
http PUT "/api/v1/jobs/$JOB/candidates/$ADA/decision" "${BO[@]}" --data '{"category":"consider","reason":"dates checked, one gap explained"}'
expect_status 200 "Bob replaces Ada's decision"
expect_json .decided_by.user_email "bob.$RUN@example.com" "the new author"
check "one decision per candidate" test "$(sql "SELECT count(*) FROM decisions WHERE resume_id = $ADA")" = 1

# --- a rescore changes the recommendation, never the decision
http PATCH "/api/v1/jobs/$JOB" "${AL[@]}" --data "{\"rubric\":$R_K8S}"
expect_status 200 "the rubric changes"
http POST "/api/v1/jobs/$JOB/rescore" -H "Authorization: Bearer $KEY_ALICE" --data ""
expect_status 202 "a rescore"
drain_until_done "$JOB" 120 || not_ok "the rescore was not processed"
check "Ada has a new analysis" test "$(sql "SELECT count(*) FROM analyses WHERE resume_id = $ADA")" = 2
check "Ada's recommendation changed ($(cat_of "$ADA"))" test "$(cat_of "$ADA")" != shortlist
check "Ben's recommendation changed ($(cat_of "$BEN"))" test "$(cat_of "$BEN")" = shortlist
http GET "/api/v1/candidates/$ADA" "${AL[@]}"
expect_json '[.category, .decision.category, .decision.decided_by.user_email] | join("|")' "consider|consider|bob.$RUN@example.com" "Ada's decision survived the rescore"
check "Dan is still shortlisted by decision" test "$(list '&category=shortlist' "[.items[] | select(.resume_id == $DAN) | .decision.category] | join(\",\")")" = shortlist
check "the new analysis carries the decision" test "$(sql "SELECT decision FROM analyses WHERE resume_id = $DAN AND is_current")" = shortlist

# --- withdrawing
http DELETE "/api/v1/jobs/$JOB/candidates/$ADA/decision" -H "Authorization: Bearer $KEY_ALICE"
expect_status 204 "Ada's decision is withdrawn"
http DELETE "/api/v1/jobs/$JOB/candidates/$ADA/decision" -H "Authorization: Bearer $KEY_ALICE"
expect_status 404 "withdrawing again: there is none"
http GET "/api/v1/candidates/$ADA" "${AL[@]}"
expect_json '[.category == .recommendation, .decision == null] | map(tostring) | join(",")' "true,true" "the recommendation is shown again"

# --- rejection emails: only to named candidates, and then at once when no approval is needed
http POST "/api/v1/jobs/$JOB/emails" "${AL[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[$EVE],\"recruiter_name\":\"Alice\"}"
expect_status 202 "a rejection to one named candidate"
expect_json '.results[0].status' queued "is queued"
E1=$(json '.results[0].email_id')
http POST "/api/v1/jobs/$JOB/emails" "${AL[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[$TRUNC],\"recruiter_name\":\"Alice\"}"
expect_json '.results[0].status' refused "a failed resume named for rejection is refused"
check "one email, the one asked for" test "$(emails_of)" = 1

# --- a second person's approval
ctl org set --org "$ORG" require_rejection_approval maybe >/dev/null 2>&1
check "a setting value other than on or off is a usage error" test $? = 64
check "org set turns approval on" ctl org set --org "$ORG" require_rejection_approval on
http PUT "/api/v1/jobs/$JOB/candidates/$BEN/decision" "${AL[@]}" --data '{"category":"reject","reason":"no PostgreSQL at all"}'
expect_status 200 "Alice rejects Ben by decision"
http POST "/api/v1/jobs/$JOB/emails" "${AL[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[$BEN,$TRUNC],\"recruiter_name\":\"Alice\"}"
expect_status 202 "Alice asks for Ben's rejection"
expect_json '[.queued, .awaiting_approval, .refused] | map(tostring) | join(",")' "0,1,1" "one awaiting approval, the failed resume refused"
E2=$(json '.results[0].email_id')
check "it awaits approval" test "$(sql "SELECT state FROM emails WHERE id = $E2")" = awaiting_approval
"$BIN/drainer" --once --max-seconds 10 >>"$T_TMP/drainer.log" 2>&1
check "the drainer does not send it" test "$(sql "SELECT state FROM emails WHERE id = $E2")" = awaiting_approval
check "the first one was sent" test "$(sql "SELECT state FROM emails WHERE id = $E1")" = sent
http POST "/api/v1/jobs/$JOB/emails" "${AL[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[$DAN],\"recruiter_name\":\"Alice\",\"scheduling_link\":\"https://cal.example.com/a\"}"
expect_json '.results[0].status' queued "an invitation never waits"

http POST "/api/v1/jobs/$JOB/emails/approve" "${AL[@]}" --data "{\"email_ids\":[$E2]}"
expect_status 403 "Alice cannot approve her own request"
check "the refusal says why" grep -q "another user" <<<"$(json .detail)"
http POST "/api/v1/jobs/$JOB/emails/approve" "${OK[@]}" --data "{\"email_ids\":[$E2]}"
expect_status 403 "an organisation key names no person to approve"
http POST "/api/v1/jobs/$JOB/emails/approve" "${OT[@]}" --data "{\"email_ids\":[$E2]}"
expect_status 404 "another organisation's job"
http POST "/api/v1/jobs/$JOB/emails/approve" "${BO[@]}" --data '{"email_ids":["x"]}'
expect_status 400 "ids that are not numbers"
check "still awaiting" test "$(sql "SELECT state FROM emails WHERE id = $E2")" = awaiting_approval
http POST "/api/v1/jobs/$JOB/emails/approve" "${BO[@]}" --data "{\"email_ids\":[$E2,$E1,999999999]}"
expect_status 200 "Bob approves"
expect_json '[(.approved | join(",")), (.not_awaiting | join(",")), (.unknown | join(","))] | join("|")' "$E2|$E1|999999999" "approved, not awaiting, unknown"
check "the approval is recorded on the email" test "$(sql "SELECT state || ',' || (approved_by_user IS NOT NULL) FROM emails WHERE id = $E2")" = "queued,true"
"$BIN/drainer" --once --max-seconds 10 >>"$T_TMP/drainer.log" 2>&1
check "then it is sent" test "$(sql "SELECT state FROM emails WHERE id = $E2")" = sent

# --- the audit trail
# (The trail also holds the job's creation, the scorer's decisions and views: only the oversight actions here.)
http GET "/api/v1/audit?job_id=$JOB&limit=100" "${AL[@]}"
expect_status 200 "the job's audit trail"
cp "$T_TMP/body" "$T_TMP/trail.json"
expect_json '[.items[] | select(.action | test("^(decision|emails)\\.")) | .action] | join(",")' "emails.approved,emails.send_requested,emails.send_requested,decision.set,emails.send_requested,emails.send_requested,decision.withdrawn,decision.set,decision.set,decision.set" "every human action, newest first"
check "ids descend" test "$(json '[.items[].id] | . == (sort | reverse)')" = true
expect_json '[.items[] | select(.action | test("^(decision|emails)\\."))][0] | [.actor.user_email, (.email_ids | join(","))] | join("|")' "bob.$RUN@example.com|$E2" "the approval: who and which email"
http GET "/api/v1/audit?resume_id=$DAN&action=decision." "${AL[@]}"
expect_json '[.items[].action] | join(",")' "decision.set" "one candidate's trail"
expect_json '[.items[0].request_id, .items[0].details.reason, .items[0].details.recommendation, .items[0].actor.user_email] | join("|")' \
	"$PUT_RID|$REASON|reject|alice.$RUN@example.com" "the request, the reason, the recommendation then and the author"
http GET "/api/v1/audit?job_id=$JOB&limit=2" "${AL[@]}"
C=$(json .next_cursor)
http GET "/api/v1/audit?job_id=$JOB&limit=2&cursor=$C" "${AL[@]}"
expect_json '[.items[].id] | join(",")' "$(jq -r '[.items[2:4][].id] | join(",")' "$T_TMP/trail.json")" "page 2 goes on"
http GET "/api/v1/audit?job_id=$JOB" "${OT[@]}"
expect_json '.items | length' 0 "another organisation sees none of it"
http GET "/api/v1/audit?job_id=x" "${AL[@]}"
expect_status 400 "a job_id that is not a number"
check "the trail refuses UPDATE" bash -c "! psql -h 127.0.0.1 -p $SHORTLIST_PG_PORT -U postgres -d shortlist -qc \"UPDATE audit_events SET action = 'x.y' WHERE job_id = $JOB\" 2>/dev/null"
check "and DELETE" bash -c "! psql -h 127.0.0.1 -p $SHORTLIST_PG_PORT -U postgres -d shortlist -qc \"DELETE FROM audit_events WHERE job_id = $JOB\" 2>/dev/null"
check "nothing changed" test "$(sql "SELECT count(*) FROM audit_events WHERE job_id = $JOB AND action ~ '^(decision|emails)\.'")" = 10
