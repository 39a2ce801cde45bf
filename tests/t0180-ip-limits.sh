#!/usr/bin/env bash
# Limits per client address: a flood of sign-ins from one address is refused
# with 429 (naming signin-per-ip) before any password is hashed, while
# another address signs in normally; a spoofed X-Forwarded-For from an
# untrusted peer changes nothing and is logged once per process; from a
# trusted proxy, X-Forwarded-For decides the address and X-Forwarded-Proto
# https makes the session cookie Secure; failed authentication and /readyz
# have their own limits; an upload of many files costs that many units of
# the key's budget. On Linux every 127.0.0.0/8 address is local, so
# `curl --interface 127.x.y.z` is another source address.
. "$(dirname "$0")/lib/test-lib.sh"
command -v cgi-fcgi >/dev/null || skip_all "cgi-fcgi is not installed"

# Addresses of this run only (memcached keeps a minute's counts for three minutes).
rand_loopback() { echo "127.$((RANDOM % 200 + 20)).$((RANDOM % 250)).$((RANDOM % 250 + 1))"; }
FLOOD=$(rand_loopback)
curl -s -o /dev/null --interface "$FLOOD" "$BASE_URL/healthz" ||
	skip_all "cannot send from $FLOOD to lighttpd (is it bound to 127.0.0.1 or all addresses?)"

ORG="iplimits-$$"
ANN="ann-$$@example.com"
PW="correct horse battery"
ctl org create "$ORG" >/dev/null
echo "$PW" | ctl user create --org "$ORG" --password-stdin "$ANN" >/dev/null
body_of() { jq -cn --arg e "$1" --arg p "$2" '{email: $e, password: $p}'; }

# not_secure SET-COOKIE: a session cookie without the Secure attribute.
not_secure() { grep -q '^sl_session=' <<<"$1" && ! grep -q '; Secure' <<<"$1"; }
LOG="$ROOT/var/test/log/lighttpd.log"
LOG_START=$(wc -l <"$LOG" 2>/dev/null || echo 0)

# Counting straddles two windows when a flood starts in the last seconds of a minute: wait those out.
wait_minute_start() { (($(date +%-S) < 40)) || sleep $((61 - $(date +%-S))); }

# --- through lighttpd, the instance's limits, no trusted proxy
limit=$(ctl config | sed -n 's/^SHORTLIST_IP_SIGNIN_PER_MINUTE=//p')
trusted=$(ctl config | sed -n 's/^SHORTLIST_TRUSTED_PROXIES=//p')
check "the instance trusts no proxy" test -z "$trusted"
check "sign-ins are limited per address ($limit a minute)" test "${limit:-0}" -gt 0
# The flood and what follows must fit in one window (each try hashes a password: a
# tenth of a second or much more on a busy machine), so it starts early in a minute.
(($(date +%-S) <= 8)) || sleep $((61 - $(date +%-S)))
flood_minute=$(($(date +%s) / 60))
# flood_one I: one wrong sign-in from FLOOD (a different email each, so the per-email limit stays out of it).
flood_one() {
	curl -s -o /dev/null -w '%{http_code}\n' --interface "$FLOOD" -H "Content-Type: application/json" \
		--data "$(body_of "flood-$1-$$@example.com" "wrong password!")" "$BASE_URL/api/v1/session"
}
export -f flood_one body_of
export FLOOD BASE_URL
seq 1 $((limit + 8)) | xargs -P 6 -I{} bash -c 'flood_one {}' >"$T_TMP/flood"
n401=$(grep -c '^401$' "$T_TMP/flood")
n429=$(grep -c '^429$' "$T_TMP/flood")
check "a flood of $((limit + 8)) sign-ins from $FLOOD: exactly $limit tried ($n401 401s)" test "$n401" = "$limit"
check "and the other 8 refused ($n429 429s)" test "$n429" = 8

http POST /api/v1/session --interface "$FLOOD" -H "Content-Type: application/json" --data "$(body_of "$ANN" "$PW")"
expect_status 429 "the right password from the flooding address is refused too"
expect_json .limit signin-per-ip "the problem names the limit"
retry=$(header Retry-After)
check "with one Retry-After in whole seconds, within the minute ($retry)" \
	bash -c "[[ '$retry' =~ ^[0-9]+$ ]] && ((retry = $retry, retry >= 1 && retry <= 60))"
