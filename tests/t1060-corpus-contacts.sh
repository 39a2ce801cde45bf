#!/usr/bin/env bash
# Every resume of the shared corpus (PDF and DOCX) read by the sandboxed
# extractor gets the name, first email and first phone of its hand label in
# tests/corpus-labels.tsv, and a cover letter or a blank template needs
# review instead of being a resume. Skips when the corpus is absent.
. "$(dirname "$0")/lib/test-lib.sh"

[[ -d $CORPUS/resumes/pdf && -d $CORPUS/resumes/docx ]] || skip_all "no corpus at $CORPUS"
[[ -x /usr/bin/python3 ]] || skip_all "/usr/bin/python3 is not installed"

labelled=$(grep -v '^#' "$ROOT/tests/corpus-labels.tsv" | cut -f1 | sort)
present=$(cd "$CORPUS/resumes" && ls pdf/* docx/* | sort)
check "every corpus PDF and DOCX has a label, and every label a file" test "$labelled" = "$present"

/usr/bin/python3 "$ROOT/tests/lib/corpus_labels.py" "$ROOT/tests/corpus-labels.tsv" "$CORPUS/resumes" \
	"$TOOLS/extract_file" >"$T_TMP/out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	*) echo "# $line" ;;
	esac
done <"$T_TMP/out"
check "the comparison ran to its end" test "$rc" -le 1
