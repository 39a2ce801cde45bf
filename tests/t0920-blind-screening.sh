#!/usr/bin/env bash
# Blind screening: every request body an LLM provider receives during a full
# run holds none of the candidates' contact details. Resumes full of names,
# emails, phones, street addresses, links, dates of birth and honorifics
# (made here, and the corpus resumes when the corpus is beside the checkout)
# are uploaded and scored through a fake provider of this test's own, which
# keeps every body it is sent; then each detail is searched for in them. A
# resume whose details cannot all be masked is held back for review. The
# candidates are still scored, and the local scorer gives a resume the same
# score with and without its contact block.
. "$(dirname "$0")/lib/test-lib.sh"

PY=/usr/bin/python3
[[ -x $PY ]] || skip_all "$PY is not installed"
KEY=$(new_org "blind-$$")
A=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")

# A provider of this test's own, keeping every request body.
start_fake_llm --keep-requests 100000

http POST /api/v1/jobs "${A[@]}" --data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux. Opening '"$$"'.","required_skills":["C","PostgreSQL","Linux"]}'
JOB=$(json .id)

# The made resumes, and the details each one holds (one per line in details.txt).
people=(
	"Jane Alderwood|jane.alderwood@example.com|+1 (415) 555-0199|1600 Pennsylvania Avenue, Washington, DC 20500|https://linkedin.com/in/janealderwood|Date of birth: 14 May 1988|Ms."
	"Kwame Mensah-Boateng|kwame.mb@example.org|+44 20 7946 0958|221B Baker Street, London NW1 6XE|github.com/kwamemb|Born 2 January 1979 in Accra|Mr."
	"Erika Musterfrau|erika@musterfrau.example|030 1234567|Hauptstraße 12, 10115 Berlin|www.musterfrau-erika.example/cv|Geburtsdatum: 03.04.1991|Frau"
	"José Álvarez Quintero|jose.alvarez@example.es|+34 612 345 678|Calle Mayor 14, 28013 Madrid|https://josealvarez.example.es|Fecha de nacimiento: 7 de julio de 1985|Sr."
	"Zoë Van der Berg|zoe.vdberg@example.nl|+31 6 12345678|12 rue de Rivoli, 75001 Paris|twitter.com/zoevdb|DOB 1990-11-23|Mme"
)
: >"$T_TMP/details.txt"
: >"$T_TMP/names.txt"
i=0
for p in "${people[@]}"; do
	IFS='|' read -r name email phone address link dob title <<<"$p"
	i=$((i + 1))
	{
		printf '%s %s\n%s | %s\n%s\n%s\n%s\n\n' "$title" "$name" "$email" "$phone" "$address" "$link" "$dob"
		printf 'Summary\nBackend engineer with 8 years of C, PostgreSQL and Linux services.\n\n'
		printf 'Experience\nSenior Engineer, Example Systems (2016 - 2024): C services on Linux, PostgreSQL schemas.\n'
		printf 'References available from %s on request.\n' "${name%% *}"
	} >"$T_TMP/person$i.txt"
	# What must not reach the provider: each name word, the email, the phone's digits run, the street, the link, the birth date.
	for w in $name; do
		((${#w} >= 3)) && echo "$w"
	done >>"$T_TMP/names.txt"
	{
		echo "$email"
		echo "$phone"
		echo "${address%%,*}"
		echo "${link#*://}"
		echo "${dob#*: }"
	} >>"$T_TMP/details.txt"
done
# One whose address the masking cannot take: it must be held back, not sent.
printf 'Nadia Okonkwo-Stray\nwrite to nadia@mailhost\n\nSummary\nBackend engineer: C and PostgreSQL.\n' >"$T_TMP/unmaskable.txt"
args=(-F "u=@$T_TMP/unmaskable.txt")
for ((j = 1; j <= i; j++)); do
	args+=(-F "f$j=@$T_TMP/person$j.txt")
done
# The corpus resumes too, when they are there: their details are found by the extraction and recorded on the resume.
corpus_files=()
if [[ -d $CORPUS/resumes ]]; then
	while IFS= read -r f; do
		corpus_files+=("$f")
	done < <(find "$CORPUS/resumes" -type f \( -name '*.pdf' -o -name '*.docx' -o -name '*.txt' \) | sort)
fi
for f in "${corpus_files[@]}"; do
	args+=(-F "c$((${#args[@]}))=@$f")
done
http POST "/api/v1/jobs/$JOB/resumes" -H "Authorization: Bearer $KEY" "${args[@]}"
expect_status 201 "the resumes are accepted (${#corpus_files[@]} from the corpus)"

SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t0920 SHORTLIST_OPENAI_BASE_URL="$FAKE/v1" \
	"$BIN/drainer" --once >"$T_TMP/drainer.log" 2>&1
curl -s "$FAKE/_requests" >"$T_TMP/requests.json"
sent=$(jq '.requests | length' "$T_TMP/requests.json")
total=$((i + 1 + ${#corpus_files[@]}))
scored=$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status = 'scored'")
review=$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status = 'needs_review' AND status_reason LIKE 'not sent for scoring:%'")
check "the made resumes were scored by the provider" test "$(sql "SELECT count(*) FROM analyses a JOIN resumes r ON r.id = a.resume_id WHERE r.job_id = $JOB AND a.is_current AND a.provider = 'openai' AND r.filename LIKE 'person%'")" = "$i"
# Resumes that differ only in their contact details are one question once masked: fewer bodies than resumes is right.
check "the provider was sent $sent bodies for $total resumes ($scored scored, $review held back)" test "$sent" -ge 1
check "the unmaskable resume was held back for review" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND filename = 'unmaskable.txt' AND status = 'needs_review' AND status_reason LIKE 'not sent for scoring: contact details could not be masked%'")" = 1
check "every resume is settled" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')")" = 0

jq -r '.requests[]' "$T_TMP/requests.json" >"$T_TMP/bodies.txt"
# Each made resume's details, as words for names and whole for the rest, in every body
# (cJSON writes UTF-8 as itself, so the details compare as written).
leaks=""
while IFS= read -r d; do
	[[ -n $d ]] || continue
	if grep -qiF -- "$d" "$T_TMP/bodies.txt"; then
		leaks+="$d; "
	fi
done <"$T_TMP/details.txt"
while IFS= read -r d; do
	[[ -n $d ]] || continue
	if grep -qwiF -- "$d" "$T_TMP/bodies.txt"; then
		leaks+="$d; "
	fi
done <"$T_TMP/names.txt"
check "no made resume's contact detail reached the provider ($(wc -l <"$T_TMP/details.txt") details, $(wc -l <"$T_TMP/names.txt") name words; leaked: ${leaks:-none})" test -z "$leaks"

# Each corpus resume's own details (what the extraction found: name words, emails, phones) in the body
# that carried that resume, found by lines of its text that hold no detail.
if ((${#corpus_files[@]})); then
	sql "SELECT json_build_object('id', id, 'file', filename, 'contact', contact, 'text', text) FROM resumes
		WHERE job_id = $JOB AND filename NOT LIKE 'person%' AND status = 'scored'" >"$T_TMP/corpus.jsonl"
	"$PY" - "$T_TMP/corpus.jsonl" "$T_TMP/requests.json" >"$T_TMP/corpus-check.txt" <<'PY'
import json, re, sys
resumes = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8") if line.strip()]
bodies = []
for raw in json.load(open(sys.argv[2], encoding="utf-8"))["requests"]:
    req = json.loads(raw)
    bodies.append(req["messages"][-1]["content"])
matched = leaked = 0
for r in resumes:
    contact = r["contact"] or {}
    name_words = [w for w in re.split(r"\s+", contact.get("name") or "") if len(w) >= 3]
    details = (contact.get("emails") or []) + (contact.get("phones") or [])
    probe = [l.strip() for l in (r["text"] or "").splitlines()
             if len(l.strip()) >= 30 and not re.search(r"[0-9@]", l)
             and not any(w.lower() in l.lower() for w in name_words)][:12]
    # The body that holds most of those lines; a tie (one template filled in twice) is no match.
    hits = sorted(((sum(p in b for p in probe), i) for i, b in enumerate(bodies)), reverse=True)
    if not probe or not hits or hits[0][0] == 0 or (len(hits) > 1 and hits[1][0] == hits[0][0]):
        continue
    mine = [bodies[hits[0][1]]]
    matched += 1
    for b in mine:
        for d in details:
            if d.lower() in b.lower():
                leaked += 1
                print("leak %s: %s" % (r["file"], d))
        for w in name_words:
            if re.search(r"(?<![\w])%s(?![\w])" % re.escape(w), b, re.IGNORECASE):
                leaked += 1
                print("leak %s: name word %s" % (r["file"], w))
print("matched %d of %d, leaks %d" % (matched, len(resumes), leaked))
PY
	summary=$(tail -n 1 "$T_TMP/corpus-check.txt")
	check "no corpus resume's own details reached the provider ($summary; $(grep -c '^leak' "$T_TMP/corpus-check.txt") leaks: $(grep '^leak' "$T_TMP/corpus-check.txt" | head -n 5 | tr '\n' ' '))" \
		grep -q 'leaks 0$' <<<"$summary"
	check "most corpus bodies were found for the check" test "$(sed -n 's/^matched \([0-9]*\) of.*/\1/p' <<<"$summary")" -ge $((${#corpus_files[@]} / 2))
fi
check "nothing of the held-back resume was sent" bash -c "! grep -qE 'nadia@mailhost|Okonkwo' '$T_TMP/bodies.txt'"
check "the bodies carry the placeholders" grep -q '\[NAME\]' "$T_TMP/bodies.txt"
check "and the work history" grep -q 'Senior Engineer, Example Systems' "$T_TMP/bodies.txt"
check "the search finds what is there (a skill of the resumes)" grep -qF "PostgreSQL schemas" "$T_TMP/bodies.txt"

# The local scorer gives a resume the same score with and without its contact block.
K2=$(new_org "blind-local-$$")
http POST /api/v1/jobs -H "Authorization: Bearer $K2" -H "Content-Type: application/json" --data '{"title":"Backend Engineer","company":"Nordlicht Labs","description":"You know C, PostgreSQL and Linux. Opening '"$$"'.","required_skills":["C","PostgreSQL","Linux"]}'
J2=$(json .id)
tail -n +8 "$T_TMP/person1.txt" >"$T_TMP/bare.txt"
http POST "/api/v1/jobs/$J2/resumes" -H "Authorization: Bearer $K2" -F "a=@$T_TMP/person1.txt" -F "b=@$T_TMP/bare.txt"
SHORTLIST_LLM_PROVIDER=local "$BIN/drainer" --once >>"$T_TMP/drainer.log" 2>&1
scores=$(sql "SELECT string_agg(DISTINCT a.score::text, ',') FROM analyses a JOIN resumes r ON r.id = a.resume_id WHERE r.job_id = ${J2:-0} AND a.is_current")
check "the same score with and without contact details ($scores)" grep -Eqx '[0-9.]+' <<<"$scores"
