#!/usr/bin/env bash
# The blind view: with the organisation's blind_view on, a recruiter sees no
# name, email, phone, address or file name of a candidate, and no download
# link, until the candidate is shortlisted (by the scorer or by a human
# decision), in every answer that carries them: the ranked list, the
# candidate, the file's download, email previews, the emails list and an
# email, batch progress, the audit trail and a rescore's changes;
# admins and the organisation key see everything; turned off, all is shown.
# Each answer is searched whole for every piece of each hidden identity.
. "$(dirname "$0")/lib/test-lib.sh"

RUN="v$$r$RANDOM"
ORG="blind-view-$RUN"
KEY_ORG=$(new_org "$ORG")
ctl user create --org "$ORG" --name "Ann Admin" --admin "ann.$RUN@example.com" >/dev/null
ctl user create --org "$ORG" --name "Rob Recruiter" "rob.$RUN@example.com" >/dev/null
KEY_ADMIN=$(ctl key create --org "$ORG" --user "ann.$RUN@example.com" 2>/dev/null)
KEY_REC=$(ctl key create --org "$ORG" --user "rob.$RUN@example.com" 2>/dev/null)
[[ -n $KEY_ORG && -n $KEY_ADMIN && -n $KEY_REC ]] || skip_all "cannot make the organisation and keys"
JSON=(-H "Content-Type: application/json")
AD=(-H "Authorization: Bearer $KEY_ADMIN" "${JSON[@]}")
OK=(-H "Authorization: Bearer $KEY_ORG" "${JSON[@]}")
RE=(-H "Authorization: Bearer $KEY_REC" "${JSON[@]}")

R_DB='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL","weight":1,"keywords":["postgresql","go"]}]}'
http POST /api/v1/jobs "${RE[@]}" --data "{\"title\":\"Engineer\",\"description\":\"Go and PostgreSQL $RUN\",\"rubric\":$R_DB}"
expect_status 201 "a job"
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job"; exit 1; }
http PUT "/api/v1/jobs/$JOB/company" "${RE[@]}" --data '{"company":"Nordlicht Labs","position":"Engineer"}'
expect_status 200 "the company the emails name"

# FILE|NAME|EMAIL|PHONE|STREET|SKILLS: a strong one (the scorer shortlists her), two weak ones.
people=(
	"zelda-quarrington.txt|Zelda Quarrington|zelda.q.$RUN@example.org|+1 415 555 0142|12 Larkspur Lane|Go, PostgreSQL and Linux"
	"yorick-pemberton.txt|Yorick Pemberton|yorick.p.$RUN@example.org|+1 415 555 0177|48 Wexford Road|spreadsheets and accounting"
	"xanthe-mulgrew.txt|Xanthe Mulgrew|xanthe.m.$RUN@example.org|+1 415 555 0193|7 Heron Crescent|bookkeeping and payroll"
)
mkdir -p "$T_TMP/r"
args=()
for p in "${people[@]}"; do
	IFS='|' read -r file name email phone street skills <<<"$p"
	printf '%s\n%s | %s\n%s, Springfield\n\nSummary\nEngineer who likes %s.\n\nExperience\nEngineer, Acme Corporation (2015 - 2024)\nBuilt and ran production systems with %s.\n\nSkills\n%s\n' \
		"$name" "$email" "$phone" "$street" "$skills" "$skills" "$skills" >"$T_TMP/r/$file"
	args+=(-F "f=@$T_TMP/r/$file")
done
curl -s -H "Authorization: Bearer $KEY_REC" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "three resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 3
BATCH=$(jq -r .batch_id "$T_TMP/upload.json")
rid() { jq -r --arg f "$1" '.files[] | select(.filename == $f) | .resume_id' "$T_TMP/upload.json"; }
ZEL=$(rid zelda-quarrington.txt) YOR=$(rid yorick-pemberton.txt) XAN=$(rid xanthe-mulgrew.txt)
for _ in $(seq 30); do
	"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')") == 0 ]] && break
	sleep 0.3
done
cat_of() { sql "SELECT category FROM analyses WHERE resume_id = $1 AND is_current"; }
check "Zelda is recommended for the shortlist ($(cat_of "$ZEL"))" test "$(cat_of "$ZEL")" = shortlist
check "Yorick is not ($(cat_of "$YOR"))" test "$(cat_of "$YOR")" != shortlist
check "nor Xanthe ($(cat_of "$XAN"))" test "$(cat_of "$XAN")" != shortlist

