#!/usr/bin/env bash
# Bias audit (NYC Local Law 144): self-reported sex and race/ethnicity are
# stored apart from the resume, read and written only by admins, and never
# reach a scorer (the provider's request bodies are kept and searched); the
# per-job and per-organisation report gives selection rates, scoring rates
# and impact ratios by sex, race/ethnicity and both, flags a ratio under
# 0.8, marks categories too small to judge, and exports CSV and JSON. The
# figures are checked against the test's own count of the same candidates.
. "$(dirname "$0")/lib/test-lib.sh"

PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "$PY is not installed"
RUN="b$$r$RANDOM"
ORG="bias-$RUN"
KEY_ORG=$(new_org "$ORG")
ctl user create --org "$ORG" --name "Ann Admin" --admin "ann.$RUN@example.com" >/dev/null
ctl user create --org "$ORG" --name "Rob Recruiter" "rob.$RUN@example.com" >/dev/null
KEY_ADMIN=$(ctl key create --org "$ORG" --user "ann.$RUN@example.com" 2>/dev/null)
KEY_REC=$(ctl key create --org "$ORG" --user "rob.$RUN@example.com" 2>/dev/null)
KEY_OTHER=$(new_org "bias-other-$RUN")
[[ -n $KEY_ORG && -n $KEY_ADMIN && -n $KEY_REC && -n $KEY_OTHER ]] || skip_all "cannot make the organisations and keys"
JSON=(-H "Content-Type: application/json")
AD=(-H "Authorization: Bearer $KEY_ADMIN" "${JSON[@]}")
OK=(-H "Authorization: Bearer $KEY_ORG" "${JSON[@]}")
RE=(-H "Authorization: Bearer $KEY_REC" "${JSON[@]}")
OT=(-H "Authorization: Bearer $KEY_OTHER" "${JSON[@]}")

# A provider of this test's own, keeping every request body.
start_fake_llm --keep-requests 100000

R_DB='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL","weight":1,"keywords":["postgresql","go"]}]}'
http POST /api/v1/jobs "${RE[@]}" --data "{\"title\":\"Engineer\",\"description\":\"Go and PostgreSQL $RUN\",\"rubric\":$R_DB}"
expect_status 201 "a job"
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job"; exit 1; }

# Twelve candidates: NAME|SEX|RACE|DECISION (null: not reported). The decisions fix who is selected:
# men 4 of 6, women 2 of 5 (ratio 0.6, flagged); white 3 of 6 and Asian 2 of 4 (1.0 each);
# one Hispanic man (too small); one who answered nothing (unknown).
people=(
	"Mark One|male|white|shortlist" "Mike Two|male|white|shortlist" "Matt Three|male|white|reject"
	"Max Four|male|asian|shortlist" "Milo Five|male|asian|reject" "Hugo Six|male|hispanic_or_latino|shortlist"
	"Fay One|female|white|shortlist" "Flo Two|female|white|reject" "Fen Three|female|white|consider"
	"Fia Four|female|asian|shortlist" "Fox Five|female|asian|reject" "Uma None|null|null|reject"
)
skills=("Go, PostgreSQL and Linux" "Go and PostgreSQL" "PostgreSQL" "Go" "Kubernetes and Helm" "spreadsheets")
mkdir -p "$T_TMP/r"
args=()
i=0
for p in "${people[@]}"; do
	IFS='|' read -r name _ _ _ <<<"$p"
	f="$T_TMP/r/cand$i.txt"
	printf '%s\nEmail: cand%d.%s@example.org\n\nSummary\nEngineer %d who likes %s.\n\nExperience\nEngineer, Acme (2015 - 2024)\nBuilt systems with %s.\n\nSkills\n%s\n' \
		"$name" "$i" "$RUN" "$i" "${skills[$((i % 6))]}" "${skills[$((i % 6))]}" "${skills[$((i % 6))]}" >"$f"
	args+=(-F "f$i=@$f")
	i=$((i + 1))
