#!/usr/bin/env bash
# Near-duplicate links in a real browser (tests/e2e/neardup.mjs): the candidate
# page shows its one-word copy with the difference and links to it, the copy
# links back and the name-swapped copy shows none. Screenshots in
# var/screenshots/neardup-*.png. Skips when chromium or playwright-core is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
[[ -x $BIN/drainer ]] || skip_all "build first (make DEV=1)"

run_browser_test neardup
