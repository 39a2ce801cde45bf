#!/usr/bin/env bash
# A body shorter than its Content-Length: the client sends the headers and
# half the body, then nothing. The handler answers 408 (problem+json, with
# X-Request-Id) after SHORTLIST_BODY_IDLE_TIMEOUT_MS, well before lighttpd's
# own read idle limit would close the connection with no answer; nothing is
# stored and the handler serves the next request.
. "$(dirname "$0")/lib/test-lib.sh"

KEY=$(new_org "timeout-$$")
jobs_count() { sql "SELECT count(*) FROM jobs j JOIN organisations o ON o.id = j.org_id WHERE o.name = 'timeout-$$'"; }

# half_body PATH OUT [HEADER...]: sends half of a JSON body and writes what comes back to OUT.
# The client gives up after 45 s (lighttpd closes silently at 60 s); an answer is all that counts.
half_body() {
	python3 - "$SHORTLIST_HTTP_PORT" "$@" <<'PY'
import socket, sys
port, path, out, headers = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
import os
body = os.environ.get("BODY", '{"title":"half a body","description":"the rest never comes"}').encode()
ctype = os.environ.get("CTYPE", "application/json")
head = "POST %s HTTP/1.1\r\nHost: t\r\nContent-Type: %s\r\nContent-Length: %d\r\n" % (path, ctype, len(body))
head += "".join(h + "\r\n" for h in headers) + "\r\n"
s = socket.create_connection(("127.0.0.1", port))
s.sendall(head.encode() + body[: len(body) // 2])
s.settimeout(45)
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except (socket.timeout, ConnectionResetError):
    pass
open(out, "wb").write(data)
PY
}

# raw_answer FILE: splits a raw HTTP answer into STATUS, the headers file and the body file.
raw_answer() {
	tr -d '\r' <"$1" >"$T_TMP/raw"
	STATUS=$(head -n 1 "$T_TMP/raw" | cut -d' ' -f2)
	sed -n '2,/^$/p' "$T_TMP/raw" >"$T_TMP/headers"
	sed '1,/^$/d' "$T_TMP/raw" >"$T_TMP/body"
}

JOB=$(curl -s -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
	--data '{"title":"uploads","description":"C and Go"}' "$BASE_URL/api/v1/jobs" | jq -r .id)
before=$(jobs_count)
# All three wait out the idle time at once.
BODY=$(printf -- '--b\r\nContent-Disposition: form-data; name="f"; filename="cv.txt"\r\nContent-Type: text/plain\r\n\r\n%s\r\n--b--\r\n' \
	"Experience: ten years of C and Go on Linux, building services and tuning PostgreSQL.") \
	CTYPE="multipart/form-data; boundary=b" half_body "/api/v1/jobs/$JOB/resumes" "$T_TMP/upload.raw" \
	"Authorization: Bearer $KEY" &
p3=$!
half_body /api/v1/jobs "$T_TMP/jobs.raw" "Authorization: Bearer $KEY" &
p1=$!
half_body /api/v1/session "$T_TMP/session.raw" &
p2=$!
wait "$p1" "$p2" "$p3"

for route in jobs session; do
	raw_answer "$T_TMP/$route.raw"
	expect_status 408 "$route: a body cut short is answered"
	check "$route: problem+json" test "$(header Content-Type)" = "application/problem+json"
	expect_json .status 408 "$route: the problem has the status"
	check "$route: the detail says how much came" grep -q "stopped after [0-9]* of [0-9]* bytes" <<<"$(json .detail)"
	check "$route: the answer carries the request id" test -n "$(header X-Request-Id)" -a \
		"$(json .request_id)" = "$(header X-Request-Id)"
done
check "nothing was stored" test "$(jobs_count)" = "$before"
raw_answer "$T_TMP/upload.raw"
expect_status 408 "upload: a multipart body cut short is answered 408"
check "upload: the detail says the body stopped arriving" grep -q "stopped arriving" <<<"$(json .detail)"
check "upload: no resume stored" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB")" = 0

http POST /api/v1/jobs -H "Authorization: Bearer $KEY" -H "Content-Type: application/json" \
	--data '{"title":"whole","description":"a whole body"}'
expect_status 201 "the next request is served"
