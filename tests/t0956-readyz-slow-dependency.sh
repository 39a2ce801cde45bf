#!/usr/bin/env bash
# Readiness tells a slow dependency from a down one. A health process run
# directly (as lighttpd would) reaches the instance's real S3 server and
# PostgreSQL through tests/tools/fault_proxy.py, which makes them answer
# late, not at all, with an error, or refuse connections. Checked in /readyz's status and body and
# in /metrics' gauges: a late answer is "slow" with its latency and the host
# stays 200 "degraded"; a probe that times out is slow too, and down (503)
# only once its timeouts have lasted SHORTLIST_PROBE_TIMEOUTS_DOWN_AFTER_MS;
# error answers are down after SHORTLIST_PROBE_DOWN_AFTER of them; a refused
# connection is down at the first probe; each comes back by itself. A
# timed-out probe is cut at the probe's time, so /readyz answers within its
# budget, PostgreSQL's too (its probe waited for as long as the server
# kept silent).
#
# Extra ports: SHORTLIST_EXTRA_PORT_BASE (default HTTP port + 40).
. "$(dirname "$0")/lib/test-lib.sh"

command -v cgi-fcgi >/dev/null || skip_all "cgi-fcgi is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
P_PROXY=${SHORTLIST_EXTRA_PORT_BASE:-$((SHORTLIST_HTTP_PORT + 40))}
(exec 3<>"/dev/tcp/127.0.0.1/$P_PROXY") 2>/dev/null && skip_all "port $P_PROXY is taken (set SHORTLIST_EXTRA_PORT_BASE)"

P_PGPROXY=$((P_PROXY + 1))
(exec 3<>"/dev/tcp/127.0.0.1/$P_PGPROXY") 2>/dev/null && skip_all "port $P_PGPROXY is taken (set SHORTLIST_EXTRA_PORT_BASE)"

MODE=$T_TMP/mode STATS=$T_TMP/stats PGMODE=$T_TMP/pgmode
echo pass >"$MODE"
echo pass >"$PGMODE"
/usr/bin/python3 "$ROOT/tests/tools/fault_proxy.py" --port "$P_PROXY" --to "127.0.0.1:$SHORTLIST_S3_PORT" \
	--mode-file "$MODE" --stats "$STATS" >"$T_TMP/proxy.out" 2>&1 &
PROXY_PID=$!
/usr/bin/python3 "$ROOT/tests/tools/fault_proxy.py" --port "$P_PGPROXY" --to "127.0.0.1:$SHORTLIST_PG_PORT" \
	--mode-file "$PGMODE" --stats "$T_TMP/pgstats" >"$T_TMP/pgproxy.out" 2>&1 &
PGPROXY_PID=$!
trap 'rc=$?; [[ -n ${HANDLER_PID:-} ]] && stop_handler; kill "$PROXY_PID" "$PGPROXY_PID" 2>/dev/null; (exit $rc); t_finish' EXIT
eventually 10 grep -q ready "$T_TMP/proxy.out" || skip_all "the fault proxy did not start"
eventually 10 grep -q ready "$T_TMP/pgproxy.out" || skip_all "the fault proxy did not start"

# The health process: S3 through the proxy, every /readyz probing (no reuse),
# slow past 300 ms, probes of 1 s within a 1.5 s budget, error answers down
# after 2, timeouts down after 4 s, its own board folder.
mkdir -p "$T_TMP/run"
sock=$T_TMP/health.sock
SHORTLIST_S3_ENDPOINT="http://127.0.0.1:$P_PROXY" SHORTLIST_METRICS_FILE="$T_TMP/run/metrics" SHORTLIST_DB_POOLER= \
	SHORTLIST_DATABASE_URL="host=127.0.0.1 port=$P_PGPROXY dbname=shortlist user=postgres" \
	SHORTLIST_PROBE_REUSE_MS=0 SHORTLIST_PROBE_SLOW_MS=300 SHORTLIST_PROBE_TIMEOUT_MS=1000 \
	SHORTLIST_PROBE_BUDGET_MS=1500 SHORTLIST_PROBE_DOWN_AFTER=2 SHORTLIST_PROBE_TIMEOUTS_DOWN_AFTER_MS=4000 \
	SHORTLIST_IP_READYZ_PER_MINUTE=0 SHORTLIST_IP_METRICS_PER_MINUTE=0 \
	start_handler "$sock" "$BIN/health" 2>"$T_TMP/health.log"

# get PATH: one request to the handler; the status in $STATUS, the body in $T_TMP/body.
get() {
	env REQUEST_METHOD=GET REQUEST_URI="$1" SCRIPT_NAME="$1" REMOTE_ADDR=127.0.0.1 \
		cgi-fcgi -bind -connect "$sock" | tr -d '\r' >"$T_TMP/resp"
	STATUS=$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T_TMP/resp")
	sed '1,/^$/d' "$T_TMP/resp" >"$T_TMP/body"
}
s3() { jq -r ".checks.s3.$1" "$T_TMP/body"; }
# holds FILTER FILE: whether the jq filter is true of the JSON in FILE.
holds() { jq -e "$1" "$2" >/dev/null; }
gauge() { sed -n "s/^$1{dependency=\"s3\"} //p" "$T_TMP/body"; }

get /readyz
expect_status 200 "every dependency answering: 200"
expect_json .status ready "and ready"
check "S3 up" test "$(s3 status)" = up
get /metrics
check "the gauges say S3 up and not slow" test "$(gauge shortlist_dependency_up) $(gauge shortlist_dependency_slow)" = "1 0"

