#!/usr/bin/env bash
# The scoring prompt puts the job and its rubric first, byte for byte the
# same for every resume of the job, under a per-job prompt_cache_key: with a
# prefix of 1,024 tokens or more the provider (the fake, reporting
# usage.prompt_tokens_details.cached_tokens as the real API does) serves it
# from its cache, and each analysis records the cached tokens and what they
# saved, shown per job (summary) and per organisation (stats).
. "$(dirname "$0")/lib/test-lib.sh"
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"

KEY=$(new_org "prompt-cache-$$")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
drain() {
	SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1012 SHORTLIST_OPENAI_MODEL=gpt-4o-mini \
		SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" SHORTLIST_LLM_CONCURRENCY=1 \
		"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
}
upload() { # JOB N
	local i args=()
	for ((i = 1; i <= $2; i++)); do
		printf 'Candidate %d\nc%d.%s@example.org\n\nData engineer: Python, SQL, Spark and Airflow since 2016 (%d).\n' \
			"$i" "$i" "$$" "$i" >"$T_TMP/j$1-r$i.txt"
		args+=(-F "f$i=@$T_TMP/j$1-r$i.txt")
	done
	http POST "/api/v1/jobs/$1/resumes" -H "Authorization: Bearer $KEY" "${args[@]}"
}
# A description long enough that the system and job messages pass 1,024 tokens (the fake counts 4 bytes a token).
long=$(for i in $(seq 1 60); do printf 'Duty %d of the role %s: build and run reliable Python, SQL and Spark pipelines. ' "$i" "$$"; done)
http POST /api/v1/jobs "${A[@]}" --data "$(jq -cn --arg d "$long" '{title: "Data Engineer", company: "Nordlicht Labs", description: $d, required_skills: ["Python", "SQL", "Spark"]}')"
expect_status 201 "a job with a long description"
J1=$(json .id)
upload "$J1" 4
expect_status 201 "four resumes"
drain
scored() { sql "SELECT count(*) FROM analyses WHERE job_id = $1 AND is_current AND provider = 'openai'"; }
check "the four are scored by the provider" test "$(scored "$J1")" = 4
hits=$(sql "SELECT count(*) FROM analyses WHERE job_id = $J1 AND is_current AND cached_tokens > 0")
check "resumes after the first find the job's prefix cached (got $hits of 4)" test "$hits" -ge 2
check "a cached count is 1,024 tokens or more and less than the prompt" \
	test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $J1 AND cached_tokens > 0 AND (cached_tokens < 1024 OR cached_tokens >= prompt_tokens)")" = 0
check "the first analysis found nothing cached" \
	test "$(sql "SELECT cached_tokens FROM analyses WHERE job_id = $J1 AND is_current ORDER BY id LIMIT 1")" = 0
check "what the cache saved is recorded" \
	test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $J1 AND cached_tokens > 0 AND cache_saved_usd > 0")" = "$hits"
sum_tokens=$(sql "SELECT sum(cached_tokens) FROM analyses WHERE job_id = $J1")
sum_saved=$(sql "SELECT sum(cache_saved_usd) FROM analyses WHERE job_id = $J1")
# gpt-4o-mini: $0.15 per 1M input tokens, $0.075 per 1M cached ones.
check "the savings are the price difference of the cached tokens" \
	test "$(jq -n "($sum_tokens * 0.075 / 1000000 * 1000000 | round) - ($sum_saved * 1000000 | round) | fabs <= $hits")" = true

http GET "/api/v1/jobs/$J1/summary" "${A[@]}"
expect_status 200 "the job's summary"
check "shows the cached tokens" test "$(json .llm.cached_tokens)" = "$sum_tokens"
check "and the dollars saved" jq -e --argjson s "$sum_saved" '(.llm.cache_saved_usd - $s) | fabs < 0.000001' "$T_TMP/body"
http GET /api/v1/stats "${A[@]}"
expect_status 200 "the organisation's stats"
check "show the cached tokens of its jobs" test "$(json .prompt_cache.cached_tokens)" = "$sum_tokens"
check "and the dollars saved" jq -e --argjson s "$sum_saved" '(.prompt_cache.saved_usd - $s) | fabs < 0.000001' "$T_TMP/body"

# Another job (other text, so another key) starts cold; a short job has no prefix long enough to cache.
http POST /api/v1/jobs "${A[@]}" --data "$(jq -cn --arg d "Other $long" '{title: "Data Engineer II", description: $d, required_skills: ["Python"]}')"
J2=$(json .id)
upload "$J2" 1
drain
check "another job's first resume finds nothing cached" \
	test "$(sql "SELECT cached_tokens FROM analyses WHERE job_id = $J2 AND is_current")" = 0
http POST /api/v1/jobs "${A[@]}" --data '{"title":"Analyst","description":"SQL and dashboards.","required_skills":["SQL"]}'
J3=$(json .id)
upload "$J3" 3
drain
check "a short job's prompt is never cached" \
	test "$(sql "SELECT count(*) FROM analyses WHERE job_id = $J3 AND is_current AND provider = 'openai' AND cached_tokens = 0")" = 3

# The fake finds a prefix again only under the same key, as the real API routes by it.
ask() { # KEY SUFFIX: prints cached_tokens
	jq -cn --arg p "$long" --arg k "$1" --arg s "$2" '{model: "gpt-4o-mini", prompt_cache_key: $k,
		messages: [{role: "system", content: $p}, {role: "user", content: $s}]}' |
		curl -s -H "Authorization: Bearer sk-t1012" -H "Content-Type: application/json" --data-binary @- \
			"http://127.0.0.1:$SHORTLIST_LLM_PORT/v1/chat/completions" | jq -r '.usage.prompt_tokens_details.cached_tokens'
}
ask "k-$$-a" one >/dev/null
check "the same prefix under the same key is cached" test "$(ask "k-$$-a" two)" -ge 1024
check "the same prefix under another key is not" test "$(ask "k-$$-b" three)" = 0
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer sk-t1012" -H "Content-Type: application/json" \
	--data '{"model":"gpt-4o-mini","prompt_cache_key":7,"messages":[{"role":"user","content":"x"}]}' \
	"http://127.0.0.1:$SHORTLIST_LLM_PORT/v1/chat/completions")
check "a prompt_cache_key that is not a string is refused, as the real API does" test "$code" = 400