# The pieces of a hidden identity: each name word, the email, the phone, the street, the file name's stem.
pieces() { # NAME-PREFIX: one a line, of the person whose file starts so
	local p
	for p in "${people[@]}"; do
		IFS='|' read -r file name email phone street _ <<<"$p"
		[[ $file == "$1"* ]] || continue
		printf '%s\n' $name "$email" "$phone" "$street" "${file%.txt}" "${phone//[ +]/}"
	done
}
# leaks FILE PREFIX...: the pieces of those people found in FILE, case-insensitively ("" when none).
leaks() {
	local f=$1 who w
	shift
	for who in "$@"; do
		while IFS= read -r w; do
			grep -qiF -- "$w" "$f" && printf '%s; ' "$w"
		done < <(pieces "$who")
	done
}
ctlq() { ctl "$@" >/dev/null; }
get() { # KEY PATH OUT
	curl -s -H "Authorization: Bearer $1" "$BASE_URL$2" >"$3"
}

# --- before the setting: the recruiter sees everyone (the searches find what is there)
get "$KEY_REC" "/api/v1/jobs/$JOB/candidates?limit=100" "$T_TMP/list0.json"
check "without the blind view the list shows Yorick ($(leaks "$T_TMP/list0.json" yorick))" test -n "$(leaks "$T_TMP/list0.json" yorick)"
check "and says nothing is hidden" test "$(jq '[.items[] | select(.identity_hidden == true)] | length' "$T_TMP/list0.json")" = 0

# --- the setting
check "shortlistctl refuses an unknown setting" bash -c "! '$BIN/shortlistctl' org set --org '$ORG' blind_viewing on 2>/dev/null"
check "and a value other than on or off" bash -c "! '$BIN/shortlistctl' org set --org '$ORG' blind_view yes 2>/dev/null"
check "blind_view is turned on" ctlq org set --org "$ORG" blind_view on
check "it is stored on the organisation" test "$(sql "SELECT blind_view FROM organisations WHERE name = '$ORG'")" = t

