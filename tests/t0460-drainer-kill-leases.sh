#!/usr/bin/env bash
# A drainer claims only what it can start soon, and holds what waits on a
# short lease: killed with SIGKILL, it strands only the tasks it had started
# (full lease); everything else it held is running again under the other
# drainer within 15 s, not after the whole lease. Measured by task rows.
#
# Extra port: SHORTLIST_EXTRA_PORT_BASE (default HTTP port + 60).
. "$(dirname "$0")/lib/test-lib.sh"

VICTIM= SURVIVOR= PROXY=
cleanup() {
	local p
	for p in $VICTIM $SURVIVOR $PROXY; do kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT

KEY=$(new_org "leases-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux. 3+ years."}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job"; exit 1; }
# The job's preparation comes first: its tasks rank above resumes and would
# take the victim's two LLM calls for the provider's 30 s. A local drainer
# does it now, so that what the victim holds is resume work only.
SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --once --max-seconds 30 >"$T_TMP/prep.log" 2>&1
check "the job is prepared before its resumes arrive" \
	test "$(sql "SELECT count(*) > 0 AND bool_and(state = 'ready') FROM job_prep WHERE job_id = $JOB")" = t
N=60
args=()
for ((i = 1; i <= N; i++)); do
	printf '%s\n' "Candidate Lease $i" "Email: c$i@lease.example" "" "Experience" \
		"Software Engineer, Acme (2018 - 2024)" \
		"Built backend services in C and Go on PostgreSQL and Linux, with on-call duty for run $i." \
		"Designed the storage layer, tuned queries and indexes, and mentored two junior engineers." \
		"Education" "BSc Computer Science, University of Somewhere (2014 - 2018)" >"$T_TMP/r$i.txt"
	args+=(-F "f=@$T_TMP/r$i.txt")
done
curl -s "${A[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "$N resumes queued" test "$(jq .accepted "$T_TMP/upload.json")" = "$N"

# The victim fetches files through a proxy that holds each request 8 s, so it
# is caught with one task started (its file being fetched, the full lease)
# and one claimed and waiting (the short lease). Its LLM answers after 30 s,
# two calls at once, one extraction worker, room for 128 tasks, the
# configured lease.
P_PROXY=${SHORTLIST_EXTRA_PORT_BASE:-$((SHORTLIST_HTTP_PORT + 60))}
(exec 3<>"/dev/tcp/127.0.0.1/$P_PROXY") 2>/dev/null && skip_all "port $P_PROXY is taken (set SHORTLIST_EXTRA_PORT_BASE)"
echo "delay 8000" >"$T_TMP/mode"
/usr/bin/python3 "$ROOT/tests/tools/fault_proxy.py" --port "$P_PROXY" --to "127.0.0.1:$SHORTLIST_S3_PORT" \
	--mode-file "$T_TMP/mode" --stats "$T_TMP/stats" >"$T_TMP/proxy.out" 2>&1 &
PROXY=$!
eventually 10 grep -q ready "$T_TMP/proxy.out" || { not_ok "the fault proxy did not start"; exit 1; }
start_fake_llm --latency-median-ms 30000 --latency-sigma 0.01
env -u SHORTLIST_TASK_LEASE_SECONDS SHORTLIST_S3_ENDPOINT="http://127.0.0.1:$P_PROXY" \
	SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test \
	SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" SHORTLIST_LLM_CONCURRENCY=2 SHORTLIST_CACHE_TTL=0 \
	"$BIN/drainer" --follow --extract-workers 1 --max-in-flight 128 >"$T_TMP/victim.log" 2>&1 &
VICTIM=$!
mine="locked_by LIKE '%:$VICTIM:%' AND kind = 'process_resume' AND state = 'running' AND payload->>'job_id' = '$JOB'"
held() { sql "SELECT count(*) FROM tasks WHERE $mine"; }
# Started work has the full lease (well over 30 s from now); waiting work a short one.
started() { sql "SELECT count(*) FROM tasks WHERE $mine AND lease_until > now() + interval '30 seconds'"; }
one_started_one_waiting() { test "$(started)" -ge 1 -a "$(held)" -gt "$(started)"; }
check "the victim holds a started task and a waiting one" eventually 6 one_started_one_waiting
SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --follow >"$T_TMP/survivor.log" 2>&1 &
SURVIVOR=$!
kill -KILL "$VICTIM"
wait "$VICTIM" 2>/dev/null
VICTIM_PID=$VICTIM
VICTIM=
mine="locked_by LIKE '%:$VICTIM_PID:%' AND kind = 'process_resume' AND state = 'running' AND payload->>'job_id' = '$JOB'"
held_at_kill=$(held)
started_at_kill=$(started)
echo "# killed the drainer holding $held_at_kill tasks, $started_at_kill of them started"
check "it held only what its one extraction worker could start soon ($held_at_kill <= 2, of $N queued)" \
	test "$held_at_kill" -le 2
check "one of them started, with the full lease ($started_at_kill)" test "$started_at_kill" = 1
check "one of them waiting, with the short lease" test "$held_at_kill" -gt "$started_at_kill"
only_started_left() { test "$(held)" -le "$started_at_kill"; }
if eventually 15 only_started_left; then
	ok "within 15 s every task it held but had not started is running again elsewhere (or done)"
else
	not_ok "after 15 s the killed drainer still holds $(held) tasks ($started_at_kill started)"
fi
# The started ones wait for their lease; end it now rather than wait a minute.
sql "UPDATE tasks SET lease_until = now() - interval '1 second' WHERE $mine" >/dev/null
settled() { test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status = 'scored'")" = "$N"; }
check "the other drainer scored all $N" eventually 90 settled
check "exactly one current analysis per resume" \
	test "$(sql "SELECT count(*) FROM (SELECT resume_id FROM analyses WHERE job_id = $JOB AND is_current GROUP BY 1 HAVING count(*) = 1) x")" = "$N"
