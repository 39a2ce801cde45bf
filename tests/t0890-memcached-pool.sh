#!/usr/bin/env bash
# A pool of three memcached servers (consistent hashing) losing one and
# getting it back, under traffic: API requests counted by the rate limiter
# (policy "refuse", so a request that could not be counted would be a 503)
# and LLM answers cached by the drainer. With one stopped every request is
# still answered and counted, the limiter's counts and the cached answers on
# the two others are kept, only the stopped server's share restarts; when it
# is back, its keys return to it. The servers listen on unix sockets of the
# test's own, so no port is taken.
. "$(dirname "$0")/lib/test-lib.sh"
command -v memcached >/dev/null || skip_all "memcached is not installed"
command -v cgi-fcgi >/dev/null || skip_all "cgi-fcgi is not installed"

# A server list that cannot be right stops a program at start, naming the setting.
SHORTLIST_MEMCACHED_SERVERS='127.0.0.1:11211,' "$BIN/drainer" --once >/dev/null 2>"$T_TMP/bad-list.err"
rc=$?
check "a malformed SHORTLIST_MEMCACHED_SERVERS is a configuration error (exit $rc: $(head -c 200 "$T_TMP/bad-list.err"))" \
	bash -c "((rc=$rc, rc == 78)) && grep -q 'SHORTLIST_MEMCACHED_SERVERS' '$T_TMP/bad-list.err'"

MC="$T_TMP/mc"
mkdir -p "$MC"
chmod o+x "$T_TMP"
chmod 777 "$MC" # memcached runs as nobody when the tests run as root
MC_PIDS=()
mc_start() { # N: starts server N (1-3) on its socket
	local user=()
	[[ $(id -u) -eq 0 ]] && user=(-u nobody)
	rm -f "$MC/mc$1.sock"
	memcached "${user[@]}" -s "$MC/mc$1.sock" -a 0666 -m 16 >>"$T_TMP/mc$1.log" 2>&1 &
	MC_PIDS[$1]=$!
	eventually 10 test -S "$MC/mc$1.sock" || not_ok "memcached $1 did not start"
}
mc_stop() { # N
	kill -TERM "${MC_PIDS[$1]}" 2>/dev/null
	wait "${MC_PIDS[$1]}" 2>/dev/null
	MC_PIDS[$1]=
	rm -f "$MC/mc$1.sock"
}
mc_items() { # N: prints how many items server N holds
	/usr/bin/python3 - "$MC/mc$1.sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"stats\r\n")
data = b""
while not data.endswith(b"END\r\n"):
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
for line in data.decode().splitlines():
    if line.startswith("STAT curr_items "):
        print(line.split()[2])
EOF
}
cleanup_pool() {
	local n
	for n in 1 2 3; do [[ -n ${MC_PIDS[$n]-} ]] && kill -KILL "${MC_PIDS[$n]}" 2>/dev/null; done
	return 0
}
trap 'cleanup_pool; t_finish' EXIT
for n in 1 2 3; do mc_start "$n"; done
POOL="$MC/mc1.sock,$MC/mc2.sock,$MC/mc3.sock"
export SHORTLIST_MEMCACHED_SERVERS="$POOL"

# --- the rate limiter: 24 keys, each counted in the pool by one long-lived handler
ORG="pool-$$"
ctl org create "$ORG" >/dev/null
KEYS=()
for i in $(seq 1 24); do KEYS+=("$(ctl key create --org "$ORG" 2>/dev/null)"); done
check "24 API keys made" test "${#KEYS[@]}" = 24 -a -n "${KEYS[23]}"
sock="$T_TMP/jobs.sock"
SHORTLIST_API_RATE_PER_MINUTE=1000 SHORTLIST_API_RATE_WHEN_CACHE_DOWN=refuse \
	start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
# round NAME: one GET /api/v1/jobs per key; writes "status remaining" per key to $T_TMP/NAME.
round() {
	local key
	: >"$T_TMP/$1"
	for key in "${KEYS[@]}"; do
		REQUEST_METHOD=GET REQUEST_URI=/api/v1/jobs SCRIPT_NAME=/api/v1/jobs HTTP_AUTHORIZATION="Bearer $key" \
			cgi-fcgi -bind -connect "$sock" | tr -d '\r' >"$T_TMP/resp"
		echo "$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T_TMP/resp" | head -n 1) $(sed -n 's/^RateLimit-Remaining: //p' "$T_TMP/resp")" >>"$T_TMP/$1"
	done
}
statuses() { cut -d' ' -f1 "$T_TMP/$1" | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}'; }

# --- the LLM cache: 30 resumes scored by the drainer through the pool
FIX="$T_TMP/r"
mkdir -p "$FIX"
for i in $(seq 1 30); do
	printf 'Pool Person %s\nEmail: pool%s@example.org\n\nExperience\nSoftware Engineer, Example Ltd (2016 - 2024)\nBuilt services in C on PostgreSQL and Linux, case %s of %s.\n\nSkills\nC, PostgreSQL, Linux\n' \
		"$i" "$i" "$i" "$$" >"$FIX/p$i.txt"
