#!/usr/bin/env bash
# The short fault suite (tests/faults/faults.py --short) against the test
# instance: a drainer killed mid-batch, PostgreSQL restarted under uploads,
# memcached stopped, S3 stopped mid-download, a failing LLM provider and a
# failing SMTP server, each followed by the suite's invariants. `make faults`
# runs the whole suite with larger batches on an instance of its own.
. "$(dirname "$0")/lib/test-lib.sh"

"$ROOT/tests/faults/run" --short >"$T_TMP/faults.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/faults.out" | tail -n 20
check "the short fault suite ran its scenarios" grep -qE '^faults: [1-9][0-9]* scenarios' "$T_TMP/faults.out"
check "no invariant was violated" test "$rc" = 0
check "every scenario accepted work" test -z "$(awk 'NR > 1 && $0 !~ /^faults:/ && $(NF-4) == 0' <(sed -n '/^scenario /,$p' "$T_TMP/faults.out"))"
t_finish
