#!/usr/bin/env bash
# Cost governance in a real browser (tests/e2e/budget.mjs): resumes waiting
# for a job's budget shown on its page and woken by raising the budget there,
# an estimate before uploading, and spend per job and organisation with calls
# of a model without a price shown apart; screenshots in
# var/screenshots/budget-*.png. Skips when chromium, playwright-core or the
# instance's fake LLM provider is missing.
. "$(dirname "$0")/lib/test-lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || skip_all "no chromium at $CHROMIUM (apt-get install chromium)"
[[ -f $ROOT/node_modules/playwright-core/package.json ]] || skip_all "playwright-core is not installed (npm ci)"
command -v node >/dev/null || skip_all "node is not installed"
[[ -x $BIN/drainer ]] || skip_all "build first (make DEV=1)"

# The browser test prints its own ok/not ok lines; count them here.
TMPDIR="$T_TMP" CHROMIUM="$CHROMIUM" SHORTLIST_WEB_URL="$BASE_URL" node "$ROOT/tests/e2e/budget.mjs" >"$T_TMP/web.out" 2>&1
rc=$?
cat "$T_TMP/web.out"
((rc == 77)) && skip_all "$(grep -m1 '^skip:' "$T_TMP/web.out" | cut -c7-)"
T_PASSED=$((T_PASSED + $(grep -c '^ok - ' "$T_TMP/web.out")))
T_FAILED=$((T_FAILED + $(grep -c '^not ok - ' "$T_TMP/web.out")))
((rc == 0)) || { ((T_FAILED > 0)) || not_ok "the browser test exited with $rc"; }
