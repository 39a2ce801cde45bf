#!/usr/bin/env bash
# The drainer when its database is not there: PostgreSQL stopped under a
# `drainer --follow` costs it little CPU and a few log lines, and it resumes
# by itself when PostgreSQL is back; a database without the schema yet (a
# drainer started before the migrations) is waited for with one log line and
# no "relation does not exist" errors.
. "$(dirname "$0")/lib/test-lib.sh"

FRESH="shortlist_fresh_$$"
DRAINER=
cleanup() {
	[[ -n $DRAINER ]] && kill "$DRAINER" 2>/dev/null && wait "$DRAINER" 2>/dev/null
	DRAINER=
	services start postgresql >/dev/null 2>&1
	sql "DROP DATABASE IF EXISTS $FRESH WITH (FORCE)" >/dev/null 2>&1
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT

# CPU time (user + system, in clock ticks) of process PID so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)
count_lines() { wc -l <"$1"; }

KEY=$(new_org "outage-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Backend Engineer","description":"We build services in C on PostgreSQL and Linux."}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job"; exit 1; }
printf '%s\n' "Candidate Outage" "Email: outage@example.org" "" "Experience" \
	"Software Engineer, Acme (2016 - 2024)" \
	"Built backend services in C on PostgreSQL and Linux, with on-call duty." \
	"Designed the storage layer, tuned queries and indexes, and mentored two junior engineers." \
	"Education" "BSc Computer Science, University of Somewhere (2012 - 2016)" >"$T_TMP/outage.txt"

# --- PostgreSQL stopped for several seconds under a following drainer
SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --follow >"$T_TMP/follow.log" 2>&1 &
DRAINER=$!
eventually 10 grep -q '"drain: worker' "$T_TMP/follow.log" || not_ok "the drainer did not start"
lines_before=$(count_lines "$T_TMP/follow.log")
services stop postgresql
cpu_before=$(cpu_ticks "$DRAINER")
sleep 6 # the outage
cpu=$(($(cpu_ticks "$DRAINER") - cpu_before))
logged=$(($(count_lines "$T_TMP/follow.log") - lines_before))
sed -n "$((lines_before + 1)),\$p" "$T_TMP/follow.log" | head -n 12 | sed 's/^/# log: /'
echo "# during 6 s without PostgreSQL: $logged log lines, $cpu CPU ticks ($ticks_per_second a second)"
check "the drainer is still running" kill -0 "$DRAINER"
check "a handful of log lines during the outage ($logged)" test "$logged" -le 8
check "it says the database is unavailable" grep -q '"drain: the database is unavailable' "$T_TMP/follow.log"
check "it does not spin: under a tenth of a core ($cpu ticks in 6 s)" test "$((cpu * 10))" -le "$((ticks_per_second * 6))"
services start postgresql
curl -s "${A[@]}" -F "f=@$T_TMP/outage.txt" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "a resume is queued once PostgreSQL is back" test "$(jq -r .accepted "$T_TMP/upload.json")" = 1
status() { sql "SELECT status FROM resumes WHERE job_id = $JOB"; }
scored() { test "$(status)" = scored; }
check "the same drainer processes it (status $(eventually 30 scored; status))" scored
check "it said when the database answered again" grep -q '"drain: the database answers again' "$T_TMP/follow.log"
kill "$DRAINER"
wait "$DRAINER" 2>/dev/null
DRAINER=

# --- a database without the schema yet: wait quietly, then work once migrated
sql "CREATE DATABASE $FRESH" >/dev/null
fresh_url="host=127.0.0.1 port=$SHORTLIST_PG_PORT dbname=$FRESH user=postgres"
fsql() { psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d "$FRESH" -Atq -v ON_ERROR_STOP=1 -c "$1"; }
SHORTLIST_DATABASE_URL="$fresh_url" SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --follow >"$T_TMP/fresh.log" 2>&1 &
DRAINER=$!
check "the drainer says it waits for the schema" eventually 10 grep -q 'no schema yet' "$T_TMP/fresh.log"
sleep 3 # several probes while the schema is missing
SHORTLIST_DATABASE_URL="$fresh_url" ctl migrate >/dev/null
fsql "INSERT INTO tasks (kind, idempotency_key, payload) VALUES ('process_resume', 'fresh-1', '{\"resume_id\": 1}'); NOTIFY shortlist_tasks"
done_task() { test "$(fsql "SELECT state FROM tasks WHERE idempotency_key = 'fresh-1'")" = succeeded; }
check "once migrated, the drainer takes a queued task" eventually 30 done_task
grep -v '"drain: worker' "$T_TMP/fresh.log" | head -n 8 | sed 's/^/# log: /'
check "no 'does not exist' errors in its log ($(grep -c 'does not exist' "$T_TMP/fresh.log"))" \
	test "$(grep -c 'does not exist' "$T_TMP/fresh.log")" = 0
check "one line about the missing schema ($(grep -c 'no schema yet' "$T_TMP/fresh.log"))" \
	test "$(grep -c 'no schema yet' "$T_TMP/fresh.log")" = 1
