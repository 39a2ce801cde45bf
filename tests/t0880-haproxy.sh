#!/usr/bin/env bash
# HAProxy in front of two web hosts (infra/haproxy/, scripts/haproxy-config):
# the test instance's lighttpd and a second lighttpd of the same instance with
# its own memcached, both behind one HAProxy with a certificate this test
# makes. Checked through HAProxy: `haproxy -c` on what the script renders;
# requests balanced to both hosts; a host whose /readyz answers 503 (its
# memcached stopped) taken out after its failed checks, with no request
# failing after that, and back once ready; X-Forwarded-For (the client's
# address, not what the client claimed) and X-Forwarded-Proto in the hosts'
# access log; HTTP/2 over TLS to the client, HTTP/1.1 to lighttpd; JSON, CSS
# and JS gzipped when asked; a client sending its headers one byte a second
# cut off with a 408; the stats page on its own loopback port only. A second
# HAProxy puts a host that reads requests and closes without answering
# (tests/fakes/silent_backend.py) beside the real one: a GET it swallowed is
# retried on the other host, a POST it swallowed is not (502, made once).
#
# Extra ports: SHORTLIST_EXTRA_PORT_BASE (default HTTP port + 20) and the
# nine after it; one memcached on SHORTLIST_EXTRA_MEMCACHED_PORT (default
# memcached port + 10).
#
# Seen to fail: with "http-request disable-l7-retry unless { method GET
# HEAD }" taken out of infra/haproxy/haproxy.cfg.in, "a POST the silent host
# swallowed is not retried" failed (no 502 at all: each POST the silent host
# had read was sent again to the other host, 8 jobs for 8 POSTs); with the
# backend's "option httpchk" and "http-check" lines taken out, the draining
# checks failed (the unready host stayed UP); with the second host's own
# SHORTLIST_METRICS_FILE taken out, so that both hosts share one readiness
# board, "the first host stays ready" failed (and, under load, requests went
# to the host that should have been out).
. "$(dirname "$0")/lib/test-lib.sh"

command -v haproxy >/dev/null || skip_all "haproxy is not installed (scripts/bootstrap)"
command -v openssl >/dev/null || skip_all "openssl is not installed"
command -v memcached >/dev/null || skip_all "memcached is not installed"

BASE=${SHORTLIST_EXTRA_PORT_BASE:-$((SHORTLIST_HTTP_PORT + 20))}
P_HTTP=$BASE P_HTTPS=$((BASE + 1)) P_STATS=$((BASE + 2)) P_WEB2=$((BASE + 3))
P2_HTTP=$((BASE + 4)) P2_HTTPS=$((BASE + 5)) P2_STATS=$((BASE + 6)) P_SILENT=$((BASE + 7))
P_MC2=${SHORTLIST_EXTRA_MEMCACHED_PORT:-$((SHORTLIST_MEMCACHED_PORT + 10))}
for p in "$P_HTTP" "$P_HTTPS" "$P_STATS" "$P_WEB2" "$P2_HTTP" "$P2_HTTPS" "$P2_STATS" "$P_SILENT" "$P_MC2"; do
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && skip_all "port $p is taken (set SHORTLIST_EXTRA_PORT_BASE)"
done

VAR1=$(dirname "$SHORTLIST_CONFIG")
WEB2=$T_TMP/web2
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	[[ -n ${MC2_PID:-} ]] && kill -KILL "$MC2_PID" 2>/dev/null
	return 0
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT

wait_listen() { eventually 20 bash -c "(exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null"; }

start_mc2() {
	local user=()
	[[ $(id -u) -eq 0 ]] && user=(-u nobody)
	memcached "${user[@]}" -l 127.0.0.1 -p "$P_MC2" -m 16 &
	MC2_PID=$!
	wait_listen "$P_MC2"
}

# The test certificate: self-signed, for 127.0.0.1 and localhost, key and chain in one file.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$T_TMP/key.pem" -out "$T_TMP/cert.pem" >/dev/null 2>&1 || skip_all "openssl could not make a certificate"
cat "$T_TMP/cert.pem" "$T_TMP/key.pem" >"$T_TMP/site.pem"

