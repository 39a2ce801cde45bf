#!/usr/bin/env bash
# A document that is not a resume (a cover letter, a job description, a
# blank template) uploaded as one needs review with a reason the API shows,
# and is not scored; real resumes beside them are scored. Fixtures are made
# here (text2pdf and a DOCX written by python3); the corpus's cover letter
# and blank templates are added when the corpus is there.
. "$(dirname "$0")/lib/test-lib.sh"

[[ -x /usr/bin/python3 ]] || skip_all "/usr/bin/python3 is not installed"
KEY=$(new_org "notresume-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Line Cook","description":"Line cook for a busy kitchen. Food safety certificate, knife skills, 2+ years on a grill station."}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
check "a job was made" test -n "$JOB" -a "$JOB" != null
D="$T_TMP/in"
mkdir -p "$D"

cat >"$T_TMP/letter.txt" <<'TXT'
Dana Whitfield
14 Harbour Road, Portsmouth
dana.whitfield@example.net

12 March 2026

Hiring Manager
The Anchor Kitchen

Dear Hiring Manager,

I am writing to apply for the line cook position advertised on your website.
For three years I have worked the grill station at a busy seafood restaurant,
and I hold a food safety certificate. I would welcome the chance to join your kitchen.

Thank you for considering my application.

Kind regards,
Dana Whitfield
TXT
"$TOOLS/text2pdf" "$T_TMP/letter.txt" "$D/cover-letter.pdf"

cat >"$D/job-ad.txt" <<'TXT'
Line Cook - The Anchor Kitchen
Portsmouth · Full time

About the role
We are looking for a line cook to join our team on the grill station.

Responsibilities
- Prepare and cook dishes to the head chef's standard
- Keep the station clean and follow food safety rules

Requirements
- 2+ years on a grill or sauté station
- Food safety certificate

Nice to have
- Experience with seafood

How to apply
Send your resume to jobs@anchor-kitchen.example.
TXT

/usr/bin/python3 - "$D/blank-template.docx" <<'PY'
import sys, zipfile
lines = ["[Your Name]", "[Street Address] | [City, ST ZIP Code] | [Phone]", "[E-mail Address]", "Objective",
         "[A position as a line cook.]", "Experience", "[Job Title] - [Company Name]", "[Dates of Employment]",
         "[Describe your duties and achievements.]", "Education", "[Degree] - [School Name]", "[Year]"]
body = "".join(f"<w:p><w:r><w:t>{l}</w:t></w:r></w:p>" for l in lines)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("[Content_Types].xml",
               '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
               '<Default Extension="xml" ContentType="application/xml"/>'
               '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
    z.writestr("_rels/.rels",
               '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>')
PY

# Two real resumes, one of them a PDF that mentions a requirement and ends with regards, to stay scored.
cat >"$T_TMP/cook.txt" <<'TXT'
Rosa Delgado
rosa.delgado@example.org · +44 7700 900123

Experience
Line Cook, The Salt House (2021 - 2025)
Ran the grill station for 120 covers a night; met every food safety requirement at inspection.

Education
Level 2 Food Safety and Hygiene certificate (2021)

Skills
Knife skills, grill, sauté, stock rotation
TXT
"$TOOLS/text2pdf" "$T_TMP/cook.txt" "$D/rosa-delgado.pdf"
printf '%s\n' "Omar Haddad" "omar.haddad@example.org" "" "Summary" "Cook with four years on the grill." \
	"" "Experience" "Grill Cook, Harbour Fish Bar (2020 - 2024)" "Cooked fish and steaks to order, kept the station clean." \
	"" "Skills" "Grill, knife skills, food safety" "" "Kind regards" >"$D/omar-haddad.txt"

corpus=()
if [[ -f $CORPUS/resumes/pdf/awesome-cv_coverletter_NOT-A-RESUME.pdf ]]; then
	cp "$CORPUS/resumes/pdf/awesome-cv_coverletter_NOT-A-RESUME.pdf" "$CORPUS/resumes/docx/openxml-powertools_HC004-ResumeTemplate.docx" "$D/"
	corpus=(awesome-cv_coverletter_NOT-A-RESUME.pdf openxml-powertools_HC004-ResumeTemplate.docx)
else
	echo "# corpus absent: only the fixtures made here"
fi

args=()
for f in "$D"/*; do args+=(-F "f=@$f"); done
curl -s "${A[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "every file was accepted at upload ($(jq -c '[.files[] | .status]' "$T_TMP/upload.json"))" \
	test "$(jq '.accepted' "$T_TMP/upload.json")" = "$(ls "$D" | wc -l)"

end=$(($(date +%s) + 180))
while (($(date +%s) < end)); do
	"$BIN/drainer" --once --max-seconds 30 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')") == 0 ]] && break
	sleep 0.5
done
sql "SELECT filename || ': ' || status || ' (' || coalesce(status_reason, '') || ')' FROM resumes WHERE job_id = $JOB ORDER BY id" | sed 's/^/# /'

# expect FILE KIND: the candidate (read through the API) needs review, the reason names the kind, no analysis.
expect_not_resume() {
	local file=$1 kind=$2 rid
	rid=$(sql "SELECT id FROM resumes WHERE job_id = $JOB AND filename = '$file'")
	http GET "/api/v1/candidates/$rid" "${A[@]}"
	check "$file: the API shows needs_review" test "$(json .status)" = needs_review
	check "$file: its reason says it is $kind ($(json .reason))" grep -q "^not a resume: .*$kind" <<<"$(json .reason)"
	check "$file: it was not scored (score $(json .analysis.score))" test "$(json .analysis.score)" = null
}
expect_not_resume cover-letter.pdf "cover letter"
expect_not_resume job-ad.txt "job description"
expect_not_resume blank-template.docx "blank template"
[[ ${#corpus[@]} -gt 0 ]] && expect_not_resume awesome-cv_coverletter_NOT-A-RESUME.pdf "cover letter"
[[ ${#corpus[@]} -gt 0 ]] && expect_not_resume openxml-powertools_HC004-ResumeTemplate.docx "blank template"
for f in rosa-delgado.pdf omar-haddad.txt; do
	rid=$(sql "SELECT id FROM resumes WHERE job_id = $JOB AND filename = '$f'")
	http GET "/api/v1/candidates/$rid" "${A[@]}"
	check "$f: a real resume gets a score ($(json .analysis.score), $(json .status))" test "$(json .analysis.score)" != null
	check "$f: and no 'not a resume' reason" test "$(json '.reason // ""' | grep -c '^not a resume')" = 0
done

