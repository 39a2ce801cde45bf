#!/usr/bin/env bash
# The libFuzzer harnesses (tests/fuzz/fuzz_*.c: multipart, JSON bodies
# through jsoncheck, the query string and route matching, DOCX styles and
# runs, S3 event notifications, SigV4 presigned URLs, text normalisation,
# what is read from a resume or a description: contacts, kind, sections)
# build, and every
# committed seed (tests/fuzz/seeds/NAME/, each past crash among them) runs
# clean under ASan and UBSan. Fuzzing itself is `make fuzz`.
. "$(dirname "$0")/lib/test-lib.sh"

command -v clang >/dev/null || skip_all "clang is not installed"
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' >"$T_TMP/probe.c"
clang -fsanitize=fuzzer "$T_TMP/probe.c" -o "$T_TMP/probe" 2>/dev/null || skip_all "libFuzzer (libclang-rt-14-dev) is not installed"

cd "$ROOT" || exit 1
for f in tests/fuzz/fuzz_*.c; do
	n=${f##*/fuzz_}
	n=${n%.c}
	check "$n: has seeds" test -n "$(find "tests/fuzz/seeds/$n" -type f 2>/dev/null | head -n 1)"
done
tests/fuzz/run --build >"$T_TMP/build.log" 2>&1
check "the harnesses build" test $? = 0 || tail -n 20 "$T_TMP/build.log"
for f in tests/fuzz/fuzz_*.c; do
	n=${f##*/fuzz_}
	n=${n%.c}
	tests/fuzz/run --seeds "$n" >"$T_TMP/$n.log" 2>&1
	rc=$?
	check "$n: every seed runs clean" test $rc = 0
	((rc == 0)) || tail -n 30 "$T_TMP/$n.log"
	check "$n: every seed was run" grep -q "replaying $(find "tests/fuzz/seeds/$n" -type f | wc -l) seeds" "$T_TMP/$n.log"
done
