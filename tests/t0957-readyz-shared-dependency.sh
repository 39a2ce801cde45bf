#!/usr/bin/env bash
# Readiness under concurrent checks, and HAProxy's rule for a dependency
# every host shares.
#
# One probe at a time: two health processes of one host (sharing its run
# folder, as lighttpd's pool does) asked /readyz at the same moment while
# S3 answers in 1.2 s (tests/tools/fault_proxy.py in front of the real S3
# server) make one S3 probe between them, not two: the second reports the
# last verdict, says a probe is in progress and does not wait; afterwards
# both report the same verdict (the host's, not each process's).
#
# A shared dependency down: HAProxy (infra/haproxy/, scripts/haproxy-config)
# in front of the instance's lighttpd and of a host that is not running.
# With S3 stopped every host is unready at once; instead of draining them
# all (and answering every request with its own 503), HAProxy sends requests
# to the hosts that are alive, which answer for themselves: a job list (no
# S3 needed) is 200, /readyz is the host's own 503 naming S3. The dead host
# gets nothing throughout. With S3 back, the host is in service again.
#
# Extra ports: SHORTLIST_EXTRA_PORT_BASE (default HTTP port + 50) and the
# four after it.
#
# Seen to fail: without the frontend's "use_backend web_all" line every
# request through HAProxy while S3 was stopped was HAProxy's 503.
. "$(dirname "$0")/lib/test-lib.sh"

command -v cgi-fcgi >/dev/null || skip_all "cgi-fcgi is not installed"
command -v haproxy >/dev/null || skip_all "haproxy is not installed (scripts/bootstrap)"
command -v openssl >/dev/null || skip_all "openssl is not installed"
BASE=${SHORTLIST_EXTRA_PORT_BASE:-$((SHORTLIST_HTTP_PORT + 50))}
P_PROXY=$BASE P_HTTP=$((BASE + 1)) P_HTTPS=$((BASE + 2)) P_STATS=$((BASE + 3)) P_DEAD=$((BASE + 4))
for p in "$P_PROXY" "$P_HTTP" "$P_HTTPS" "$P_STATS" "$P_DEAD"; do
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && skip_all "port $p is taken (set SHORTLIST_EXTRA_PORT_BASE)"
done

MODE=$T_TMP/mode STATS=$T_TMP/stats
echo pass >"$MODE"
/usr/bin/python3 "$ROOT/tests/tools/fault_proxy.py" --port "$P_PROXY" --to "127.0.0.1:$SHORTLIST_S3_PORT" \
	--mode-file "$MODE" --stats "$STATS" >"$T_TMP/proxy.out" 2>&1 &
PIDS=($!)
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	services start s3 >/dev/null 2>&1
	return 0
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT
eventually 10 grep -q ready "$T_TMP/proxy.out" || skip_all "the fault proxy did not start"

# --- one probe at a time -------------------------------------------------
mkdir -p "$T_TMP/run"
start_health() { # SOCKET: a health process of the shared run folder, S3 through the proxy
	SHORTLIST_S3_ENDPOINT="http://127.0.0.1:$P_PROXY" SHORTLIST_METRICS_FILE="$T_TMP/run/metrics" \
		SHORTLIST_PROBE_REUSE_MS=2000 SHORTLIST_PROBE_SLOW_MS=300 SHORTLIST_PROBE_TIMEOUT_MS=2000 \
		SHORTLIST_IP_READYZ_PER_MINUTE=0 start_handler "$1" "$BIN/health" 2>>"$T_TMP/health.log"
	PIDS+=("$HANDLER_PID")
}
start_health "$T_TMP/a.sock"
start_health "$T_TMP/b.sock"
readyz() { # SOCKET OUT: /readyz from that process, body in OUT
	env REQUEST_METHOD=GET REQUEST_URI=/readyz SCRIPT_NAME=/readyz REMOTE_ADDR=127.0.0.1 \
		cgi-fcgi -bind -connect "$1" | tr -d '\r' | sed '1,/^$/d' >"$2"
}
holds() { jq -e "$1" "$2" >/dev/null; }
requests() { jq .requests "$STATS"; }

readyz "$T_TMP/a.sock" "$T_TMP/a0"
check "process a probed: ready" holds '.status == "ready"' "$T_TMP/a0"
readyz "$T_TMP/b.sock" "$T_TMP/b0"
check "process b reuses a's fresh verdict (no probe of its own)" \
	holds '.checks.s3.age_ms >= 0 and .checks.s3.latency_ms == '"$(jq .checks.s3.latency_ms "$T_TMP/a0")" "$T_TMP/b0"
