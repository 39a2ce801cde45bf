#!/usr/bin/env bash
# The compliance features in a real browser (tests/e2e/compliance.mjs): the
# blind view hides a recruiter's view of candidates who are not shortlisted
# and an admin's not; an override with a reason shortlists a hidden candidate
# and reveals them; the candidate notice's page records a request for a
# human review that the recruiter then sees. Skips when chromium or
# playwright-core is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
[[ -x $BIN/drainer && -x $BIN/shortlistctl ]] || skip_all "build first (make DEV=1)"

run_browser_test compliance
