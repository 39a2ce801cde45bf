#!/usr/bin/env bash
# Cost governance in a real browser (tests/e2e/budget.mjs): resumes waiting
# for a job's budget shown on its page and woken by raising the budget there,
# an estimate before uploading, and spend per job and organisation with calls
# of a model without a price shown apart; screenshots in
# var/screenshots/budget-*.png. Skips when chromium, playwright-core or the
# instance's fake LLM provider is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
[[ -x $BIN/drainer ]] || skip_all "build first (make DEV=1)"

run_browser_test budget
