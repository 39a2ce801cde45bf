#!/usr/bin/env bash
# Email API: company details, templates and previews, sending with its
# per-candidate outcomes (refusals, idempotency, suppression), listing and
# counts, and tenancy. Delivery itself is in t0510 and t0520.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
mkdir -p "$FIX"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
RUN="a$$r$RANDOM"
KEY_A=$(new_org "emails-a-$RUN")
KEY_B=$(new_org "emails-b-$RUN")
A=(-H "Authorization: Bearer $KEY_A" -H "Content-Type: application/json")
B=(-H "Authorization: Bearer $KEY_B" -H "Content-Type: application/json")

# resume NAME EMAIL FILE: a plain-text resume long enough to be scored.
resume() {
	printf '%s\n%s\n\nSummary\nBackend engineer with 7 years of C, PostgreSQL and Linux systems work, building fast and reliable services.\n\nExperience\nSenior Backend Engineer, Example Systems GmbH (2017-2024): designed PostgreSQL schemas, wrote C services behind lighttpd, tuned Linux hosts.\n\nSkills: C, PostgreSQL, Linux, SMTP, networking\n' "$1" "$2" >"$3"
}

http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer (m/f/d)","description":"About Nordlicht Labs\nWe build search tools.\nDepartment: Platform Engineering\nLocation: Hamburg, Germany\nYou know C, PostgreSQL and Linux.","required_skills":["C","PostgreSQL","Linux"]}'
expect_status 201 "a job to write from"
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job (HTTP $STATUS)"; exit 1; }

# --- company details
http GET "/api/v1/jobs/$JOB/company" "${A[@]}"
expect_status 200 "company details"
expect_json .company "Nordlicht Labs" "the company from the 'About' heading"
expect_json .position "Backend Engineer" "the position without the gender tag"
expect_json .department "Platform Engineering" "the department from its label"
expect_json .location "Hamburg, Germany" "the location from its label"
expect_json '.skills | join(",")' "C,PostgreSQL,Linux" "key skills from the required skills"
expect_json .source local "extracted locally"
check "cached in one row" test "$(sql "SELECT count(*) FROM job_company WHERE job_id = $JOB")" = 1

# A description whose head reads "Title — Team" and "Company · City · Full time" names all three.
http POST /api/v1/jobs "${A[@]}" --data '{"title":"Line Cook","description":"Line Cook — Kitchen Team\nHarbour House Hotel · Brighton, UK · Full time\n\nYou cook on the line for 120 covers.","required_skills":["Food safety"]}'
HJOB=$(json .id)
http GET "/api/v1/jobs/$HJOB/company" "${A[@]}"
expect_json .company "Harbour House Hotel" "the company from the description's head"
expect_json .location "Brighton, UK" "the place from the description's head"
expect_json .department "Kitchen Team" "the team from the title line"

curl -s -o /dev/null "${A[@]}" -X PATCH --data '{"company":"Nordlicht Labs GmbH"}' "$BASE_URL/api/v1/jobs/$JOB"
http GET "/api/v1/jobs/$JOB/company" "${A[@]}"
expect_json .company "Nordlicht Labs GmbH" "an extracted copy follows a changed job"

http PUT "/api/v1/jobs/$JOB/company" "${A[@]}" --data '{"company":"Nordlicht","department":null}'
expect_status 200 "editing the company details"
expect_json '[.company, .department, .position, .source] | join("|")' "Nordlicht||Backend Engineer|edited" "edited members replace, absent ones stay"
curl -s -o /dev/null "${A[@]}" -X PATCH --data '{"company":"Something Else"}' "$BASE_URL/api/v1/jobs/$JOB"
http GET "/api/v1/jobs/$JOB/company" "${A[@]}"
expect_json .company "Nordlicht" "an edit survives a change of the job"
http PUT "/api/v1/jobs/$JOB/company" "${A[@]}" --data '{"company":"two\nlines"}'
expect_status 400 "a company with a line break"
check "the error names the field" grep -q "^company:" <<<"$(json .detail)"
http PUT "/api/v1/jobs/$JOB/company" "${A[@]}" --data '{"skills":"C"}'
expect_status 400 "skills that are not an array"
http GET "/api/v1/jobs/$JOB/company" "${B[@]}"
expect_status 404 "another organisation's job has no company details"

# --- templates and previews
http GET "/api/v1/jobs/$JOB/templates/invite" "${A[@]}"
expect_status 200 "the invitation template"
expect_json .is_default true "is the built-in default until edited"
check "it uses the scheduling link" grep -q "{{scheduling_link}}" <<<"$(json .text)"
http GET "/api/v1/jobs/$JOB/templates/promote" "${A[@]}"
expect_status 404 "an unknown template kind"

