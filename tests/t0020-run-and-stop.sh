#!/usr/bin/env bash
# What `make run` and `make stop` promise: everything starts, the demo shortlist
# is printed with the URLs, lighttpd answers, and a stop leaves no process and
# no listening port behind. Runs scripts/run on the separate "bench" instance
# so it never touches a developer's `make run`.
. "$(dirname "$0")/lib/test-lib.sh"

export SHORTLIST_INSTANCE=bench
unset SHORTLIST_CONFIG SHORTLIST_HTTP_PORT SHORTLIST_PG_PORT SHORTLIST_MEMCACHED_PORT SHORTLIST_S3_PORT \
	SHORTLIST_SMTP_PORT SHORTLIST_MAIL_WEB_PORT SHORTLIST_LLM_PORT SHORTLIST_DATABASE_URL SHORTLIST_MEMCACHED_SERVERS \
	SHORTLIST_S3_ENDPOINT SHORTLIST_SMTP_URL SHORTLIST_OPENAI_BASE_URL SHORTLIST_S3_EVENT_SECRET \
	SHORTLIST_METRICS_PORT SHORTLIST_METRICS_FILE SHORTLIST_PROMETHEUS_PORT SHORTLIST_ALERTMANAGER_PORT
unset SHORTLIST_PGBOUNCER SHORTLIST_PGBOUNCER_PORT # a test instance behind pgbouncer must not make `make run` start one
. "$ROOT/scripts/lib.sh"
if pgrep -f "$ROOT/var/bench/" >/dev/null || port_busy "$SHORTLIST_HTTP_PORT" || port_busy "$SHORTLIST_PG_PORT"; then
	skip_all "the bench instance's ports are in use (make bench running?)"
fi
rm -rf "$ROOT/var/bench"
trap '"$ROOT/scripts/services" stop >/dev/null 2>&1; rm -rf "$ROOT/var/bench"; t_finish' EXIT

"$ROOT/scripts/run" >"$T_TMP/run.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/run.out" | grep -vE 'demo API key|web sign-in' | tail -n 25
check "scripts/run succeeded" test "$rc" = 0
check "it prints the web URL" grep -q "http://127.0.0.1:$SHORTLIST_HTTP_PORT/" "$T_TMP/run.out"
check "it prints a ranked shortlist" grep -qE '^ +1\. +[0-9.]+ +shortlist' "$T_TMP/run.out"
check "the demo's best candidate is the strongest sample resume" grep -qE '^ +1\. .*Amara Okafor' "$T_TMP/run.out"
check "the scanned sample is set aside for review, not rejected" grep -qE 'needs_review +scanned-example.pdf' "$T_TMP/run.out"
check "lighttpd answers" curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_HTTP_PORT/healthz"
check "the metrics listener answers" curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_METRICS_PORT/metrics"
if command -v prometheus >/dev/null; then
	check "it prints Prometheus's URL" grep -q "http://127.0.0.1:$SHORTLIST_PROMETHEUS_PORT/" "$T_TMP/run.out"
	check "Prometheus answers" curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_PROMETHEUS_PORT/-/ready"
	check "Alertmanager answers" curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_ALERTMANAGER_PORT/-/ready"
fi
check "the web app is served" curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_HTTP_PORT/"
check "the API reference is served" curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_HTTP_PORT/docs/"
password=$(sed -n 's|^  web sign-in *demo@example.com / \([^ ]*\) .*|\1|p' "$T_TMP/run.out")
check "it prints a web sign-in" test -n "$password"
status=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: application/json" \
	--data "{\"email\":\"demo@example.com\",\"password\":\"$password\"}" "http://127.0.0.1:$SHORTLIST_HTTP_PORT/api/v1/session")
check "which signs in (HTTP $status)" test "$status" = 201
check "a drainer follows the queue" kill -0 "$(cat "$ROOT/var/bench/pid/drainer.pid" 2>/dev/null)"
missing=$(grep -c 'does not exist' "$ROOT/var/bench/log/drainer.log" 2>/dev/null)
check "the drainer never ran before the migrations (${missing:-0} 'does not exist' errors in its log)" test "${missing:-0}" = 0
pids=$(cat "$ROOT"/var/bench/pid/*.pid 2>/dev/null | tr '\n' ' ')
pids+=" $(pgrep -f "$ROOT/var/bench/" | tr '\n' ' ')"
check "the instance has processes to stop" test -n "${pids// /}"

"$ROOT/scripts/services" stop >/dev/null 2>&1
alive=""
for p in $pids; do
	# An exited process its parent has not reaped yet (state Z) is not running.
	kill -0 "$p" 2>/dev/null && [[ $(awk '{print $3}' "/proc/$p/stat" 2>/dev/null) != Z ]] && alive+=" $p"
done
for p in $alive; do ps -o pid=,args= -p "$p" | sed 's/^/# still alive: /'; done
check "stop leaves no process of the instance (${alive:-none} alive)" test -z "$alive"
open_ports=""
for p in $SHORTLIST_HTTP_PORT $SHORTLIST_PG_PORT $SHORTLIST_MEMCACHED_PORT $SHORTLIST_S3_PORT $SHORTLIST_SMTP_PORT \
	$SHORTLIST_MAIL_WEB_PORT $SHORTLIST_METRICS_PORT $SHORTLIST_PROMETHEUS_PORT $SHORTLIST_ALERTMANAGER_PORT; do
	port_busy "$p" && open_ports+=" $p"
done
check "stop leaves no port listening (${open_ports:-none})" test -z "$open_ports"