# --- the ranked list
get "$KEY_REC" "/api/v1/jobs/$JOB/candidates?limit=100" "$T_TMP/list.json"
check "the recruiter's list holds nothing of Yorick or Xanthe (found: $(leaks "$T_TMP/list.json" yorick xanthe))" test -z "$(leaks "$T_TMP/list.json" yorick xanthe)"
check "it still lists all three" test "$(jq '.items | length' "$T_TMP/list.json")" = 3
check "the hidden ones say so, with null name, email and file name" test "$(jq -r "[.items[] | select(.resume_id == $YOR or .resume_id == $XAN) | [.identity_hidden, .name, .email, .filename] | map(tostring) | join(\",\")] | unique | join(\" \")" "$T_TMP/list.json")" = "true,null,null,null"
check "their scores and evidence are still there" test "$(jq "[.items[] | select(.resume_id == $YOR) | .score != null and (.summary | type) == \"string\"] | first" "$T_TMP/list.json")" = true
check "Zelda, shortlisted by the scorer, is shown" test "$(jq -r ".items[] | select(.resume_id == $ZEL) | [.identity_hidden, .name] | map(tostring) | join(\",\")" "$T_TMP/list.json")" = "false,Zelda Quarrington"
get "$KEY_REC" "/api/v1/jobs/$JOB/candidates?limit=100&category=$(cat_of "$YOR")" "$T_TMP/listcat.json"
check "nor does a category filter show them (found: $(leaks "$T_TMP/listcat.json" yorick xanthe))" test -z "$(leaks "$T_TMP/listcat.json" yorick xanthe)"

# --- the candidate
get "$KEY_REC" "/api/v1/candidates/$YOR" "$T_TMP/yor.json"
check "the recruiter's view of Yorick holds none of him (found: $(leaks "$T_TMP/yor.json" yorick))" test -z "$(leaks "$T_TMP/yor.json" yorick)"
check "no contact, no download link" test "$(jq -r '[.identity_hidden, .contact, .download] | map(tostring) | join(",")' "$T_TMP/yor.json")" = "true,null,null"
check "the analysis is there" test "$(jq -r '.analysis.score != null' "$T_TMP/yor.json")" = true
http GET "/api/v1/resumes/$YOR/download" -H "Authorization: Bearer $KEY_REC"
expect_status 403 "nor may the recruiter fetch his file by its id"
check "the refusal says the blind view hides it" grep -q "blind view hides it" <<<"$(json .detail)"
check "and names nothing of him (found: $(leaks "$T_TMP/body" yorick))" test -z "$(leaks "$T_TMP/body" yorick)"
http GET "/api/v1/resumes/$ZEL/download" -H "Authorization: Bearer $KEY_REC"
expect_status 200 "Zelda's file, shortlisted, may be fetched"
http GET "/api/v1/resumes/$YOR/download" -H "Authorization: Bearer $KEY_ADMIN"
expect_status 200 "an admin may fetch Yorick's"
get "$KEY_ADMIN" "/api/v1/candidates/$YOR" "$T_TMP/yor-admin.json"
check "an admin sees his name and download link" test "$(jq -r '[.identity_hidden, .name, (.download | type)] | map(tostring) | join(",")' "$T_TMP/yor-admin.json")" = "false,Yorick Pemberton,object"
get "$KEY_ORG" "/api/v1/jobs/$JOB/candidates?limit=100" "$T_TMP/list-org.json"
check "the organisation key sees all names" test "$(jq -r '[.items[].name] | sort | join(",")' "$T_TMP/list-org.json")" = "Xanthe Mulgrew,Yorick Pemberton,Zelda Quarrington"

# --- emails: a preview for Yorick, then his rejection, listed and read
http POST "/api/v1/jobs/$JOB/templates/reject/preview" "${RE[@]}" --data "{\"candidate_id\":$YOR}"
expect_status 200 "a preview for Yorick"
check "it keeps the sample name (found: $(leaks "$T_TMP/body" yorick))" test -z "$(leaks "$T_TMP/body" yorick)"
http POST "/api/v1/jobs/$JOB/templates/reject/preview" "${AD[@]}" --data "{\"candidate_id\":$YOR}"
check "an admin's preview names him" grep -q "Yorick Pemberton" <<<"$(json .text)"
http POST "/api/v1/jobs/$JOB/emails" "${RE[@]}" --data "{\"kind\":\"reject\",\"candidate_ids\":[$YOR],\"recruiter_name\":\"Rob\"}"
expect_status 202 "Rob asks for Yorick's rejection"
cp "$T_TMP/body" "$T_TMP/send.json"
check "the answer holds nothing of him (found: $(leaks "$T_TMP/send.json" yorick))" test -z "$(leaks "$T_TMP/send.json" yorick)"
EMAIL=$(sql "SELECT id FROM emails WHERE job_id = $JOB AND resume_id = $YOR")
check "the email exists, to his address" test "$(sql "SELECT to_address FROM emails WHERE id = ${EMAIL:-0}")" = "yorick.p.$RUN@example.org"
get "$KEY_REC" "/api/v1/emails?job_id=$JOB" "$T_TMP/emails.json"
check "the recruiter's emails list holds none of him (found: $(leaks "$T_TMP/emails.json" yorick))" test -z "$(leaks "$T_TMP/emails.json" yorick)"
check "it lists the email, its recipient hidden" test "$(jq -r ".items[] | select(.id == $EMAIL) | [.identity_hidden, .to, .kind] | map(tostring) | join(\",\")" "$T_TMP/emails.json")" = "true,null,reject"
get "$KEY_REC" "/api/v1/emails/$EMAIL" "$T_TMP/email.json"
check "nor the email itself (found: $(leaks "$T_TMP/email.json" yorick))" test -z "$(leaks "$T_TMP/email.json" yorick)"
get "$KEY_ADMIN" "/api/v1/emails/$EMAIL" "$T_TMP/email-admin.json"
check "an admin reads its recipient" test "$(jq -r .to "$T_TMP/email-admin.json")" = "yorick.p.$RUN@example.org"

# --- batch progress and the audit trail
get "$KEY_REC" "/api/v1/process/status/$BATCH" "$T_TMP/status.json"
check "batch progress answers" test "$(jq -r '.batch_id // .id' "$T_TMP/status.json")" = "$BATCH"
check "and holds nothing of the hidden (found: $(leaks "$T_TMP/status.json" yorick xanthe))" test -z "$(leaks "$T_TMP/status.json" yorick xanthe)"
get "$KEY_REC" "/api/v1/audit?job_id=$JOB" "$T_TMP/audit.json"
check "the audit trail holds nothing of them (found: $(leaks "$T_TMP/audit.json" yorick xanthe))" test -z "$(leaks "$T_TMP/audit.json" yorick xanthe)"

# --- a human decision shortlists Xanthe: she is shown from then on
http PUT "/api/v1/jobs/$JOB/candidates/$XAN/decision" "${RE[@]}" --data '{"category":"shortlist","reason":"payroll systems are what the team builds next"}'
expect_status 200 "Rob shortlists Xanthe with a reason"
get "$KEY_REC" "/api/v1/candidates/$XAN" "$T_TMP/xan.json"
check "the recruiter now sees her name and email" test "$(jq -r '[.identity_hidden, .name, .email] | map(tostring) | join(",")' "$T_TMP/xan.json")" = "false,Xanthe Mulgrew,xanthe.m.$RUN@example.org"
get "$KEY_REC" "/api/v1/jobs/$JOB/candidates?limit=100" "$T_TMP/list2.json"
check "Yorick stays hidden in the list (found: $(leaks "$T_TMP/list2.json" yorick))" test -z "$(leaks "$T_TMP/list2.json" yorick)"
check "Xanthe is named in it" test "$(jq -r ".items[] | select(.resume_id == $XAN) | .name" "$T_TMP/list2.json")" = "Xanthe Mulgrew"

# --- turned off, the recruiter sees everyone again
check "blind_view is turned off" ctlq org set --org "$ORG" blind_view off
get "$KEY_REC" "/api/v1/candidates/$YOR" "$T_TMP/yor-off.json"
check "Yorick's name is shown again" test "$(jq -r '[.name, (.download | type)] | join(",")' "$T_TMP/yor-off.json")" = "Yorick Pemberton,object"
get "$KEY_REC" "/api/v1/emails/$EMAIL" "$T_TMP/email-off.json"
check "and his email's recipient" test "$(jq -r .to "$T_TMP/email-off.json")" = "yorick.p.$RUN@example.org"

# --- a rescore's changes: who moved out of the shortlist is hidden again from a recruiter
check "blind_view is on again" ctlq org set --org "$ORG" blind_view on
http PATCH "/api/v1/jobs/$JOB" "${RE[@]}" --data '{"rubric":{"criteria":[{"name":"Payroll","description":"Runs payroll","weight":1,"keywords":["payroll","bookkeeping"]}]}}'
expect_status 200 "the rubric changes to payroll"
http POST "/api/v1/jobs/$JOB/rescore" -H "Authorization: Bearer $KEY_REC" --data ""
expect_status 202 "a rescore"
RB=$(json .batch_id)
for _ in $(seq 30); do
	"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'job_id' = '$JOB' AND state IN ('queued', 'running')") == 0 ]] && break
	sleep 0.3
done
check "Zelda is no longer recommended for the shortlist ($(cat_of "$ZEL"))" test "$(cat_of "$ZEL")" != shortlist
get "$KEY_ADMIN" "/api/v1/jobs/$JOB/rescore/$RB" "$T_TMP/rescore-admin.json"
check "an admin's rescore report names Zelda among those moved out" test "$(jq -r '[.shortlist_changes.moved_out[].name] | join(",")' "$T_TMP/rescore-admin.json")" = "Zelda Quarrington"
get "$KEY_REC" "/api/v1/jobs/$JOB/rescore/$RB" "$T_TMP/rescore.json"
check "the recruiter's lists her, unnamed" test "$(jq -r "[.shortlist_changes.moved_out[] | \"\(.resume_id):\(.name)\"] | join(\",\")" "$T_TMP/rescore.json")" = "$ZEL:null"
check "and holds nothing of the hidden (found: $(leaks "$T_TMP/rescore.json" zelda yorick))" test -z "$(leaks "$T_TMP/rescore.json" zelda yorick)"
