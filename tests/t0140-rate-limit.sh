#!/usr/bin/env bash
# Per-key API rate limits counted in memcached: headers on every counted
# response, 429 with an exact Retry-After past the limit, refused requests not
# counted, each key on its own budget, GET /api/v1/rate-limit not counted, and
# the configured policy when memcached is down. Then GET /api/v1/stats.
. "$(dirname "$0")/lib/test-lib.sh"
command -v cgi-fcgi >/dev/null || skip_all "cgi-fcgi is not installed"

KEY=$(new_org "limits-$$")
A=(-H "Authorization: Bearer $KEY")

# --- through lighttpd, with the instance's default limit
limit=$(ctl config | sed -n 's/^SHORTLIST_API_RATE_PER_MINUTE=//p')
http GET /api/v1/jobs "${A[@]}"
expect_status 200 "a counted request"
check "RateLimit-Limit is the configured limit ($limit)" test "$(header RateLimit-Limit)" = "$limit"
check "RateLimit-Policy names the window" test "$(header RateLimit-Policy)" = "$limit;w=60"
first=$(header RateLimit-Remaining)
reset=$(header RateLimit-Reset)
check "RateLimit-Reset is within the minute ($reset)" test "$reset" -ge 1 -a "$reset" -le 60
http GET /api/v1/jobs "${A[@]}"
check "RateLimit-Remaining falls with each request ($first, then $(header RateLimit-Remaining))" \
	test "$(header RateLimit-Remaining)" -lt "$first"
http GET /api/v1/jobs -H "Authorization: Bearer sl_not_a_key"
expect_status 401 "a bad key"
check "is not counted against anyone (no RateLimit headers)" test -z "$(header RateLimit-Limit)"

http GET /api/v1/rate-limit "${A[@]}"
expect_status 200 "the caller's budget"
expect_json .limit_per_minute "$limit" "its limit"
expect_json .counting true "counted in memcached"
expect_json .window_seconds 60 "over a minute"
used=$(json .used)
check "two requests used so far ($used)" test "$used" -ge 2
expect_json .remaining "$((limit - used))" "and the rest remaining"
http GET /api/v1/rate-limit "${A[@]}"
expect_json .used "$used" "reading the budget does not spend it"
check "and sends no RateLimit headers of its own" test -z "$(header RateLimit-Limit)"
http GET /api/v1/rate-limit
expect_status 401 "the budget needs a key"

# --- a handler run directly with a limit of 5 per minute
# Counting straddles two windows when a test starts in the last seconds of a minute: wait those out.
(($(date +%-S) < 55)) || sleep $((61 - $(date +%-S)))
sock="$T_TMP/jobs.sock"
SHORTLIST_API_RATE_PER_MINUTE=5 start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
K2=$(new_org "limits-b-$$")
K3=$(ctl key create --org "limits-b-$$" 2>/dev/null)
# get KEY: one GET /api/v1/jobs straight to the handler; prints headers and body.
get() {
	REQUEST_METHOD=GET REQUEST_URI=/api/v1/jobs SCRIPT_NAME=/api/v1/jobs HTTP_AUTHORIZATION="Bearer $1" \
		cgi-fcgi -bind -connect "$sock" | tr -d '\r'
}
statuses=""
for i in 1 2 3 4 5 6 7; do
	get "$K2" >"$T_TMP/r$i"
	statuses+="$(sed -n 's/^Status: \([0-9]*\).*/\1/p' "$T_TMP/r$i") "
done
check "five requests pass, the sixth and seventh are refused ($statuses)" test "$statuses" = "200 200 200 200 200 429 429 "
check "the fifth leaves 0 remaining" grep -qx "RateLimit-Remaining: 0" "$T_TMP/r5"
check "the refusal is problem+json" grep -q "^Content-Type: application/problem+json" "$T_TMP/r6"
check "saying the limit" grep -q "over its limit of 5 requests per minute" "$T_TMP/r6"
retry=$(sed -n 's/^Retry-After: //p' "$T_TMP/r6")
check "with one Retry-After, in whole seconds, within two minutes ($retry)" \
	bash -c "[[ '$retry' =~ ^[0-9]+$ ]] && ((retry = $retry, retry >= 1 && retry <= 120))"