# What the script renders, and what it refuses.
render() {
	"$ROOT/scripts/haproxy-config" --cert "$T_TMP/site.pem" --state-dir "$T_TMP" --log "stdout format raw local0" "$@"
}
render --http "127.0.0.1:$P_HTTP" --https "127.0.0.1:$P_HTTPS" --stats "127.0.0.1:$P_STATS" \
	--server "web1=127.0.0.1:$SHORTLIST_HTTP_PORT" --server "web2=127.0.0.1:$P_WEB2" \
	--http-request-timeout 3s --check-inter 1s >"$T_TMP/haproxy.cfg"
check "the configuration renders" test -s "$T_TMP/haproxy.cfg"
haproxy -c -f "$T_TMP/haproxy.cfg" >"$T_TMP/check.out" 2>&1
check "haproxy -c accepts it" test $? -eq 0
check "haproxy -c has no warnings" bash -c '! grep -E "WARNING|ALERT" "$1"' _ "$T_TMP/check.out"
grep -E 'WARNING|ALERT' "$T_TMP/check.out" | sed 's/^/#   /'
render --server "web1=127.0.0.1:1" --plain-http serve >"$T_TMP/defaults.cfg"
haproxy -c -f "$T_TMP/defaults.cfg" >"$T_TMP/check2.out" 2>&1
check "haproxy -c accepts the defaults (ports 80, 443, 8404)" test $? -eq 0
check "the rendered file leaves no placeholder" bash -c '! grep -q "@[A-Z_]*@" "$1"' _ "$T_TMP/haproxy.cfg"
for bad in "--server web1" "--server a=b" "--server web1=127.0.0.1:1 --http-request-timeout 10" \
	"--server web1=127.0.0.1:1 --server web1=127.0.0.1:2" "--server web1=127.0.0.1:1 --plain-http maybe" ""; do
	# shellcheck disable=SC2086
	render $bad >/dev/null 2>&1
	check "scripts/haproxy-config refuses '$bad' (64)" test $? -eq 64
done

# The second web host: the same programs and configuration, its own folders
# and memcached. Its own run folder too: the readiness verdicts a host's
# processes share live beside its metrics file (core/readyboard.h), and a
# host that read the other's would answer for a memcached it does not use.
mkdir -p "$WEB2/log" "$WEB2/sock" "$WEB2/upload-tmp" "$WEB2/run"
sed -e "s|^SHORTLIST_MEMCACHED_SERVERS=.*|SHORTLIST_MEMCACHED_SERVERS='127.0.0.1:$P_MC2'|" \
	-e "s|^SHORTLIST_METRICS_FILE=.*|SHORTLIST_METRICS_FILE='$WEB2/run/metrics'|" \
	-e "s|^SHORTLIST_MEMCACHED_PORT=.*|SHORTLIST_MEMCACHED_PORT='$P_MC2'|" \
	-e "s|^SHORTLIST_HTTP_PORT=.*|SHORTLIST_HTTP_PORT='$P_WEB2'|" "$SHORTLIST_CONFIG" >"$WEB2/shortlist.env"
extra_env=""
for name in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
	[[ -n ${!name-} ]] && extra_env+="\"$name\" => \"${!name}\", "
done
cat >"$WEB2/lighttpd.conf" <<EOT
var.root = "$ROOT"
var.build = "$BUILD_DIR"
var.state = "$WEB2"
var.handler_extra_env = ( $extra_env)
var.upload_max_kb = 2097152
var.bind_address = "127.0.0.1"
server.port = $P_WEB2
include_shell "$ROOT/scripts/lighttpd-pools"
include "$ROOT/lighttpd/shortlist.conf"
EOT
start_mc2
# The environment wins over the file (core/config.h): the handlers inherit lighttpd's.
SHORTLIST_MEMCACHED_SERVERS="127.0.0.1:$P_MC2" SHORTLIST_MEMCACHED_PORT=$P_MC2 SHORTLIST_HTTP_PORT=$P_WEB2 \
	SHORTLIST_METRICS_FILE="$WEB2/run/metrics" \
	SHORTLIST_CONFIG="$WEB2/shortlist.env" lighttpd -D -f "$WEB2/lighttpd.conf" >"$WEB2/log/stdout.log" 2>&1 &
PIDS+=($!)
wait_listen "$P_WEB2" || not_ok "the second lighttpd listens on $P_WEB2"
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P_WEB2/readyz" >"$T_TMP/code"
check "the second host is ready" test "$(cat "$T_TMP/code")" = 200