done
curl -s -H "Authorization: Bearer $KEY_REC" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "twelve resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 12
rid() { jq -r --arg f "cand$1.txt" '.files[] | select(.filename == $f) | .resume_id' "$T_TMP/upload.json"; }
R0=$(rid 0)
D="/api/v1/candidates/$R0/demographics"

# --- who may read and write the answers
http GET "$D" "${RE[@]}"
expect_status 403 "a recruiter cannot read a candidate's demographics"
check "the refusal says admins only" grep -q "only an admin" <<<"$(json .detail)"
http PUT "$D" "${RE[@]}" --data '{"sex":"male","race_ethnicity":"white"}'
expect_status 403 "nor write them"
http GET "/api/v1/jobs/$JOB/bias-audit" "${RE[@]}"
expect_status 403 "nor read the job's bias audit"
http GET "/api/v1/bias-audit" "${RE[@]}"
expect_status 403 "nor the organisation's"
http GET "$D" "${AD[@]}"
expect_status 200 "an admin reads them"
expect_json '[.sex, .race_ethnicity, .reported_by] | map(tostring) | join("|")' "null|null|null" "none reported yet"

# --- bad input: a 400 naming the field, nothing stored
http PUT "$D" "${AD[@]}" --data '{"sex":"x","race_ethnicity":null}'
expect_status 400 "an unknown sex"
check "the error names sex and lists the categories" grep -q "^sex: .*male, female" <<<"$(json .detail)"
http PUT "$D" "${AD[@]}" --data '{"sex":null,"race_ethnicity":"martian"}'
expect_status 400 "an unknown race/ethnicity"
check "the error names race_ethnicity" grep -q "^race_ethnicity:" <<<"$(json .detail)"
http PUT "$D" "${AD[@]}" --data '{"sex":"male"}'
expect_status 400 "a missing member"
http PUT "$D" "${AD[@]}" --data '{"sex":"male","race_ethnicity":"white","age":40}'
expect_status 400 "an unknown member"
check "the error names it" grep -q "^age:" <<<"$(json .detail)"
http PUT "$D" "${AD[@]}" --data '["male"]'
expect_status 400 "not an object"
http PUT "/api/v1/candidates/999999999/demographics" "${AD[@]}" --data '{"sex":"male","race_ethnicity":null}'
expect_status 404 "no such candidate"
http PUT "$D" "${OT[@]}" --data '{"sex":"male","race_ethnicity":null}'
expect_status 404 "another organisation's candidate"
check "nothing was stored by the refused requests" test "$(sql "SELECT count(*) FROM candidate_demographics WHERE job_id = $JOB")" = 0
check "and nothing was audited" test "$(sql "SELECT count(*) FROM audit_events WHERE job_id = $JOB AND action LIKE '%demographics%'")" = 0

# --- the answers, given before scoring (by the admin's key and the organisation key in turn)
i=0
for p in "${people[@]}"; do
	IFS='|' read -r _ sex race _ <<<"$p"
	[[ $sex == null ]] || sex="\"$sex\""
	[[ $race == null ]] || race="\"$race\""
	if ((i % 2)); then K=("${OK[@]}"); else K=("${AD[@]}"); fi
	http PUT "/api/v1/candidates/$(rid $i)/demographics" "${K[@]}" --data "{\"sex\":$sex,\"race_ethnicity\":$race}"
	[[ $STATUS == 200 ]] || not_ok "demographics of candidate $i: HTTP $STATUS $(head -c 300 "$T_TMP/body")"
	i=$((i + 1))
done
check "twelve answers stored in their own table" test "$(sql "SELECT count(*) FROM candidate_demographics WHERE job_id = $JOB")" = 12
check "the resumes' own rows hold none of them" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND (contact::text ~ 'hispanic|asian|female' OR flags::text ~ 'hispanic|asian|female')")" = 0
http GET "/api/v1/candidates/$(rid 3)/demographics" "${AD[@]}"
expect_json '[.sex, .race_ethnicity, .reported_by] | join("|")' "male|asian|admin" "the answers read back"
check "each write is audited, without the answers" test "$(sql "SELECT count(*) FROM audit_events WHERE job_id = $JOB AND action = 'demographics.set' AND details = '{\"reported_by\": \"admin\"}'")" = 12

