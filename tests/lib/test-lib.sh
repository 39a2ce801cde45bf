# Sourced by every integration test (tests/tNNNN-*.sh). The runner has
# started the test instance and exported its configuration (SHORTLIST_*).
# A test counts its own checks and exits 0 when all passed, 77 to skip,
# anything else on failure.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE_URL="http://127.0.0.1:${SHORTLIST_HTTP_PORT:?run through scripts/test-integration}"
# The metrics listener (loopback only; the public port has no /metrics): `BASE_URL=$METRICS_URL http GET /metrics`.
METRICS_URL="http://127.0.0.1:${SHORTLIST_METRICS_PORT:-19464}"
# The build under test: build/, or the folder SHORTLIST_BUILD names (a sanitized one).
BUILD_DIR="$ROOT/${SHORTLIST_BUILD:-build}"
BIN="$BUILD_DIR/bin"
TOOLS="$BUILD_DIR/tests/tools"
CORPUS=${SHORTLIST_CORPUS:-$ROOT/../shared/corpus}
T_NAME=$(basename "$0" .sh)
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/$T_NAME.XXXXXX")
T_PASSED=0
T_FAILED=0
trap 't_finish' EXIT

t_finish() {
	local rc=$?
	# A handler this test started and did not stop must not outlive it.
	[[ -n ${HANDLER_PID:-} ]] && kill -KILL "$HANDLER_PID" 2>/dev/null
	stop_fake_llm
	rm -rf "$T_TMP"
	if ((rc == 77)); then
		exit 77
	fi
	echo "# $T_NAME: $T_PASSED passed, $T_FAILED failed"
	((T_FAILED == 0 && rc == 0)) || exit 1
	exit 0
}

