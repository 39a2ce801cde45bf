#!/usr/bin/env bash
# SIGTERM to lighttpd while wrk is running and uploads are in flight: the
# requests in flight complete, then lighttpd and its handlers exit.
. "$(dirname "$0")/lib/test-lib.sh"
command -v wrk >/dev/null || skip_all "wrk is not installed"

KEY=$(new_org "graceful-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" --data '{"title":"Engineer","description":"C"}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
"$TOOLS/mkfixtures" "$T_TMP" >/dev/null
PIDFILE="$ROOT/var/test/pid/lighttpd.pid"
lighttpd_pid=$(cat "$PIDFILE")
server_pid=$(pgrep -P "$lighttpd_pid" -x lighttpd)
handlers=$(pgrep -P "$server_pid" | tr '\n' ' ')

# Five uploads of about 3 MB at 1 MB/s: each is in flight for about 3 s.
for i in 1 2 3 4 5; do
	{ cat "$T_TMP/resume.pdf"; head -c 3000000 /dev/urandom; } >"$T_TMP/slow$i.pdf"
	curl -s -o "$T_TMP/slow$i.json" -w '%{http_code}' --limit-rate 1M "${A[@]}" -F "f=@$T_TMP/slow$i.pdf" \
		"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/slow$i.status" &
done
wrk -t 2 -c 50 -d 4s --latency "$BASE_URL/healthz" >"$T_TMP/wrk.out" 2>&1 &
wrk_pid=$!
sleep 1
kill -TERM "$lighttpd_pid"
wait $wrk_pid
for i in 1 2 3 4 5; do
	wait %$i 2>/dev/null
done
wait
for i in 1 2 3 4 5; do
	check "upload $i in flight at SIGTERM completed (HTTP $(cat "$T_TMP/slow$i.status"))" \
		test "$(cat "$T_TMP/slow$i.status")" = 201
done
check "all five resumes were recorded" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB")" = 5
grep -E "Requests/sec|requests in" "$T_TMP/wrk.out" | sed 's/^/# wrk: /'
check "wrk got answers before the stop" grep -q "requests in" "$T_TMP/wrk.out"
check "lighttpd exited after finishing" eventually 35 bash -c "! kill -0 $lighttpd_pid 2>/dev/null"
none_alive() { # PID...: true when none of them runs
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 1
	done
	return 0
}
check "lighttpd had handler processes" test -n "$handlers"
check "no handler process is left behind" eventually 10 none_alive $handlers
services start lighttpd >/dev/null
http GET /healthz
expect_status 200 "lighttpd serves again after a start"
