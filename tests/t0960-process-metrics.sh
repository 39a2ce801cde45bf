#!/usr/bin/env bash
# Metrics of every process (shared/core/procmetrics.h, metricsfile.h): the
# scrape's sums match the work done, exactly, across the processes of a pool
# and a drainer: requests by route, method and status through two or more
# processes of the jobs pool; upload files and bytes; tasks by outcome
# against the resumes' states; LLM calls and tokens against the fake
# provider's own counts. A jobs process killed with SIGKILL (lighttpd starts
# another) leaves every sum as it was, and counting goes on from there. The
# metrics are on the loopback metrics listener only: the public port answers
# 404 for /metrics, and the metrics listener serves nothing else.
#
# Seen to fail: with fold() in shared/core/metricsfile.c no longer freeing
# the slot it folded (handlers rebuilt and lighttpd restarted), exited and
# killed processes were counted again at each scrape: 18 checks failed,
# among them "not ok - LLM calls counted = the fake's count", "not ok - a
# SIGKILL leaves the requests' sum as it was: 2443 then 2513" and "not ok -
# a second scrape folds nothing twice"; restoring it made all pass again.
. "$(dirname "$0")/lib/test-lib.sh"

command -v jq >/dev/null || skip_all "jq is not installed"
[[ -n ${SHORTLIST_METRICS_FILE:-} && -f $SHORTLIST_METRICS_FILE ]] || skip_all "no metrics file (SHORTLIST_METRICS_FILE)"
curl -sf -o /dev/null "$METRICS_URL/metrics" || skip_all "the metrics listener does not answer at $METRICS_URL"
FIX="$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"
LLM_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT"
curl -sf -o /dev/null "$LLM_URL/_stats" || skip_all "the fake LLM does not answer"

KEY=$(new_org "procmetrics-$$")
A=(-H "Authorization: Bearer $KEY")

scrape() { curl -sf "$METRICS_URL/metrics" >"$T_TMP/$1"; }
# value SCRAPE SERIES: the sample's value (0 when absent).
value() { awk -v s="$2" '$1 == s { v = $2 } END { print v + 0 }' "$T_TMP/$1"; }
# delta BEFORE AFTER SERIES: how much the series grew.
delta() { awk -v a="$(value "$1" "$3")" -v b="$(value "$2" "$3")" 'BEGIN { print b - a }'; }
# sum_of SCRAPE PATTERN: the sum of every sample whose series matches the awk regex.
sum_of() { awk -v p="$2" '$1 ~ p { v += $2 } END { print v + 0 }' "$T_TMP/$1"; }
slots() { "$TOOLS/metrics_slots" "$SHORTLIST_METRICS_FILE" | awk '$2 == "jobs"' | sort >"$T_TMP/$1"; }
llm_stat() { jq -r "$2" "$T_TMP/$1"; }

JOBS_OK='shortlist_http_requests_total{route="/api/v1/jobs",method="GET",status="200"}'
JOB_404='shortlist_http_requests_total{route="/api/v1/jobs/{id}",method="GET",status="404"}'

# --- requests through the jobs pool, several at once
scrape m0
slots s0
seq 60 | xargs -P 8 -I{} curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs?limit=1"
for i in 1 2 3 4 5; do
	curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs/99999999$i"
done
scrape m1
slots s1
check "60 GET /api/v1/jobs 200 counted, exactly" test "$(delta m0 m1 "$JOBS_OK")" = 60
check "5 GET /api/v1/jobs/{id} 404 counted, exactly" test "$(delta m0 m1 "$JOB_404")" = 5
served=$(join -a 2 -e 0 -o 0,1.3,2.3 "$T_TMP/s0" "$T_TMP/s1" | awk '$3 > $2' | wc -l)
check "two or more jobs processes served them ($served)" test "$served" -ge 2
per_process=$(join -a 2 -e 0 -o 0,1.3,2.3 "$T_TMP/s0" "$T_TMP/s1" | awk '{ d += $3 - $2 } END { print d }')
check "the processes' own slots add up to the 65 requests" test "$per_process" = 65
check "the histogram counted each request" \
	test "$(delta m0 m1 'shortlist_http_request_duration_seconds_count{route="/api/v1/jobs"}')" = 60
