#!/usr/bin/env bash
# Every series of the host's metrics, as Prometheus sees them: the instance's
# real Prometheus scrapes the metrics listener while a known amount of work
# goes through lighttpd (several processes of each pool) and a drainer
# running beside it, then its HTTP API is asked for each series and for how
# much each grew. Requests by route, method and status and their latency
# histogram; upload files and bytes; the queue's depth and oldest age while
# the uploads wait; tasks by outcome and their durations; LLM calls, 429s
# injected through the fake provider, retries, tokens (against the fake's
# own counts), cost and latency; the LLM cache's hits and misses; emails sent
# and one refused by the SMTP server (tests/fakes/smtp_faults.py), by state
# and SMTP reply class; sign-in refusals by limit; an extraction failure by
# reason; database errors and reconnects after PostgreSQL restarts. The sums
# are exact where the work is; that more than one process counted is read
# from the processes' own slots (core/metricsfile.h) and from
# shortlist_process_up in Prometheus.
. "$(dirname "$0")/lib/test-lib.sh"
. "$ROOT/scripts/monitoring-lib.sh"

command -v prometheus >/dev/null || skip_all "prometheus is not installed (scripts/bootstrap installs it)"
command -v jq >/dev/null || skip_all "jq is not installed"
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd is not installed"
[[ -n ${SHORTLIST_METRICS_FILE:-} && -f $SHORTLIST_METRICS_FILE ]] || skip_all "no metrics file (SHORTLIST_METRICS_FILE)"
curl -sf -o /dev/null "$METRICS_URL/metrics" || skip_all "the metrics listener does not answer at $METRICS_URL"
LLM_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT"
curl -sf -o /dev/null "$LLM_URL/_stats" || skip_all "the fake LLM does not answer"
FIX="$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$FIX" >/dev/null || skip_all "mkfixtures failed"

PROM_URL="http://127.0.0.1:${SHORTLIST_PROMETHEUS_PORT:?}"
TARGET="127.0.0.1:${SHORTLIST_METRICS_PORT:?}"
RUN="p$$r$RANDOM"