check "which the detail repeats" grep -q "retry after $retry seconds" <<<"$(json .detail)"
check "only one Retry-After header" test "$(grep -ci '^Retry-After:' "$T_TMP/headers")" = 1
check "the flood and its checks so far fell in one minute (else the counts above are not exact)" \
	test "$(($(date +%s) / 60))" = "$flood_minute"
check "RateLimit-Limit is the limit" test "$(header RateLimit-Limit)" = "$limit"
check "RateLimit-Remaining is 0" test "$(header RateLimit-Remaining)" = 0
http POST /api/v1/session --interface "$FLOOD" -H "Content-Type: application/json" --data '{"email": 1'
expect_status 429 "a malformed body from it is refused before it is read (not 400): nothing is parsed or hashed"

# A spoofed X-Forwarded-For (and -Proto) from this untrusted peer changes nothing.
spoofed=""
for i in 1 2 3 4 5; do
	spoofed+="$(curl -s -o /dev/null -w '%{http_code}' --interface "$FLOOD" -H "X-Forwarded-For: 198.51.100.$i" \
		-H "X-Forwarded-For: 203.0.113.$i" -H "X-Forwarded-Proto: https" -H "Content-Type: application/json" \
		--data "$(body_of "$ANN" "$PW")" "$BASE_URL/api/v1/session") "
done
check "spoofed X-Forwarded-For from the flooding address: still refused ($spoofed)" \
	test "$spoofed" = "429 429 429 429 429 "
# Each process says so once in its life (this instance's account pool has a few), never per request.
ignored=$(grep -c "not in SHORTLIST_TRUSTED_PROXIES, ignored" "$LOG" 2>/dev/null || true)
ignored_now=$(tail -n +$((LOG_START + 1)) "$LOG" | grep -c "not in SHORTLIST_TRUSTED_PROXIES, ignored" || true)
check "the log says the headers were ignored ($ignored lines in all)" test "${ignored:-0}" -ge 1
check "once per process, not per request ($ignored_now lines for 5 spoofed requests)" test "${ignored_now:-0}" -lt 5

# Another address signs in normally meanwhile (and an untrusted X-Forwarded-Proto makes no Secure cookie).
OTHER=$(rand_loopback)
http POST /api/v1/session --interface "$OTHER" -H "X-Forwarded-Proto: https" -H "Content-Type: application/json" \
	--data "$(body_of "$ANN" "$PW")"
expect_status 201 "another address ($OTHER) signs in"
check "its RateLimit-Remaining is its own ($(header RateLimit-Remaining) of $limit)" \
	test "$(header RateLimit-Remaining)" = $((limit - 1))
cookie=$(header Set-Cookie)
check "the cookie is not Secure: X-Forwarded-Proto came from an untrusted peer" not_secure "$cookie"
check "the access log line names the client address ($OTHER)" grep -q "\"client\":\"$OTHER\"" "$LOG"

# --- an account handler run directly behind a trusted proxy (127.0.0.1), 3 sign-ins a minute per address
wait_minute_start
sock="$T_TMP/account.sock"
SHORTLIST_TRUSTED_PROXIES="127.0.0.1, ::1" SHORTLIST_IP_SIGNIN_PER_MINUTE=3 \
	start_handler "$sock" "$BIN/account" 2>"$T_TMP/account.log"
# sign PEER XFF XFP PASSWORD: one sign-in straight to the handler; prints headers and body.
sign() {
	local body
	body=$(body_of "$ANN" "$4")
	printf '%s' "$body" | env REQUEST_METHOD=POST REQUEST_URI=/api/v1/session SCRIPT_NAME=/api/v1/session \
		CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} REMOTE_ADDR="$1" HTTP_X_FORWARDED_FOR="$2" \
		HTTP_X_FORWARDED_PROTO="$3" cgi-fcgi -bind -connect "$sock" | tr -d '\r'
}
status_of() { sed -n 's/^Status: \([0-9]*\).*/\1/p' "$1"; }
C1="198.51.100.$((RANDOM % 250 + 1))"
C2="203.0.113.$((RANDOM % 250 + 1))"
C3="2001:db8:$((RANDOM % 9000 + 1000)):1::7"
statuses=""
for i in 1 2 3 4; do
	sign 127.0.0.1 "$C1" "" "wrong password!" >"$T_TMP/t$i"
	statuses+="$(status_of "$T_TMP/t$i") "