# --- scoring through the capturing provider: the answers are not in what it was sent
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1050 SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
	"$BIN/drainer" --once >"$T_TMP/drainer.log" 2>&1
check "every resume is settled" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')")" = 0
check "the provider scored them" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB AND is_current AND provider = 'openai'")" -ge 10
curl -s "$FAKE/_requests" | jq -r '.requests[]' >"$T_TMP/bodies.txt"
check "the provider was sent bodies ($(grep -c . "$T_TMP/bodies.txt") lines)" test -s "$T_TMP/bodies.txt"
check "the bodies hold the resumes (a skill of them)" grep -q "Kubernetes and Helm" "$T_TMP/bodies.txt"
check "and none of the answers or their names" bash -c "! grep -qiE 'hispanic|latino|asian|race_ethnicity|demographic|\"sex\"|female' '$T_TMP/bodies.txt'"
check "only the demographics and audit modules read the table" \
	test "$(grep -rl --include='*.c' candidate_demographics "$ROOT/shared" "$ROOT/handlers" | sed "s|$ROOT/||" | sort | tr '\n' ' ')" = "shared/score/biasaudit.c shared/score/demographics.c "
http GET "/api/v1/candidates/$R0" "${AD[@]}"
check "the candidate's record shows no answer, even to an admin" bash -c "! grep -qE '\"(sex|race_ethnicity)\"' '$T_TMP/body'"
curl -s -H "Authorization: Bearer $KEY_REC" "$BASE_URL/api/v1/jobs/$JOB/candidates?limit=100" >"$T_TMP/list.json"
check "nor does the ranked list" bash -c "! grep -qE '\"(sex|race_ethnicity)\"|hispanic|asian' '$T_TMP/list.json'"

# The fake's scores are all alike: score again with the local scorer, whose scores differ (decisions survive a rescore).
R_DB2='{"criteria":[{"name":"Databases","description":"Go services on PostgreSQL and Linux","weight":1,"keywords":["postgresql","go","linux"]}]}'
http PATCH "/api/v1/jobs/$JOB" "${RE[@]}" --data "{\"rubric\":$R_DB2}"
expect_status 200 "the rubric changes"
http POST "/api/v1/jobs/$JOB/rescore" -H "Authorization: Bearer $KEY_REC" --data ""
expect_status 202 "a rescore by the local scorer"
for _ in $(seq 20); do
	"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM tasks WHERE kind = 'process_resume' AND payload->>'job_id' = '$JOB' AND state IN ('queued', 'running')") == 0 ]] && break
	sleep 0.3
done
check "the local scorer gave different scores" test "$(sql "SELECT count(DISTINCT score) FROM analyses WHERE job_id = $JOB AND is_current AND provider = 'local'")" -ge 3

# --- the decisions that fix who is selected
i=0
for p in "${people[@]}"; do
	IFS='|' read -r _ _ _ cat <<<"$p"
	http PUT "/api/v1/jobs/$JOB/candidates/$(rid $i)/decision" "${RE[@]}" --data "{\"category\":\"$cat\",\"reason\":\"audit fixture $i\"}"
	[[ $STATUS == 200 ]] || not_ok "decision on candidate $i: HTTP $STATUS $(head -c 300 "$T_TMP/body")"
	i=$((i + 1))
done

