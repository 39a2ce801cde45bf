#!/usr/bin/env bash
# The short ranking-quality evaluation (tests/eval/eval.py --short: three
# jobs, six graded resumes each, the traps on one) against the test instance,
# judged by the floors recorded in tests/eval/floors.json; then the same run
# with the fake LLM provider (reported, not judged), and against a floor it
# cannot reach, which must fail. `make eval` runs the whole set.
. "$(dirname "$0")/lib/test-lib.sh"

[[ -x /usr/bin/python3 ]] || skip_all "/usr/bin/python3 is not installed"
out=$(/usr/bin/python3 "$ROOT/tests/eval/test_metrics.py" 2>&1)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "the figures' own checks pass ($(tail -n 1 <<<"$out"))" test "$rc" = 0
/usr/bin/python3 "$ROOT/tests/eval/eval.py" --short >"$T_TMP/eval.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/eval.out"
check "the short evaluation meets every floor" test "$rc" = 0
check "the table names the provider" grep -qE '^figure \(provider: [a-z]+\)' "$T_TMP/eval.out"
for f in 'top-1 accuracy' 'NDCG@5' 'Spearman' 'band accuracy' 'stability' 'name swap' 'required-skill recall' \
	'trap: hidden text, PDF white' 'trap: hidden text, DOCX white' 'trap: prompt injection' 'trap: keyword stuffing' \
	'trap: one word changed'; do
	check "the table has '$f'" grep -q "^$f" "$T_TMP/eval.out"
done
check "every figure was judged against a floor" test "$(grep -c 'not judged' "$T_TMP/eval.out")" = 0
if grep -q '^figure (provider: local)' "$T_TMP/eval.out"; then
	check "the local scorer is stable: the same input scored five times gives one score" \
		grep -qE '^stability: .* 0\.000 .*\(identical\)' "$T_TMP/eval.out"
fi

# With an OpenAI-compatible provider (the instance's fake: its scores mean
# nothing) the table names it and reports its figures without judging them.
if curl -sf -o /dev/null "http://127.0.0.1:$SHORTLIST_LLM_PORT/health"; then
	SHORTLIST_LLM_PROVIDER=openai SHORTLIST_OPENAI_API_KEY=sk-t0965 \
		SHORTLIST_OPENAI_BASE_URL="http://127.0.0.1:$SHORTLIST_LLM_PORT/v1" \
		/usr/bin/python3 "$ROOT/tests/eval/eval.py" --short >"$T_TMP/fake.out" 2>&1
	rc=$?
	sed -n '/^figure/,$p' "$T_TMP/fake.out" | sed 's/^/# fake: /'
	check "the run with the fake provider completes (exit 0: no floors recorded for it)" test "$rc" = 0
	check "its table says it ran with the openai provider" grep -q '^figure (provider: openai)' "$T_TMP/fake.out"
	check "and judges none of its figures" grep -q '^eval: [0-9]* figures, not judged: no floors recorded for openai' "$T_TMP/fake.out"
	check "its stability spread is reported" grep -qE '^stability: .* [0-9]+\.[0-9]{3} ' "$T_TMP/fake.out"
else
	echo "# the instance's fake LLM does not answer on port $SHORTLIST_LLM_PORT: the provider run is left out"
fi

# A figure under its floor fails the run.
jq '(.. | objects | select(has("spearman")) | .spearman) = 1.5' "$ROOT/tests/eval/floors.json" >"$T_TMP/floors.json"
/usr/bin/python3 "$ROOT/tests/eval/eval.py" --short --floors "$T_TMP/floors.json" >"$T_TMP/high.out" 2>&1
rc=$?
check "a floor the run cannot reach fails it (exit 1)" test "$rc" = 1
check "and the table says which figure is below" grep -qE '^Spearman .* 1\.500  BELOW' "$T_TMP/high.out"
t_finish