# --- S3 answering late (600 ms): slow, the host still serves.
echo "delay 600" >"$MODE"
get /readyz
expect_status 200 "S3 answering in 600 ms: still 200"
expect_json .status degraded "reported degraded"
expect_json '.slow | join(",")' s3 "naming S3 as slow"
check "S3 slow" test "$(s3 status)" = slow
lat=$(s3 latency_ms)
check "with its latency ($lat ms, over the 300 ms threshold)" holds '.checks.s3.latency_ms >= 600' "$T_TMP/body"
check "no failure counted for a late answer" test "$(s3 consecutive_failures)" = null
check "and no down list" test "$(jq -r .down "$T_TMP/body")" = null
get /metrics
check "the gauges say S3 up and slow" test "$(gauge shortlist_dependency_up) $(gauge shortlist_dependency_slow)" = "1 1"
check "shortlist_ready stays 1" grep -qx 'shortlist_ready 1' "$T_TMP/body"
check "the probe's time is exposed" awk -F'} ' '/^shortlist_dependency_probe_seconds\{dependency="s3"\}/ { exit !($2 >= 0.6) }' "$T_TMP/body"

# --- S3 not answering at all: each probe is cut at its 1 s; slow, then down after 4 s of timeouts.
echo hang >"$MODE"
codes="" first_down=""
start=$(date +%s%N)
for i in $(seq 1 12); do
	get /readyz
	codes+="$STATUS "
	[[ $STATUS == 200 ]] && { [[ $(s3 status) == slow ]] || codes+="(s3 $(s3 status)) "; }
	[[ -z $first_down && $STATUS == 503 ]] && first_down=$(s3 failing_for_ms) && break
	[[ $i == 1 ]] && cp "$T_TMP/body" "$T_TMP/first-timeout"
done
check "S3 timing out: 200 (slow) until it has lasted 4 s, then 503 ($codes)" \
	grep -qE '^200 200 200 (200 )*503 $' <<<"$codes"
check "the first timeout is reported slow with the error" \
	holds '.status == "degraded" and .checks.s3.status == "slow" and .checks.s3.consecutive_failures == 1 and (.checks.s3.error | test("Timeout|timed out"; "i"))' "$T_TMP/first-timeout"
check "each probe was cut at its timeout, within the budget ($(jq .checks.s3.latency_ms "$T_TMP/first-timeout") ms)" \
	holds '.checks.s3.latency_ms >= 990 and .checks.s3.latency_ms < 1500' "$T_TMP/first-timeout"
check "down once the timeouts lasted 4 s (failing for $first_down ms)" test "${first_down%.*}" -ge 4000
expect_json '.down | join(",")' s3 "the 503 names S3"
check "503 carries Retry-After" grep -q '^Retry-After: ' "$T_TMP/resp"
get /metrics
check "the gauges say S3 down, not slow" test "$(gauge shortlist_dependency_up) $(gauge shortlist_dependency_slow)" = "0 0"
check "shortlist_ready 0" grep -qx 'shortlist_ready 0' "$T_TMP/body"
echo pass >"$MODE"
get /readyz
expect_status 200 "S3 answering again: 200 at the next probe"
expect_json .status ready "ready, the failures cleared"

# --- error answers (503 SlowDown from S3): counted, down at the second.
echo http-503 >"$MODE"
get /readyz
expect_status 200 "one error answer: still 200"
check "counted ($(s3 consecutive_failures)) with S3's error" test "$(s3 consecutive_failures)" = 1
expect_json .status degraded "degraded meanwhile"
get /readyz
expect_status 503 "the second error answer in a row: 503"
check "S3 down" test "$(s3 status)" = down
echo pass >"$MODE"
get /readyz
expect_status 200 "back at the next answer"

# --- refused connections: down at the first probe, back when it listens again.
echo refuse >"$MODE"
sleep 0.3
get /readyz
expect_status 503 "S3 refusing connections: 503 at the first probe"
check "S3 down with the refusal as the error ($(s3 error))" test "$(s3 status)" = down
get /metrics
check "the gauge says S3 down" test "$(gauge shortlist_dependency_up)" = 0
echo pass >"$MODE"
check "back to 200 once it listens" eventually 10 bash -c "$(declare -f get); sock='$sock' T_TMP='$T_TMP'; get /readyz; [[ \$STATUS == 200 ]]"
check "the other dependencies stayed up throughout" holds '.checks.postgresql.status == "up" and .checks.memcached.status == "up"' "$T_TMP/body"
# --- PostgreSQL not answering: its probe is cut at its time too, and the connection made again after.
echo hang >"$PGMODE"
timeout 20 bash -c "$(declare -f get); sock='$sock' T_TMP='$T_TMP'; get /readyz"
check "PostgreSQL silent: /readyz still answers (status $(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T_TMP/resp"))" \
	grep -q '^Status: 200' "$T_TMP/resp"
sed '1,/^$/d' "$T_TMP/resp" >"$T_TMP/body"
check "PostgreSQL slow, its probe cut at 1 s ($(jq .checks.postgresql.latency_ms "$T_TMP/body") ms)" \
	holds '.status == "degraded" and .checks.postgresql.status == "slow" and .checks.postgresql.latency_ms >= 990 and .checks.postgresql.latency_ms < 1500' "$T_TMP/body"
echo pass >"$PGMODE"
get /readyz
expect_status 200 "PostgreSQL answering again"
check "up at the next probe, on a new connection" holds '.checks.postgresql.status == "up"' "$T_TMP/body"
stop_handler
check "the health process exited cleanly" test $? -eq 0
HANDLER_PID=
