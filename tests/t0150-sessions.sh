#!/usr/bin/env bash
# Web sign-in: passwords set with shortlistctl (Argon2id, never stored in
# clear), POST/GET/DELETE /api/v1/session, the HttpOnly SameSite=Strict
# cookie, the CSRF header on cookie changes, tenancy through the cookie,
# expiry, revocation on a password change, and the failed-sign-in limit.
. "$(dirname "$0")/lib/test-lib.sh"

ORG="sessions-$$"
ORG2="sessions-other-$$"
ANN="ann-$$@example.com"
PW="correct horse battery"
ctl org create "$ORG" >/dev/null
ctl org create "$ORG2" >/dev/null
KEY2=$(ctl key create --org "$ORG2" 2>/dev/null)
JSON=(-H "Content-Type: application/json")
CSRF=(-H "X-Requested-With: shortlist")

# --- passwords through shortlistctl
echo "too short" | ctl user create --org "$ORG" --password-stdin "short-$$@example.com" >/dev/null 2>"$T_TMP/err"
check "a password under 10 bytes is refused (exit $?)" grep -q "10 to 1024 bytes" "$T_TMP/err"
printf 'tab\there and more\n' | ctl user create --org "$ORG" --password-stdin "ctl-$$@example.com" >/dev/null 2>"$T_TMP/err"
check "a control character is refused" grep -q "control characters" "$T_TMP/err"
check "no user was made for either" test "$(sql "SELECT count(*) FROM users WHERE email LIKE '%-$$@example.com'")" = 0
echo "$PW" | ctl user create --org "$ORG" --password-stdin "$ANN" >/dev/null
check "a user with a password is made" test $? = 0
check "the password is stored as an Argon2id hash" \
	test "$(sql "SELECT password_hash LIKE '\$argon2id\$%' FROM users WHERE email = '$ANN'")" = t
check "and not in clear anywhere in the row" \
	test "$(sql "SELECT count(*) FROM users WHERE email = '$ANN' AND users::text LIKE '%horse%'")" = 0

# sign_in EMAIL PASSWORD [curl args]: POST /api/v1/session, keeping cookies in $T_TMP/jar.
sign_in() {
	local email=$1 password=$2
	shift 2
	http POST /api/v1/session "${JSON[@]}" -c "$T_TMP/jar" "$@" \
		--data "$(jq -cn --arg e "$email" --arg p "$password" '{email: $e, password: $p}')"
}

# --- signing in
sign_in "$ANN" "wrong password!"
expect_status 401 "a wrong password"
wrong=$(json .detail)
sign_in "nobody-$$@example.com" "$PW"
expect_status 401 "an unknown email"
check "gets the same answer as a wrong password" test "$(json .detail)" = "$wrong"
sign_in "$ANN" ""
expect_status 401 "an empty password"
http POST /api/v1/session "${JSON[@]}" --data '{"email": 1}'
expect_status 400 "a malformed body"
sign_in "${ANN^^}" "$PW"
expect_status 201 "the right password, the email in capitals"
expect_json .auth session "a session"
expect_json .user.email "$ANN" "of the user"
expect_json .organisation.name "$ORG" "in the user's organisation"
check "with its expiry" test -n "$(json .expires_at)"
cookie=$(header Set-Cookie)
echo "# Set-Cookie: ${cookie%%=*}=...; ${cookie#*; }"
check "the cookie is sl_session" grep -q '^sl_session=sls_[0-9a-f]\{64\};' <<<"$cookie"
check "HttpOnly" grep -q '; HttpOnly' <<<"$cookie"
check "SameSite=Strict" grep -q '; SameSite=Strict' <<<"$cookie"
check "for the whole site" grep -q '; Path=/;' <<<"$cookie"
check "for SHORTLIST_SESSION_TTL seconds" grep -q '; Max-Age=43200' <<<"$cookie"
check "not Secure over plain http" bash -c "! grep -q Secure <<<'$cookie'"
token=$(sed 's/^sl_session=\([^;]*\);.*/\1/' <<<"$cookie")
check "only a hash of the token is stored" \
	test "$(sql "SELECT count(*) FROM sessions WHERE token_hash = sha256('$token'::bytea)")" = 1
C=(-b "$T_TMP/jar")

# --- using the session
http GET /api/v1/session "${C[@]}"
expect_status 200 "who am I, by cookie"
expect_json .auth session "says session"
http GET /api/v1/session -H "Authorization: Bearer $KEY2"
expect_json .auth api_key "by key, says api_key"
expect_json .organisation.name "$ORG2" "with the key's organisation"
expect_json .user null "and no user for an organisation key"
http GET /api/v1/session "${C[@]}" -H "Authorization: Bearer $KEY2"
expect_json .organisation.name "$ORG2" "a key wins over a cookie"