done
LLM=0
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" && LLM=1
LKEY=$(new_org "pool-llm-$$")
L=(-H "Authorization: Bearer $LKEY")
new_job() {
	curl -s "${L[@]}" -H "Content-Type: application/json" \
		--data '{"title":"Pool Engineer","description":"We build services in C on PostgreSQL and Linux. 3+ years."}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
# process JOB: uploads the 30 resumes to JOB and scores them with the (fake) OpenAI-compatible provider.
process() {
	local args=() f end=$(($(date +%s) + 120))
	for f in "$FIX"/p*.txt; do args+=(-F "f=@$f"); done
	curl -s -o /dev/null "${L[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$1/resumes"
	while (($(date +%s) < end)); do
		SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test \
			SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
			"$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/drainer.log" 2>&1
		[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $1 AND status IN ('queued', 'processing')") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}
# hits JOB: "scored hits misses" of JOB's current analyses.
hits() {
	sql "SELECT count(*) FILTER (WHERE r.status = 'scored') || ' ' || count(*) FILTER (WHERE a.cache_hit) || ' '
	            || count(*) FILTER (WHERE NOT a.cache_hit)
	       FROM resumes r LEFT JOIN analyses a ON a.resume_id = r.id AND a.is_current WHERE r.job_id = $1"
}
if ((LLM)); then
	J1=$(new_job)
	process "$J1" || not_ok "job $J1 was not processed"
	check "three servers: 30 resumes scored, 30 model calls, none cached yet ($(hits "$J1"))" \
		test "$(hits "$J1")" = "30 0 30"
else
	echo "# skip: the fake LLM provider is not running; the LLM cache part is not checked"
fi
# --- the rate limiter while server 2 stops and comes back, all inside one minute's window
# (a window's counter is one key, on one server: the test compares counts of the same window)
(($(date +%-S) < 40)) || sleep $((61 - $(date +%-S)))
round r1
check "three servers: every request answered 200 and counted ($(statuses r1))" \
	test "$(grep -c '^200 999$' "$T_TMP/r1")" = 24

for n in 1 2 3; do
	items[n]=$(mc_items "$n")
done
check "every server holds a share of the keys (${items[1]}, ${items[2]}, ${items[3]} items)" \
	test "${items[1]}" -gt 0 -a "${items[2]}" -gt 0 -a "${items[3]}" -gt 0

mc_stop 2
round r2
check "one server stopped: every request still answered 200 and counted ($(statuses r2))" \
	test "$(grep -cE '^200 (998|999)$' "$T_TMP/r2")" = 24
moved=$(grep -c '^200 999$' "$T_TMP/r2")
check "only the stopped server's share of the counts restarted ($moved of 24 keys; the rest kept counting)" \
	test "$moved" -gt 0 -a "$moved" -lt 24
check "the handler answered no 5xx" bash -c "! grep -qE '^5' '$T_TMP/r2'"
mc_start 2
sleep 4 # the client tries a failed server again 2 s after taking it off (whole seconds, so up to 3 s)
round r3
check "server back: every request answered 200 and counted ($(statuses r3))" \
	test "$(grep -cE '^200 (997|999)$' "$T_TMP/r3")" = 24
check "the keys that had moved are the ones that came back to it (empty), and the others did not move" \
	test "$(grep -n '^200 999$' "$T_TMP/r2" | cut -d: -f1)" = "$(grep -n '^200 999$' "$T_TMP/r3" | cut -d: -f1)"
check "server 2 holds keys again ($(mc_items 2) items)" test "$(mc_items 2)" -gt 0

# --- the LLM cache while server 2 is away
if ((LLM)); then
	mc_stop 2
	J2=$(new_job)
	process "$J2" || not_ok "job $J2 was not processed"
	read -r scored hit miss <<<"$(hits "$J2")"
	check "one server stopped: all 30 scored; answers on the two others hit, the stopped one's share missed ($hit hits, $miss misses)" \
		test "$scored" = 30 -a "$hit" -gt 0 -a "$miss" -gt 0 -a $((hit + miss)) = 30
	J3=$(new_job)
	process "$J3" || not_ok "job $J3 was not processed"
	check "the missed answers were cached again on the two others: 30 hits ($(hits "$J3"))" \
		test "$(hits "$J3")" = "30 30 0"
	check "no resume failed while the server was away" \
		test "$(sql "SELECT count(*) FROM resumes WHERE job_id IN ($J1, $J2, $J3) AND status <> 'scored'")" = 0
	round r4
	check "and API requests meanwhile: all answered 200 and counted ($(statuses r4))" \
		test "$(grep -cE '^200 [0-9]+$' "$T_TMP/r4")" = 24
	mc_start 2
fi
stop_handler
check "no cache error reached the handler's log" bash -c "! grep -q '\"level\":\"error\"' '$T_TMP/jobs.log'"
