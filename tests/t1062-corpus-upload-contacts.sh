#!/usr/bin/env bash
# The corpus resumes (PDF and DOCX) uploaded to one job and processed by the
# drainer: each candidate the API shows has the name, email and first phone
# of its hand label (tests/corpus-labels.tsv), a cover letter or blank
# template needs review as not a resume, and every resume is scored. A file
# the upload refuses must say why (none is refused today: the Word templates,
# .dotx, are read as DOCX). Skips when the corpus is absent.
. "$(dirname "$0")/lib/test-lib.sh"

[[ -d $CORPUS/resumes/pdf && -d $CORPUS/resumes/docx ]] || skip_all "no corpus at $CORPUS"
[[ -x /usr/bin/python3 ]] || skip_all "/usr/bin/python3 is not installed"
KEY=$(new_org "corpusup-$$")
A=(-H "Authorization: Bearer $KEY")
JOB=$(curl -s "${A[@]}" -H "Content-Type: application/json" \
	--data '{"title":"Software Engineer","description":"We build web services in Python and JavaScript. 3+ years."}' \
	"$BASE_URL/api/v1/jobs" | jq -r .id)
check "a job was made" test -n "$JOB" -a "$JOB" != null

args=()
for f in "$CORPUS"/resumes/pdf/* "$CORPUS"/resumes/docx/*; do args+=(-F "f=@$f"); done
curl -s "${A[@]}" "${args[@]}" "$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
echo "# upload: $(jq -c '{accepted, rejected}' "$T_TMP/upload.json")"
check "every refused file says why" \
	test "$(jq '[.files[] | select(.status == "rejected" and ((.reason // "") | length) == 0)] | length' "$T_TMP/upload.json")" = 0
check "every PDF and DOCX was accepted" \
	test "$(jq '[.files[] | select(.status == "rejected" and (.filename | test("\\.(pdf|docx)$")))] | length' "$T_TMP/upload.json")" = 0

end=$(($(date +%s) + 240))
while (($(date +%s) < end)); do
	"$BIN/drainer" --once --max-seconds 60 >>"$T_TMP/drainer.log" 2>&1
	[[ $(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')") == 0 ]] && break
	sleep 0.5
done
check "the drainer settled every file" test "$(sql "SELECT count(*) FROM resumes WHERE job_id = $JOB AND status IN ('queued', 'processing')")" = 0

# Each accepted file's candidate, as the API shows it, one JSON object a line.
: >"$T_TMP/candidates.jsonl"
for rid in $(sql "SELECT id FROM resumes WHERE job_id = $JOB ORDER BY id"); do
	http GET "/api/v1/candidates/$rid" "${A[@]}"
	cat "$T_TMP/body" >>"$T_TMP/candidates.jsonl"
	echo >>"$T_TMP/candidates.jsonl"
done
/usr/bin/python3 - "$ROOT/tests/corpus-labels.tsv" "$T_TMP/candidates.jsonl" "$T_TMP/upload.json" >"$T_TMP/out" <<'PY'
import json, re, sys
labels, cands, upload = sys.argv[1:4]
digits = lambda s: re.sub(r"[^0-9]", "", s or "")
by_name = {}
for line in open(cands, encoding="utf-8"):
    if line.strip():
        c = json.loads(line)
        by_name[c["filename"]] = c
refused = {f["filename"] for f in json.load(open(upload))["files"] if f.get("status") == "rejected"}
for line in open(labels, encoding="utf-8"):
    if not line.strip() or line.startswith("#"):
        continue
    path, kind, name, email, phone = [None if p == "-" else p for p in line.rstrip("\n").split("\t")]
    fname = path.split("/", 1)[1]
    if fname in refused:
        print("skip - %s: refused at upload" % fname)
        continue
    c = by_name.get(fname)
    if c is None:
        print("not ok - %s: no candidate" % fname)
        continue
    phones = (c.get("contact") or {}).get("phones") or []
    problems = []
    if c.get("name") != name:
        problems.append("name %r, label %r" % (c.get("name"), name))
    if c.get("email") != email:
        problems.append("email %r, label %r" % (c.get("email"), email))
    if digits(phones[0] if phones else None) != digits(phone):
        problems.append("phone %r, label %r" % (phones[0] if phones else None, phone))
    reason = c.get("reason") or ""
    score = (c.get("analysis") or {}).get("score")
    if kind == "resume" and score is None:
        problems.append("not scored (%s: %s)" % (c.get("status"), reason))
    if kind != "resume" and not (c.get("status") == "needs_review" and reason.startswith("not a resume:") and score is None):
        problems.append("a %s shown as %s (%s), score %s" % (kind, c.get("status"), reason, score))
    print(("not ok - %s: " % fname + "; ".join(problems)) if problems else
          "ok - %s: %s, %r, %r" % (fname, kind, name, email))
PY
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$T_TMP/out"
check "most of the corpus reached the API ($(grep -c '^ok' "$T_TMP/out") files matched)" test "$(grep -c '^ok' "$T_TMP/out")" -ge 40
