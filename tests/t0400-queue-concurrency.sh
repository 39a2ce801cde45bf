#!/usr/bin/env bash
# The task queue under concurrency, against the test instance's PostgreSQL:
# two worker processes share 1,000 tasks and process each exactly once; a
# worker that dies by SIGKILL in the middle of a batch loses nothing, because
# the other one rescues its expired leases, and every task still has exactly
# one recorded effect.
. "$(dirname "$0")/lib/test-lib.sh"

QS="$TOOLS/queue_stress"
[[ -x $QS ]] || skip_all "$QS is not built (run make)"
run_id="t0400-$$-$RANDOM"
pair="$run_id-pair" four="$run_id-four" suicide="$run_id-suicide" killed="$run_id-killed" bench="$run_id-bench"

# Removes this run's tasks and records, keeping the exit status for t_finish.
cleanup() {
	local rc=$? k
	for k in "$pair" "$four" "$suicide" "$killed" "$bench-1" "$bench-50"; do
		"$QS" clean "$k" >/dev/null 2>&1
	done
	return "$rc"
}
trap 'cleanup; t_finish' EXIT

"$QS" clean "$run_id-probe" >"$T_TMP/probe.out" 2>&1 || skip_all "PostgreSQL of the test instance does not answer: $(tail -n 1 "$T_TMP/probe.out")"

# value NAME FILE: a NAME=value line of a check report.
value() { sed -n "s/^$1=//p" "$2"; }

# --- two workers, 1,000 tasks, no task twice ---
check "1000 tasks enqueued" "$QS" setup "$pair" 1000
"$QS" work "$pair" --workers 2 --batch 10 --lease 30 >"$T_TMP/pair.out" 2>&1
check "two workers drain the pool without errors" test $? -eq 0
sed 's/^/# /' "$T_TMP/pair.out"
busy=$(grep -Ec 'processed [1-9][0-9]*,' "$T_TMP/pair.out")
check "both workers processed tasks (got $busy)" test "$busy" -eq 2
"$QS" check "$pair" 1000 --expect-single-run >"$T_TMP/pair.check" 2>&1
check "every task succeeded, was processed once and has one effect" test $? -eq 0
check "nothing is left queued or running" test "$(value unfinished "$T_TMP/pair.check")" = 0
check "no task was run twice" test "$(value tasks_run_twice "$T_TMP/pair.check")" = 0
check "both workers wrote effects" test "$(value workers "$T_TMP/pair.check")" = 2
grep -q violation "$T_TMP/pair.check" && sed 's/^/# /' "$T_TMP/pair.check"

# Harder contention: four workers taking one task per claim from the head of the same index.
check "1000 tasks enqueued for four workers" "$QS" setup "$four" 1000
"$QS" work "$four" --workers 4 --batch 1 --lease 30 >"$T_TMP/four.out" 2>&1
check "four single-claim workers drain the pool without errors" test $? -eq 0
sed 's/^/# /' "$T_TMP/four.out"
"$QS" check "$four" 1000 --expect-single-run >"$T_TMP/four.check" 2>&1
check "with four workers every task was still processed exactly once" test $? -eq 0
grep -q violation "$T_TMP/four.check" && sed 's/^/# /' "$T_TMP/four.check"

# The checker itself must catch a wrong count.
check "check fails when the expected count is wrong" bash -c "! '$QS' check '$pair' 1001 >/dev/null 2>&1"

# --- a worker kills itself with SIGKILL mid-batch, mid-task (2 s leases) ---
check "1000 tasks enqueued for the crash" "$QS" setup "$suicide" 1000
"$QS" work "$suicide" --batch 20 --lease 2 --work-ms 2 --die-after 150 >"$T_TMP/victim.out" 2>&1 &
victim=$!
sleep 0.3
"$QS" work "$suicide" --batch 20 --lease 2 --work-ms 2 --rescue-ms 300 --max-seconds 120 >"$T_TMP/survivor.out" 2>&1
survivor_rc=$?
wait "$victim"
victim_rc=$?
sed 's/^/# /' "$T_TMP/victim.out" "$T_TMP/survivor.out"
check "the first worker died of SIGKILL (exit $victim_rc)" test "$victim_rc" -eq 137
check "the survivor finished the pool (exit $survivor_rc)" test "$survivor_rc" -eq 0
check "the survivor rescued the dead worker's tasks" grep -Eq 'rescued [1-9]' "$T_TMP/survivor.out"
"$QS" check "$suicide" 1000 --expect-rescue >"$T_TMP/suicide.check" 2>&1
check "after the crash every task has exactly one effect, written by its last claim" test $? -eq 0
check "the interrupted task ran twice (at least once, not exactly once)" \
	test "$(value tasks_run_twice "$T_TMP/suicide.check")" -ge 1
check "the effects are still one per task" test "$(value effects "$T_TMP/suicide.check")" = 1000
grep -q violation "$T_TMP/suicide.check" && sed 's/^/# /' "$T_TMP/suicide.check"

# --- kill -9 from outside while a slow worker is inside a batch ---
check "300 tasks enqueued for the outside kill" "$QS" setup "$killed" 300
"$QS" work "$killed" --batch 100 --lease 2 --work-ms 20 >"$T_TMP/slow.out" 2>&1 &
slow=$!
# Kill it a few tasks into its first batch of 100.
started() { (($("$QS" check "$killed" 300 2>/dev/null | sed -n 's/^runs=//p') >= 5)); }
check "the slow worker started its batch" eventually 30 started
kill -9 "$slow"
wait "$slow"
check "the slow worker was killed" test $? -eq 137
"$QS" work "$killed" --batch 25 --lease 2 --rescue-ms 300 --max-seconds 120 >"$T_TMP/rescuer.out" 2>&1
check "a second worker finished what the killed one held" test $? -eq 0
sed 's/^/# /' "$T_TMP/rescuer.out"
"$QS" check "$killed" 300 >"$T_TMP/killed.check" 2>&1
check "every task has exactly one effect after kill -9" test $? -eq 0
rescued=$(value tasks_rescued "$T_TMP/killed.check")
check "the tasks held by the killed worker were rescued (got $rescued)" test "${rescued:-0}" -ge 1

# --- claim throughput, for the record (not asserted) ---
"$QS" bench "$bench-1" 1000 --batch 1 2>&1 | sed 's/^/# single claims: /'
"$QS" bench "$bench-50" 1000 --batch 50 2>&1 | sed 's/^/# batch claims: /'