http POST /api/v1/jobs "${C[@]}" "${JSON[@]}" --data '{"title":"By cookie","description":"C and SQL"}'
expect_status 403 "a change by cookie without X-Requested-With"
check "says which header" grep -q "X-Requested-With: shortlist" <<<"$(json .detail)"
http POST /api/v1/jobs "${C[@]}" "${CSRF[@]}" "${JSON[@]}" --data '{"title":"By cookie","description":"C and SQL"}'
expect_status 201 "with the header"
job=$(json .id)
http GET "/api/v1/jobs/$job" "${C[@]}"
expect_status 200 "reads its organisation's job"
check "reads are counted against the user's rate limit" test -n "$(header RateLimit-Limit)"
other=$(curl -s -H "Authorization: Bearer $KEY2" "${JSON[@]}" --data '{"title":"Theirs","description":"x"}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
http GET "/api/v1/jobs/$other" "${C[@]}"
expect_status 404 "another organisation's job is not there"
http GET /api/v1/jobs -b "sl_session=sls_$(printf '0%.0s' {1..64})"
expect_status 401 "a made-up token"
check "says to sign in again" grep -q "sign in again" <<<"$(json .detail)"

# --- expiry
sql "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = sha256('$token'::bytea)" >/dev/null
http GET /api/v1/session "${C[@]}"
expect_status 401 "an expired session"
sql "UPDATE sessions SET expires_at = now() + interval '1 hour' WHERE token_hash = sha256('$token'::bytea)" >/dev/null

# --- signing out
http DELETE /api/v1/session "${C[@]}"
expect_status 403 "signing out by cookie without the header"
http DELETE /api/v1/session "${C[@]}" "${CSRF[@]}" -c "$T_TMP/jar"
expect_status 204 "signing out"
check "drops the cookie" grep -q '^sl_session=; .*Max-Age=0' <<<"$(header Set-Cookie)"
http GET /api/v1/session -b "sl_session=$token"
expect_status 401 "the old token is revoked"
http DELETE /api/v1/session
expect_status 204 "signing out without a cookie is harmless"

# --- a password change signs the user out everywhere
sign_in "$ANN" "$PW"
expect_status 201 "signed in again"
echo "a new long passphrase" | ctl user password --org "$ORG" "$ANN" >/dev/null
check "shortlistctl user password sets a new one" test $? = 0
http GET /api/v1/session "${C[@]}"
expect_status 401 "the session before the change is gone"
sign_in "$ANN" "$PW"
expect_status 401 "the old password no longer works"
sign_in "$ANN" "a new long passphrase"
expect_status 201 "the new one does"
echo "whatever will do" | ctl user password --org "$ORG" "nobody-$$@example.com" >/dev/null 2>&1
check "no such user: exit 65" test $? = 65

# --- too many failures for one email, in any 15 minutes (a sliding window, not the clock's quarter hours)
BOB="bob-$$@example.com"
echo "$PW" | ctl user create --org "$ORG" --password-stdin "$BOB" >/dev/null
codes=""
for i in $(seq 1 10); do
	sign_in "$BOB" "guess number $i"
	codes+="$STATUS "
done
check "ten wrong passwords: ten 401s" test "$codes" = "$(printf '401 %.0s' {1..10})"
sign_in "$BOB" "$PW"
expect_status 429 "then even the right password is refused"
retry=$(header Retry-After)
# The ten failures were just made: the first leaves the window 15 minutes after it
# was made (a clock-aligned window would end at the next quarter hour instead).
check "until 15 minutes after the first failure (Retry-After $retry)" test "$retry" -ge 870 -a "$retry" -le 900
check "the problem says when" grep -q "try again in $retry seconds" <<<"$(json .detail)"
sign_in "$ANN" "a new long passphrase"
expect_status 201 "another email is not affected"

# --- a user's own sessions: listed, and signed out one by one
CAROL="carol-$$@example.com"
echo "$PW" | ctl user create --org "$ORG" --password-stdin "$CAROL" >/dev/null
sign_in "$CAROL" "$PW" -c "$T_TMP/jar-a" -A "Browser A"
expect_status 201 "signed in from a first browser"
sign_in "$CAROL" "$PW" -c "$T_TMP/jar-b" -A "Browser B"
expect_status 201 "and from a second"
http GET /api/v1/sessions -b "$T_TMP/jar-a"
expect_status 200 "the user's sessions"
expect_json '.items | length' 2 "two open"
expect_json '[.items[] | select(.current) | .user_agent] | join(",")' "Browser A" "the one asking is marked current"
expect_json '[.items[].user_agent] | sort | join(",")' "Browser A,Browser B" "each labelled by its browser"
B_ID=$(jq -r '.items[] | select(.user_agent == "Browser B") | .id' "$T_TMP/body")
A_ID=$(jq -r '.items[] | select(.current) | .id' "$T_TMP/body")
http DELETE "/api/v1/sessions/$B_ID" -b "$T_TMP/jar-a"
expect_status 403 "signing another session out by cookie needs the header"
http DELETE "/api/v1/sessions/$B_ID" -b "$T_TMP/jar-a" "${CSRF[@]}"
expect_status 204 "the other browser's session signed out"
http GET /api/v1/session -b "$T_TMP/jar-b"
expect_status 401 "which no longer works"
http GET /api/v1/session -b "$T_TMP/jar-a"
expect_status 200 "while this one does"
ann_session=$(sql "SELECT id FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = '$ANN' ORDER BY s.id DESC LIMIT 1")
http DELETE "/api/v1/sessions/$ann_session" -b "$T_TMP/jar-a" "${CSRF[@]}"
expect_status 404 "another user's session is not there"
http GET /api/v1/sessions -H "Authorization: Bearer $KEY2"
expect_status 403 "an organisation key has no sessions"
http DELETE "/api/v1/sessions/$A_ID" -b "$T_TMP/jar-a" "${CSRF[@]}"
expect_status 204 "signing out the current session"
check "drops its cookie" grep -q '^sl_session=; .*Max-Age=0' <<<"$(header Set-Cookie)"
http GET /api/v1/session -b "$T_TMP/jar-a"
expect_status 401 "and it no longer works"
