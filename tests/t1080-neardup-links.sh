#!/usr/bin/env bash
# Near-duplicate links through the real services and the fake provider. A
# resume is uploaded and scored; then, in a second job of the same
# organisation, a copy with one word changed, and in the first job an
# unrelated resume and a copy of the first with another person's name;
# another organisation uploads an exact copy of the first. Exactly one link
# must appear, between the first resume and its one-word copy, on both
# candidates (detail and list), with the changed word on each side of the
# difference; each of the two keeps its own analysis from its own provider
# call. The candidates handler serves the links under valgrind. Erasing the
# copy removes its fingerprint and the link. Last, a resume and its copy
# uploaded together and drained by two drainers at once are linked once.
. "$(dirname "$0")/lib/test-lib.sh"

PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "$PY is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"
RUN="n$$d$RANDOM"
KEY=$(new_org "neardup-$RUN")
KEY_OTHER=$(new_org "neardup-other-$RUN")
[[ -n $KEY && -n $KEY_OTHER ]] || skip_all "cannot make the organisations"
AUTH=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
OTHER=(-H "Authorization: Bearer $KEY_OTHER" -H "Content-Type: application/json")

start_fake_llm
drain() { # JOB...: scores the jobs' resumes through the fake provider
	local end=$(($(date +%s) + 120)) j left
	while (($(date +%s) < end)); do
		SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1080 SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
			"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
		left=0
		for j in "$@"; do
			left=$((left + $(sql "SELECT count(*) FROM tasks WHERE payload->>'job_id' = '$j' AND state IN ('queued', 'running')")))
		done
		((left == 0)) && return 0
		sleep 0.3
	done
	return 1
}
resume() { # FILE NAME EMAIL COMPANY LANGUAGE: a resume of about 150 words
	cat >"$1" <<EOF
$2
Email: $3
Phone: +44 20 7946 0$((RANDOM % 900 + 100))

Summary
Backend engineer with nine years of building payment and logistics systems,
careful about correctness, observability and the people who run the software.

Experience
Senior Software Engineer, $4 (2019 - 2025)
Designed the settlement service in $5 that reconciles two million transactions
a day, cut the nightly batch from four hours to twenty minutes, introduced
contract tests between eleven services and led the migration from MySQL to
PostgreSQL without downtime. Mentored five engineers and ran the on-call rota.

Software Engineer, Harbour Freight Analytics (2016 - 2019)
Built the route planning API used by three hundred depots, wrote the load
testing harness, moved deployments to Kubernetes and kept the error budget.

Education
BSc Computer Science, University of Leeds (2012 - 2016)

Skills
$5, PostgreSQL, Kafka, Kubernetes, Terraform, gRPC, Prometheus, Linux
EOF
}
unrelated() { # FILE
	cat >"$1" <<'EOF'
Marguerite Okonkwo-Bell
Email: m.okonkwo.bell@example.net

Profile
Paediatric nurse and clinical educator with twelve years on neonatal wards,
now teaching simulation courses and writing infection-control guidance.

Employment
Clinical Nurse Educator, St Aldhelm Children's Hospital (2018 - 2025)
Designed the neonatal resuscitation simulation programme taken by four hundred
staff, audited hand hygiene on nine wards and halved line infections.

Staff Nurse, Riverside Maternity Unit (2012 - 2018)
Cared for premature infants in a level three unit, coordinated night shifts,
supported parents through discharge planning and home oxygen training.

Qualifications
MSc Advanced Clinical Practice, King's College London
Registered Nurse (Child), Nursing and Midwifery Council

Interests
Choir singing, allotment gardening, fell running
EOF
}
upload() { # JOB FILE KEYVAR...: prints the resume id
	local job=$1 file=$2 key=${3:-$KEY}
	curl -s -H "Authorization: Bearer $key" -F "f=@$file" "$BASE_URL/api/v1/jobs/$job/resumes" >"$T_TMP/up.json"
	jq -r '.files[0].resume_id // empty' "$T_TMP/up.json"
}
links_of() { # ID [KEY]: the linked resume ids of the candidate, sorted, comma-separated
	curl -s -H "Authorization: Bearer ${2:-$KEY}" "$BASE_URL/api/v1/candidates/$1" | jq -r '[.near_duplicates[].resume_id] | sort | map(tostring) | join(",")'
}