# The SMTP server that refuses reject* recipients (550) and takes the rest.
SMTP_PORT=$((26100 + ($$ + 400) % 800))
while (exec 3<>"/dev/tcp/127.0.0.1/$SMTP_PORT") 2>/dev/null; do SMTP_PORT=$((SMTP_PORT + 1)); done
mkdir -p "$T_TMP/mail"
/usr/bin/python3 "$ROOT/tests/fakes/smtp_faults.py" --port "$SMTP_PORT" --dir "$T_TMP/mail" >"$T_TMP/fs.out" 2>&1 &
FS_PID=$!
DRAINER_PID=
stop_drainer() {
	[[ -n $DRAINER_PID ]] || return 0
	kill -TERM "$DRAINER_PID" 2>/dev/null
	wait "$DRAINER_PID" 2>/dev/null
	DRAINER_PID=
}
cleanup() {
	stop_drainer
	kill "$FS_PID" 2>/dev/null && wait "$FS_PID" 2>/dev/null
	services start postgresql >/dev/null 2>&1
	services stop prometheus >/dev/null 2>&1
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT
eventually 10 grep -q ready "$T_TMP/fs.out" || skip_all "the fault-injecting SMTP server did not start"

export SHORTLIST_PROMETHEUS_INTERVAL=1s
services stop prometheus >/dev/null 2>&1
rm -rf "$ROOT/var/${SHORTLIST_INSTANCE:-test}/prometheus"
check "Prometheus starts" services start prometheus
T_START=$(date +%s)

# q EXPR: the value of a PromQL expression now (the sum of its samples; 0 when it has none).
q() {
	curl -s --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query" |
		jq -r '[.data.result[].value[1] | tonumber] | add // 0'
}
# series EXPR: how many series the expression selects now.
series() { curl -s --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query" | jq -r '.data.result | length'; }
# The newest scrape's time: a scrape that started after a moment has seen everything done before it.
scraped_after() { # EPOCH: a scrape started after it, and succeeded
	local t
	t=$(curl -s "$PROM_URL/api/v1/targets" | jq -r --arg t "$TARGET" \
		'.data.activeTargets[] | select(.labels.instance == $t and .health == "up") | .lastScrape | sub("\\.[0-9]+"; "") | sub("Z$"; "Z") | fromdateiso8601? // 0' 2>/dev/null)
	[[ -n $t ]] && ((t > $1))
}
# settle: waits until Prometheus has scraped everything done until now.
settle() {
	local now
	now=$(date +%s)
	sleep 1
	eventually 30 scraped_after "$now" || not_ok "Prometheus scraped the target after $(date -u -d "@$now" +%T)"
}
target_up() { test "$(q "up{instance=\"$TARGET\"}")" = 1; }
check "Prometheus scrapes the metrics listener" eventually 30 target_up

# B[EXPR]: the expression's value before the work; grew EXPR: how much it grew since.
declare -A B
E_REQ_JOBS='shortlist_http_requests_total{route="/api/v1/jobs",method="GET",status="200"}'
E_REQ_404='shortlist_http_requests_total{route="/api/v1/jobs/{id}",method="GET",status="404"}'
E_REQ_POST='shortlist_http_requests_total{route="/api/v1/jobs",method="POST",status="201"}'
E_REQ_UP='shortlist_http_requests_total{route="/api/v1/jobs/{id}/resumes",method="POST",status="201"}'
E_REQ_SIGNIN='shortlist_http_requests_total{route="/api/v1/session",method="POST",status="429"}'
E_HIST_COUNT='shortlist_http_request_duration_seconds_count{route="/api/v1/jobs"}'
E_HIST_INF='shortlist_http_request_duration_seconds_bucket{route="/api/v1/jobs",le="+Inf"}'
E_FILES=shortlist_upload_files_total
E_BYTES=shortlist_upload_bytes_total
E_TASKS='sum(shortlist_tasks_total{kind="process_resume"})'
E_TASKS_SCORED='shortlist_tasks_total{kind="process_resume",outcome="scored"}'
E_TASKS_FAILED='shortlist_tasks_total{kind="process_resume",outcome="failed"}'
E_TASK_DUR='shortlist_task_duration_seconds_count{kind="process_resume"}'
E_LLM='sum(shortlist_llm_requests_total)'
E_LLM_OK='shortlist_llm_requests_total{model="gpt-4o-mini",outcome="ok"}'
E_LLM_429='shortlist_llm_requests_total{model="gpt-4o-mini",outcome="rate_limited"}'
E_LLM_DUR='shortlist_llm_request_duration_seconds_count{model="gpt-4o-mini"}'
E_LLM_RETRIES='shortlist_llm_retries_total{model="gpt-4o-mini"}'
E_TOK_P='shortlist_llm_tokens_total{model="gpt-4o-mini",direction="prompt"}'
E_TOK_C='shortlist_llm_tokens_total{model="gpt-4o-mini",direction="completion"}'
E_COST='shortlist_llm_cost_usd_total{model="gpt-4o-mini"}'
E_CACHE_HIT='shortlist_cache_requests_total{cache="llm",result="hit"}'
E_CACHE_MISS='shortlist_cache_requests_total{cache="llm",result="miss"}'
E_SENT='shortlist_emails_total{state="sent"}'
E_FAILED='shortlist_emails_total{state="failed"}'
E_2XX='shortlist_smtp_replies_total{class="2xx"}'
E_5XX='shortlist_smtp_replies_total{class="5xx"}'
E_LIMIT='shortlist_ratelimit_refusals_total{limit="signin-per-email"}'
E_DAMAGED='shortlist_extract_failures_total{reason="damaged"}'
E_DB_ERR=shortlist_db_errors_total
E_DB_RECONNECT=shortlist_db_reconnects_total
ALL=(E_REQ_JOBS E_REQ_404 E_REQ_POST E_REQ_UP E_REQ_SIGNIN E_HIST_COUNT E_HIST_INF E_FILES E_BYTES E_TASKS
	E_TASKS_SCORED E_TASKS_FAILED E_TASK_DUR E_LLM E_LLM_OK E_LLM_429 E_LLM_DUR E_LLM_RETRIES E_TOK_P E_TOK_C E_COST
	E_CACHE_HIT E_CACHE_MISS E_SENT E_FAILED E_2XX E_5XX E_LIMIT E_DAMAGED E_DB_ERR E_DB_RECONNECT)
grew() { awk -v a="${B[$1]}" -v b="$(q "${!1}")" 'BEGIN { printf "%.6g\n", b - a }'; }
expect_grew() { # NAME EXPECTED DESCRIPTION
	local got
	got=$(grew "$1")
	if [[ $got == "$2" ]]; then ok "$3 ($got)"; else not_ok "$3: ${!1} grew by $got, expected $2"; fi
}
expect_grew_at_least() { # NAME MIN DESCRIPTION
	local got
	got=$(grew "$1")
	if awk -v g="$got" -v m="$2" 'BEGIN { exit !(g >= m) }'; then ok "$3 ($got)"; else not_ok "$3: ${!1} grew by $got, expected at least $2"; fi
}

# Work an earlier test left queued is settled first, so the drainer's counts below are this test's alone.
"$BIN/drainer" --once --max-seconds 120 >"$T_TMP/drainer-before.log" 2>&1
# What it left waiting out a retry is another test's job preparation (company details, templates, criteria):
# its LLM calls would land among this test's, and a job's criteria make one request per attempt (the queue
# retries them, so a 429 answered to one is not a retry of the call), which would move the counts below.
sql "DELETE FROM tasks WHERE kind = 'job_prep' AND state = 'queued'" >/dev/null
settle
for e in "${ALL[@]}"; do B[$e]=$(q "${!e}"); done
"$TOOLS/metrics_slots" "$SHORTLIST_METRICS_FILE" | sort >"$T_TMP/slots0"
curl -sf "$LLM_URL/_stats" >"$T_TMP/llm0"

KEY=$(new_org "series-$RUN")
A=(-H "Authorization: Bearer $KEY")
J=(-H "Content-Type: application/json")
DESC="We build services in C on PostgreSQL and Linux; run $RUN."

# --- K requests per route, several at once so the pools' processes share them
K=40
seq $K | xargs -P 8 -I{} curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs?limit=1"
for i in 1 2 3 4 5; do curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs/99999999$i"; done
http POST /api/v1/jobs "${A[@]}" "${J[@]}" --data "{\"title\":\"Series Engineer\",\"company\":\"Nordlicht Labs\",\"description\":\"$DESC\"}"
JOB=$(json .id)
http POST /api/v1/jobs "${A[@]}" "${J[@]}" --data "{\"title\":\"Series Engineer\",\"company\":\"Nordlicht Labs\",\"description\":\"$DESC\"}"
JOB2=$(json .id)
check "two jobs made" test -n "$JOB2" -a "$JOB" != "$JOB2"

# --- N uploads of text resumes (each with an address for the emails) and a damaged PDF
locals=(ok1 ok2 ok3 reject)
args=()
for lp in "${locals[@]}"; do
	printf 'Zoe Lind\n%s.%s@example.org\n\nSummary\nBackend engineer with 7 years of C, PostgreSQL and Linux systems work (%s).\nSkills: C, PostgreSQL, Linux\n' \
		"$lp" "$RUN" "$lp" >"$T_TMP/$lp.txt"
	args+=(-F "$lp=@$T_TMP/$lp.txt")
done
args+=(-F "damaged=@$FIX/truncated.pdf")
N=$((${#locals[@]} + 1))
BYTES=0
for f in "${locals[@]}"; do BYTES=$((BYTES + $(stat -c %s "$T_TMP/$f.txt"))); done
BYTES=$((BYTES + $(stat -c %s "$FIX/truncated.pdf")))
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" "${args[@]}"
expect_status 201 "$N resumes uploaded"
expect_json .accepted "$N" "all $N accepted"
# --- the queue while nothing drains it: depth and oldest age by kind and state
settle
queued() { test "$(q "shortlist_queue_depth{kind=\"process_resume\",state=\"queued\"}")" -ge "$N"; }
check "Prometheus sees the $N tasks queued" eventually 30 queued
check "and the queue's running depth as a series" test "$(series 'shortlist_queue_depth{kind="process_resume",state="running"}')" = 1
old() { awk -v a="$(q 'shortlist_queue_oldest_age_seconds{kind="process_resume"}')" 'BEGIN { exit !(a > 0) }'; }
check "and the oldest task's age growing" eventually 30 old

# --- a drainer beside the handlers, with the fake LLM answering 429 to the first two calls
curl -s -o /dev/null "${J[@]}" --data '{"next":["429","429"]}' "$LLM_URL/_fault"
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" \
	"$BIN/drainer" --follow >"$T_TMP/drainer.log" 2>&1 &
DRAINER_PID=$!
unsettled() { sql "SELECT count(*) FROM resumes WHERE job_id IN ($JOB, $JOB2) AND status IN ('queued', 'processing')"; }
value_is() { test "$("$1")" = "$2"; }
check "the drainer settles every upload" eventually 180 value_is unsettled 0
drainer_up() { test "$(q 'shortlist_process_up{program="drainer"}')" -ge 1; }
check "Prometheus sees the drainer's process up" eventually 30 drainer_up
# The same resume for the second job, once the first is answered: its prompt is the same, so the LLM cache answers it.
http POST "/api/v1/jobs/$JOB2/resumes" "${A[@]}" -F "ok1=@$T_TMP/ok1.txt"
expect_status 201 "one more resume uploaded"
UPLOADS=$((N + 1))
BYTES=$((BYTES + $(stat -c %s "$T_TMP/ok1.txt")))
check "the drainer settles it" eventually 120 value_is unsettled 0

# --- emails: three sent, one refused (550) by the SMTP server
declare -A RID
while IFS='|' read -r id addr; do RID[${addr%%.*}]=$id; done < <(sql "SELECT id, contact->'emails'->>0 FROM resumes WHERE job_id = $JOB AND contact->'emails'->>0 IS NOT NULL")
check "the four text resumes have their addresses" test "${#RID[@]}" = 4
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" "${J[@]}" \
	--data "{\"kind\":\"invite\",\"candidate_ids\":[${RID[ok1]},${RID[ok2]},${RID[ok3]},${RID[reject]}],\"recruiter_name\":\"Sam\",\"scheduling_link\":\"https://cal.example.com/s\"}"
expect_status 202 "four invitations queued"
mail_state() { sql "SELECT string_agg(state, ',' ORDER BY state) FROM emails WHERE job_id = $JOB"; }
check "three sent and one failed" eventually 60 value_is mail_state "failed,sent,sent,sent"

# --- sign-ins for one email past SHORTLIST_LOGIN_MAX_FAILURES: refused, by limit
refused=0
for i in $(seq 14); do
	http POST /api/v1/session "${J[@]}" --data "{\"email\":\"nobody.$RUN@example.org\",\"password\":\"wrong password $i\"}"
	[[ $STATUS == 429 ]] && refused=$((refused + 1))
done
check "some sign-ins were refused ($refused)" test "$refused" -ge 1

# --- PostgreSQL restarts: the handlers and the drainer find their connections broken and reconnect
services stop postgresql >/dev/null
services start postgresql >/dev/null
for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null "${A[@]}" "$BASE_URL/api/v1/jobs/$JOB"; done
sleep 2

settle
curl -sf "$LLM_URL/_stats" >"$T_TMP/llm1"
"$TOOLS/metrics_slots" "$SHORTLIST_METRICS_FILE" | sort >"$T_TMP/slots1"
llm() { echo $(($(jq -r "$1" "$T_TMP/llm1") - $(jq -r "$1" "$T_TMP/llm0"))); }

# --- every series, and how much it grew
expect_grew E_REQ_JOBS "$K" "GET /api/v1/jobs 200 counted once each"
expect_grew E_REQ_404 5 "GET /api/v1/jobs/{id} 404 counted"
expect_grew E_REQ_POST 2 "POST /api/v1/jobs 201 counted"
expect_grew E_REQ_UP 2 "POST /api/v1/jobs/{id}/resumes 201 counted"
expect_grew E_REQ_SIGNIN "$refused" "the refused sign-ins are 429s of their route"
# The histogram is by route: the two POSTs of /api/v1/jobs are in it too.
expect_grew E_HIST_COUNT "$((K + 2))" "the latency histogram observed each request of /api/v1/jobs"
expect_grew E_HIST_INF "$((K + 2))" "and its +Inf bucket holds them"
check "the histogram has its buckets" test "$(series 'shortlist_http_request_duration_seconds_bucket{route="/api/v1/jobs"}')" -ge 5
check "a quantile can be computed from it" awk -v v="$(q 'histogram_quantile(0.9, sum by (le) (rate(shortlist_http_request_duration_seconds_bucket{route="/api/v1/jobs"}[1m])))')" 'BEGIN { exit !(v > 0) }'
expect_grew E_FILES "$UPLOADS" "upload files counted"
expect_grew E_BYTES "$BYTES" "upload bytes are the files' sizes"
expect_grew E_TASKS "$UPLOADS" "one task settled per upload"
scored=$(sql "SELECT count(*) FROM resumes WHERE job_id IN ($JOB, $JOB2) AND status NOT IN ('queued', 'processing', 'failed', 'needs_review')")
expect_grew E_TASKS_SCORED "$scored" "tasks scored = resumes scored"
expect_grew E_TASKS_FAILED "$(sql "SELECT count(*) FROM resumes WHERE job_id IN ($JOB, $JOB2) AND status = 'failed'")" "tasks failed = resumes failed"
expect_grew E_TASK_DUR "$UPLOADS" "each task's duration observed"
expect_grew E_DAMAGED 1 "the damaged PDF is an extraction failure by its reason"
expect_grew E_LLM "$(llm .requests)" "LLM calls = the fake's count"
expect_grew E_LLM_429 2 "the two injected 429s counted rate_limited"
expect_grew E_LLM_OK "$(llm .completions)" "LLM answers = the fake's completions"
expect_grew E_LLM_DUR "$(llm .requests)" "each LLM call's latency observed"
expect_grew E_LLM_RETRIES 2 "each 429 retried once"
expect_grew E_TOK_P "$(llm .prompt_tokens)" "prompt tokens = the fake's"
expect_grew E_TOK_C "$(llm .completion_tokens)" "completion tokens = the fake's"
# The price table's gpt-4o-mini: $0.15, $0.075 cached and $0.60 a million tokens; each call rounds to a micro-dollar.
cost=$(awk -v p="$(llm .prompt_tokens)" -v c="$(llm .cached_tokens)" -v o="$(llm .completion_tokens)" \
	'BEGIN { printf "%.6f\n", ((p - c) * 0.15 + c * 0.075 + o * 0.60) / 1e6 }')
check "LLM cost is the tokens' price ($(grew E_COST), \$$cost)" awk -v d="$(grew E_COST)" -v e="$cost" -v n="$(llm .requests)" \
	'BEGIN { x = d - e; if (x < 0) x = -x; exit !(d > 0 && x <= n * 1e-6) }'
expect_grew_at_least E_CACHE_HIT 1 "the second job's resume was an LLM cache hit"
# A job's preparation (company details, templates) asks the provider without the cache: the misses are the scoring calls.
expect_grew E_CACHE_MISS "$(sql "SELECT count(*) FROM analyses WHERE job_id IN ($JOB, $JOB2) AND provider = 'openai' AND NOT cache_hit")" \
	"every scoring call answered followed a cache miss"
expect_grew E_SENT 3 "three emails sent"
expect_grew E_FAILED 1 "one email failed"
expect_grew E_2XX 3 "three SMTP replies 2xx"
expect_grew E_5XX 1 "one SMTP reply 5xx"
expect_grew E_LIMIT "$refused" "the refusals by their limit"
expect_grew_at_least E_DB_ERR 1 "database errors when PostgreSQL went away"
expect_grew_at_least E_DB_RECONNECT 1 "and reconnects"

# --- more than one process counted
served=$(join -a 2 -e 0 -o 0,2.2,1.3,2.3 "$T_TMP/slots0" "$T_TMP/slots1" | awk '$2 == "jobs" && $4 > $3' | wc -l)
check "two or more jobs processes counted the requests ($served)" test "$served" -ge 2
check "Prometheus sees two or more jobs processes up" test "$(q 'shortlist_process_up{program="jobs"}')" -ge 2
check "and the upload pool's" test "$(q 'shortlist_process_up{program="upload"}')" -ge 2
check "the drainer (the only process that settles tasks) is a process of its own" \
	awk '$2 == "drainer" { f = 1 } END { exit !f }' "$T_TMP/slots1"
check "no scrape failed in the whole run, PostgreSQL's restart included" \
	test "$(q "min_over_time(up{instance=\"$TARGET\"}[$(($(date +%s) - T_START))s])")" = 1
check "no series was dropped" test "$(q shortlist_metrics_dropped_series_total)" = 0
check "every gauge of the host is there" test "$(series 'shortlist_dependency_up')" = 3 -a "$(q shortlist_ready)" = 1
check "the disk gauges are there" test "$(series 'shortlist_disk_free_bytes')" -ge 1
