#!/usr/bin/env bash
# A scoring answer the drainer cannot store is still paid for once: with a
# provider of this test's own that takes 4 s, the resume's task is taken
# from the drainer while its call is in flight (as a rescue by another
# drainer would). The answer that then arrives is not stored but recorded
# in llm_spend as scoring_unstored, with the provider's own token counts;
# the next attempt takes it from the LLM cache (no second call, its analysis
# costs nothing), so the job's spend is the price of one call, once.
. "$(dirname "$0")/lib/test-lib.sh"
[[ -x /usr/bin/python3 ]] || skip_all "python3 is not installed"
command -v jq >/dev/null || skip_all "jq is not installed"

KEY=$(new_org "unstored-$$")
A=(-H "Authorization: Bearer $KEY")
J=(-H "Authorization: Bearer $KEY" -H "Content-Type: application/json")
DRAINER_PID=''
cleanup() {
	[[ -n $DRAINER_PID ]] && kill -TERM "$DRAINER_PID" 2>/dev/null && wait "$DRAINER_PID" 2>/dev/null
	return 0
}
trap 'rc=$?; cleanup; (exit $rc); t_finish' EXIT

start_fake_llm --latency-median-ms 4000 --latency-sigma 0
fake() { curl -s "$FAKE/_stats" | jq -r "$1"; }
LLM=(SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t1023 SHORTLIST_OPENAI_BASE_URL="$FAKE/v1"
	SHORTLIST_OPENAI_MODEL=gpt-4o-mini)

http POST /api/v1/jobs "${J[@]}" --data '{"title":"Warehouse Lead","company":"Northgate Logistics","description":"Northgate Logistics needs a warehouse lead in Leeds: forklift licence, stock control and team rotas ('"$$"').","required_skills":["forklift","stock control"]}'
expect_status 201 "a job is made"
JOB=$(json .id)
# Its preparation done first with the local provider, so that the only provider call is the resume's.
"$BIN/drainer" --once >>"$T_TMP/drainer-local.log" 2>&1
printf 'Sam Okoro\nsam.%s@example.org\n\nWarehouse supervisor, 7 years: forklift licence, stock control, rotas for 20 people.\n' "$$" >"$T_TMP/r.txt"
RID=$(curl -s "${A[@]}" -F "f=@$T_TMP/r.txt" "$BASE_URL/api/v1/jobs/$JOB/resumes" | jq -r '.files[0].resume_id')
check "a resume is uploaded" test -n "$RID" -a "$RID" != null

# Earlier tests' preparation tasks waiting out a retry are not this test's: the slow provider would answer them too.
sql "DELETE FROM tasks WHERE kind = 'job_prep' AND state IN ('queued', 'running')" >/dev/null
env "${LLM[@]}" "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/drainer-1.log" 2>&1 &
DRAINER_PID=$!
asked() { test "$(fake .requests)" -ge 1; }
eventually 30 asked
check "the drainer's call is with the provider" test "$(fake .in_flight)" = 1
# Another drainer's rescue, as far as this one can tell: its claim is gone, the task waits an hour.
moved=$(sql "UPDATE tasks SET state = 'queued', locked_by = NULL, lease_until = NULL, run_at = now() + interval '1 hour'
	WHERE kind = 'process_resume' AND resume_id = $RID AND state = 'running' RETURNING id" | wc -l)
check "the task is taken from the drainer mid-call" test "$moved" = 1
wait "$DRAINER_PID"
DRAINER_PID=''
check "the provider answered once" test "$(fake .completions)" = 1
check "the drainer says it lost the claim" grep -q "lost the claim\|rescued by another drainer" "$T_TMP/drainer-1.log"
check "no analysis was stored" test "$(sql "SELECT count(*) FROM analyses WHERE resume_id = $RID")" = 0
check "the answer is recorded as paid and unstored" \
	test "$(sql "SELECT count(*) FROM llm_spend WHERE job_id = $JOB AND purpose = 'scoring_unstored' AND cost_known AND cost_usd > 0")" = 1
check "with the provider's prompt tokens" test "$(sql "SELECT prompt_tokens FROM llm_spend WHERE job_id = $JOB")" = "$(fake .prompt_tokens)"
check "and completion tokens" test "$(sql "SELECT completion_tokens FROM llm_spend WHERE job_id = $JOB")" = "$(fake .completion_tokens)"
cost=$(sql "SELECT cost_usd FROM llm_spend WHERE job_id = $JOB")

sql "UPDATE tasks SET run_at = now() WHERE kind = 'process_resume' AND resume_id = $RID" >/dev/null
env "${LLM[@]}" "$BIN/drainer" --once --max-seconds 60 >"$T_TMP/drainer-2.log" 2>&1
check "the next attempt scored the resume" test "$(sql "SELECT status FROM resumes WHERE id = $RID")" = scored
check "from the LLM cache, with no second call" test "$(fake .completions)" = 1
check "its analysis is a cache hit that costs nothing" \
	test "$(sql "SELECT cache_hit || '/' || cost_usd::float FROM analyses WHERE resume_id = $RID AND is_current")" = "true/0"
http GET "/api/v1/jobs/$JOB/budget" "${A[@]}"
expect_status 200 "the job's spend"
expect_json .spend.unstored.calls 1 "counts the unstored answer"
expect_json .spend.calls 0 "and no stored call"
check "the job has paid for one call, once (\$$(json .spend.total_usd) = \$$cost)" \
	awk -v a="$(json .spend.total_usd)" -v b="$cost" 'BEGIN { exit !(a == b && a > 0) }'
expect_json .committed_usd "$(json .spend.total_usd)" "which is committed against its budget"
http GET /api/v1/stats "${A[@]}"
expect_json .llm.unstored_calls 1 "/stats counts it"
ctl counters-check >"$T_TMP/check.txt" 2>&1
check "every counter equals a full count" test $? -eq 0
