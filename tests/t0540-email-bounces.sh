#!/usr/bin/env bash
# Bounces and complaints after the relay said 250: emails sent through the
# real drainer to the SMTP sink with per-email return paths, then an SES
# permanent bounce and a complaint in SNS envelopes, a DSN to the return
# path and a transient bounce; suppression refuses the next email; replays
# change nothing; bad input is a 400, a wrong secret a 401.
. "$(dirname "$0")/lib/test-lib.sh"

[[ -n ${SHORTLIST_MAIL_EVENT_SECRET:-} ]] || skip_all "the test instance has no mail event secret"
[[ -n ${SHORTLIST_RETURN_PATH:-} ]] || skip_all "the test instance has no return path"
WEB="http://127.0.0.1:${SHORTLIST_MAIL_WEB_PORT:?}"
RUN="b$$r$RANDOM"
KEY=$(new_org "bounces-$RUN")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
S=(-H "X-Shortlist-Event-Secret: $SHORTLIST_MAIL_EVENT_SECRET")
unsettled() { sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')"; }
value_is() { test "$("$1")" = "$2"; }

http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux.","required_skills":["C","PostgreSQL"]}'
JOB=$(json .id)
[[ $JOB =~ ^[0-9]+$ ]] || { not_ok "cannot create a job (HTTP $STATUS)"; exit 1; }
args=()
for i in 1 2 3 4; do
	printf 'Candidate %s\nc%d.%s@example.org\n\nSummary\nBackend engineer with 7 years of C, PostgreSQL and Linux systems work.\n\nExperience\nSenior Backend Engineer, Example Systems GmbH (2017-2024): wrote C services on PostgreSQL.\nSkills: C, PostgreSQL, Linux\n' \
		"$i" "$i" "$RUN" >"$T_TMP/r$i.txt"
	args+=(-F "f$i=@$T_TMP/r$i.txt")
done
curl -s -H "Authorization: Bearer $KEY" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" |
	jq -r '.files[] | select(.status == "accepted") | .resume_id' >"$T_TMP/ids"
"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
eventually 120 value_is unsettled 0
mapfile -t R <"$T_TMP/ids"
check "four resumes scored" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status = 'scored'")" = 4

http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"invite\",\"candidate_ids\":[$(paste -sd, "$T_TMP/ids")],\"recruiter_name\":\"Sam\",\"recruiter_email\":\"sam@nordlicht.example\",\"scheduling_link\":\"https://cal.example.com/sam\"}"
expect_status 202 "four invitations queued"
sent() { sql "SELECT count(*) FROM emails WHERE job_id = $JOB AND state = 'sent'"; }
"$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
eventually 60 value_is sent 4
check "the drainer sent all four" test "$(sent)" = 4
# email N: the id, Message-ID and address of candidate N's invitation.
row() { sql "SELECT $2 FROM emails WHERE job_id = $JOB AND resume_id = ${R[$1]} AND kind = 'invite'"; }
E1=$(row 0 id) M1=$(row 0 message_id) A1=$(row 0 to_address)
M2=$(row 1 message_id) A2=$(row 1 to_address)
E3=$(row 2 id) M3=$(row 2 message_id) A3=$(row 2 to_address)
M4=$(row 3 message_id) A4=$(row 3 to_address)
from=$(curl -s "$WEB/api/email" | jq -r --arg to "$A3" '[.[] | select(any(.envelope.to[]?; .address == $to))][0].envelope.from.address // empty')
check "the envelope sender is the email's own return path ($from)" grep -Eq "^bounces\+$E3-[0-9a-f]{16}@shortlist.localhost$" <<<"$from"

# sns JSON: an SNS Notification envelope around the SES notification JSON (as text, as SNS sends it).
sns() { jq -c --arg m "$1" '{Type: "Notification", MessageId: "sns-\($m | length)", TopicArn: "arn:aws:sns:us-east-1:1:ses",
	Message: $m, Timestamp: "2024-05-01T10:00:00.000Z", SignatureVersion: "1", Signature: "x", SigningCertURL: "https://sns.example/c.pem"}' <<<null; }
# ses TYPE SUBTYPE_OR_FEEDBACK ADDRESS MESSAGE_ID: an SES bounce (Permanent/Transient) or a complaint.
ses() {
	jq -c -n --arg t "$1" --arg s "$2" --arg a "$3" --arg m "$4" '
	{mail: {messageId: "0100018f-\($m | length)", source: "noreply@shortlist.localhost", destination: [$a],
		headers: [{name: "From", value: "noreply@shortlist.localhost"}, {name: "Message-ID", value: $m}],
		commonHeaders: {messageId: $m}}} +
	if $t == "Complaint" then {notificationType: "Complaint", complaint: {complaintFeedbackType: $s, complainedRecipients: [{emailAddress: $a}]}}
	else {notificationType: "Bounce", bounce: {bounceType: $t, bounceSubType: $s,
		bouncedRecipients: [{emailAddress: $a, action: "failed", status: "5.1.1", diagnosticCode: "smtp; 550 5.1.1 user unknown"}]}} end'
}
notify() { http POST /api/v1/emails/notifications "${S[@]}" -H "Content-Type: text/plain; charset=UTF-8" --data-binary "$1"; }

# --- a permanent bounce through SNS
notify "$(sns "$(ses Permanent General "$A1" "$M1")")"
expect_status 200 "a permanent bounce"
expect_json '[.bounced, .ignored] | join(",")' "1,0" "counted as bounced"
check "the email is bounced" test "$(row 0 state)" = bounced
check "with when, type and detail" test "$(row 0 "bounced_at IS NOT NULL AND bounce_type = 'permanent' AND bounce_detail LIKE 'Permanent/General: smtp; 550%'")" = t
check "the address is suppressed as a bounce" test "$(sql "SELECT source || ':' || email_id FROM email_suppressions WHERE address = '$A1'")" = "bounce:$E1"
notify "$(sns "$(ses Permanent General "$A1" "$M1")")"
expect_status 200 "the same bounce again"
expect_json '[.bounced, .duplicate] | join(",")' "0,1" "is a duplicate"
check "one suppression" test "$(sql "SELECT count(*) FROM email_suppressions WHERE address = '$A1'")" = 1
http POST "/api/v1/jobs/$JOB/emails" "${A[@]}" --data "{\"kind\":\"consider\",\"candidate_ids\":[${R[0]}],\"recruiter_name\":\"Sam\",\"recruiter_email\":\"sam@nordlicht.example\"}"
check "a new email to the bounced address is refused ($(json '.results[0].reason'))" grep -q suppressed <<<"$(json '.results[0].status + .results[0].reason')"

# --- a complaint
notify "$(sns "$(ses Complaint abuse "$A2" "$M2")")"
expect_status 200 "a complaint"
expect_json .complained 1 "counted as a complaint"
check "the email is complained" test "$(row 1 state)" = complained
check "the address is suppressed as a complaint" test "$(sql "SELECT source FROM email_suppressions WHERE address = '$A2'")" = complaint

# --- a DSN to the return path
dsn() { # ADDRESS MESSAGE_ID ACTION STATUS
	printf 'From: MAILER-DAEMON@mx.example.org\r\nTo: %s\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="BB"\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n--BB\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; %s\r\nAction: %s\r\nStatus: %s\r\nDiagnostic-Code: smtp; 550 5.1.1 mailbox unavailable\r\n\r\n--BB\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: %s\r\nSubject: Invitation\r\n--BB--\r\n' \
		"$from" "$1" "$3" "$4" "$2"
}
dsn "$A3" "$M3" failed 5.1.1 >"$T_TMP/dsn"
http POST /api/v1/emails/dsn "${S[@]}" -H "Content-Type: message/rfc822" --data-binary @"$T_TMP/dsn"
expect_status 200 "a DSN"
expect_json .bounced 1 "counted as bounced"
check "the email is bounced" test "$(row 2 state)" = bounced
check "its detail is the status and diagnostic" test "$(row 2 bounce_detail)" = "5.1.1 smtp; 550 5.1.1 mailbox unavailable"
http POST /api/v1/emails/dsn "${S[@]}" -H "Content-Type: message/rfc822" --data-binary @"$T_TMP/dsn"
expect_json '[.bounced, .duplicate] | join(",")' "0,1" "the same DSN again is a duplicate"
dsn "$A4" "$M4" delayed 4.4.1 >"$T_TMP/delayed"
http POST /api/v1/emails/dsn "${S[@]}" -H "Content-Type: message/rfc822" --data-binary @"$T_TMP/delayed"
expect_json .ignored 1 "a delayed DSN is not a bounce"

# --- a transient bounce
notify "$(sns "$(ses Transient MailboxFull "$A4" "$M4")")"
expect_status 200 "a transient bounce"
expect_json .transient 1 "counted as transient"
check "the email stays sent" test "$(row 3 state)" = sent
check "with the detail recorded" test "$(row 3 "last_error || '|' || bounce_type")" = "Transient/MailboxFull: smtp; 550 5.1.1 user unknown|transient"
check "and the address not suppressed" test "$(sql "SELECT count(*) FROM email_suppressions WHERE address = '$A4'")" = 0

# --- foreign, malformed, unauthenticated
notify "$(sns "$(ses Permanent General "$A4" "<nobody-$RUN@elsewhere.example>")")"
expect_status 200 "a bounce of someone else's message"
expect_json .ignored 1 "is ignored with a count"
notify "$(sns "$(ses Permanent General "other-$RUN@example.org" "$M4")")"
expect_json .ignored 1 "a bounce naming another recipient of our message is ignored"
check "the email is still sent" test "$(row 3 state)" = sent
notify '{"Type":"Notification","Message":"{not json"}'
expect_status 400 "a malformed SNS message"
check "saying why" grep -q "SNS Message" <<<"$(json .detail)"
notify '{"notificationType":"Bounce","mail":{"messageId":"x"}}'
expect_status 400 "a bounce without a bounce type"
printf 'Subject: hi\r\n\r\nhello\r\n' >"$T_TMP/plain"
http POST /api/v1/emails/dsn "${S[@]}" -H "Content-Type: message/rfc822" --data-binary @"$T_TMP/plain"
expect_status 400 "a message that is not a DSN"
check "saying why" grep -q "multipart/report" <<<"$(json .detail)"
http POST /api/v1/emails/dsn "${S[@]}" -H "Content-Type: application/json" --data-binary @"$T_TMP/dsn"
expect_status 415 "a DSN sent as JSON"
http POST /api/v1/emails/notifications -H "X-Shortlist-Event-Secret: wrong" --data-binary "$(sns "$(ses Permanent General "$A4" "$M4")")"
expect_status 401 "a wrong secret"
http POST "/api/v1/emails/dsn?token=${SHORTLIST_MAIL_EVENT_SECRET}x" -H "Content-Type: message/rfc822" --data-binary @"$T_TMP/dsn"
expect_status 401 "a wrong token"
http POST /api/v1/emails/notifications --data-binary "$(sns "$(ses Permanent General "$A4" "$M4")")"
expect_status 401 "no secret"
check "none of these changed the email" test "$(row 3 state)" = sent
http POST "/api/v1/emails/notifications?token=$SHORTLIST_MAIL_EVENT_SECRET" --data-binary '{"Type":"SubscriptionConfirmation","TopicArn":"arn:t","SubscribeURL":"https://sns.example/confirm","MessageId":"s"}'
expect_json .subscription "pending confirmation" "an SNS subscription (the secret as the token)"

# --- the API shows it
http GET "/api/v1/emails?job_id=$JOB&state=bounced" "${A[@]}"
expect_status 200 "listing bounced emails"
expect_json '[.items[].bounce_type] | join(",")' "permanent,permanent" "two bounced, with their type"
http GET "/api/v1/emails?job_id=$JOB&state=complained" "${A[@]}"
expect_json '.items | length' 1 "one complained"
http GET "/api/v1/emails/$E1" "${A[@]}"
expect_json '.state + "|" + .bounce_type + "|" + (.bounced_at != null | tostring)' "bounced|permanent|true" "one email shows its bounce"
http GET "/api/v1/jobs/$JOB/emails/stats" "${A[@]}"
expect_json '[.states.bounced, .states.complained, .states.sent] | join(",")' "2,1,1" "the stats count them"
