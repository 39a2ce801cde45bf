#!/usr/bin/env bash
# Request plumbing through lighttpd: unknown route, wrong method, body limits,
# malformed and over-deep JSON, content type; every error is problem+json and
# no handler process dies.
. "$(dirname "$0")/lib/test-lib.sh"

KEY=$(new_org "plumbing-$$")
AUTH=(-H "Authorization: Bearer $KEY")
JSON=(-H "Content-Type: application/json")
# lighttpd starts a pool's processes all at once (min-procs = max-procs), but a slow
# (sanitized) build may still be starting some: wait until the set holds still.
jobs_pids() { pgrep -f "$BIN/jobs" | sort | tr '\n' ' '; }
steady() { local a; a=$(jobs_pids); sleep 0.5; [[ -n $a && $a == "$(jobs_pids)" ]]; }
eventually 20 steady
pids_before=$(pgrep -f "$BIN/jobs" | sort | tr '\n' ' ')

problem() { # STATUS DESCRIPTION
	expect_status "$1" "$2"
	check "$2: problem+json" test "$(header Content-Type)" = "application/problem+json"
	expect_json .status "$1" "$2: problem has the status"
	check "$2: problem has a detail" test -n "$(json .detail)"
	check "$2: problem carries the request id" test "$(json .request_id)" = "$(header X-Request-Id)"
}

http GET /api/v1/no-such-thing "${AUTH[@]}"
problem 404 "unknown route"

http DELETE /api/v1/jobs "${AUTH[@]}"
problem 405 "wrong method"
check "405 Allow names GET and POST" test "$(header Allow)" = "POST, GET, HEAD"

head -c $((1024 * 1024 + 10)) /dev/zero | tr '\0' ' ' >"$T_TMP/big.json"
http POST /api/v1/jobs "${AUTH[@]}" "${JSON[@]}" --data-binary @"$T_TMP/big.json"
problem 413 "body over the limit"

printf '{"title": "x",\n  "description": "y",\n  "company": }' >"$T_TMP/bad.json"
http POST /api/v1/jobs "${AUTH[@]}" "${JSON[@]}" --data-binary @"$T_TMP/bad.json"
problem 400 "malformed JSON"
check "400 says where (line 3)" grep -q "line 3" <<<"$(json .detail)"

python3 -c 'print("[" * 100 + "]" * 100)' >"$T_TMP/deep.json"
http POST /api/v1/jobs "${AUTH[@]}" "${JSON[@]}" --data-binary @"$T_TMP/deep.json"
problem 400 "JSON nested too deep"
check "400 names the depth limit" grep -q "deeper than" <<<"$(json .detail)"

http POST /api/v1/jobs "${AUTH[@]}" -H "Content-Type: text/plain" --data '{"title":"a","description":"b"}'
problem 415 "wrong content type"

http POST /api/v1/jobs "${AUTH[@]}" "${JSON[@]}" --data ''
problem 400 "empty body"

http POST /api/v1/jobs "${AUTH[@]}" "${JSON[@]}" --data '{"title":"a","description":"b"} trailing'
problem 400 "data after the document"

http GET "/api/v1/jobs?limit=1000" "${AUTH[@]}"
problem 400 "limit over 100"
http GET "/api/v1/jobs?cursor=%zz" "${AUTH[@]}"
problem 400 "malformed percent-encoding"

# Errors lighttpd answers itself, before any handler: problem+json too (without a request id).
server_problem() { # STATUS DESCRIPTION
	expect_status "$1" "$2"
	check "$2: problem+json" test "$(header Content-Type)" = "application/problem+json"
	expect_json .status "$1" "$2: problem has the status"
	check "$2: problem has a title and a detail" test -n "$(json .title)" -a -n "$(json .detail)"
}
http POST "/api/v1/jobs/1/close" "${AUTH[@]}"
server_problem 411 "a POST without Content-Length"
check "411 says to send Content-Length: 0" grep -q "Content-Length: 0" <<<"$(json .detail)"
head -c $((3 * 1024 * 1024)) /dev/zero >"$T_TMP/huge.json"
http POST /api/v1/jobs "${AUTH[@]}" "${JSON[@]}" --data-binary @"$T_TMP/huge.json"
server_problem 413 "a body over the server's request size"
http GET /no-such-page.html
server_problem 404 "an unknown static path"
# A header line without a colon, sent raw.
timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; printf "GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n" >&3; cat <&3' \
	_ "$SHORTLIST_HTTP_PORT" | tr -d '\r' >"$T_TMP/raw"
STATUS=$(head -n 1 "$T_TMP/raw" | cut -d' ' -f2)
sed -n '2,/^$/p' "$T_TMP/raw" >"$T_TMP/headers"
sed '1,/^$/d' "$T_TMP/raw" >"$T_TMP/body"
server_problem 400 "a malformed header line"

check "no handler process died" test "$(pgrep -f "$BIN/jobs" | sort | tr '\n' ' ')" = "$pids_before"
