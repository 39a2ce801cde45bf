#!/usr/bin/env bash
# Near-duplicate links in a real browser (tests/e2e/neardup.mjs): the candidate
# page shows its one-word copy with the difference and links to it, the copy
# links back and the name-swapped copy shows none. Screenshots in
# var/screenshots/neardup-*.png. Skips when chromium or playwright-core is missing.
. "$(dirname "$0")/lib/test-lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[[ -x $CHROMIUM ]] || skip_all "no chromium at $CHROMIUM (apt-get install chromium)"
[[ -f $ROOT/node_modules/playwright-core/package.json ]] || skip_all "playwright-core is not installed (npm ci)"
command -v node >/dev/null || skip_all "node is not installed"
[[ -x $BIN/drainer ]] || skip_all "build first (make DEV=1)"

# The browser test prints its own ok/not ok lines; count them here.
TMPDIR="$T_TMP" CHROMIUM="$CHROMIUM" SHORTLIST_WEB_URL="$BASE_URL" \
	node "$ROOT/tests/e2e/neardup.mjs" >"$T_TMP/web.out" 2>&1
rc=$?
cat "$T_TMP/web.out"
((rc == 77)) && skip_all "$(grep -m1 '^skip:' "$T_TMP/web.out" | cut -c7-)"
T_PASSED=$((T_PASSED + $(grep -c '^ok - ' "$T_TMP/web.out")))
T_FAILED=$((T_FAILED + $(grep -c '^not ok - ' "$T_TMP/web.out")))
((rc == 0)) || { ((T_FAILED > 0)) || not_ok "the browser test exited with $rc"; }
