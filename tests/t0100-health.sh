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

# follow DEPENDENCY SERVICE: stop it, expect 503 naming it, start it, expect 200.
follow() {
	local dep=$1 svc=$2
	services stop "$svc"
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
follow memcached memcached
follow postgresql postgresql
follow s3 s3
check "the same handler processes served throughout" test "$(pgrep -f "$BIN/health" | sort | tr '\n' ' ')" = "$handlers_before"

http GET /metrics
expect_status 200 "metrics answer"
check "metrics are in the Prometheus text format" grep -q '^# TYPE shortlist_resumes gauge$' "$T_TMP/body"
check "metrics carry the queue's counts" grep -q '^# TYPE shortlist_tasks gauge$' "$T_TMP/body"
check "metrics are text/plain" grep -q '^text/plain; version=0.0.4' <<<"$(header Content-Type)"
services stop postgresql
http GET /metrics
expect_status 503 "metrics without PostgreSQL: 503"
services start postgresql >/dev/null
eventually 20 bash -c "curl -sf -o /dev/null $BASE_URL/metrics" && ok "metrics back with PostgreSQL" || not_ok "metrics still failing"
