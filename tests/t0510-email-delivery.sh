#!/usr/bin/env bash
# Email delivery through the real path: resumes uploaded and processed, 100
# and then 1,000 invitations queued, the drainer sending them to the test
# instance's SMTP sink (maildev). Every message must arrive exactly once
# with the right From, To, Subject, Date, Message-ID and MIME structure,
# UTF-8 names intact; sending twice sends once.
. "$(dirname "$0")/lib/test-lib.sh"

WEB="http://127.0.0.1:${SHORTLIST_MAIL_WEB_PORT:?}"
curl -sf -o /dev/null "$WEB/api/email" || skip_all "the SMTP sink's web API does not answer on $WEB"
RUN="d$$r$RANDOM"
KEY=$(new_org "delivery-$RUN")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
NAMES=("José Müller" "Zoë Ångström" "Łukasz Żółć" "Jane O'Neil" "Søren Kierkegård" "Ana María Pérez")

http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux.","required_skills":["C","PostgreSQL"]}'
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job (HTTP $STATUS)"; exit 1; }

# Another drainer of the instance may hold some resumes: wait until every one is settled.
# value_is FUNCTION EXPECTED / at_least FUNCTION MIN: for eventually, which must re-run the query each time.
value_is() { test "$("$1")" = "$2"; }
at_least() { test "$("$1")" -ge "$2"; }
unsettled() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')"; }