http PUT "/api/v1/jobs/$JOB/templates/reject" "${A[@]}" --data '{"subject":"Hello {{candidate_nam}}","text":"x"}'
expect_status 400 "a misspelt variable"
check "the error names it" grep -q "candidate_nam" <<<"$(json .detail)"
http PUT "/api/v1/jobs/$JOB/templates/reject" "${A[@]}" --data '{"subject":"Hi","text":"You scored {{match_score}}"}'
expect_status 400 "a score variable"
check "the error names it" grep -q "match_score" <<<"$(json .detail)"
http PUT "/api/v1/jobs/$JOB/templates/reject" "${A[@]}" --data '{"subject":"Hi","text":"Your ranking was too low"}'
expect_status 400 "a template that talks about ranking"
http PUT "/api/v1/jobs/$JOB/templates/reject" "${A[@]}" --data '{"subject":"Hi","text":"x","html":"<a href=\"{{company}}\">x</a>"}'
expect_status 400 "a non-link variable as a link"
http PUT "/api/v1/jobs/$JOB/templates/reject" "${A[@]}" --data '{"subject":"About {{position}}","text":"Dear {{candidate_name}}, thank you from {{company}}.\n{{recruiter_name}}","html":"<p>Dear {{candidate_name}}</p><p>{{company}}</p>"}'
expect_status 200 "a valid edited template"
expect_json .is_default false "is stored"
http GET "/api/v1/jobs/$JOB/templates/reject" "${B[@]}"
expect_status 404 "another organisation cannot read it"

http POST "/api/v1/jobs/$JOB/templates/invite/preview" "${A[@]}" --data ''
expect_status 200 "a preview with sample values"
expect_json .subject "Next steps for the Backend Engineer role at Nordlicht" "the subject uses the job's details"
check "the text part has the sample name" grep -q "Dear Alex Example" <<<"$(json .text)"
check "the HTML part links the scheduling page" grep -q 'href="https://example.com/schedule"' <<<"$(json .html)"
http POST "/api/v1/jobs/$JOB/templates/invite/preview" "${A[@]}" --data '{"values":{"candidate_name":"<b>Zoë</b> & co","scheduling_link":"https://cal.example.com/x?a=1&b=2"}}'
expect_status 200 "a preview with given values"
check "HTML escapes the values" grep -q '&lt;b&gt;Zoë&lt;/b&gt; &amp; co' <<<"$(json .html)"
check "the text keeps them verbatim" grep -q '<b>Zoë</b> & co' <<<"$(json .text)"
http POST "/api/v1/jobs/$JOB/templates/invite/preview" "${A[@]}" --data '{"values":{"scheduling_link":"javascript:alert(1)"}}'
expect_status 400 "a link that is not http(s)"
check "the error names the variable" grep -q "scheduling_link" <<<"$(json .detail)"
http POST "/api/v1/jobs/$JOB/templates/invite/preview" "${A[@]}" --data '{"values":{"candidate_score":"91"}}'
expect_status 400 "a score given as a value"
check "the error names it" grep -q "candidate_score" <<<"$(json .detail)"
http POST "/api/v1/jobs/$JOB/templates/consider/preview" "${A[@]}" --data '{"template":{"subject":"Hi {{candidate_name}}","text":"{{unknown_thing}}"}}'
expect_status 400 "previewing an unsaved template with an unknown variable"
check "the error names it" grep -q "unknown_thing" <<<"$(json .detail)"

# --- candidates: scored ones with emails, one without, one needing review, one failed
resume "José Müller" "jose.$RUN@example.org" "$T_TMP/r1.txt"
resume "Zoë Ångström" "zoe.$RUN@example.org" "$T_TMP/r2.txt"
resume "Nobody Mailable" "no address here" "$T_TMP/r3.txt"
resume "Sup Pressed" "suppressed.$RUN@example.org" "$T_TMP/r4.txt"
printf 'Tiny Text\ntiny.%s@example.org\nC\n' "$RUN" >"$T_TMP/r5.txt"
http POST "/api/v1/jobs/$JOB/resumes" -H "Authorization: Bearer $KEY_A" -F "a=@$T_TMP/r1.txt" -F "b=@$T_TMP/r2.txt" \
	-F "c=@$T_TMP/r3.txt" -F "d=@$T_TMP/r4.txt" -F "e=@$T_TMP/r5.txt" -F "f=@$FIX/truncated.pdf"
