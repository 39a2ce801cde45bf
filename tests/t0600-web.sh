#!/usr/bin/env bash
# The recruiter web app in a real browser (tests/e2e/web.mjs): sign-in, jobs,
# upload, progress, the ranked list, a candidate, emails, escaping, CSP,
# keyboard and small screens. Skips when chromium or playwright-core is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
[[ -x $BIN/drainer && -x $TOOLS/mkfixtures ]] || skip_all "build first (make DEV=1)"

mkdir -p "$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$T_TMP/fixtures" >/dev/null || skip_all "mkfixtures failed"

run_browser_test web FIXTURES="$T_TMP/fixtures"
