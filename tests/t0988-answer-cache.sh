#!/usr/bin/env bash
# The answer cache (shared/core/answercache.h) of the hot reads: a page of
# a shortlist, a candidate and a batch's status. A candidates handler run
# directly keeps answers for a minute, so what only the cache can explain
# is seen: a change made behind the service's back (SQL) stays unseen,
# while anything done through the API (a decision, an erasure) is seen at
# the next read, and what the drainer does within its gap (one step of the
# organisation's generation per SHORTLIST_ANSWER_STEP_GAP_MS at most, and
# one when it runs out of work). Answers are per
# organisation; a kept candidate is still a recorded view; memcached
# stopped, or SHORTLIST_ANSWER_CACHE_MS=0, means every read is fresh.
#
# Seen to fail: with the drainer's task outcomes not stepping the
# organisation's generation (queue.c), "the drainer's finished task is seen
# at once" failed (0 done, "running"); with app.c not stepping it for the
# API's writes, "a decision made through the API is seen at once" failed;
# with the drainer not making its held steps (answercache_step_due), "both
# are seen within two seconds of the drainer running out of work" failed;
# with its steps not held, "its first outcome ... is held" failed.
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
	# A drainer left running would take later tests' tasks to an LLM that is gone.
	[[ -n ${FOLLOWER:-} ]] && kill -TERM "$FOLLOWER" 2>/dev/null && wait "$FOLLOWER"
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
# (SHORTLIST_ANSWER_STEP_GAP_MS, 10 s here), the rest when it has nothing
# more to do. Two resumes, an LLM that answers each in 1 s, one call at a
# time: the claim is seen at once, the first outcome is held while the
# second is scored, and both are seen once the drainer is idle.
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
for i in 1 2; do
	printf 'Held Steps Applicant %s\nheld.%s@example.com\nC and PostgreSQL for %s years.\n' "$i" "$i" "$i" >"$T_TMP/held$i.txt"
done
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" -F "files=@$T_TMP/held1.txt;type=text/plain" \
	-F "files=@$T_TMP/held2.txt;type=text/plain"
expect_status 201 "an upload of two"
BATCH2=$(json .batch_id)
finished() { sql "SELECT count(*) FROM resumes WHERE batch_id = $BATCH2 AND status NOT IN ('queued', 'processing')"; }
running() { test "$(sql "SELECT count(*) FROM tasks WHERE batch_id = $BATCH2 AND state = 'running'")" -ge 1; }
GEN_BEFORE=$(generation)
start_fake_llm --latency-median-ms 1000 --latency-sigma 0
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
	SHORTLIST_LLM_CONCURRENCY=1 SHORTLIST_CACHE_TTL=0 SHORTLIST_ANSWER_STEP_GAP_MS=10000 \
	"$BIN/drainer" --follow >"$T_TMP/follow.log" 2>&1 &
FOLLOWER=$!
eventually 20 running
get "/api/v1/process/status/$BATCH2"
check "a following drainer's claim is seen at once ($(got .counts.processing) processing, $(got .done) done)" \
	test "$(got .counts.processing)" -ge 1 -a "$(got .done)" = 0
one_finished() { test "$(finished)" -ge 1; }
eventually 20 one_finished
get "/api/v1/process/status/$BATCH2"
FIRST_DONE=$(got .done)
check "its first outcome, within the gap and with work left, is held: the kept status shows $FIRST_DONE done ($(finished) finished)" \
	test "$FIRST_DONE" = 0 -a "$(finished)" = 1
both_finished() { test "$(finished)" = 2; }
eventually 20 both_finished
seen_done() { get "/api/v1/process/status/$BATCH2" && test "$(got .done)" = 2; }
check "both are seen within two seconds of the drainer running out of work" eventually 2 seen_done
kill -TERM "$FOLLOWER" && wait "$FOLLOWER"
FOLLOWER=
STEPS=$(($(generation) - GEN_BEFORE))
check "its claims and outcomes stepped the generation twice: at the first claim and when it ran out ($STEPS)" \
	test "$STEPS" = 2

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