expect_status 201 "six resumes uploaded"
mapfile -t R < <(json '.files[].resume_id')
"$BIN/drainer" --once >"$T_TMP/drainer.log" 2>&1
# Another drainer of the instance may hold some of them: wait until every one is settled.
# value_is FUNCTION EXPECTED / at_least FUNCTION MIN: for eventually, which must re-run the query each time.
value_is() { test "$("$1")" = "$2"; }
at_least() { test "$("$1")" -ge "$2"; }
unsettled() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')"; }
check "the drainer processed them" eventually 120 value_is unsettled 0
state() { sql "SELECT r.status || '/' || COALESCE(a.category, '-') FROM resumes r LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current WHERE r.id = $1"; }
check "the short resume needs review ($(state "${R[4]}"))" test "$(state "${R[4]}")" = needs_review/needs_review
check "the broken PDF failed ($(state "${R[5]}"))" test "$(state "${R[5]}")" = failed/failed
sql "INSERT INTO email_suppressions (org_id, address, reason) SELECT org_id, 'suppressed.$RUN@example.org', '550 test' FROM jobs WHERE id = $JOB"

# --- sending: validation
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data '{"kind":"praise","candidate_ids":[1]}'
expect_status 400 "an unknown kind"
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data '{"kind":"reject","candidate_ids":[1],"category":"reject"}'
expect_status 400 "both candidate ids and a category"
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data '{"kind":"reject","candidate_ids":[]}'
expect_status 400 "no candidates"
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data '{"kind":"reject","candidate_ids":["x"]}'
expect_status 400 "a candidate id that is not a number"
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[${R[0]}],\"recruiter_name\":\"Sam\"}"
expect_status 400 "an invitation without a scheduling link"
check "the error names the missing variable" grep -q "scheduling_link" <<<"$(json .detail)"
check "nothing was queued" test "$(sql "SELECT count(*) FROM emails WHERE job_id = $JOB")" = 0
http POST "/api/v1/jobs/$JOB/emails" "${B[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[${R[0]}],\"recruiter_name\":\"Sam\"}"
expect_status 404 "another organisation's job"

# --- rejections: refused for needs_review and failed, and for a missing or suppressed address
ids=$(IFS=,; echo "${R[*]}")
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[$ids,999999999],\"recruiter_name\":\"Sam Smith\"}"
expect_status 202 "rejections queued for those who may get one"
expect_json '[.queued, .already_queued, .refused] | join(",")' "2,0,5" "two queued, five refused"
outcome() { jq -r --argjson id "$1" '.results[] | select(.candidate_id == $id) | .status + ": " + (.reason // "")' <"$T_TMP/body"; }
check "José queued" test "$(outcome "${R[0]}")" = "queued: "
check "Zoë queued" test "$(outcome "${R[1]}")" = "queued: "
check "no address: refused ($(outcome "${R[2]}"))" grep -q "no contact email" <<<"$(outcome "${R[2]}")"
check "suppressed: refused ($(outcome "${R[3]}"))" grep -q "suppressed" <<<"$(outcome "${R[3]}")"
check "needs review: no rejection ($(outcome "${R[4]}"))" grep -q "needs review" <<<"$(outcome "${R[4]}")"
check "failed: no rejection ($(outcome "${R[5]}"))" grep -q "never a rejection" <<<"$(outcome "${R[5]}")"
check "an unknown candidate is refused" grep -q "no such candidate" <<<"$(outcome 999999999)"
check "no rejection row for the needs-review or failed resumes" test "$(sql "SELECT count(*) FROM emails WHERE resume_id IN (${R[4]}, ${R[5]})")" = 0
EID=$(jq -r --argjson id "${R[0]}" '.results[] | select(.candidate_id == $id) | .email_id' <"$T_TMP/body")

row() { sql "SELECT $1 FROM emails WHERE id = $EID"; }
check "rendered with the candidate's UTF-8 name" test "$(row to_name)" = "José Müller"
check "addressed to the resume's email" test "$(row to_address)" = "jose.$RUN@example.org"
check "the subject from the edited template" test "$(row subject)" = "About Backend Engineer"
check "a Message-ID with the sender's domain" grep -Eq '^<[0-9a-f]{32}@shortlist\.localhost>$' <<<"$(row message_id)"
check "rejections have the lowest priority" test "$(row priority)" = 10
check "no score in the email" test "$(sql "SELECT count(*) FROM emails e JOIN analyses a ON a.resume_id = e.resume_id AND a.is_current WHERE e.job_id = $JOB AND (e.body_text ILIKE '%score%' OR e.body_text LIKE '%' || a.score::text || '%')")" = 0

http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[${R[0]},${R[1]}],\"recruiter_name\":\"Sam Smith\"}"
expect_status 200 "sending the same rejections again"
expect_json '[.queued, .already_queued] | join(",")' "0,2" "reports them already queued"
check "still one row each" test "$(sql "SELECT count(*) FROM emails WHERE job_id = $JOB")" = 2