done
check "through the trusted proxy, client $C1 (X-Forwarded-For): three tries, then refused ($statuses)" \
	test "$statuses" = "401 401 401 429 "
check "the refusal names signin-per-ip" grep -q '"limit":"signin-per-ip"' "$T_TMP/t4"
sign 127.0.0.1 "$C2" "" "wrong password!" >"$T_TMP/c2"
check "another client behind the same proxy ($C2) has its own budget" test "$(status_of "$T_TMP/c2")" = 401
sign 127.0.0.1 "$C1, 127.0.0.1" "" "wrong password!" >"$T_TMP/chain"
check "the right-most untrusted entry is the client ($C1 behind a second trusted hop)" \
	test "$(status_of "$T_TMP/chain")" = 429
sign 127.0.0.1 "6.6.6.6, $C2" "" "wrong password!" >"$T_TMP/left"
check "an entry left of the client, which the client wrote itself, is not believed" \
	test "$(status_of "$T_TMP/left")" = 401
UNTRUSTED=$(rand_loopback)
statuses=""
for i in 1 2 3 4 5; do
	sign "$UNTRUSTED" "192.0.2.$i" https "wrong password!" >"$T_TMP/u$i"
	statuses+="$(status_of "$T_TMP/u$i") "
done
check "an untrusted peer's X-Forwarded-For (a new address each time) gets it no fresh budget ($statuses)" \
	test "$statuses" = "401 401 401 429 429 "
check "and its X-Forwarded-For and -Proto were ignored, logged once in this process" \
	test "$(grep -c 'not in SHORTLIST_TRUSTED_PROXIES, ignored' "$T_TMP/account.log")" = 1
sign 127.0.0.1 "[$C3]:4711" https "$PW" >"$T_TMP/secure"
check "from the trusted proxy with X-Forwarded-Proto: https, an IPv6 client signs in" \
	test "$(status_of "$T_TMP/secure")" = 201
check "and its cookie is Secure" grep -q '^Set-Cookie: sl_session=sls_.*; Secure' "$T_TMP/secure"
sign "$(rand_loopback)" "" https "$PW" >"$T_TMP/insecure"
check "an untrusted peer with X-Forwarded-Proto: https signs in" test "$(status_of "$T_TMP/insecure")" = 201
check "and its cookie is not Secure" not_secure "$(sed -n 's/^Set-Cookie: //p' "$T_TMP/insecure")"
stop_handler

# --- failed authentication counts against unauth-per-ip; /readyz has its own limit
sock="$T_TMP/jobs.sock"
SHORTLIST_IP_UNAUTH_PER_MINUTE=2 start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
PEER=$(rand_loopback)
statuses=""
for i in 1 2 3; do
	env REQUEST_METHOD=GET REQUEST_URI=/api/v1/jobs SCRIPT_NAME=/api/v1/jobs REMOTE_ADDR="$PEER" \
		HTTP_AUTHORIZATION="Bearer sl_not_a_key_$i" cgi-fcgi -bind -connect "$sock" | tr -d '\r' >"$T_TMP/a$i"
	statuses+="$(status_of "$T_TMP/a$i") "
done
check "wrong keys from one address: 401, 401, then 429 ($statuses)" test "$statuses" = "401 401 429 "
check "naming unauth-per-ip" grep -q '"limit":"unauth-per-ip"' "$T_TMP/a3"
check "a 401 under the limit carries no RateLimit headers (it spends no key's budget)" \
	bash -c "! grep -q '^RateLimit-' '$T_TMP/a1'"
stop_handler
sock="$T_TMP/health.sock"
SHORTLIST_IP_READYZ_PER_MINUTE=2 start_handler "$sock" "$BIN/health" 2>"$T_TMP/health.log"
statuses=""
for i in 1 2 3; do
	env REQUEST_METHOD=GET REQUEST_URI=/readyz SCRIPT_NAME=/readyz REMOTE_ADDR="$PEER" \
		cgi-fcgi -bind -connect "$sock" | tr -d '\r' >"$T_TMP/r$i"
	statuses+="$(status_of "$T_TMP/r$i") "
