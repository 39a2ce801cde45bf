# shellcheck shell=bash
# Sourced by the Batch API tests (t1070-t1079) after test-lib.sh: a job scored
# through provider batches of the fake provider, its drainer rounds and the
# invariants every such test ends in.
[[ -n ${SHORTLIST_LLM_PORT:-} ]] || skip_all "the instance has no fake LLM provider (SHORTLIST_LLM_PORT)"
LLM_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT"
curl -sf -o /dev/null "$LLM_URL/health" || skip_all "the fake LLM provider is not running"
KEY=$(new_org "batchapi-$T_NAME-$$")
A=(-H "Authorization: Bearer $KEY")
J=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
# Collection closes at once and batches are polled every 300 ms, so a test's rounds are short.
LLM=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-batchapi SHORTLIST_OPENAI_MODEL=gpt-4o-mini
	SHORTLIST_OPENAI_BASE_URL="$LLM_URL/v1" SHORTLIST_LLM_BATCH_COLLECT_MS=0 SHORTLIST_LLM_BATCH_POLL_MS=300)

fake() { # METHOD PATH [JSON]: the fake's control routes
	if [[ $# -ge 3 ]]; then
		curl -s -X "$1" -H "Content-Type: application/json" --data "$3" "$LLM_URL$2"
	else
		curl -s -X "$1" "$LLM_URL$2"
	fi
}

new_job() { # TAG: prints the id of a job scored through provider batches
	local id
	id=$(curl -s "${J[@]}" --data '{"title":"Backend Engineer","description":"We build services in C and Go on PostgreSQL and Linux ('"$1-$$"').","required_skills":["C","PostgreSQL","Linux"]}' \
		"$BASE_URL/api/v1/jobs" | jq -r .id)
	curl -s -o /dev/null -X PATCH "${J[@]}" --data '{"llm_batch":true}' "$BASE_URL/api/v1/jobs/$id"
	echo "$id"
}

make_resumes() { # DIR N TAG [LINE]: N text resumes; LINE, when given, is added to every third one
	local i
	mkdir -p "$1"
	for ((i = 1; i <= $2; i++)); do
		printf '%s\n' "Summary" "Backend engineer $3 number $i with C, PostgreSQL and Linux." "" "Experience" \
			"Software Engineer, Acme (2016 - 2024): services in C and Go on PostgreSQL and Linux, run $i of $3." \
			"Tuned queries and indexes, on-call duty, mentoring." "Education" "BSc Computer Science (2012 - 2016)" >"$1/r$i.txt"
		if [[ -n ${4:-} ]] && ((i % 3 == 0)); then echo "$4" >>"$1/r$i.txt"; fi
	done
}

upload_dir() { # JOB DIR: prints the upload batch id
	local args=() f
	for f in "$2"/*; do args+=(-F "f=@$f"); done
	curl -s "${A[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$1/resumes" | jq -r .batch_id
}

drain_once() { # one drainer run that ends when nothing is claimable
	env "${LLM[@]}" "$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/drainer.log" 2>&1
}

drain_until_settled() { # JOB [ROUNDS]: drainer runs until no resume of JOB is queued or processing
	local round
	for ((round = 1; round <= ${2:-40}; round++)); do
		drain_once
		[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $1 AND status IN ('queued', 'processing')") == 0 ]] && return 0
		sleep 0.3
	done
	return 1
}

# Every resume of JOB analysed exactly once (one analysis row, current), N of them, and
# BATCHED of those at the batch price: half of the price table's for their tokens.
check_invariants() { # JOB N BATCHED
	local job=$1 n=$2 batched=$3
	check "all $n resumes of job $job are settled, none failed" \
		test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $job AND status IN ('scored', 'needs_review')")" = "$n"
	check "every resume has exactly one analysis (never scored twice)" \
		test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $job")" = "$n" -a \
		"$(sql "SELECT count(DISTINCT resume_id) FROM analyses WHERE job_id = $job AND is_current")" = "$n"
	# gpt-4o-mini: $0.15 per 1M input tokens, $0.60 per 1M output tokens; the batch pays half.
	check "$batched analyses cost half the synchronous price of their tokens" \
		test "$(sql "SELECT count(*) FROM analyses a JOIN llm_batch_items i ON i.resume_id = a.resume_id
			AND i.state = 'ingested' WHERE a.job_id = $job AND a.prompt_tokens > 0
			AND abs(a.cost_usd - (a.prompt_tokens * 0.15 + a.completion_tokens * 0.60) / 2e6) <= 0.000001")" = "$batched"
	check "the others cost the full price" \
		test "$(sql "SELECT count(*) FROM analyses a WHERE a.job_id = $job AND a.prompt_tokens > 0
			AND NOT EXISTS (SELECT 1 FROM llm_batch_items i WHERE i.resume_id = a.resume_id AND i.state = 'ingested')
			AND abs(a.cost_usd - (a.prompt_tokens * 0.15 + a.completion_tokens * 0.60) / 1e6) <= 0.000001")" = "$((n - batched))"
	check "no provider batch of the job is left open" \
		test "$(sql "SELECT count(*) FROM llm_batches WHERE job_id = $job AND state <> 'done'")" = 0
	check "no request of the job is left waiting" \
		test "$(sql "SELECT count(*) FROM llm_batch_items i JOIN resumes r ON r.id = i.resume_id
			WHERE r.job_id = $job AND i.state IN ('waiting', 'answered')")" = 0
}