check "every jobs process is up" test "$(value m1 'shortlist_process_up{program="jobs"}')" -ge 2

# --- an upload and a drainer with the LLM provider (the fake)
# Work an earlier test left queued is settled first, so the drainer's counts below are this test's alone.
"$BIN/drainer" --once --max-seconds 120 >"$T_TMP/drainer-before.log" 2>&1
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data "{\"title\":\"Metrics Engineer $$\",\"description\":\"We build services in C on PostgreSQL and Linux; run $$-$RANDOM.\"}" \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
curl -s "${A[@]}" -F "f=@$FIX/resume.pdf" -F "f=@$FIX/resume.txt" -F "f=@$FIX/resume.docx" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "three resumes accepted" test "$(jq .accepted "$T_TMP/upload.json")" = 3
BYTES=$(jq '[.files[] | select(.status == "accepted") | .size] | add' "$T_TMP/upload.json")
scrape m2
check "one POST /api/v1/jobs 201" \
	test "$(delta m1 m2 'shortlist_http_requests_total{route="/api/v1/jobs",method="POST",status="201"}')" = 1
check "three upload files counted" test "$(delta m1 m2 shortlist_upload_files_total)" = 3
check "upload bytes are the files' sizes ($BYTES)" test "$(delta m1 m2 shortlist_upload_bytes_total)" = "$BYTES"

curl -sf "$LLM_URL/_stats" >"$T_TMP/llm0"
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test "$BIN/drainer" --once --max-seconds 60 \
	>"$T_TMP/drainer.log" 2>&1
check "the drainer ran" test $? = 0
curl -sf "$LLM_URL/_stats" >"$T_TMP/llm1"
scrape m3
by_state() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status = '$1'"; }
scored=$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status NOT IN ('queued', 'processing', 'failed', 'needs_review')")
tasks() { delta m2 m3 "shortlist_tasks_total{kind=\"process_resume\",outcome=\"$1\"}"; }
check "tasks scored = resumes scored ($scored)" test "$(tasks scored)" = "$scored"
check "tasks needing review = resumes needing review" test "$(tasks needs_review)" = "$(by_state needs_review)"
check "tasks failed = resumes failed" test "$(tasks failed)" = "$(by_state failed)"
check "three tasks settled in all" test "$(sum_of m3 '^shortlist_tasks_total\\{kind="process_resume"')" = \
	"$(awk -v a="$(sum_of m2 '^shortlist_tasks_total\\{kind="process_resume"')" 'BEGIN { print a + 3 }')"
check "their durations were observed" \
	test "$(delta m2 m3 'shortlist_task_duration_seconds_count{kind="process_resume"}')" = 3
llm_calls=$(($(llm_stat llm1 .requests) - $(llm_stat llm0 .requests)))
llm_ok=$(($(llm_stat llm1 .completions) - $(llm_stat llm0 .completions)))
counted_calls=$(awk -v a="$(sum_of m2 '^shortlist_llm_requests_total')" -v b="$(sum_of m3 '^shortlist_llm_requests_total')" 'BEGIN { print b - a }')
check "the fake LLM was called ($llm_calls)" test "$llm_calls" -ge 1
check "LLM calls counted = the fake's count ($counted_calls)" test "$counted_calls" = "$llm_calls"
check "LLM answers counted ok = the fake's completions ($llm_ok)" \
	test "$(delta m2 m3 'shortlist_llm_requests_total{model="gpt-4o-mini",outcome="ok"}')" = "$llm_ok"