done
check "/readyz from one address: 200, 200, then 429 ($statuses)" test "$statuses" = "200 200 429 "
check "naming readyz-per-ip" grep -q '"limit":"readyz-per-ip"' "$T_TMP/r3"
env REQUEST_METHOD=GET REQUEST_URI=/healthz SCRIPT_NAME=/healthz REMOTE_ADDR="$PEER" \
	cgi-fcgi -bind -connect "$sock" | tr -d '\r' >"$T_TMP/h"
check "/healthz is not limited" grep -q '^Status: 200' "$T_TMP/h"
stop_handler

# --- an upload of many files costs that many units of the key's budget
KEY=$(new_org "iplimits-up-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Engineer","description":"C, PostgreSQL"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
files=()
for i in 1 2 3 4 5 6 7; do
	printf 'Candidate %s-%s\nC programmer, PostgreSQL, %s years\n' "$i" "$$" "$i" >"$T_TMP/cv$i.txt"
	files+=(-F "f$i=@$T_TMP/cv$i.txt")
done
wait_minute_start
http GET /api/v1/rate-limit "${A[@]}"
before=$(json .used)
http POST "/api/v1/jobs/$JOB/resumes" "${A[@]}" "${files[@]}"
expect_status 201 "an upload of 7 files"
expect_json '.accepted + .duplicates + .rejected' 7 "all 7 files answered"
remaining=$(header RateLimit-Remaining)
http GET /api/v1/rate-limit "${A[@]}"
after=$(json .used)
check "the upload cost 7 units, not 1 (used $before, then $after)" test "$after" = $((before + 7))
check "its RateLimit-Remaining said so ($remaining)" test "$remaining" = "$(json .remaining)"

# --- presigned upload URLs cost one unit each, taken before they are signed
wait_minute_start
http GET /api/v1/rate-limit "${A[@]}"
before=$(json .used)
http POST "/api/v1/jobs/$JOB/upload-urls" "${A[@]}" -H "Content-Type: application/json" \
	--data '{"files":[{"filename":"a.pdf"},{"filename":"b.pdf"},{"filename":"c.pdf"},{"filename":"d.pdf"},{"filename":"e.pdf"}]}'
expect_status 201 "five presigned upload URLs"
http GET /api/v1/rate-limit "${A[@]}"
check "cost 5 units (used $before, then $(json .used))" test "$(json .used)" = $((before + 5))
# A handler run directly with a limit of 4 a minute: a request for 5 URLs can never fit, one for 2 can.
sock="$T_TMP/storage.sock"
SHORTLIST_API_RATE_PER_MINUTE=4 start_handler "$sock" "$BIN/storage" 2>"$T_TMP/storage.log"
K4=$(new_org "iplimits-urls-$$")
JOB4=$(curl -s -H "Authorization: Bearer $K4" -H "Content-Type: application/json" \
	--data '{"title":"Engineer","description":"C"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
urls() { # COUNT: one upload-urls request for COUNT files straight to the handler
	local body
	body=$(jq -cn --argjson n "$1" '{files: [range($n) | {filename: "f\(.).pdf"}]}')
	printf '%s' "$body" | env REQUEST_METHOD=POST REQUEST_URI="/api/v1/jobs/$JOB4/upload-urls" \
		SCRIPT_NAME="/api/v1/jobs/$JOB4/upload-urls" CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
		HTTP_AUTHORIZATION="Bearer $K4" cgi-fcgi -bind -connect "$sock" | tr -d '\r'
}
urls 5 >"$T_TMP/u5"
check "5 URLs against a limit of 4: 429" grep -q '^Status: 429' "$T_TMP/u5"
check "naming api-per-key" grep -q '"limit":"api-per-key"' "$T_TMP/u5"
check "saying it costs more than the whole limit" grep -q "costs 5 units, more than this API key's whole limit" "$T_TMP/u5"
check "and no URL was signed" test "$(sql "SELECT count(*) FROM upload_slots WHERE job_id = $JOB4")" = 0
urls 2 >"$T_TMP/u2"
check "2 URLs fit (201)" grep -q '^Status: 201' "$T_TMP/u2"
# The job's request, the refused request's own unit (it was admitted and read), and these two.
check "leaving 4 - 1 - 1 - 2 = 0 (RateLimit-Remaining)" grep -q '^RateLimit-Remaining: 0$' "$T_TMP/u2"
stop_handler
