#!/usr/bin/env bash
# JSON request bodies are checked byte by byte before use, on every route
# that reads one: invalid UTF-8, \u0000, lone surrogates and duplicate keys
# are a 400 naming the field and the byte offset, and nothing is stored.
. "$(dirname "$0")/lib/test-lib.sh"

ORG="strict-$$"
ctl org create "$ORG" >/dev/null
ctl user create --org "$ORG" --admin --name "Ada Admin" "ada-$$@example.com" >/dev/null
ADMIN_KEY=$(ctl key create --org "$ORG" --user "ada-$$@example.com" 2>/dev/null)
A=(-H "Authorization: Bearer $ADMIN_KEY" -H "Content-Type: application/json")
jobs_before=$(sql "SELECT count(*) FROM jobs j JOIN organisations o ON o.id = j.org_id WHERE o.name = '$ORG'")

# bad_body DESCRIPTION FIELD: the last answer is a 400 problem naming FIELD and a byte offset.
bad_body() {
	expect_status 400 "$1"
	check "$1: problem+json" test "$(header Content-Type)" = "application/problem+json"
	check "$1: the detail names '$2'" grep -qF "'$2'" <<<"$(json .detail)"
	check "$1: the detail gives the byte offset" grep -qE '\(byte [0-9]+\)' <<<"$(json .detail)"
}

# --- POST /api/v1/jobs
printf '{"title":"Data \xff Engineer","description":"SQL"}' >"$T_TMP/utf8.json"
http POST /api/v1/jobs "${A[@]}" --data-binary @"$T_TMP/utf8.json"
bad_body "create: invalid UTF-8 in a string" title
check "create: the offset is the bad byte's" grep -qF "(byte 15)" <<<"$(json .detail)"
printf '{"title":"t","description":"d","knockouts":[{"type":"min_\xc0\xafyears","years":3}]}' >"$T_TMP/nested.json"
http POST /api/v1/jobs "${A[@]}" --data-binary @"$T_TMP/nested.json"
bad_body "create: an overlong form deep in the body" "knockouts[0].type"
http POST /api/v1/jobs "${A[@]}" --data '{"title":"t\u0000x","description":"d"}'
bad_body "create: \\u0000 in a string" title
http POST /api/v1/jobs "${A[@]}" --data '{"title":"t","title":"u","description":"d"}'
bad_body "create: a duplicate key" title
http POST /api/v1/jobs "${A[@]}" --data '{"title":"\ud800","description":"d"}'
bad_body "create: a lone surrogate escape" title
http POST /api/v1/jobs "${A[@]}" --data '{"title":"\ud83d\ude00 ok","description":"d"}'
expect_status 201 "create: a surrogate pair is a character"
expect_json .title "😀 ok" "create: the pair is stored as the character"
ID=$(json .id)
check "only the good job was stored" test \
	"$(sql "SELECT count(*) FROM jobs j JOIN organisations o ON o.id = j.org_id WHERE o.name = '$ORG'")" = $((jobs_before + 1))

# --- PATCH /api/v1/jobs/{id}
printf '{"location":"Berl\xe2\x82"}' >"$T_TMP/patch.json"
http PATCH "/api/v1/jobs/$ID" "${A[@]}" --data-binary @"$T_TMP/patch.json"
bad_body "update: a truncated sequence" location
http PATCH "/api/v1/jobs/$ID" "${A[@]}" --data '{"location":"a","location":"b"}'
bad_body "update: a duplicate key" location
http GET "/api/v1/jobs/$ID" "${A[@]}"
expect_json .location "" "update: nothing was changed"

# --- POST /api/v1/keys
printf '{"name":"ci \xed\xa0\x80 key"}' >"$T_TMP/key.json"
http POST /api/v1/keys "${A[@]}" --data-binary @"$T_TMP/key.json"
bad_body "key: an encoded surrogate" name
check "no key was made" test "$(sql "SELECT count(*) FROM api_keys k JOIN organisations o ON o.id = k.org_id WHERE o.name = '$ORG'")" = 1

# --- POST /api/v1/session: the bytes never reach PostgreSQL
printf '{"email":"ada-%s@example.com\xff","password":"correct horse battery"}' "$$" >"$T_TMP/session.json"
http POST /api/v1/session -H "Content-Type: application/json" --data-binary @"$T_TMP/session.json"
bad_body "sign-in: invalid UTF-8 in the email" email
http POST /api/v1/session -H "Content-Type: application/json" \
	--data '{"email":"a@example.com","password":"x","password":"y"}'
bad_body "sign-in: a duplicate key" password