check "prompt tokens = the fake's" \
	test "$(delta m2 m3 'shortlist_llm_tokens_total{model="gpt-4o-mini",direction="prompt"}')" = \
	"$(($(llm_stat llm1 .prompt_tokens) - $(llm_stat llm0 .prompt_tokens)))"
check "completion tokens = the fake's" \
	test "$(delta m2 m3 'shortlist_llm_tokens_total{model="gpt-4o-mini",direction="completion"}')" = \
	"$(($(llm_stat llm1 .completion_tokens) - $(llm_stat llm0 .completion_tokens)))"
check "LLM cost was counted" awk -v d="$(delta m2 m3 'shortlist_llm_cost_usd_total{model="gpt-4o-mini"}')" 'BEGIN { exit !(d > 0) }'
check "the exited drainer's slot was folded" test "$(delta m2 m3 shortlist_metrics_retired_processes_total)" -ge 1
check "and the drainer is no longer up" test "$(value m3 'shortlist_process_up{program="drainer"}')" = 0

# --- a jobs process killed with SIGKILL: the sums stay, counting goes on
slots s2
victim=$(awk '$3 > 0 { print $1; exit }' "$T_TMP/s2")
check "a jobs process that served was found" test -n "$victim"
scrape m4
kill -KILL "$victim"
eventually 20 bash -c "! kill -0 $victim 2>/dev/null" || not_ok "the killed process is gone"
# lighttpd starts another when the pool is next used.
curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs/999999990"
eventually 20 bash -c "[[ \$(pgrep -cxf '$BIN/jobs') -ge $(wc -l <"$T_TMP/s2") ]]" || true
scrape m5
check "a SIGKILL leaves the requests' sum as it was: $(value m4 "$JOBS_OK") then $(value m5 "$JOBS_OK")" \
	test "$(delta m4 m5 "$JOBS_OK")" = 0
check "and the 404s' (plus the one sent since)" test "$(delta m4 m5 "$JOB_404")" = 1
check "the killed process's slot is folded" test "$(delta m4 m5 shortlist_metrics_retired_processes_total)" -ge 1
check "no series was dropped" test "$(value m5 shortlist_metrics_dropped_series_total)" = 0
scrape m6
check "a second scrape folds nothing twice" test "$(delta m5 m6 "$JOBS_OK")" = 0
seq 10 | xargs -P 4 -I{} curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs?limit=1"
scrape m7
check "counting goes on after the restart: 10 more" test "$(delta m6 m7 "$JOBS_OK")" = 10

# --- served to the scraper only
http GET /metrics
expect_status 404 "the public port has no /metrics"
check "and shows no counters" bash -c "! grep -q shortlist_http_requests_total '$T_TMP/body'"
BASE_URL=$METRICS_URL http GET /api/v1/jobs "${A[@]}"
expect_status 403 "the metrics listener serves nothing but /metrics"
check "the metrics listener is on loopback" test "${METRICS_URL#http://127.0.0.1:}" != "$METRICS_URL"
check "the exposition declares its families" grep -q '^# TYPE shortlist_http_request_duration_seconds histogram$' "$T_TMP/m7"
for family in shortlist_http_requests_total shortlist_upload_bytes_total shortlist_tasks_total \
	shortlist_llm_requests_total shortlist_llm_tokens_total shortlist_llm_cost_usd_total shortlist_llm_retries_total \
	shortlist_cache_requests_total shortlist_emails_total shortlist_smtp_replies_total \
	shortlist_ratelimit_refusals_total shortlist_extract_failures_total shortlist_db_errors_total \
	shortlist_db_reconnects_total shortlist_queue_depth shortlist_queue_oldest_age_seconds shortlist_process_up \
	shortlist_task_duration_seconds shortlist_llm_request_duration_seconds; do
	grep -q "^# TYPE $family " "$T_TMP/m7" || not_ok "family $family is exported"
done
ok "every family is exported"
