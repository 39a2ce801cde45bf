#!/usr/bin/env bash
# The drainer end to end: hostile PDFs end failed or needs_review with a
# reason (never rejected, never a hang); an LLM that is down leads to
# retries, then failed; a drainer killed mid-batch is finished by another
# with exactly one current analysis per resume; two drainers at once never
# process a task twice.
. "$(dirname "$0")/lib/test-lib.sh"

KEY=$(new_org "drainer-$$")
A=(-H "Authorization: Bearer $KEY")
new_job() {
	curl -s "${A[@]}" -H "Content-Type: application/json" \
		--data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux. 3+ years."}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id
}
# make_resumes DIR N TAG: N distinct plain-text resumes.
make_resumes() {
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $2; i++)); do
		printf '%s\n' "Candidate $3 $i" "Email: c$i@$3.example" "" "Experience" \
			"Software Engineer, Acme (2018 - 2024)" \
			"Built backend services in C and Go on PostgreSQL and Linux, with on-call duty for run $i." \
			"Designed the storage layer, tuned queries and indexes, and mentored two junior engineers." \
			"Education" "BSc Computer Science, University of Somewhere (2014 - 2018)" >"$1/r$i.txt"
	done
}
upload_dir() { # JOB DIR
	local args=() f
	for f in "$2"/*; do args+=(-F "f=@$f"); done
	curl -s "${A[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$1/resumes" >"$T_TMP/upload.json"
}
drain_until_done() { # JOB SECONDS [ENV...]: runs drainer --once until no resume of JOB is queued or processing
	local job=$1 limit=$2 end
	shift 2
	end=$(($(date +%s) + limit))
	while (($(date +%s) < end)); do
		env "$@" "$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
		[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $job AND status IN ('queued', 'processing')") == 0 ]] && return 0
		sleep 0.5
	done
	return 1
}

# --- hostile PDFs: every malformed corpus file and our own broken fixtures
J1=$(new_job)
mkdir -p "$T_TMP/bad"
"$TOOLS/mkfixtures" "$T_TMP/fix" >/dev/null
cp "$T_TMP/fix/truncated.pdf" "$T_TMP/fix/image_only.pdf" "$T_TMP/bad/"
if [[ -d $CORPUS/malformed_pdfs ]]; then
	cp "$CORPUS"/malformed_pdfs/*.pdf "$T_TMP/bad/"
else
	echo "# corpus absent: only the project's own broken fixtures"
fi
upload_dir "$J1" "$T_TMP/bad"
accepted=$(jq '.accepted' "$T_TMP/upload.json")
echo "# uploaded $(ls "$T_TMP/bad" | wc -l) hostile files: $accepted accepted, $(jq .rejected "$T_TMP/upload.json") rejected at upload"
check "rejected uploads say why" test "$(jq '[.files[] | select(.status == "rejected" and (.reason | length) == 0)] | length' "$T_TMP/upload.json")" = 0
if timeout 300 bash -c "$(declare -f drain_until_done sql); BIN=$BIN T_TMP=$T_TMP SHORTLIST_PG_PORT=$SHORTLIST_PG_PORT drain_until_done $J1 240"; then
	ok "the drainer finished every hostile file (no hang)"
else
	not_ok "hostile files still queued or processing"
fi
sql "SELECT r.filename || ': ' || r.status || ' (' || coalesce(r.status_reason, '') || ')' FROM resumes r WHERE job_id = $J1 ORDER BY r.id" | sed 's/^/# /'
check "each hostile file ends failed or needs_review with a reason (or scored when really readable)" \
	test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $J1 AND NOT ((status IN ('failed', 'needs_review') AND coalesce(status_reason, '') <> '') OR status = 'scored')")" = 0
check "the truncated fixture failed" test "$(sql "SELECT status FROM resumes WHERE job_id = $J1 AND filename = 'truncated.pdf'")" = failed
check "the image-only fixture needs review" test "$(sql "SELECT status FROM resumes WHERE job_id = $J1 AND filename = 'image_only.pdf'")" = needs_review
check "no failure became a rejection" test "$(sql "SELECT count(*) FROM analyses a JOIN resumes r ON r.id = a.resume_id WHERE r.job_id = $J1 AND r.status <> 'scored' AND a.category = 'reject'")" = 0

# --- the LLM provider down: retries, then failed (never rejected)
J2=$(new_job)
make_resumes "$T_TMP/llmdown" 3 llmdown
upload_dir "$J2" "$T_TMP/llmdown"
closed_port=$(( (RANDOM % 400) + 27600 ))
llm_down=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$closed_port/v1"
	SHORTLIST_LLM_TIMEOUT_MS=500 SHORTLIST_CACHE_TTL=0)
if drain_until_done "$J2" 120 "${llm_down[@]}"; then ok "LLM down: the drainer settled every resume"; else not_ok "LLM down: resumes still pending"; fi
check "LLM down: all three failed" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $J2 AND status = 'failed'")" = 3
check "LLM down: the reason says it could not be processed" \
	test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $J2 AND status_reason LIKE 'could not be processed after % attempts: provider unreachable%'")" = 3
check "LLM down: none rejected" test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $J2 AND category = 'reject'")" = 0
check "LLM down: the tasks are in the dead-letter set" \
	test "$(sql "SELECT count(*) FROM tasks t JOIN jobs j ON j.id = $J2 AND t.org_id = j.org_id WHERE t.kind = 'process_resume' AND t.state = 'discarded' AND t.payload->>'job_id' = '$J2'")" = 3

# --- a drainer killed with SIGKILL mid-batch; another finishes it
J3=$(new_job)
make_resumes "$T_TMP/kill" 40 kill
upload_dir "$J3" "$T_TMP/kill"
start_fake_llm --latency-median-ms 1500 --latency-sigma 0.1
slow=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="$FAKE/v1"
	SHORTLIST_TASK_LEASE_SECONDS=5 SHORTLIST_CACHE_TTL=0)
env "${slow[@]}" "$BIN/drainer" --once >"$T_TMP/victim.log" 2>&1 &
victim=$!
running_now() { (($(sql "SELECT count(*) FROM tasks WHERE state = 'running' AND payload->>'job_id' = '$J3'") > 0)); }
eventually 10 running_now
kill -KILL $victim
wait $victim 2>/dev/null
running=$(sql "SELECT count(*) FROM tasks WHERE state = 'running' AND payload->>'job_id' = '$J3'")
echo "# killed the drainer with $running tasks running"
((running > 0)) || tail -n 5 "$T_TMP/victim.log" | sed 's/^/# victim: /'
check "the killed drainer held tasks" test "$running" -gt 0
if drain_until_done "$J3" 90 "${slow[@]}"; then ok "another drainer finished the batch"; else not_ok "batch unfinished after the kill"; fi
check "all 40 scored" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $J3 AND status = 'scored'")" = 40
check "exactly one current analysis per resume" \
	test "$(sql "SELECT count(*) FROM (SELECT resume_id FROM analyses WHERE job_id = $J3 AND is_current GROUP BY 1 HAVING count(*) = 1) x")" = 40
stop_fake_llm

# --- two drainers at once: no task twice
J4=$(new_job)
make_resumes "$T_TMP/two" 200 two
upload_dir "$J4" "$T_TMP/two"
check "200 resumes queued" test "$(jq .accepted "$T_TMP/upload.json")" = 200
"$BIN/drainer" --once >"$T_TMP/d1.log" 2>&1 &
d1=$!
"$BIN/drainer" --once >"$T_TMP/d2.log" 2>&1 &
d2=$!
wait $d1 $d2
claims1=$(grep -o '"msg":"drain: [0-9]* claimed' "$T_TMP/d1.log" | grep -o '[0-9]*' | tail -n 1)
claims2=$(grep -o '"msg":"drain: [0-9]* claimed' "$T_TMP/d2.log" | grep -o '[0-9]*' | tail -n 1)
echo "# drainer 1 claimed ${claims1:-0}, drainer 2 claimed ${claims2:-0}"
check "both drainers took part" test "${claims1:-0}" -gt 0 -a "${claims2:-0}" -gt 0
check "no task of the batch was claimed twice" \
	test "$(sql "SELECT count(*) FROM tasks WHERE payload->>'job_id' = '$J4' AND attempts <> 1")" = 0
check "each resume was analysed exactly once" \
	test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $J4")" = 200
check "all 200 scored" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $J4 AND status = 'scored'")" = 200
