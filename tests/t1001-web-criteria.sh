#!/usr/bin/env bash
# The job page's criteria in a real browser (tests/e2e/criteria.mjs) with the
# fake LLM provider: a new job gets its criteria from the LLM (made here by
# the jobs program configured for the provider, and settled by the drainer),
# then the browser shows them, edits, saves, sees the new version's diff,
# rescores, and sees the new version used. Screenshots go to var/screenshots.
# Skips when chromium, playwright-core or the fake provider is missing.
. "$(dirname "$0")/lib/test-lib.sh"

require_browser
curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health" || skip_all "the fake LLM provider is not running"

KEY=$(new_org "web-criteria-$$")
export SHORTLIST_E2E_LLM_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1"
sock="$T_TMP/jobs.sock"
SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-test SHORTLIST_OPENAI_BASE_URL="$SHORTLIST_E2E_LLM_BASE_URL" \
	start_handler "$sock" "$BIN/jobs" 2>"$T_TMP/jobs.log"
jq -n --arg d "Harbour Kitchen ($$) is hiring a sous chef in Porto.

Requirements:
- Three years as a line cook or sous chef in a busy restaurant
- Food safety certificate (HACCP level 2)
- Leading a kitchen brigade of six cooks

Nice to have:
- Pastry and bakery skills
- Portuguese or Spanish" '{title: "Sous Chef", description: $d}' >"$T_TMP/job.json"
JOB=$(FCGI_PRINT_BODY=1 "$ROOT/tests/tools/fcgi_request.py" "$sock" 1 POST /api/v1/jobs "$T_TMP/job.json" \
	"HTTP_AUTHORIZATION=Bearer $KEY" CONTENT_TYPE=application/json | jq -r .id)
stop_handler
check "the job is created with the provider configured" test "$JOB" -gt 0
mkdir -p "$T_TMP/r"
printf 'Ana Costa\nana@example.org\n\nSous chef, Mar Azul restaurant, Porto (2018 - 2024)\nLed a brigade of six cooks; HACCP level 2 food safety certificate; grill and charcoal.\n' >"$T_TMP/r/ana.txt"
printf 'Ben Lowe\nben@example.org\n\nWarehouse picker, Northline Logistics (2019 - 2024)\nForklift licence and stock counts.\n' >"$T_TMP/r/ben.txt"
curl -s -H "Authorization: Bearer $KEY" -F "f=@$T_TMP/r/ana.txt" -F "f=@$T_TMP/r/ben.txt" \
	"$BASE_URL/api/v1/jobs/$JOB/resumes" >"$T_TMP/upload.json"
check "two resumes uploaded" test "$(jq .accepted "$T_TMP/upload.json")" = 2

# The browser test runs the drainer (with the provider) itself.
run_browser_test criteria E2E_KEY="$KEY" E2E_JOB="$JOB"
