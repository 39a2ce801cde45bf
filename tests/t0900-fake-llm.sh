#!/usr/bin/env bash
# The fake LLM provider: runs its own test suite (which starts private copies
# of the fake), then checks the instance's running fake when there is one.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NAME=$(basename "$0" .sh)
PY=/usr/bin/python3
passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "ok - $*"
}
not_ok() {
	failed=$((failed + 1))
	echo "not ok - $*"
}

if [[ ! -x $PY ]]; then
	echo "skip: $PY is not installed"
	exit 77
fi

out=$("$PY" "$ROOT/tests/fakes/test_fake_openai.py" 2>&1)
rc=$?
echo "$out"
summary=$(printf '%s\n' "$out" | tail -n 1)
if [[ $rc -eq 0 && $summary =~ ^([0-9]+)\ passed,\ 0\ failed$ && ${BASH_REMATCH[1]} -gt 0 ]]; then
	ok "fake_openai test suite: $summary"
else
	not_ok "fake_openai test suite (exit $rc): $summary"
fi

# The instance's fake, started by scripts/services on SHORTLIST_LLM_PORT.
if [[ -n ${SHORTLIST_LLM_PORT:-} ]]; then
	base="http://127.0.0.1:$SHORTLIST_LLM_PORT"
	if curl -sf -o /dev/null "$base/health"; then
		ok "instance fake answers /health on port $SHORTLIST_LLM_PORT"
		models=$(curl -s -H 'Authorization: Bearer sk-t0900' "$base/v1/models")
		if printf '%s' "$models" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); assert d["object"]=="list" and d["data"]'; then
			ok "instance fake lists its models"
		else
			not_ok "instance fake /v1/models: $models"
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/models")
		if [[ $code == 401 ]]; then ok "instance fake wants a key"; else not_ok "instance fake without a key: $code"; fi
	else
		echo "# instance fake not running on port $SHORTLIST_LLM_PORT: only the suite ran"
	fi
fi

echo "# $NAME: $passed passed, $failed failed"
((failed == 0))