http POST /api/v1/jobs "${AUTH[@]}" --data '{"title":"Backend Engineer","description":"Go and PostgreSQL services. Run '"$RUN"'.","required_skills":["Go","PostgreSQL"]}'
expect_status 201 "a first job"
JOB1=$(json .id)
http POST /api/v1/jobs "${AUTH[@]}" --data '{"title":"Platform Engineer","description":"Kubernetes and Go. Run '"$RUN"'.","required_skills":["Go","Kubernetes"]}'
expect_status 201 "a second job of the same organisation"
JOB2=$(json .id)
http POST /api/v1/jobs "${OTHER[@]}" --data '{"title":"Backend Engineer","description":"Go. Run '"$RUN"'.","required_skills":["Go"]}'
expect_status 201 "a job of another organisation"
JOBX=$(json .id)

resume "$T_TMP/ada.txt" "Adaeze Thornbury" "adaeze.$RUN@example.org" "Northwind Payments" "Go"
# The one-word copy: the same resume with another language in one place, as a re-application would be.
sed 's/^Designed the settlement service in Go /Designed the settlement service in Rust /' "$T_TMP/ada.txt" >"$T_TMP/ada-v2.txt"
check "the copy differs from the original in one word" test "$(diff <(tr -s ' \n' '\n\n' <"$T_TMP/ada.txt") <(tr -s ' \n' '\n\n' <"$T_TMP/ada-v2.txt") | grep -c '^[<>]')" = 2
# The name-swapped copy: another person's name and address on the same text.
sed "s/^Adaeze Thornbury$/Bartholomew Quennell/; s/adaeze\.$RUN/bart.$RUN/" "$T_TMP/ada.txt" >"$T_TMP/bart.txt"
unrelated "$T_TMP/nurse.txt"

ADA=$(upload "$JOB1" "$T_TMP/ada.txt")
check "the first resume is accepted" test -n "$ADA"
drain "$JOB1" || not_ok "the first resume is scored"
check "the first resume has a fingerprint" test "$(sql "SELECT count(*) FROM resume_fingerprints WHERE resume_id = $ADA")" = 1
check "and no link yet" test "$(links_of "$ADA")" = ""

V2=$(upload "$JOB2" "$T_TMP/ada-v2.txt")
NURSE=$(upload "$JOB1" "$T_TMP/nurse.txt")
BART=$(upload "$JOB1" "$T_TMP/bart.txt")
COPY=$(upload "$JOBX" "$T_TMP/ada.txt" "$KEY_OTHER")
check "the other four resumes are accepted" test -n "$V2" -a -n "$NURSE" -a -n "$BART" -a -n "$COPY"
drain "$JOB1" "$JOB2" "$JOBX" || not_ok "they are scored"
for id in "$ADA" "$V2" "$NURSE" "$BART" "$COPY"; do
	check "resume $id was scored ($(sql "SELECT status FROM resumes WHERE id = $id"))" \
		test "$(sql "SELECT status FROM resumes WHERE id = $id")" = scored
	check "resume $id has a fingerprint" test "$(sql "SELECT count(*) FROM resume_fingerprints WHERE resume_id = $id")" = 1
done
D=$(sql "SELECT bit_count((a.simhash # b.simhash)::bit(64)) FROM resume_fingerprints a, resume_fingerprints b WHERE a.resume_id = $ADA AND b.resume_id = $BART")
check "the name-swapped copy is close in text alone ($D bits), so only the names tell them apart" test "$D" -le 7

