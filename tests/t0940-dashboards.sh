#!/usr/bin/env bash
# Dashboards: GET /api/v1/jobs/{id}/summary (a job's charts) and GET
# /api/v1/operations (an organisation's admins' page) agree with counts made
# in SQL, on a seeded job and on real uploads the drainer processed; another
# organisation's rows are never counted; the operations report is for admins
# only (a recruiter gets 403, an admin or an organisation key 200); bad
# parameters are a 400 problem.
. "$(dirname "$0")/lib/test-lib.sh"

FIX="$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
ORG_A="dash-a-$$"
ORG_B="dash-b-$$"
SEEDED=$(ctl seed --org "$ORG_A" --job-title "Seeded" --candidates 300 2>"$T_TMP/seed.err")
[[ $SEEDED =~ ^[0-9]+$ ]] || skip_all "seed failed: $(tail -n 2 "$T_TMP/seed.err")"
OTHER=$(ctl seed --org "$ORG_B" --job-title "Other" --candidates 120 2>>"$T_TMP/seed.err")
[[ $OTHER =~ ^[0-9]+$ ]] || skip_all "seed failed: $(tail -n 2 "$T_TMP/seed.err")"
A_ID=$(sql "SELECT org_id FROM jobs WHERE id = $SEEDED")
B_ID=$(sql "SELECT org_id FROM jobs WHERE id = $OTHER")
KEY_A=$(ctl key create --org "$ORG_A")
KEY_B=$(ctl key create --org "$ORG_B")
A=(-H "Authorization: Bearer $KEY_A")
B=(-H "Authorization: Bearer $KEY_B")

# Spend on some seeded analyses, in both organisations, so the sums are not all zero.
sql "UPDATE analyses SET prompt_tokens = 100 + id % 7, completion_tokens = 20 + id % 3, cost_usd = (id % 5) * 0.0015,
	cache_hit = id % 4 = 0 WHERE org_id IN ($A_ID, $B_ID)"

# Real uploads to a second job of A, processed by the drainer: text resumes, and one without a text layer (needs_review).
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux. 3+ years."}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
[[ $JOB =~ ^[0-9]+$ ]] || skip_all "cannot create a job"
mkdir -p "$T_TMP/r"
for n in One Two Three; do
	printf '%s\nEmail: %s@example.org\n\nExperience\nSoftware Engineer, Acme (2015 - 2024)\nBuilt production systems with PostgreSQL, Linux, C and Go.\n\nSkills\nPostgreSQL, Linux, C, Go\n' \
		"Pat $n" "pat${n,,}" >"$T_TMP/r/$n.txt"
done
curl -s "${A[@]}" -F "f=@$T_TMP/r/One.txt" -F "f=@$T_TMP/r/Two.txt" -F "f=@$T_TMP/r/Three.txt" -F "f=@$FIX/image_only.pdf" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "four uploads accepted" test "$(jq .accepted "$T_TMP/upload.json")" = 4
end=$(($(date +%s) + 120))
while (($(date +%s) < end)); do
	"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')") == 0 ]] && break
	sleep 0.3
done
check "the drainer processed the uploads" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB")" = 4

# Emails (sent, failed for good, bounced after sending, still queued) and unfinished tasks, in both organisations.
for o in "$A_ID $SEEDED 9" "$B_ID $OTHER 5"; do
	read -r org job n <<<"$o"
	sql "INSERT INTO emails (org_id, job_id, resume_id, kind, to_address, subject, body_text, message_id, state, sent_at)
		SELECT org_id, job_id, id, 'invite', 'c' || id || '@dash.example', 'Hi', 'Hi', 'dash-$$-' || id || '@x',
		(ARRAY['sent', 'sent', 'failed', 'bounced', 'queued'])[1 + row_number() OVER (ORDER BY id) % 5],
		CASE WHEN row_number() OVER (ORDER BY id) % 5 IN (0, 1, 3) THEN now() END
		FROM resumes WHERE job_id = $job ORDER BY id LIMIT $n"
	sql "INSERT INTO tasks (org_id, kind, idempotency_key, state, run_at, lease_until, locked_by)
		SELECT $org, (ARRAY['process_resume', 'send_email'])[1 + g % 2], 'dash-$$-$org-' || g,
		CASE WHEN g % 3 = 0 THEN 'running' ELSE 'queued' END, now() + interval '1 hour', now() + interval '1 hour', 'dash'
		FROM generate_series(1, $n) g"
done

