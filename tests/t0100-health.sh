#!/usr/bin/env bash
# Liveness, readiness, and readiness following each dependency down and back
# up without restarting anything.
. "$(dirname "$0")/lib/test-lib.sh"

http GET /healthz
expect_status 200 "healthz answers"
expect_json .status ok "healthz says ok"
check "a request id is generated" test -n "$(header X-Request-Id)"

http GET /healthz -H 'X-Request-Id: trace-abc.123_x'
check "a well-formed X-Request-Id is echoed" test "$(header X-Request-Id)" = "trace-abc.123_x"
http GET /healthz -H 'X-Request-Id: bad id<script>'
check "a malformed X-Request-Id is replaced" test "$(header X-Request-Id)" != "bad id<script>"

http HEAD /healthz
expect_status 200 "HEAD on a GET route"

http POST /healthz --data ''
expect_status 405 "wrong method"
check "405 lists the allowed methods" test "$(header Allow)" = "GET, HEAD"
check "405 is problem+json" test "$(header Content-Type)" = "application/problem+json"
expect_json .status 405 "problem carries the status"

http GET /readyz
expect_status 200 "ready with every dependency up"
expect_json '.checks | keys | join(",")' "memcached,postgresql,s3" "each dependency reported"

# readyz_is CODE: whether /readyz answers CODE now.
readyz_is() { test "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/readyz")" = "$1"; }

# follow DEPENDENCY SERVICE: stop it, expect 503 naming it, start it, expect 200.
# Each handler process reuses a probe's verdict for SHORTLIST_PROBE_REUSE_MS,
# so the 503 is awaited; a stopped service refuses connections, which is down
# at once (no series of failures needed).
follow() {
	local dep=$1 svc=$2
	services stop "$svc"
	eventually 10 readyz_is 503
	http GET /readyz
	expect_status 503 "$dep down makes readyz 503"
	expect_json ".down | join(\",\")" "$dep" "503 names only $dep"
	expect_json ".checks.$dep.status" down "$dep reported down"
	check "503 carries Retry-After" test -n "$(header Retry-After)"
	services start "$svc" >/dev/null
	if eventually 20 bash -c "curl -sf -o /dev/null $BASE_URL/readyz"; then
		ok "$dep back: readyz 200 again without restarting the handlers"
	else
		not_ok "$dep back: readyz still not 200"
	fi
}

handlers_before=$(pgrep -f "$BIN/health" | sort | tr '\n' ' ')

# --- a slow S3 is not an outage: the server frozen (SIGSTOP) for less than
# SHORTLIST_PROBE_TIMEOUTS_DOWN_AFTER_MS answers nothing, each probe times
# out, and readiness holds (200, degraded, S3 slow); it reports the failures
# meanwhile and clears them after (t0956 goes further).
s3_pid=$(cat "$ROOT/var/${SHORTLIST_INSTANCE:-test}/pid/s3.pid")
eventually 10 readyz_is 200
# Past the reuse time, so the next requests probe the frozen server.
sleep "$(((${SHORTLIST_PROBE_REUSE_MS:-1000} + 200) / 1000)).$(((${SHORTLIST_PROBE_REUSE_MS:-1000} + 200) % 1000 / 100))"
kill -STOP "$s3_pid"
codes="" failures=0
for i in 1 2; do
	http GET /readyz
	codes+="$STATUS "
	n=$(json '.checks.s3.consecutive_failures // 0')
	((n > failures)) && failures=$n
	[[ $(json .checks.s3.status) =~ ^(up|slow)$ ]] || codes+="(s3 $(json .checks.s3.status)) "
done
kill -CONT "$s3_pid"
check "S3 frozen: readyz stays 200 ($codes)" test "$codes" = "200 200 "
check "the timed-out probes are reported ($failures consecutive)" test "$failures" -ge 1
check "with the timeout as the error" grep -q "Timeout" <<<"$(json .checks.s3.error)"
if eventually 20 bash -c "curl -s $BASE_URL/readyz | jq -e '.checks.s3 | .status == \"up\" and (has(\"consecutive_failures\") | not)' >/dev/null"; then
	ok "S3 answering again clears the failures"
else
	not_ok "S3 failures not cleared after it answers again"
fi

follow memcached memcached
follow postgresql postgresql
follow s3 s3
check "the same handler processes served throughout" test "$(pgrep -f "$BIN/health" | sort | tr '\n' ' ')" = "$handlers_before"

BASE_URL=$METRICS_URL http GET /metrics
expect_status 200 "metrics answer on the metrics listener"
check "metrics are in the Prometheus text format" grep -q '^# TYPE shortlist_resumes gauge$' "$T_TMP/body"
check "metrics carry the queue's counts" grep -q '^# TYPE shortlist_tasks gauge$' "$T_TMP/body"
check "metrics are text/plain" grep -q '^text/plain; version=0.0.4' <<<"$(header Content-Type)"
http GET /metrics
expect_status 404 "the public port has no /metrics"
services stop postgresql
BASE_URL=$METRICS_URL http GET /metrics
expect_status 200 "metrics without PostgreSQL: still 200 (its families left out; t0987)"
# (once the probe's reused result has expired)
check "and they say PostgreSQL is down" eventually 20 bash -c "curl -s $METRICS_URL/metrics | grep -qx 'shortlist_dependency_up{dependency=\"postgresql\"} 0'"
check "and leave out the database's families" bash -c "! grep -q '^# TYPE shortlist_tasks gauge$' '$T_TMP/body'"
services start postgresql >/dev/null
eventually 20 bash -c "curl -sf $METRICS_URL/metrics | grep -q '^# TYPE shortlist_tasks gauge$'" && ok "metrics back with PostgreSQL" || not_ok "the database's families are still missing"