# --- the job's report
http GET "/api/v1/jobs/$JOB/bias-audit?min_group=3" "${AD[@]}"
expect_status 200 "the job's bias audit"
cp "$T_TMP/body" "$T_TMP/audit.json"
g() { jq -r "$1" "$T_TMP/audit.json"; }
sexrow() { g ".sex[] | select(.category == \"$1\") | $2"; }
racerow() { g ".race_ethnicity[] | select(.category == \"$1\") | $2"; }
both() { g ".intersection[] | select(.sex == \"$1\" and .race_ethnicity == \"$2\") | $3"; }
check "it counts the twelve candidates" test "$(g .candidates)" = 12
check "its scope is the job" test "$(g '[.scope.org_id > 0, .scope.job_id] | map(tostring) | join("|")')" = "true|$JOB"
check "one answered nothing (unknown sex, race and intersection)" test "$(g '[.unknown.sex, .unknown.race_ethnicity, .unknown.intersection] | join("|")')" = "1|1|1"
check "men: 6 candidates, 4 selected, rate 0.6667, ratio 1" test "$(sexrow male '[.candidates, .selected, .selection_rate, .selection_impact_ratio] | join("|")')" = "6|4|0.6667|1"
check "women: 5 candidates, 2 selected, rate 0.4, ratio 0.6" test "$(sexrow female '[.candidates, .selected, .selection_rate, .selection_impact_ratio] | join("|")')" = "5|2|0.4|0.6"
check "women's selection ratio is flagged (under 0.8)" test "$(sexrow female '.flagged | index("selection_impact_ratio") != null')" = true
check "men's is not" test "$(sexrow male '.flagged | index("selection_impact_ratio") == null')" = true
check "white: 3 of 6, Asian: 2 of 4, both ratio 1" test "$(g '[.race_ethnicity[] | select(.category == "white" or .category == "asian") | "\(.category)=\(.selected)/\(.candidates):\(.selection_impact_ratio)"] | join(" ")')" = "white=3/6:1 asian=2/4:1"
check "one Hispanic candidate is too small to judge: no ratio, no flag" test "$(racerow hispanic_or_latino '[.candidates, .too_small, .selection_impact_ratio, (.flagged | length)] | map(tostring) | join("|")')" = "1|true|null|0"
check "a category nobody is in is listed, too small" test "$(racerow two_or_more_races '[.candidates, .too_small] | map(tostring) | join("|")')" = "0|true"
check "every category of the law is listed" test "$(g '[(.sex | length), (.race_ethnicity | length), (.intersection | length)] | join("|")')" = "2|7|14"
check "intersection: white men 2 of 3, ratio 1" test "$(both male white '[.selected, .candidates, .selection_impact_ratio] | join("|")')" = "2|3|1"
check "intersection: white women 1 of 3, ratio 0.5, flagged" test "$(both female white '[.selected, .candidates, .selection_impact_ratio, (.flagged | index("selection_impact_ratio") != null)] | map(tostring) | join("|")')" = "1|3|0.5|true"
check "intersection: Asian women (2) too small at min_group 3" test "$(both female asian .too_small)" = true

# The scoring rate, counted here from the stored scores: above the median of the job's twelve.
median=$(sql "SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY score)::numeric, 4) FROM analyses WHERE job_id = $JOB AND is_current AND score IS NOT NULL")
above() { # SEX
	sql "SELECT count(*) FROM analyses a JOIN candidate_demographics g ON g.resume_id = a.resume_id WHERE a.job_id = $JOB AND a.is_current AND g.sex = '$1' AND a.score > (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY score) FROM analyses WHERE job_id = $JOB AND is_current AND score IS NOT NULL)"
}
check "the median score is the job's ($median)" test "$(g .median_score)" = "$(jq -n "$median")"
check "men above the median: $(above male)" test "$(sexrow male .above_median)" = "$(above male)"
check "women above the median: $(above female)" test "$(sexrow female .above_median)" = "$(above female)"
m=$(above male) f=$(above female)
check "someone is above the median" test "$((m + f))" -gt 0
want=$(jq -rn --argjson m "$m" --argjson f "$f" 'def r: (. * 10000 + 0.5 | floor) / 10000; [($m / 6), ($f / 5)] as [$a, $b] | ([$a, $b] | max) as $t | if $t == 0 then "null|null" else "\($a / $t | r)|\($b / $t | r)" end')
got=$(g '[(.sex[] | select(.category == "male") | .scoring_impact_ratio), (.sex[] | select(.category == "female") | .scoring_impact_ratio)] | map(tostring) | join("|")')
check "the scoring impact ratios follow (want $want, got $got)" test "$got" = "$want"

