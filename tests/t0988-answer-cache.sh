#!/usr/bin/env bash
# The answer cache (shared/core/answercache.h) of the hot reads: a page of
# a shortlist, a candidate and a batch's status. A candidates handler run
# directly keeps answers for a minute, so what only the cache can explain
# is seen: a change made behind the service's back (SQL) stays unseen,
# while anything done through the API (a decision, an erasure) is seen at
# the next read, and what the drainer does within its gap (500 ms, one
# step of the organisation's generation per gap at most). Answers are per
# organisation; a kept candidate is still a recorded view; memcached
# stopped, or SHORTLIST_ANSWER_CACHE_MS=0, means every read is fresh.
#
# Seen to fail: with the drainer's task outcomes not stepping the
# organisation's generation (queue.c), "the drainer's finished task is seen
# at once" failed (0 done, "running"); with app.c not stepping it for the
# API's writes, "a decision made through the API is seen at once" failed;
# with the drainer's loop not making its held steps (answercache_step_due),
# "a following drainer's last finished task is seen within a second of it"
# failed; with its steps not held, "its 40 claims and outcomes stepped the
# generation 30 times" failed.
. "$(dirname "$0")/lib/test-lib.sh"
command -v jq >/dev/null || skip_all "jq is not installed"

REQ="$ROOT/tests/tools/fcgi_request.py"
ORG="answers-$$"
KEY=$(new_org "$ORG")
OTHER=$(new_org "answers-other-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(ctl seed --org "$ORG" --job-title "Kept answers" --candidates 6 2>/dev/null)
check "a seeded job ($JOB)" test -n "$JOB"

sock="$T_TMP/candidates.sock"
cleanup() {
	[[ -n ${HANDLER_PID:-} ]] && stop_handler
	services start memcached >/dev/null 2>&1
}
trap 'code=$?; cleanup; (exit $code); t_finish' EXIT
SHORTLIST_ANSWER_CACHE_MS=60000 start_handler "$sock" "$BIN/candidates" 2>"$T_TMP/candidates.log"

# get URI [KEY]: the directly run handler's body for a GET, into $T_TMP/got.
get() {
	FCGI_PRINT_BODY=1 "$REQ" "$sock" 1 GET "$1" "HTTP_AUTHORIZATION=Bearer ${2:-$KEY}" >"$T_TMP/got"
}
got() { jq -r "$1" <"$T_TMP/got"; }
PAGE="/api/v1/jobs/$JOB/candidates?limit=3"

get "$PAGE"
FIRST=$(got '.items[0].resume_id')
NAME=$(got '.items[0].name')
check "the first page names its first candidate ($FIRST: $NAME)" test -n "$NAME" -a "$NAME" != null
sql "UPDATE resumes SET contact = jsonb_set(contact, '{name}', '\"Renamed Behind The Back\"') WHERE id = $FIRST"
get "$PAGE"
check "a change made behind the service's back is not seen: the page was kept ($(got '.items[0].name'))" \
	test "$(got '.items[0].name')" = "$NAME"
get "$PAGE&category=shortlist"
check "another query of the same job is its own answer, read fresh" \
	test "$(got '[.items[] | select(.resume_id == '"$FIRST"') | .name] | first // "absent"')" != "$NAME"

# --- the API's writes are seen at once, whichever process read before
http PUT "/api/v1/jobs/$JOB/candidates/$FIRST/decision" "${A[@]}" -H "Content-Type: application/json" \
	--data '{"category":"consider","reason":"kept answers test"}'
expect_status 200 "a decision through lighttpd"
get "$PAGE"
check "a decision made through the API is seen at once ($(got '[.items[] | select(.resume_id == '"$FIRST"') | .decision.category] | first'))" \
	test "$(got '[.items[] | select(.resume_id == '"$FIRST"') | .decision.category] | first')" = consider
check "and with it everything else that changed ($(got '[.items[] | select(.resume_id == '"$FIRST"') | .name] | first'))" \
	test "$(got '[.items[] | select(.resume_id == '"$FIRST"') | .name] | first')" = "Renamed Behind The Back"

# --- a kept candidate is still a view in the audit trail
views() { sql "SELECT count(*) FROM audit_events WHERE resume_id = $FIRST AND action = 'resume.viewed'"; }
v0=$(views)
get "/api/v1/candidates/$FIRST"
check "the candidate's record ($(got .name))" test "$(got .resume_id)" = "$FIRST"
get "/api/v1/candidates/$FIRST"
check "read twice, the record is kept ($(got .resume_id))" test "$(got .resume_id)" = "$FIRST"
check "and both reads are recorded views ($v0, then $(views))" test "$(views)" = $((v0 + 2))
check "with the job of the candidate" test "$(sql "SELECT count(DISTINCT job_id) FROM audit_events WHERE resume_id = $FIRST AND action = 'resume.viewed'")" = 1 -a \
	"$(sql "SELECT job_id FROM audit_events WHERE resume_id = $FIRST AND action = 'resume.viewed' ORDER BY id DESC LIMIT 1")" = "$JOB"

# --- another organisation never gets this one's answers
get "$PAGE" "$OTHER"
check "another organisation's key gets its own answer: not found ($(got .status))" test "$(got .status)" = 404
get "/api/v1/candidates/$FIRST" "$OTHER"
check "for the candidate too ($(got .status))" test "$(got .status)" = 404

# --- the drainer's finished tasks are seen at once
printf 'Kept Answers Applicant\nkept.answers@example.com\nC and PostgreSQL for nine years.\n' >"$T_TMP/new.txt"
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "files=@$T_TMP/new.txt;type=text/plain"
expect_status 201 "an upload"
BATCH=$(json .batch_id)
get "/api/v1/process/status/$BATCH"
check "its batch has nothing done yet ($(got .done) of $(got .total))" test "$(got .done)" = 0 -a "$(got .total)" = 1
get "/api/v1/process/status/$BATCH"
check "and the status is kept while nothing finishes ($(got .done))" test "$(got .done)" = 0
"$BIN/drainer" --once >"$T_TMP/drain.log" 2>&1
check "the drainer finishes it ($(sql "SELECT status FROM resumes WHERE batch_id = $BATCH"))" \
	test "$(sql "SELECT count(*) FROM resumes WHERE batch_id = $BATCH AND status NOT IN ('queued', 'processing')")" = 1
get "/api/v1/process/status/$BATCH"
check "the drainer's finished task is seen at once ($(got .done) done, $(got .state))" test "$(got .done)" = 1 -a "$(got .state)" = finished

# --- a running drainer holds its steps: one per organisation per gap
# (ANSWERCACHE_DRAINER_GAP_MS, 500 ms), and its last change is seen soon.
ORG_ID=$(sql "SELECT id FROM organisations WHERE name = '$ORG'")
generation() {
	exec 3<>"/dev/tcp/127.0.0.1/$SHORTLIST_MEMCACHED_PORT" || return 1
	printf 'get ac:g:%s\r\n' "$ORG_ID" >&3
	local line value=
	while read -r -t 2 line <&3; do
		line=${line%$'\r'}
		[[ $line == END ]] && break
		[[ $line == VALUE* ]] || value=$line
	done
	exec 3<&-
	echo "${value:-0}"
}
N_HELD=20
args=()
for ((i = 1; i <= N_HELD; i++)); do
	printf 'Held Steps Applicant %s\nheld.%s@example.com\nC and PostgreSQL for %s years.\n' "$i" "$i" "$i" >"$T_TMP/held$i.txt"
	args+=(-F "files=@$T_TMP/held$i.txt;type=text/plain")
done
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" "${args[@]}"
expect_status 201 "an upload of $N_HELD"
BATCH2=$(json .batch_id)
get "/api/v1/process/status/$BATCH2"
check "its status is kept with nothing done ($(got .done) of $(got .total))" test "$(got .done)" = 0
GEN_BEFORE=$(generation)
# An LLM that answers in 300 ms, four calls at once: tasks finish a few at a
# time, and the status read between them is kept under the generation of
# the moment; the last outcomes come within the gap of a step.
start_fake_llm --latency-median-ms 300 --latency-sigma 0
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
	SHORTLIST_LLM_CONCURRENCY=4 SHORTLIST_CACHE_TTL=0 "$BIN/drainer" --follow >"$T_TMP/follow.log" 2>&1 &
FOLLOWER=$!
all_done() {
	get "/api/v1/process/status/$BATCH2"
	test "$(sql "SELECT count(*) FROM resumes WHERE batch_id = $BATCH2 AND status NOT IN ('queued', 'processing')")" = "$N_HELD"
}
eventually 60 all_done
seen_done() { get "/api/v1/process/status/$BATCH2" && test "$(got .done)" = "$N_HELD"; }
check "a following drainer's last finished task is seen within a second of it" eventually 1 seen_done
kill -TERM "$FOLLOWER" && wait "$FOLLOWER"
STEPS=$(($(generation) - GEN_BEFORE))
check "its $((2 * N_HELD)) claims and outcomes stepped the generation $STEPS times (at least once, fewer than one a task)" \
	test "$STEPS" -ge 1 -a "$STEPS" -lt "$N_HELD"

# --- an erasure is seen at once
get "$PAGE"
check "the page lists the first candidate" test "$(got '[.items[].resume_id] | index('"$FIRST"')')" != null
http POST "/api/v1/candidates/$FIRST/erase" "${A[@]}" -H "Content-Type: application/json" \
	--data '{"reason":"the candidate asked"}'
expect_status 200 "the candidate is erased"
get "$PAGE"
check "an erased candidate is gone at once from the page" test "$(got '[.items[].resume_id] | index('"$FIRST"')')" = null
get "/api/v1/candidates/$FIRST"
check "and from its record ($(got .status))" test "$(got .status)" = 404

# --- without memcached every read is fresh
get "$PAGE"
SECOND=$(got '.items[0].resume_id')
services stop memcached >/dev/null
sql "UPDATE resumes SET contact = jsonb_set(contact, '{name}', '\"Seen Without memcached\"') WHERE id = $SECOND"
get "$PAGE"
check "memcached stopped: the page still answers" test "$(got '.items | length')" -ge 1
check "and is read fresh ($(got '.items[0].name'))" test "$(got '.items[0].name')" = "Seen Without memcached"
services start memcached >/dev/null
stop_handler
check "the handler exits cleanly" test $? -eq 0

# --- SHORTLIST_ANSWER_CACHE_MS=0: no answer is kept
SHORTLIST_ANSWER_CACHE_MS=0 start_handler "$sock" "$BIN/candidates" 2>"$T_TMP/candidates0.log"
get "$PAGE"
check "the page names its first candidate ($(got '.items[0].name'))" test "$(got '.items[0].resume_id')" = "$SECOND"
sql "UPDATE resumes SET contact = jsonb_set(contact, '{name}', '\"Cache Off\"') WHERE id = $SECOND"
get "$PAGE"
check "with the cache off a change behind the back is seen at once ($(got '.items[0].name'))" \
	test "$(got '.items[0].name')" = "Cache Off"