# --- exactly one link, on both sides
check "the organisation has exactly one link" test "$(sql "SELECT count(*) FROM resume_links WHERE org_id = (SELECT org_id FROM resumes WHERE id = $ADA)")" = 1
check "the other organisation has none" test "$(sql "SELECT count(*) FROM resume_links WHERE org_id = (SELECT org_id FROM resumes WHERE id = $COPY)")" = 0
check "the first resume links the one-word copy ($(links_of "$ADA"))" test "$(links_of "$ADA")" = "$V2"
check "the copy links the first resume ($(links_of "$V2"))" test "$(links_of "$V2")" = "$ADA"
check "the unrelated resume links nothing ($(links_of "$NURSE"))" test "$(links_of "$NURSE")" = ""
check "the name-swapped copy links nothing ($(links_of "$BART"))" test "$(links_of "$BART")" = ""
check "the other organisation's exact copy links nothing ($(links_of "$COPY" "$KEY_OTHER"))" test "$(links_of "$COPY" "$KEY_OTHER")" = ""

http GET "/api/v1/candidates/$ADA" -H "Authorization: Bearer $KEY"
expect_status 200 "the first candidate"
expect_json '.near_duplicates | length' 1 "one near-duplicate"
expect_json '.near_duplicates[0].job_id' "$JOB2" "in the other job"
expect_json '.near_duplicates[0].distance <= 7' true "within the link distance"
expect_json '.near_duplicates[0].only_here | tojson' '["go"]' "the word only this resume has"
expect_json '.near_duplicates[0].only_there | tojson' '["rust"]' "the word only the copy has"
expect_json '.near_duplicates[0].linked_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' true "when it was linked"
SCORE_ADA=$(json .analysis.score)
http GET "/api/v1/candidates/$V2" -H "Authorization: Bearer $KEY"
expect_status 200 "the copy"
expect_json '.near_duplicates[0].resume_id' "$ADA" "links back"
expect_json '.near_duplicates[0].only_here | tojson' '["rust"]' "with the difference seen from its side"
expect_json '.near_duplicates[0].only_there | tojson' '["go"]' "both ways"
expect_json '.analysis != null and (.analysis.score | type) == "number"' true "the copy has its own score"
echo "# scores: first $SCORE_ADA, copy $(json .analysis.score)"

http GET "/api/v1/jobs/$JOB1/candidates" -H "Authorization: Bearer $KEY"
expect_status 200 "the first job's list"
expect_json "[.items[] | select(.resume_id == $ADA) | .near_duplicates[].resume_id] | tojson" "[$V2]" "the list shows the link on the first candidate"
expect_json "[.items[] | select(.resume_id != $ADA) | .near_duplicates | length] | add" 0 "and none on the others"
http GET "/api/v1/jobs/$JOB2/candidates" -H "Authorization: Bearer $KEY"
expect_status 200 "the second job's list"
expect_json "[.items[] | select(.resume_id == $V2) | .near_duplicates[].only_here[]] | tojson" '["rust"]' "the list shows the link and the difference on the copy"
http GET "/api/v1/candidates/$V2" -H "Authorization: Bearer $KEY_OTHER"
expect_status 404 "another organisation does not see the copy"

# --- never merged, never given the other's score
check "both resumes are still there, each in its job" \
	test "$(sql "SELECT string_agg(job_id::text, ',' ORDER BY id) FROM resumes WHERE id IN ($ADA, $V2)")" = "$JOB1,$JOB2"
check "each has exactly one current analysis, its own" \
	test "$(sql "SELECT count(*) FROM analyses WHERE is_current AND resume_id IN ($ADA, $V2)")" = 2
check "from two provider calls of two different texts (two cache keys, no cache hit)" \
	test "$(sql "SELECT count(DISTINCT llm_cache_key) || ',' || count(*) FILTER (WHERE cache_hit) FROM analyses WHERE is_current AND resume_id IN ($ADA, $V2)")" = "2,0"
check "whose recorded inputs are the two texts" \
	test "$(sql "SELECT count(DISTINCT details->'inputs'->>'text_sha256') FROM audit_events WHERE action = 'analysis.recorded' AND resume_id IN ($ADA, $V2)")" = 2

check "the link row is in resume order" test "$(sql "SELECT resume_a || ',' || resume_b FROM resume_links WHERE resume_a = $ADA")" = "$ADA,$V2"

