#!/usr/bin/env bash
# API keys managed through the API: an organisation's admins (or an
# organisation key) list, make and revoke them; a recruiter cannot; a key is
# shown once and only its prefix afterwards; a revoked key stops working at
# once; another organisation's keys are not there.
. "$(dirname "$0")/lib/test-lib.sh"

ORG="keys-$$"
ctl org create "$ORG" >/dev/null
ctl user create --org "$ORG" --admin --name "Ada Admin" "ada-$$@example.com" >/dev/null
ctl user create --org "$ORG" --name "Rob Recruiter" "rob-$$@example.com" >/dev/null
ORG_KEY=$(ctl key create --org "$ORG" --name "org key" 2>/dev/null)
ADMIN_KEY=$(ctl key create --org "$ORG" --user "ada-$$@example.com" 2>/dev/null)
ROB_KEY=$(ctl key create --org "$ORG" --user "rob-$$@example.com" 2>/dev/null)
OTHER_KEY=$(new_org "keys-other-$$")
auth() { echo "Authorization: Bearer $1"; }
JSON=(-H "Content-Type: application/json")

# --- who may
http GET /api/v1/keys -H "$(auth "$ROB_KEY")"
expect_status 403 "a recruiter cannot list keys"
http POST /api/v1/keys -H "$(auth "$ROB_KEY")" "${JSON[@]}" --data '{}'
expect_status 403 "nor make one"
http GET /api/v1/keys -H "$(auth "$ADMIN_KEY")"
expect_status 200 "an admin lists them"
expect_json '.items | length' 3 "the organisation's three keys"
check "showing prefixes, never keys or hashes" \
	test "$(jq -r '[.items[] | (.prefix | length == 11), (has("key") | not), (has("key_hash") | not)] | all' "$T_TMP/body")" = true
expect_json '[.items[] | .user.email // "none"] | sort | join(",")' \
	"ada-$$@example.com,none,rob-$$@example.com" "with the users they belong to"
http GET "/api/v1/keys?limit=2" -H "$(auth "$ORG_KEY")"
expect_status 200 "an organisation key lists them too"
expect_json '.items | length' 2 "a page of two"
http GET "/api/v1/keys?limit=2&cursor=$(json .next_cursor)" -H "$(auth "$ORG_KEY")"
expect_json '.items | length' 1 "and the rest on the next"
http GET /api/v1/keys -H "$(auth "$OTHER_KEY")"
expect_json '.items | length' 1 "another organisation sees only its own"

# --- making
http POST /api/v1/keys -H "$(auth "$ADMIN_KEY")" "${JSON[@]}" --data "{\"name\":\"ci\",\"user_email\":\"ROB-$$@example.com\"}"
expect_status 201 "an admin makes a key for a recruiter"
NEW=$(json .key)
NEW_ID=$(json .id)
check "the key is shown once, whole" grep -Eq '^sl_[0-9a-f]{64}$' <<<"$NEW"
expect_json .name ci "with its name"
expect_json .user.email "rob-$$@example.com" "belonging to that user"
check "Location names it" test "$(header Location)" = "/api/v1/keys/$NEW_ID"
check "not cached" test "$(header Cache-Control)" = no-store
check "only its hash is stored" \
	test "$(sql "SELECT count(*) FROM api_keys WHERE id = $NEW_ID AND key_hash = sha256('$NEW'::bytea)")" = 1
http GET /api/v1/session -H "$(auth "$NEW")"
expect_status 200 "the new key works"
expect_json .user.email "rob-$$@example.com" "as that user"
http POST /api/v1/keys -H "$(auth "$ADMIN_KEY")" "${JSON[@]}" --data '{}'
expect_json .user.email "ada-$$@example.com" "without user_email, the key is the caller's"
http POST /api/v1/keys -H "$(auth "$ADMIN_KEY")" "${JSON[@]}" --data '{"user_email":"nobody@example.com"}'
expect_status 400 "a user of no such email"
http POST /api/v1/keys -H "$(auth "$ADMIN_KEY")" "${JSON[@]}" --data "{\"name\":\"$(printf 'x%.0s' {1..201})\"}"
expect_status 400 "a name over 200 bytes"
http POST /api/v1/keys -H "$(auth "$ADMIN_KEY")" "${JSON[@]}" --data '[]'
expect_status 400 "a body that is not an object"

# --- revoking
http DELETE "/api/v1/keys/$NEW_ID" -H "$(auth "$ROB_KEY")"
expect_status 403 "a recruiter cannot revoke a key"
http DELETE "/api/v1/keys/$NEW_ID" -H "$(auth "$OTHER_KEY")"
expect_status 404 "for another organisation the key is not there"
other_org_key_id=$(sql "SELECT id FROM api_keys WHERE key_hash = sha256('$OTHER_KEY'::bytea)")
http DELETE "/api/v1/keys/$other_org_key_id" -H "$(auth "$ADMIN_KEY")"
expect_status 404 "another organisation's key is not there"
http DELETE "/api/v1/keys/$NEW_ID" -H "$(auth "$ADMIN_KEY")"
expect_status 200 "an admin revokes a key"
check "it shows when" test "$(json .revoked_at)" != null
http GET /api/v1/session -H "$(auth "$NEW")"
expect_status 401 "the revoked key stops working at once"
http DELETE "/api/v1/keys/$NEW_ID" -H "$(auth "$ADMIN_KEY")"
expect_status 200 "revoking again is harmless"
http GET /api/v1/keys -H "$(auth "$OTHER_KEY")"
expect_status 200 "the other organisation's key still works"