echo "delay 1200" >"$MODE"
sleep 2.2 # past the reuse time: the next /readyz of either process is due to probe S3
before=$(requests)
readyz "$T_TMP/a.sock" "$T_TMP/a1" &
a=$!
eventually 5 bash -c "[[ \$(jq .requests '$STATS') -gt $before ]]"
readyz "$T_TMP/b.sock" "$T_TMP/b1"
check "b, asked while a's S3 probe was in progress, says so" holds '.checks.s3.probing == true' "$T_TMP/b1"
check "and answers at once with the last verdict (S3 up, 200)" holds '.status == "ready" and .checks.s3.status == "up"' "$T_TMP/b1"
check "a was still probing when b had answered" kill -0 "$a"
wait "$a"
check "a's probe found S3 slow" holds '.status == "degraded" and .checks.s3.status == "slow" and .checks.s3.latency_ms >= 1200' "$T_TMP/a1"
after=$(requests)
check "one S3 probe for the two checks ($((after - before)) request)" test $((after - before)) -eq 1
readyz "$T_TMP/b.sock" "$T_TMP/b2"
check "b now reports a's verdict (slow, the same latency)" \
	holds '.checks.s3.status == "slow" and .checks.s3.latency_ms == '"$(jq .checks.s3.latency_ms "$T_TMP/a1")" "$T_TMP/b2"
check "without probing again" test "$(requests)" -eq "$after"
echo pass >"$MODE"

# --- a dependency every host shares, down ---------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" >/dev/null 2>&1 || skip_all "openssl could not make a certificate"
cat "$T_TMP/cert.pem" "$T_TMP/key.pem" >"$T_TMP/site.pem"
"$ROOT/scripts/haproxy-config" --cert "$T_TMP/site.pem" --state-dir "$T_TMP" --log "stdout format raw local0" \
	--http "127.0.0.1:$P_HTTP" --https "127.0.0.1:$P_HTTPS" --stats "127.0.0.1:$P_STATS" --plain-http serve \
	--server "web1=127.0.0.1:$SHORTLIST_HTTP_PORT" --server "web2=127.0.0.1:$P_DEAD" --check-inter 1s \
	>"$T_TMP/haproxy.cfg"
haproxy -c -q -f "$T_TMP/haproxy.cfg"
check "haproxy -c accepts the configuration" test $? -eq 0
haproxy -db -f "$T_TMP/haproxy.cfg" >"$T_TMP/haproxy.log" 2>&1 &
PIDS+=($!)
eventually 20 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$P_HTTP) 2>/dev/null" || not_ok "HAProxy listens on $P_HTTP"
# stat BACKEND SERVER: the server's status on the stats page (UP, DOWN, ...).
stat() {
	curl -s "http://127.0.0.1:$P_STATS/;csv" | awk -F, -v px="$1" -v sv="$2" '
		NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == px && $2 == sv { print $(col["status"]) }'
}
is() { [[ $(stat "$1" "$2") == "$3"* ]]; }
VIA="http://127.0.0.1:$P_HTTP"
KEY=$(new_org "shared-dep-$$")
code() { curl -s -o "$T_TMP/via" -D "$T_TMP/via.h" -w '%{http_code}' -H "Authorization: Bearer $KEY" "$VIA$1"; }

check "web1 in service, the dead web2 out" eventually 20 bash -c "$(declare -f stat is); P_STATS=$P_STATS; is web web1 UP && is web web2 DOWN"
check "a job list through HAProxy: 200" test "$(code /api/v1/jobs)" = 200

services stop s3 >/dev/null
check "S3 stopped: web1 drained from the ready hosts" eventually 20 bash -c "$(declare -f stat is); P_STATS=$P_STATS; is web web1 DOWN"
check "and in service among the live ones, without web2" eventually 20 bash -c "$(declare -f stat is); P_STATS=$P_STATS; is web_all web1 UP && is web_all web2 DOWN"
codes=""
for i in 1 2 3 4 5 6; do codes+="$(code /api/v1/jobs) "; done
check "job lists (no S3 needed) still served through HAProxy: $codes" test "$codes" = "200 200 200 200 200 200 "
check "by the host itself" grep -qi '^X-Shortlist-Handler: jobs' "$T_TMP/via.h"
c=$(code /readyz)
check "/readyz through HAProxy is the host's own 503 ($c)" test "$c" = 503
check "naming S3 as down" holds '.status == "unavailable" and (.down | index("s3"))' "$T_TMP/via"
check "with Retry-After" grep -qi '^Retry-After: ' "$T_TMP/via.h"

services start s3 >/dev/null
check "S3 back: web1 in service among the ready hosts again" eventually 30 bash -c "$(declare -f stat is); P_STATS=$P_STATS; is web web1 UP"
check "a job list through HAProxy: 200" test "$(code /api/v1/jobs)" = 200