# --- the candidates handler reads the links without a leak or a memory error (valgrind)
if command -v valgrind >/dev/null && [[ -z ${SHORTLIST_SANITIZE-} ]]; then
	REQ="$ROOT/tests/tools/fcgi_request.py"
	sock="$T_TMP/candidates-vg.sock"
	start_handler "$sock" valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 --log-file="$T_TMP/valgrind.log" \
		"$BIN/candidates" 2>/dev/null
	check "the linked candidates and their lists answered under valgrind" bash -c "
		'$REQ' '$sock' 2 GET /api/v1/candidates/$ADA 'HTTP_AUTHORIZATION=Bearer $KEY' >/dev/null &&
		'$REQ' '$sock' 2 GET /api/v1/candidates/$V2 'HTTP_AUTHORIZATION=Bearer $KEY' >/dev/null &&
		'$REQ' '$sock' 2 GET /api/v1/jobs/$JOB1/candidates 'HTTP_AUTHORIZATION=Bearer $KEY' >/dev/null &&
		'$REQ' '$sock' 2 GET /api/v1/jobs/$JOB2/candidates 'HTTP_AUTHORIZATION=Bearer $KEY' >/dev/null"
	stop_handler
	rc=$?
	grep -E "definitely lost|ERROR SUMMARY" "$T_TMP/valgrind.log" | sed 's/^==[0-9]*== /# candidates: /'
	check "valgrind: no leak and no error in the candidates handler (exit $rc)" test "$rc" = 0
fi

# --- erasure removes the copy's fingerprint and the link
http POST "/api/v1/candidates/$V2/erase" "${AUTH[@]}" --data '{"reason":"the candidate asked (GDPR art. 17)"}'
expect_status 200 "the copy is erased"
check "its fingerprint is gone" test "$(sql "SELECT count(*) FROM resume_fingerprints WHERE resume_id = $V2")" = 0
check "the link is gone" test "$(sql "SELECT count(*) FROM resume_links WHERE $V2 IN (resume_a, resume_b)")" = 0
check "the first candidate shows no link any more ($(links_of "$ADA"))" test "$(links_of "$ADA")" = ""
check "and keeps its own fingerprint" test "$(sql "SELECT count(*) FROM resume_fingerprints WHERE resume_id = $ADA")" = 1

# --- two drainers finishing a resume and its copy at once still link them (they take turns per organisation)
KEY3=$(new_org "neardup-pair-$RUN")
http POST /api/v1/jobs -H "Authorization: Bearer $KEY3" -H "Content-Type: application/json" \
	--data '{"title":"Backend Engineer","description":"Go. Run '"$RUN"'.","required_skills":["Go"]}'
expect_status 201 "a job of a third organisation"
JOB3=$(json .id)
resume "$T_TMP/cy.txt" "Cyprian Ashdown" "cyprian.$RUN@example.org" "Larchmont Logistics" "Go"
# The copy also gives another email address, which the difference must not show (it is computed on masked texts).
sed "s/^Designed the settlement service in Go /Designed the settlement service in Java /; s/^Email: cyprian\./Email: c.ashdown./" \
	"$T_TMP/cy.txt" >"$T_TMP/cy-v2.txt"
check "the copy's email address differs" grep -q "^Email: c.ashdown.$RUN@" "$T_TMP/cy-v2.txt"
curl -s -H "Authorization: Bearer $KEY3" -F "f=@$T_TMP/cy.txt" -F "f=@$T_TMP/cy-v2.txt" "$BASE_URL/api/v1/jobs/$JOB3/resumes" >"$T_TMP/up3.json"
check "both are accepted together" test "$(jq .accepted "$T_TMP/up3.json")" = 2
pids=()
for i in 1 2; do
	SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer-pair.log" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
drain "$JOB3" || not_ok "the pair is scored"
ORG3=$(sql "SELECT org_id FROM jobs WHERE id = $JOB3")
check "two fingerprints" test "$(sql "SELECT count(*) FROM resume_fingerprints WHERE org_id = $ORG3")" = 2
check "and one link between them" test "$(sql "SELECT count(*) FROM resume_links WHERE org_id = $ORG3")" = 1
check "its difference is the changed word alone, no email address ($(sql "SELECT diff FROM resume_links WHERE org_id = $ORG3"))" \
	test "$(sql "SELECT (diff->'only_a')::text || (diff->'only_b')::text FROM resume_links WHERE org_id = $ORG3")" = '["go"]["java"]'