ok() {
	T_PASSED=$((T_PASSED + 1))
	echo "ok - $*"
}
not_ok() {
	T_FAILED=$((T_FAILED + 1))
	echo "not ok - $*"
}
skip_all() {
	echo "skip: $*"
	exit 77
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# http METHOD PATH [curl args...]: sets STATUS, BODY (file $T_TMP/body) and HEADERS (file).
http() {
	local method=$1 path=$2
	shift 2
	STATUS=$(curl -s -o "$T_TMP/body" -D "$T_TMP/headers" -w '%{http_code}' -X "$method" "$@" "$BASE_URL$path")
	BODY=$(cat "$T_TMP/body")
}

# expect_status CODE DESCRIPTION: checks the last http call's status.
expect_status() {
	if [[ $STATUS == "$1" ]]; then
		ok "$2 (HTTP $STATUS)"
	else
		not_ok "$2: expected HTTP $1, got $STATUS: $(head -c 400 "$T_TMP/body")"
	fi
}

# json FILTER: runs a jq filter on the last body.
json() { jq -r "$1" <"$T_TMP/body"; }

# expect_json FILTER EXPECTED DESCRIPTION
expect_json() {
	local got
	got=$(jq -r "$1" <"$T_TMP/body" 2>/dev/null)
	if [[ $got == "$2" ]]; then
		ok "$3"
	else
		not_ok "$3: $1 is '$got', expected '$2'"
	fi
}

header() { grep -i "^$1:" "$T_TMP/headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

sql() { psql -h 127.0.0.1 -p "$SHORTLIST_PG_PORT" -U postgres -d shortlist -Atq -v ON_ERROR_STOP=1 -c "$1"; }

ctl() { "$BIN/shortlistctl" "$@"; }

services() { "$ROOT/scripts/services" "$@"; }

# Creates an organisation with a key; prints the key. Usage: new_org NAME
new_org() {
	ctl org create "$1" >/dev/null && ctl key create --org "$1" 2>/dev/null
}

# Waits until COMMAND succeeds, up to SECONDS. Usage: eventually SECONDS COMMAND...
eventually() {
	local limit=$(($1 * 10)) i
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# Starts a FastCGI handler directly, as lighttpd would (a listening unix
# socket as its standard input), and waits until it has been started. The
# environment passes through, so a setting can be given for this one process:
#   SHORTLIST_X=y start_handler SOCKET COMMAND [ARGS...] 2>LOG
# Sets HANDLER_PID (the handler, or its wrapper such as valgrind). When it does
# not start, the test fails and ends there rather than waiting on nothing.
start_handler() {
	local sock=$1
	shift
	rm -f "$sock.pid"
	"$ROOT/tests/tools/run_handler.py" "$sock" "$sock.pid" "$@" &
	HANDLER_RUNNER=$!
	if ! eventually 20 test -s "$sock.pid"; then
		not_ok "the handler ($*) did not start"
		kill "$HANDLER_RUNNER" 2>/dev/null
		exit 1
	fi
	HANDLER_PID=$(cat "$sock.pid")
}

# Stops the handler start_handler started: SIGTERM, then up to 120 s to exit
# (valgrind's leak check takes a while), then SIGKILL. Returns its exit status.
stop_handler() {
	local i rc
	kill -TERM "$HANDLER_PID" 2>/dev/null
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$HANDLER_RUNNER" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$HANDLER_PID" 2>/dev/null
	wait "$HANDLER_RUNNER"
	rc=$?
	HANDLER_PID=
	return $rc
}

# Starts a fake LLM provider of this test's own (tests/fakes/fake_openai.py)
# on a free port, ARGS added to its command line (latency, faults, kept
# requests...), and waits until it listens:
#   start_fake_llm [ARGS...]
# Sets FAKE (its base URL, http://127.0.0.1:PORT: the API is $FAKE/v1, the
# counters $FAKE/_stats), FAKE_PORT and FAKE_PID; it logs to $T_TMP/fake.log.
# t_finish stops it, so a test's own exit trap only has to end with t_finish.
# When it does not start, the test fails and ends there. Call it in the test's
# own shell (not in $(...)), which must be its parent for the cleanup to wait.
start_fake_llm() {
	[[ -x /usr/bin/python3 ]] || skip_all "python3 is not installed"
	/usr/bin/python3 "$ROOT/tests/fakes/fake_openai.py" --port 0 "$@" 2>"$T_TMP/fake.log" &
	FAKE_PID=$!
	local i
	# Up to 20 s, and no longer than it runs (a wrong argument ends it at once).
	for ((i = 0; i < 200; i++)); do
		grep -q "listening on" "$T_TMP/fake.log" && break
		kill -0 "$FAKE_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -q "listening on" "$T_TMP/fake.log"; then
		not_ok "the fake LLM provider (fake_openai.py $*) did not start: $(tail -n 2 "$T_TMP/fake.log")"
		exit 1
	fi
	FAKE_PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$T_TMP/fake.log" | head -n 1)
	FAKE="http://127.0.0.1:$FAKE_PORT"
}

# Stops the provider start_fake_llm started, if it still runs (SIGTERM, then
# waits for it). Returns 0.
stop_fake_llm() {
	[[ -n ${FAKE_PID:-} ]] || return 0
	kill -TERM "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
	FAKE_PID=
	return 0
}

# Skips the test unless a browser test can run here: chromium at CHROMIUM
# (default /usr/bin/chromium, exported), playwright-core and node.
require_browser() {
	export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
	[[ -x $CHROMIUM ]] || skip_all "no chromium at $CHROMIUM (apt-get install chromium)"
	[[ -f $ROOT/node_modules/playwright-core/package.json ]] || skip_all "playwright-core is not installed (npm ci)"
	command -v node >/dev/null || skip_all "node is not installed"
}

# Runs the browser test tests/e2e/NAME.mjs against this instance, with the
# settings given added to its environment, and counts the "ok - " and
# "not ok - " lines it prints as this test's own; it exiting 77 skips this
# test (with its "skip:" reason), any other failure fails it:
#   run_browser_test NAME [VAR=VALUE...]
run_browser_test() {
	local name=$1 rc
	shift
	env TMPDIR="$T_TMP" CHROMIUM="${CHROMIUM:-/usr/bin/chromium}" SHORTLIST_WEB_URL="$BASE_URL" "$@" \
		node "$ROOT/tests/e2e/$name.mjs" >"$T_TMP/web.out" 2>&1
	rc=$?
	cat "$T_TMP/web.out"
	((rc == 77)) && skip_all "$(grep -m1 '^skip:' "$T_TMP/web.out" | cut -c7-)"
	T_PASSED=$((T_PASSED + $(grep -c '^ok - ' "$T_TMP/web.out")))
	T_FAILED=$((T_FAILED + $(grep -c '^not ok - ' "$T_TMP/web.out")))
	((rc == 0 || T_FAILED > 0)) || not_ok "the browser test $name.mjs exited with $rc"
	return 0
}