http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[${R[0]}],\"recruiter_name\":\"Sam\",\"scheduling_link\":\"https://cal.example.com/sam\"}"
expect_status 202 "an invitation is another kind: queued"
check "invitations have the highest priority" test "$(sql "SELECT priority FROM emails WHERE job_id = $JOB AND kind = 'invite'")" = 30
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data '{"kind":"consider","category":"shortlist","recruiter_name":"Sam"}'
check "a category selects candidates by their current analysis ($STATUS)" test "$STATUS" = 202 -o "$STATUS" = 200

# --- where replies go
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[${R[1]}],\"recruiter_email\":\"sam at example\"}"
expect_status 400 "a recruiter_email that is not an address"
check "says replies could not go there" grep -q "not an email address replies could go to" <<<"$(json .detail)"
ctl user create --org "emails-a-$RUN" --name "Rita Recruiter" "rita-$RUN@example.com" >/dev/null
KEY_RITA=$(ctl key create --org "emails-a-$RUN" --user "rita-$RUN@example.com" 2>/dev/null)
http POST "/api/v1/jobs/$JOB/emails" -H "Authorization: Bearer $KEY_RITA" -H "Content-Type: application/json" \
	--data "{\"kind\":\"invite\",\"candidate_ids\":[${R[1]}],\"scheduling_link\":\"https://cal.example.com/rita\"}"
expect_status 202 "an invitation sent with a user's key"
RITA_EID=$(json '.results[0].email_id')
http GET "/api/v1/emails/$RITA_EID" "${A[@]}"
expect_json '[.reply_to, .reply_to_name] | join(",")' "rita-$RUN@example.com,Rita Recruiter" "replies go to that user by default"
check "who signs it by default" grep -q "Rita Recruiter" <<<"$(json .text)"
http POST "/api/v1/jobs/$JOB/templates/invite/preview" -H "Authorization: Bearer $KEY_RITA" --data ''
expect_json .values.recruiter_name "Rita Recruiter" "a user's preview is signed by that user"
expect_json .values.recruiter_email "rita-$RUN@example.com" "with that user's address"
http POST "/api/v1/jobs/$JOB/templates/invite/preview" -H "Authorization: Bearer $KEY_RITA" -H "Content-Type: application/json" \
	--data '{"values":{"recruiter_name":"Someone Else"}}'
expect_json .values.recruiter_name "Someone Else" "unless values say otherwise"

# --- status
http GET "/api/v1/emails/$EID" "${A[@]}"
expect_status 200 "one email"
expect_json .reply_to null "an organisation key without recruiter_email: no Reply-To"
expect_json '[.state, .kind, .to, .attempts] | join(",")' "queued,reject,jose.$RUN@example.org,0" "its state and recipient"
check "with its bodies" grep -q "José Müller" <<<"$(json .text)"
http GET "/api/v1/emails/$EID" "${B[@]}"
expect_status 404 "another organisation's email"
http GET "/api/v1/emails?job_id=$JOB&limit=1" "${A[@]}"
expect_status 200 "the list, one per page"
expect_json '.items | length' 1 "one item"
CUR=$(json .next_cursor)
http GET "/api/v1/emails?job_id=$JOB&limit=1&cursor=$CUR" "${A[@]}"
check "the next page goes on with older emails" test "$(json '.items[0].id')" -lt "$(sql "SELECT max(id) FROM emails WHERE job_id = $JOB")"
http GET "/api/v1/emails?job_id=$JOB&state=queued&limit=100" "${A[@]}"
expect_json '.items | length' "$(sql "SELECT count(*) FROM emails WHERE job_id = $JOB AND state = 'queued'")" "filtered by state"
http GET "/api/v1/emails?state=lost" "${A[@]}"
expect_status 400 "an unknown state"
http GET "/api/v1/emails?job_id=$JOB" "${B[@]}"
expect_json '.items | length' 0 "another organisation sees none of them"
http GET "/api/v1/jobs/$JOB/emails/stats" "${A[@]}"
expect_status 200 "counts by state"
expect_json '.states.queued' "$(sql "SELECT count(*) FROM emails WHERE job_id = $JOB")" "all queued"
expect_json '.kinds.reject' 2 "two rejections"
http GET "/api/v1/jobs/$JOB/emails/stats" "${B[@]}"
expect_status 404 "another organisation's counts"

# --- a template reset returns to the default
http DELETE "/api/v1/jobs/$JOB/templates/reject" "${A[@]}"
expect_status 200 "resetting a template"
expect_json .is_default true "the default applies again"

# Leave nothing for other tests' drainers to send.
sql "UPDATE emails SET state = 'failed', last_error = 'test cleanup' WHERE job_id = $JOB AND state = 'queued'"