haproxy -db -f "$T_TMP/haproxy.cfg" >"$T_TMP/haproxy.log" 2>&1 &
PIDS+=($!)
wait_listen "$P_HTTPS" || not_ok "HAProxy listens on $P_HTTPS"
HTTPS="https://127.0.0.1:$P_HTTPS"

# stat SERVER FIELD: one field of a server's row in the stats page's CSV, by the header's name.
stat() {
	curl -s "http://127.0.0.1:$P_STATS/;csv" | awk -F, -v sv="$1" -v f="$2" '
		NR == 1 { sub(/^# /, ""); for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == "web" && $2 == sv { print $(col[f]) }'
}
export P_STATS
up() { [[ $(stat "$1" status) == UP ]]; }
down() { [[ $(stat "$1" status) == DOWN ]]; }
check "both hosts are in service" eventually 15 bash -c "$(declare -f stat up); up web1 && up web2" _

# Balancing: sequential requests alternate between hosts with equal load.
tag="t0880-$$"
for i in $(seq 1 20); do curl -sk -o /dev/null "$HTTPS/healthz?probe=$tag-bal-$i"; done
count() { cat "$1/log/access.log" 2>/dev/null | grep -c "probe=$tag-$2"; }
eventually 5 bash -c "[[ \$(( \$(grep -c 'probe=$tag-bal-' '$VAR1/log/access.log') + \$(grep -c 'probe=$tag-bal-' '$WEB2/log/access.log') )) -ge 20 ]]"
n1=$(count "$VAR1" bal-) n2=$(count "$WEB2" bal-)
check "20 requests reached the hosts ($n1 + $n2)" test $((n1 + n2)) -eq 20
check "both hosts served some ($n1 and $n2)" test "$n1" -ge 5 -a "$n2" -ge 5

# What the hosts are told about the client: its own address (a request from
# 127.0.0.5), never what it claimed, and that it came over TLS; HTTP/2 to the
# client, HTTP/1.1 to lighttpd.
ver=$(curl -sk --http2 --interface 127.0.0.5 -H "X-Forwarded-For: 203.0.113.9" -o /dev/null -w '%{http_version}' \
	"$HTTPS/healthz?probe=$tag-xff")
check "HTTP/2 over TLS to the client (got $ver)" test "$ver" = 2
eventually 5 bash -c "cat '$VAR1/log/access.log' '$WEB2/log/access.log' | grep -q 'probe=$tag-xff'"
line=$(cat "$VAR1/log/access.log" "$WEB2/log/access.log" | grep "probe=$tag-xff")
check "X-Forwarded-For reaches the host with the client's address" grep -q 'xff="127.0.0.5"' <<<"$line"
check "a client's own X-Forwarded-For is dropped" bash -c '! grep -q 203.0.113.9 <<<"$1"' _ "$line"
check "X-Forwarded-Proto says https" grep -q 'proto="https"' <<<"$line"
check "lighttpd is spoken to in HTTP/1.1" grep -q "probe=$tag-xff HTTP/1.1\"" <<<"$line"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$P_HTTP/api/v1/jobs")
check "plain HTTP is sent to HTTPS with a 308 ($code)" grep -q '^308 https://' <<<"$code"

# Compression, when asked for.
KEY=$(new_org "haproxy-$$")
AUTH=(-H "Authorization: Bearer $KEY")
curl -sk "${AUTH[@]}" -H 'Accept-Encoding: gzip' -D "$T_TMP/h" -o "$T_TMP/jobs.gz" "$HTTPS/api/v1/jobs"
check "JSON is gzipped when asked" grep -qi '^content-encoding: gzip' "$T_TMP/h"
check "the gzipped JSON is the list" bash -c 'gzip -dc "$1" | jq -e .items >/dev/null' _ "$T_TMP/jobs.gz"
check "the answer varies by Accept-Encoding" grep -qi '^vary: accept-encoding' "$T_TMP/h"
check "the API answer stays no-store through HAProxy" grep -qi '^cache-control: no-store' "$T_TMP/h"
curl -sk "${AUTH[@]}" -D "$T_TMP/h" -o /dev/null "$HTTPS/api/v1/jobs"
check "nothing is gzipped unless asked" bash -c '! grep -qi "^content-encoding" "$1"' _ "$T_TMP/h"
curl -sk -o "$T_TMP/index.html" "$HTTPS/"
for asset in $(grep -oE '/assets/[0-9a-f]{16}/(app\.css|js/app\.js)' "$T_TMP/index.html"); do
	curl -sk -H 'Accept-Encoding: gzip' -D "$T_TMP/h" -o /dev/null "$HTTPS$asset"
	check "$asset is gzipped" grep -qi '^content-encoding: gzip' "$T_TMP/h"
done
curl -sk -H 'Accept-Encoding: gzip' -D "$T_TMP/h" -o /dev/null "$HTTPS/"
check "the entry page is gzipped" grep -qi '^content-encoding: gzip' "$T_TMP/h"
etag=$(grep -i '^etag:' "$T_TMP/h" | cut -d' ' -f2- | tr -d '\r')
code=$(curl -sk -H 'Accept-Encoding: gzip' -H "If-None-Match: $etag" -o /dev/null -w '%{http_code}' "$HTTPS/")
check "its (weak) ETag still answers 304 ($code)" test "$code" = 304

# A slow client: its request head, one byte a second, never completes before the timeout (3 s here).
/usr/bin/python3 - "$P_HTTP" >"$T_TMP/slow" <<'EOF'
import select, socket, sys
req = b"GET /healthz HTTP/1.1\r\nHost: shortlist\r\nUser-Agent: one-byte-a-second\r\n\r\n"
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
sent, answer = 0, b""
for byte in req:
    ready, _, _ = select.select([s], [], [], 1.0)
    if ready:
        break
    try:
        s.send(bytes([byte]))
    except OSError:
        break
    sent += 1
ready, _, _ = select.select([s], [], [], 10.0)
if ready:
    answer = s.recv(4096)
print(sent, len(req), (answer.split(b"\r\n")[0] or b"-").decode())
EOF
read -r sent total status_line <"$T_TMP/slow"
check "the slow client was cut off before it finished ($sent of $total bytes)" test "$sent" -lt "$total"
check "the slow client got a 408 ($status_line)" grep -q ' 408 ' <<<"$status_line"

# The stats page answers on its own loopback port, and only there.
code=$(curl -s -o "$T_TMP/stats.html" -w '%{http_code}' "http://127.0.0.1:$P_STATS/")
check "the stats page answers on its port ($code)" test "$code" = 200
check "it is HAProxy's statistics report" grep -q 'Statistics Report' "$T_TMP/stats.html"
curl -s -o "$T_TMP/metrics" "http://127.0.0.1:$P_STATS/metrics"
check "HAProxy's Prometheus metrics are there too" grep -q '^haproxy_backend_active_servers{proxy="web"} 2' "$T_TMP/metrics"
check "the stats port listens on loopback only" bash -c "ss -ltnH 'sport = :$P_STATS' | awk '{print \$4}' | grep -qx '127.0.0.1:$P_STATS'"
for p in "/;csv" "/haproxy?stats" "/metrics"; do
	curl -sk -o "$T_TMP/b" "$HTTPS$p"
	check "the public port does not serve HAProxy's $p" bash -c '! grep -qE "Statistics Report|^# pxname|haproxy_" "$1"' _ "$T_TMP/b"
done

# Draining: the second host's memcached stops, so its /readyz answers 503; HAProxy
# takes it out after exactly two failed checks (fall 2), and no request fails after that.
fails_before=$(stat web2 chkfail)
kill -TERM "$MC2_PID"
wait "$MC2_PID" 2>/dev/null
MC2_PID=
check "the second host now answers /readyz with 503" eventually 10 bash -c \
	"[[ \$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$P_WEB2/readyz) == 503 ]]"
check "the first host stays ready (its memcached is up)" \
	test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SHORTLIST_HTTP_PORT/readyz")" = 200
check "HAProxy takes it out of service" eventually 15 bash -c "$(declare -f stat down); down web2" _
fails=$(($(stat web2 chkfail) - fails_before))
check "after two failed checks, no more ($fails)" test "$fails" -eq 2
n2_before=$(count "$WEB2" drain-)
failed=0
for i in $(seq 1 20); do
	code=$(curl -sk -o /dev/null -w '%{http_code}' "$HTTPS/healthz?probe=$tag-drain-$i")
	[[ $code == 200 ]] || failed=$((failed + 1))
	code=$(curl -sk "${AUTH[@]}" -o /dev/null -w '%{http_code}' "$HTTPS/api/v1/jobs")
	[[ $code == 200 ]] || failed=$((failed + 1))
done
check "no request failed after the host was taken out ($failed of 40)" test "$failed" -eq 0
# lighttpd writes its access log in its own time: wait for the ready host's lines.
eventually 15 bash -c "[[ \$(grep -c 'probe=$tag-drain-' '$VAR1/log/access.log') -ge 20 ]]"
d1=$(count "$VAR1" drain-) d2=$(($(count "$WEB2" drain-) - n2_before))
check "all of them went to the ready host ($d1 of 20 there, $d2 on the other)" test "$d1" -eq 20 -a "$d2" -eq 0
# When they did not, HAProxy's log says which checks changed a host's state.
((d1 == 20 && d2 == 0)) || grep -E 'is (DOWN|UP)|no server available' "$T_TMP/haproxy.log" | sed 's/^/# haproxy: /'
start_mc2
check "the host is back in service once ready" eventually 15 bash -c "$(declare -f stat up); up web2" _

# Retries: a second HAProxy with the real host and one that swallows requests.
/usr/bin/python3 "$ROOT/tests/fakes/silent_backend.py" --port "$P_SILENT" --log "$T_TMP/silent.log" &
PIDS+=($!)
wait_listen "$P_SILENT" || not_ok "the silent host listens on $P_SILENT"
: >"$T_TMP/silent.log"
render --http "127.0.0.1:$P2_HTTP" --https "127.0.0.1:$P2_HTTPS" --stats "127.0.0.1:$P2_STATS" --plain-http serve \
	--server "web1=127.0.0.1:$SHORTLIST_HTTP_PORT" --server "silent=127.0.0.1:$P_SILENT" --check-inter 1s >"$T_TMP/retry.cfg"
haproxy -db -f "$T_TMP/retry.cfg" >"$T_TMP/haproxy-retry.log" 2>&1 &
PIDS+=($!)
wait_listen "$P2_HTTP" || not_ok "the second HAProxy listens on $P2_HTTP"
P_STATS_SAVED=$P_STATS
P_STATS=$P2_STATS
export P_STATS
check "the silent host is in service" eventually 15 bash -c "$(declare -f stat up); up web1 && up silent" _
gets_failed=0
for i in $(seq 1 8); do
	code=$(curl -s "${AUTH[@]}" -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2_HTTP/api/v1/jobs?limit=$i")
	[[ $code == 200 ]] || gets_failed=$((gets_failed + 1))
done
# Only the test's requests count: the fallback backend's /healthz checks
# reach the silent host too, and it swallows them the same way.
swallowed_gets=$(grep -c '^GET /api/v1/jobs' "$T_TMP/silent.log")
check "the silent host swallowed some GETs ($swallowed_gets of 8)" test "$swallowed_gets" -ge 1
check "every GET it swallowed was retried on the other host and answered ($gets_failed failed)" test "$gets_failed" -eq 0
posts_502=0 posts_201=0
for i in $(seq 1 8); do
	code=$(curl -s "${AUTH[@]}" -H 'Content-Type: application/json' -o /dev/null -w '%{http_code}' \
		-d "{\"title\":\"retry $i\",\"description\":\"C and Linux.\"}" "http://127.0.0.1:$P2_HTTP/api/v1/jobs")
	case $code in
	502) posts_502=$((posts_502 + 1)) ;;
	201) posts_201=$((posts_201 + 1)) ;;
	esac
done
swallowed_posts=$(grep -c '^POST /api/v1/jobs' "$T_TMP/silent.log")
check "the silent host swallowed some POSTs ($swallowed_posts of 8)" test "$swallowed_posts" -ge 1
check "a POST the silent host swallowed is not retried: each is a 502 ($posts_502)" test "$posts_502" -eq "$swallowed_posts"
check "the other POSTs made their job ($posts_201)" test "$posts_201" -eq $((8 - swallowed_posts))
jobs=$(curl -s "${AUTH[@]}" "$BASE_URL/api/v1/jobs?limit=100" | jq '[.items[] | select(.title | startswith("retry "))] | length')
check "no job was made twice ($jobs jobs for $posts_201 answers 201)" test "$jobs" -eq "$posts_201"
retried=$(stat silent wretr) redispatched=$(stat silent wredis)
check "HAProxy counted the GET retries ($retried retried, $redispatched redispatched, for $swallowed_gets)" test "$retried" -ge "$swallowed_gets"
P_STATS=$P_STATS_SAVED