# With the default smallest group (5), the four Asian candidates are too small.
http GET "/api/v1/jobs/$JOB/bias-audit" "${OK[@]}"
expect_status 200 "the report by the organisation key, default min_group"
expect_json '[.min_group, (.race_ethnicity[] | select(.category == "asian") | .too_small)] | map(tostring) | join("|")' "5|true" "Asian (4) is too small to judge at 5"

# --- the organisation's report covers its jobs; another organisation sees none of it
http GET "/api/v1/bias-audit?min_group=3" "${AD[@]}"
expect_status 200 "the organisation's bias audit"
expect_json '[.candidates, .scope.job_id, (.sex[] | select(.category == "female") | .selection_impact_ratio)] | map(tostring) | join("|")' "12|null|0.6" "it counts the same candidates (one job)"
http GET "/api/v1/bias-audit" "${OT[@]}"
expect_json '.candidates' 0 "another organisation's report has none of them"
http GET "/api/v1/jobs/$JOB/bias-audit" "${OT[@]}"
expect_status 404 "nor this job"

# --- bad parameters
http GET "/api/v1/jobs/$JOB/bias-audit?format=xml" "${AD[@]}"
expect_status 400 "an unknown format"
check "the error names format" grep -q "^format:" <<<"$(json .detail)"
http GET "/api/v1/jobs/$JOB/bias-audit?min_group=0" "${AD[@]}"
expect_status 400 "min_group 0"
check "the error names min_group" grep -q "^min_group:" <<<"$(json .detail)"
http GET "/api/v1/jobs/999999999/bias-audit" "${AD[@]}"
expect_status 404 "no such job"

# --- the CSV export for an auditor
http GET "/api/v1/jobs/$JOB/bias-audit?format=csv&min_group=3" "${AD[@]}"
expect_status 200 "the CSV export"
check "it is text/csv" grep -qi '^content-type: text/csv' "$T_TMP/headers"
check "it is an attachment named after the job" grep -qi "^content-disposition: attachment; filename=\"bias-audit-job-$JOB.csv\"" "$T_TMP/headers"
tr -d '\r' <"$T_TMP/body" >"$T_TMP/audit.csv"
check "a header and a line per category and unknown (1 + 3 + 8 + 15)" test "$(wc -l <"$T_TMP/audit.csv")" = 27
check "the header names the columns" test "$(head -n 1 "$T_TMP/audit.csv")" = "dimension,category,candidates,selected,selection_rate,selection_impact_ratio,above_median,scoring_rate,scoring_impact_ratio,too_small,flagged"
check "the women's line has the JSON's figures and its flag" grep -qE '^sex,female,5,2,0\.4000,0\.6000,[0-9]+,[0-9.]*,[0-9.]*,no,selection_impact_ratio' "$T_TMP/audit.csv"
check "the Hispanic line says too small" grep -qE '^race_ethnicity,hispanic_or_latino,1,1,1\.0000,,[0-9]+,[0-9.]+,,yes,$' "$T_TMP/audit.csv"
check "the intersection lines name both" grep -qE '^intersection,female/white,3,1,0\.3333,0\.5000,' "$T_TMP/audit.csv"
check "the unknown lines count who did not answer" test "$(grep -c ',unknown,1,' "$T_TMP/audit.csv")" = 3
check "every line has eleven fields" test "$(awk -F, 'NF != 11' "$T_TMP/audit.csv" | wc -l)" = 0
check "no name or address is in it" bash -c "! grep -qiE 'Mark|Fay|@example' '$T_TMP/audit.csv'"
http GET "/api/v1/bias-audit?format=csv" "${AD[@]}"
check "the organisation's CSV is named after it" grep -qi '^content-disposition: attachment; filename="bias-audit-org-' "$T_TMP/headers"
