#!/usr/bin/env bash
# An erasure in a real browser (tests/e2e/erasure.mjs): refused while a legal
# hold is on the candidate, done once it is released; the S3 object and the
# rows are gone and the trail keeps the erasure. Screenshots in
# var/screenshots/erasure-*.png. Skips when chromium or playwright-core is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
[[ -x $BIN/drainer && -x $TOOLS/mkfixtures ]] || skip_all "build first (make DEV=1)"

mkdir -p "$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$T_TMP/fixtures" >/dev/null || skip_all "mkfixtures failed"

run_browser_test erasure FIXTURES="$T_TMP/fixtures"
