#!/usr/bin/env bash
# A handler process serves 10,000 requests with flat RSS, and valgrind finds
# no leak over 1,000 requests (success, client errors and not-found mixed).
. "$(dirname "$0")/lib/test-lib.sh"
command -v valgrind >/dev/null || skip_all "valgrind is not installed"

KEY=$(new_org "memory-$$")
AUTH="HTTP_AUTHORIZATION=Bearer $KEY"
RUN="$ROOT/tests/tools/run_handler.py"
REQ="$ROOT/tests/tools/fcgi_request.py"
printf '{"title": "x", "description": }' >"$T_TMP/bad.json"
printf '{"title": "Leak check", "description": "C"}' >"$T_TMP/job.json"

# mix SOCKET N: N rounds of five kinds of request.
mix() {
	local sock=$1 n=$2
	"$REQ" "$sock" "$n" GET "/api/v1/jobs?limit=5" "$AUTH" >/dev/null &&
		"$REQ" "$sock" "$n" GET "/api/v1/jobs/1" "$AUTH" >/dev/null &&
		"$REQ" "$sock" "$n" POST "/api/v1/jobs" "$T_TMP/bad.json" "$AUTH" CONTENT_TYPE=application/json >/dev/null &&
		"$REQ" "$sock" "$n" GET "/api/v1/nothing-here" >/dev/null &&
		"$REQ" "$sock" "$n" GET "/api/v1/jobs" "HTTP_AUTHORIZATION=Bearer sl_bad" >/dev/null
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# --- flat RSS over 10,000 requests
sock="$T_TMP/jobs.sock"
"$RUN" "$sock" "$T_TMP/jobs.pid" "$BIN/jobs" 2>"$T_TMP/jobs.log" &
eventually 10 test -S "$sock" || not_ok "handler did not start"
pid=$(cat "$T_TMP/jobs.pid")
"$REQ" "$sock" 1 POST /api/v1/jobs "$T_TMP/job.json" "$AUTH" CONTENT_TYPE=application/json >/dev/null
mix "$sock" 200 # warm-up: connections, prepared statements, caches
rss_before=$(rss_kb "$pid")
mix "$sock" 2000 # 10,000 requests
rss_after=$(rss_kb "$pid")
echo "# RSS after warm-up ${rss_before} kB, after 10,000 more requests ${rss_after} kB"
check "RSS flat over 10,000 requests (grew $((rss_after - rss_before)) kB, allowed 256)" \
	test $((rss_after - rss_before)) -le 256
kill -TERM "$pid"
wait
check "the handler stopped on SIGTERM" bash -c "! kill -0 $pid 2>/dev/null"

# --- no leak under valgrind over 1,000 requests
sock="$T_TMP/jobs-vg.sock"
"$RUN" "$sock" "$T_TMP/vg.pid" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind.log" \
	"$BIN/jobs" 2>/dev/null &
runner=$!
eventually 20 test -S "$sock" || not_ok "handler under valgrind did not start"
sleep 1
mix "$sock" 200
kill -TERM "$(cat "$T_TMP/vg.pid")"
wait $runner
rc=$?
grep -E "definitely lost|indirectly lost|possibly lost|ERROR SUMMARY" "$T_TMP/valgrind.log" | sed 's/^==[0-9]*== /# /'
check "valgrind: no leak and no error over 1,000 requests (exit $rc)" test "$rc" = 0
check "valgrind saw the handler exit cleanly" grep -q "ERROR SUMMARY: 0 errors" "$T_TMP/valgrind.log"