# --- The job summary ---
http GET "/api/v1/jobs/$SEEDED/summary" "${A[@]}"
expect_status 200 "the seeded job's summary"
cp "$T_TMP/body" "$T_TMP/summary.json"
expect_json '.candidates' 300 "300 candidates"
expect_json '.score_bins | length' 10 "ten score bins"
expect_json '[.score_bins[].from] | join(",")' "0,10,20,30,40,50,60,70,80,90" "bins of 10 from 0"
bins=$(sql "SELECT string_agg(COALESCE(n, 0)::text, ',' ORDER BY b) FROM generate_series(0, 9) b LEFT JOIN
	(SELECT LEAST(floor(score / 10), 9)::int AS bin, count(*) AS n FROM analyses
	 WHERE job_id = $SEEDED AND is_current AND score IS NOT NULL GROUP BY 1) c ON c.bin = b")
expect_json '[.score_bins[].count] | join(",")' "$bins" "the histogram matches SQL ($bins)"
expect_json '.unscored' "$(sql "SELECT count(*) FROM analyses WHERE job_id = $SEEDED AND is_current AND score IS NULL")" \
	"candidates without a score match SQL"
for c in shortlist consider reject needs_review failed; do
	expect_json ".categories.$c" "$(sql "SELECT count(*) FROM analyses WHERE job_id = $SEEDED AND is_current AND category = '$c'")" \
		"category $c matches SQL"
done
for s in queued processing scored needs_review failed; do
	expect_json ".states.$s" "$(sql "SELECT count(*) FROM resumes WHERE job_id = $SEEDED AND status = '$s'")" "state $s matches SQL"
done
read -r n pt ct cost hits <<<"$(sql "SELECT count(*), sum(prompt_tokens), sum(completion_tokens), sum(cost_usd), count(*) FILTER (WHERE cache_hit)
	FROM analyses WHERE job_id = $SEEDED" | tr '|' ' ')"
expect_json '.llm.analyses' "$n" "analyses match SQL"
expect_json '.llm.prompt_tokens' "$pt" "prompt tokens match SQL ($pt)"
expect_json '.llm.completion_tokens' "$ct" "completion tokens match SQL"
expect_json '.llm.cache_hits' "$hits" "cache hits match SQL"
check "cost matches SQL ($cost)" jq -e --argjson c "$cost" '(.llm.cost_usd - $c) | fabs < 0.000001' "$T_TMP/body"
check "some spend to show" test "$pt" -gt 0

# The uploaded job: states as the drainer left them, including a rescore, which adds to the spend and not the candidates.
http POST "/api/v1/jobs/$JOB/rescore" "${A[@]}"
"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
http GET "/api/v1/jobs/$JOB/summary" "${A[@]}"
expect_json '.candidates' 4 "the uploaded job has four candidates"
expect_json '.states.scored + .states.needs_review + .states.failed' 4 "its four resumes are all processed"
expect_json '.states.needs_review' "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status = 'needs_review'")" \
	"needs_review matches SQL"
expect_json '.llm.analyses' "$(sql "SELECT count(*) FROM analyses WHERE job_id = $JOB")" "every analysis of the job counts, rescores too"

# Tenancy: another organisation's job is not found, and a summary never mixes organisations.
http GET "/api/v1/jobs/$SEEDED/summary" "${B[@]}"
expect_status 404 "another organisation's job summary"
expect_json '.status' 404 "as a problem"
http GET "/api/v1/jobs/$OTHER/summary" "${B[@]}"
expect_json '.candidates' 120 "B's own job has its own 120 candidates"
http GET "/api/v1/jobs/$SEEDED/summary"
expect_status 401 "no key"
http GET "/api/v1/jobs/abc/summary" "${A[@]}"
expect_status 404 "a malformed job id"