# candidates N FIRST: writes, uploads (250 per request) and processes N resumes; prints their ids.
candidates() {
	local n=$1 first=$2 i dir="$T_TMP/res$2" args=()
	mkdir -p "$dir"
	for ((i = first; i < first + n; i++)); do
		printf '%s\nc%d.%s@example.org\n\nSummary\nBackend engineer with 7 years of C, PostgreSQL and Linux systems work, building fast and reliable services.\n\nExperience\nSenior Backend Engineer, Example Systems GmbH (2017-2024): designed PostgreSQL schemas and wrote C services.\nSkills: C, PostgreSQL, Linux\n' \
			"${NAMES[i % ${#NAMES[@]}]}" "$i" "$RUN" >"$dir/r$i.txt"
		args+=(-F "f$i=@$dir/r$i.txt")
		if ((${#args[@]} == 500 || i == first + n - 1)); then
			curl -s -H "Authorization: Bearer $KEY" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" |
				jq -r '.files[] | select(.status == "accepted") | .resume_id'
			args=()
		fi
	done
	"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
	eventually 120 value_is unsettled 0
}

# send IDS_FILE [REPLY_TO]: queues invitations for the ids in the file, replies going to REPLY_TO when
# given (an organisation key has no user whose address could be the default); the response is in $T_TMP/body.
send() {
	jq -R . "$1" | jq -s --arg reply "${2:-}" '{kind: "invite", candidate_ids: map(tonumber), recruiter_name: "Sam Smith",
		scheduling_link: "https://cal.example.com/sam"} + (if $reply == "" then {} else {recruiter_email: $reply} end)' \
		>"$T_TMP/send.json"
	http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data-binary @"$T_TMP/send.json"
}

# verify IDS_FILE [REPLY_TO]: checks what the sink received for those candidates against the outbox rows
# (a Reply-To of Sam Smith at REPLY_TO when given, none otherwise).
verify() {
	sql "SELECT message_id, to_address, to_name, subject FROM emails WHERE resume_id IN ($(paste -sd, "$1")) AND kind = 'invite'" |
		tr '|' '\t' >"$T_TMP/expected.tsv"
	/usr/bin/python3 - "$WEB" "$RUN" "$T_TMP/expected.tsv" "${2:-}" <<'PY'
import email, email.policy, email.utils, json, sys, urllib.request
web, marker, expected_file, reply_to = sys.argv[1:5]
expected = {}
for line in open(expected_file, encoding="utf-8"):
    mid, addr, name, subject = line.rstrip("\n").split("\t")
    expected[mid] = (addr, name, subject)
listing = json.load(urllib.request.urlopen(web + "/api/email"))
seen, bad = {}, []
for m in listing:
    to = (m.get("envelope") or {}).get("to") or m.get("to") or []
    if not any(marker in (t.get("address") or "") for t in to):
        continue
    raw = urllib.request.urlopen(web + "/api/email/" + m["id"] + "/source").read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    mid = msg["Message-ID"]
    seen[mid] = seen.get(mid, 0) + 1
    if mid not in expected:
        continue
    addr, name, subject = expected[mid]
    problems = []
    if msg["From"].addresses[0].addr_spec != "noreply@shortlist.localhost":
        problems.append("from " + str(msg["From"]))
    if msg["To"].addresses[0].addr_spec != addr or msg["To"].addresses[0].display_name != name:
        problems.append("to " + str(msg["To"]))
    if reply_to and (msg["Reply-To"] is None or msg["Reply-To"].addresses[0].addr_spec != reply_to
                     or msg["Reply-To"].addresses[0].display_name != "Sam Smith"):
        problems.append("reply-to " + str(msg["Reply-To"]))
    if not reply_to and msg["Reply-To"] is not None:
        problems.append("unexpected reply-to " + str(msg["Reply-To"]))
    if msg["Subject"] != subject:
        problems.append("subject " + str(msg["Subject"]))
    if email.utils.parsedate_to_datetime(msg["Date"]) is None:
        problems.append("date")
    parts = [p.get_content_type() for p in msg.iter_parts()] if msg.is_multipart() else []
    if msg.get_content_type() != "multipart/alternative" or parts != ["text/plain", "text/html"]:
        problems.append("mime " + msg.get_content_type() + " " + ",".join(parts))
    elif "Dear " + name + "," not in msg.get_body(("plain",)).get_content():
        problems.append("text body lacks the name")
    elif "Dear " + name.replace("'", "&#39;") not in msg.get_body(("html",)).get_content():
        problems.append("html body lacks the name")
    if any(ord(c) > 127 for c in raw.decode("ascii", "replace")) or max(len(l) for l in raw.split(b"\r\n")) > 998:
        problems.append("raw message not 7-bit or a line over 998")
    if problems:
        bad.append(mid + ": " + "; ".join(problems))
missing = [mid for mid in expected if mid not in seen]
dups = sum(n - 1 for mid, n in seen.items() if mid in expected and n > 1)
print(json.dumps({"expected": len(expected), "received": sum(seen[m] for m in seen if m in expected),
                  "missing": len(missing), "duplicates": dups, "bad": len(bad), "examples": bad[:3]}))
PY
}

for n in 100 1000; do
	first=$((n == 100 ? 0 : 100))
	reply=$( ((n == 100)) && echo "sam.smith@nordlicht.example")
	candidates "$n" "$first" >"$T_TMP/ids$n"
	check "$n resumes uploaded" test "$(wc -l <"$T_TMP/ids$n")" = "$n"
	check "$n resumes scored" test "$(sql "SELECT count(*) FROM resumes WHERE id IN ($(paste -sd, "$T_TMP/ids$n")) AND status = 'scored'")" = "$n"
	send "$T_TMP/ids$n" "$reply"
	expect_status 202 "$n invitations queued"
	expect_json .queued "$n" "one per candidate"
	start=$(date +%s.%N)
	"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
	secs=$(echo "$(date +%s.%N) - $start" | bc)
	sent() { sql "SELECT count(*) FROM emails WHERE job_id = $JOB AND kind = 'invite' AND state = 'sent' AND resume_id IN ($(paste -sd, "$T_TMP/ids$n"))"; }
	echo "# $n: the drainer run took ${secs}s; $(sent) sent then"
	check "all $n sent" eventually 60 value_is sent "$n"
	report=$(verify "$T_TMP/ids$n" "$reply")
	echo "# $n: $report"
	check "$n: every message arrived" test "$(jq .missing <<<"$report")" = 0
	check "$n: exactly once each" test "$(jq .received <<<"$report")" = "$n" -a "$(jq .duplicates <<<"$report")" = 0
	check "$n: headers (Reply-To ${reply:-none}), MIME structure and names correct" test "$(jq .bad <<<"$report")" = 0
done

# Sending again changes nothing: already queued, and nothing more arrives.
send "$T_TMP/ids100"
expect_status 200 "the 100 invitations again"
expect_json '[.queued, .already_queued] | join(",")' "0,100" "all already queued"
"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
report=$(verify "$T_TMP/ids100")
check "still exactly once each" test "$(jq .received <<<"$report")" = 100
http GET "/api/v1/jobs/$JOB/emails/stats" "${A[@]}"
expect_json '.states.sent' 1100 "the job's counts: 1,100 sent"
expect_json '.uncertain' 0 "none uncertain"