check "Retry-After matches the text" grep -q "retry after $retry seconds" "$T_TMP/r6"
check "only one Retry-After header" test "$(grep -c '^Retry-After:' "$T_TMP/r6")" = 1
get "$K3" >"$T_TMP/other"
check "another key of the same organisation has its own budget" grep -q "^Status: 200" "$T_TMP/other"
used=$(curl -s -H "Authorization: Bearer $K2" "$BASE_URL/api/v1/rate-limit" | jq -r .used)
check "refused requests were not counted (used $used of 5)" test "$used" = 5
stop_handler

# --- memcached down: the configured policy
services stop memcached
SHORTLIST_API_RATE_PER_MINUTE=5 start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/allow.log"
get "$K2" >"$T_TMP/allow"
stop_handler
SHORTLIST_API_RATE_PER_MINUTE=5 SHORTLIST_API_RATE_WHEN_CACHE_DOWN=refuse start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/refuse.log"
get "$K2" >"$T_TMP/refuse"
stop_handler
http GET /api/v1/rate-limit "${A[@]}"
services start memcached >/dev/null
check "policy allow: served uncounted (200)" grep -q "^Status: 200" "$T_TMP/allow"
check "without RateLimit headers" bash -c "! grep -q '^RateLimit-' '$T_TMP/allow'"
check "and a warning in the log" grep -q "memcached cannot count requests" "$T_TMP/allow.log"
check "policy refuse: 503" grep -q "^Status: 503" "$T_TMP/refuse"
check "saying why" grep -q "cannot be counted against the rate limit" "$T_TMP/refuse"
check "with Retry-After" grep -q "^Retry-After: 5" "$T_TMP/refuse"
expect_status 200 "the budget while memcached is down"
expect_json .counting false "says it is not counting"
expect_json .when_cache_down allow "and what happens then"

# --- GET /api/v1/stats: one organisation's totals
http GET /api/v1/stats "${A[@]}"
expect_status 200 "statistics"
expect_json '.jobs.open + .jobs.closed' 0 "a new organisation has no jobs"
expect_json '.resumes | keys | join(",")' "failed,needs_review,processing,queued,scored" "every resume status, zero"
expect_json '.candidates | keys | join(",")' "consider,failed,needs_review,reject,shortlist" "every category"
expect_json '.emails | keys | join(",")' "failed,queued,retrying,sending,sent" "every email state"
expect_json '.tasks | keys | join(",")' "discarded,queued,running,succeeded" "every task state"
expect_json '.llm.analyses' 0 "no analyses"
expect_json '.llm_cache | type' object "and the shared LLM cache counters"
for t in one two; do
	curl -s -o /dev/null "${A[@]}" -H "Content-Type: application/json" \
		--data "{\"title\":\"Stats $t\",\"description\":\"C programmer\"}" "$BASE_URL/api/v1/jobs"
done
jid=$(curl -s "${A[@]}" "$BASE_URL/api/v1/jobs?limit=1" | jq -r '.items[0].id')
curl -s -o /dev/null -X POST -H "Content-Length: 0" "${A[@]}" "$BASE_URL/api/v1/jobs/$jid/close"
curl -s -o /dev/null -H "Authorization: Bearer $K2" -H "Content-Type: application/json" \
	--data '{"title":"Elsewhere","description":"x"}' "$BASE_URL/api/v1/jobs"
http GET /api/v1/stats "${A[@]}"
expect_json '.jobs.open' 1 "one open job"
expect_json '.jobs.closed' 1 "one closed job, and none of another organisation's"
http GET /api/v1/stats
expect_status 401 "statistics need a key"
