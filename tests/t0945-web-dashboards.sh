#!/usr/bin/env bash
# The dashboards in a real browser (tests/e2e/dashboards.mjs): a job's charts
# and the operations page of an organisation's admins drawn as SVG with as
# many bars and points as the API's numbers call for, refused to a recruiter;
# screenshots in var/screenshots/dashboard-*.png. Skips when chromium or
# playwright-core is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
[[ -x $BIN/drainer && -x $TOOLS/mkfixtures ]] || skip_all "build first (make DEV=1)"

mkdir -p "$T_TMP/fixtures"
"$TOOLS/mkfixtures" "$T_TMP/fixtures" >/dev/null || skip_all "mkfixtures failed"

run_browser_test dashboards FIXTURES="$T_TMP/fixtures"