# --- The operations report ---
# report_matches ORG_ID KEY...: the report's sums against SQL over the same window (its "from").
report_matches() {
	local org=$1 who=$2 from d0
	shift 2
	http GET "/api/v1/operations" "$@"
	expect_status 200 "$who: the operations report"
	expect_json '.hours' 24 "$who: 24 hours unless asked"
	expect_json '.hourly | length' 24 "$who: one item per hour"
	from=$(json .from)
	d0=$(json '.daily[0].day')
	expect_json '[.hourly[].processed] | add' "$(sql "SELECT count(*) FROM analyses WHERE org_id = $org AND created_at >= '$from'")" \
		"$who: processed matches SQL"
	expect_json '[.hourly[].failed] | add' \
		"$(sql "SELECT count(*) FROM analyses WHERE org_id = $org AND created_at >= '$from' AND category = 'failed'")" \
		"$who: failed matches SQL"
	expect_json '[.hourly[].needs_review] | add' \
		"$(sql "SELECT count(*) FROM analyses WHERE org_id = $org AND created_at >= '$from' AND category = 'needs_review'")" \
		"$who: needs_review matches SQL"
	expect_json '[.hourly[].latency_n] | add' "$(sql "SELECT count(*) FROM analyses a WHERE a.org_id = $org
		AND a.created_at >= '$from' AND a.category <> 'failed' AND NOT EXISTS (SELECT 1 FROM analyses o
		WHERE o.resume_id = a.resume_id AND o.id < a.id AND o.category <> 'failed')")" \
		"$who: latency counts each resume's first analysis, not its rescores"
	check "$who: p50 <= p95 in every hour with latency" jq -e \
		'[.hourly[] | select(.latency_n > 0) | .latency_p50_s <= .latency_p95_s and .latency_p50_s >= 0] | all' "$T_TMP/body"
	expect_json '[.daily[].analyses] | add' \
		"$(sql "SELECT count(*) FROM analyses WHERE org_id = $org AND created_at >= '${d0}T00:00:00Z'")" "$who: daily analyses match SQL"
	expect_json '[.daily[].prompt_tokens] | add' \
		"$(sql "SELECT sum(prompt_tokens) FROM analyses WHERE org_id = $org AND created_at >= '${d0}T00:00:00Z'")" \
		"$who: daily prompt tokens match SQL"
	check "$who: daily cost matches SQL" jq -e --argjson c \
		"$(sql "SELECT sum(cost_usd) FROM analyses WHERE org_id = $org AND created_at >= '${d0}T00:00:00Z'")" \
		'([.daily[].cost_usd] | add) - $c | fabs < 0.000001' "$T_TMP/body"
	expect_json '[.daily[].emails_sent] | add' \
		"$(sql "SELECT count(*) FROM emails WHERE org_id = $org AND state IN ('sent', 'bounced', 'complained')")" \
		"$who: emails sent (bounced later included) match SQL"
	expect_json '[.daily[].emails_failed] | add' "$(sql "SELECT count(*) FROM emails WHERE org_id = $org AND state = 'failed'")" \
		"$who: emails failed match SQL"
	expect_json '[.queue[] | "\(.kind)=\(.queued)/\(.running)"] | join(",")' "$(sql "SELECT string_agg(kind || '=' || q || '/' || r, ','
		ORDER BY kind) FROM (SELECT kind, count(*) FILTER (WHERE state = 'queued') q, count(*) FILTER (WHERE state = 'running') r
		FROM tasks WHERE org_id = $org AND state IN ('queued', 'running') GROUP BY 1) t")" "$who: the queue matches SQL"
}
report_matches "$A_ID" "A (organisation key)" "${A[@]}"
check "A's report counts the analyses of A's two jobs, none of B's" jq -e --argjson n \
	"$(sql "SELECT count(*) FROM analyses WHERE job_id IN ($SEEDED, $JOB)")" '([.hourly[].processed] | add) == $n' "$T_TMP/body"
report_matches "$B_ID" "B (organisation key)" "${B[@]}"
check "B's report counts only B's 120" jq -e '([.hourly[].processed] | add) == 120' "$T_TMP/body"

# Admins only: a recruiter signed in gets 403, an admin 200.
echo "recruiter pass phrase 1" | ctl user create --org "$ORG_A" --password-stdin "rec-$$@example.com" >/dev/null
echo "admin pass phrase 22" | ctl user create --org "$ORG_A" --admin --password-stdin "adm-$$@example.com" >/dev/null
sign_in() { # EMAIL PASSWORD JAR
	curl -s -o /dev/null -w '%{http_code}' -c "$3" -H "Content-Type: application/json" \
		--data "{\"email\":\"$1\",\"password\":\"$2\"}" "$BASE_URL/api/v1/session"
}
check "the recruiter signs in" test "$(sign_in "rec-$$@example.com" "recruiter pass phrase 1" "$T_TMP/rec.jar")" = 201
check "the admin signs in" test "$(sign_in "adm-$$@example.com" "admin pass phrase 22" "$T_TMP/adm.jar")" = 201
http GET "/api/v1/operations" -b "$T_TMP/rec.jar"
expect_status 403 "a recruiter cannot see the operations"
check "as a problem naming who can" grep -q "admins" "$T_TMP/body"
http GET "/api/v1/jobs/$SEEDED/summary" -b "$T_TMP/rec.jar"
expect_status 200 "a recruiter sees a job's summary"
KEY_REC=$(ctl key create --org "$ORG_A" --user "rec-$$@example.com")
http GET "/api/v1/operations" -H "Authorization: Bearer $KEY_REC"
expect_status 403 "a recruiter's API key cannot either"
http GET "/api/v1/operations?hours=336" -b "$T_TMP/adm.jar"
expect_status 200 "an admin sees 14 days"
expect_json '.hourly | length' 336 "336 hours"
check "the days the 14 days touch (14 or 15)" jq -e '.daily | length == 14 or length == 15' "$T_TMP/body"
expect_json '[.hourly[].processed] | add' "$(sql "SELECT count(*) FROM analyses WHERE org_id = $A_ID AND created_at >= '$(json .from)'")" \
	"the admin's 14 days match SQL"

for bad in 0 337 abc -1 24x ''; do
	http GET "/api/v1/operations?hours=$bad" "${A[@]}"
	if [[ -z $bad ]]; then
		expect_status 200 "hours= (empty) is the default"
	else
		expect_status 400 "hours=$bad"
		check "hours=$bad: a problem naming the parameter" jq -e '.status == 400 and (.detail | test("hours"))' "$T_TMP/body"
	fi
done
http GET "/api/v1/operations"
expect_status 401 "no key"

sql "DELETE FROM tasks WHERE idempotency_key LIKE 'dash-$$-%'" >/dev/null
sql "DELETE FROM organisations WHERE id IN ($A_ID, $B_ID)" >/dev/null
