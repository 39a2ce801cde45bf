# Shared by the service scripts: the instance's folders, ports and config file.
# An instance ("run" for `make run`, "test" for `make test`, "bench" and
# "faults" for the benchmarks and the fault suite) is one set of local
# services under var/INSTANCE on its own ports, so they can run at once.

SHORTLIST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INSTANCE=${SHORTLIST_INSTANCE:-run}
case "$INSTANCE" in
run | test | bench | faults) ;;
*)
	echo "error: SHORTLIST_INSTANCE must be run, test, bench or faults, not '$INSTANCE'" >&2
	exit 64
	;;
esac
VAR="$SHORTLIST_ROOT/var/$INSTANCE"
CONFIG_FILE="$VAR/shortlist.env"
LOGS="$VAR/log"
PIDS="$VAR/pid"

# Default ports per instance; any SHORTLIST_*_PORT in the environment wins.
# All stay below 32768, where Linux starts handing out ephemeral ports for
# outgoing connections: a server port inside that range can find itself taken
# by some client socket at bind time.
port_default() { # NAME RUN TEST BENCH FAULTS
	case "$INSTANCE" in
	run) echo "$2" ;;
	test) echo "$3" ;;
	bench) echo "$4" ;;
	faults) echo "$5" ;;
	esac
}
: "${SHORTLIST_HTTP_PORT:=$(port_default http 8080 18080 28080 19080)}"
: "${SHORTLIST_PG_PORT:=$(port_default pg 15400 15432 25432 16432)}"
: "${SHORTLIST_MEMCACHED_PORT:=$(port_default mc 11311 21311 31311 22311)}"
: "${SHORTLIST_S3_PORT:=$(port_default s3 4569 14569 24569 15569)}"
: "${SHORTLIST_SMTP_PORT:=$(port_default smtp 1025 11025 21025 12025)}"
: "${SHORTLIST_MAIL_WEB_PORT:=$(port_default mailweb 1080 11080 21080 12080)}"
: "${SHORTLIST_LLM_PORT:=$(port_default llm 8090 18090 28090 19090)}"
: "${SHORTLIST_PROMETHEUS_PORT:=$(port_default prometheus 9090 19290 29290 19390)}"
: "${SHORTLIST_ALERTMANAGER_PORT:=$(port_default alertmanager 9093 19293 29293 19393)}"
export SHORTLIST_PROMETHEUS_PORT SHORTLIST_ALERTMANAGER_PORT
export SHORTLIST_HTTP_PORT SHORTLIST_PG_PORT SHORTLIST_MEMCACHED_PORT SHORTLIST_S3_PORT SHORTLIST_SMTP_PORT \
	SHORTLIST_MAIL_WEB_PORT SHORTLIST_LLM_PORT

# The build the services and tests run: build/ unless SHORTLIST_BUILD names
# another folder of the checkout (`make test SANITIZE=...` uses build-asan).
SHORTLIST_BUILD=${SHORTLIST_BUILD:-build}
case "$SHORTLIST_BUILD" in
*/* | .* | '')
	echo "error: SHORTLIST_BUILD must name a folder of the checkout, not '$SHORTLIST_BUILD'" >&2
	exit 64
	;;
esac
export SHORTLIST_BUILD
BUILD_DIR="$SHORTLIST_ROOT/$SHORTLIST_BUILD"
BIN="$BUILD_DIR/bin"
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

# A sanitized run (SHORTLIST_SANITIZE set, as `make test SANITIZE=...` does)
# sends every AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
# report of every program (handlers, drainer, CLIs, unit tests, forked
# extraction children) to a file under SANITIZER_LOGS (asan.PID, ubsan.PID),
# where sanitizer_reports finds them; a report on stderr alone would be lost
# in some log nobody reads. UBSan goes on after a report so one run finds
# them all; ASan stops the process at its first error.
# A run started from another (t0020 runs `make run` on the bench instance)
# keeps the outer run's folder, so its reports count there too.
SANITIZER_LOGS=${SHORTLIST_SANITIZER_LOGS:-$LOGS/sanitizer}
sanitizer_env() {
	[[ -n ${SHORTLIST_SANITIZE-} ]] || return 0
	mkdir -p "$SANITIZER_LOGS"
	export SHORTLIST_SANITIZER_LOGS="$SANITIZER_LOGS"
	export ASAN_OPTIONS="log_path=$SANITIZER_LOGS/asan:detect_leaks=1:abort_on_error=0:print_stacktrace=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
	export LSAN_OPTIONS="suppressions=$SHORTLIST_ROOT/tests/sanitizer/lsan.supp:print_suppressions=0"
	export UBSAN_OPTIONS="log_path=$SANITIZER_LOGS/ubsan:print_stacktrace=1:halt_on_error=0"
}

# Prints the sanitizer report files present (none: nothing printed).
sanitizer_reports() {
	[[ -d $SANITIZER_LOGS ]] || return 0
	find "$SANITIZER_LOGS" -type f -size +0 | sort
}

say() { printf '%s\n' "$*"; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

# Waits until something listens on 127.0.0.1:PORT (or fails after SECONDS,
# or as soon as process PID, when given, has exited).
wait_port() { # PORT SECONDS NAME [PID]
	local port=$1 limit=$(($2 * 10)) i
	for ((i = 0; i < limit; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		if [[ -n ${4:-} ]] && ! kill -0 "$4" 2>/dev/null; then
			echo "error: $3 exited before listening on 127.0.0.1:$port (see $LOGS)" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "error: $3 did not start listening on 127.0.0.1:$port (see $LOGS)" >&2
	return 1
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { # PIDFILE
	[[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Stops the process in PIDFILE: TERM, wait, then KILL. Removes the pid file.
stop_pid() { # PIDFILE NAME
	local pidfile=$1 pid i
	[[ -f $pidfile ]] || return 0
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "warning: $2 did not stop in 10 s; killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
}

# Writes the instance's config file: every program reads it (SHORTLIST_CONFIG).
write_config() {
	mkdir -p "$VAR"
	local provider=${SHORTLIST_LLM_PROVIDER-}
	local base_url=${SHORTLIST_OPENAI_BASE_URL:-http://127.0.0.1:$SHORTLIST_LLM_PORT/v1}
	local api_key=${SHORTLIST_OPENAI_API_KEY-}
	local event_secret=${SHORTLIST_S3_EVENT_SECRET:-}
	local mail_secret=${SHORTLIST_MAIL_EVENT_SECRET:-}
	# The benchmarks count every request (the limiter's cost is measured) but never refuse one.
	local api_rate=1200
	[[ $INSTANCE == bench ]] && api_rate=100000000
	api_rate=${SHORTLIST_API_RATE_PER_MINUTE:-$api_rate}
	if [[ -z $event_secret ]]; then
		if [[ -f $VAR/s3-event-secret ]]; then
			event_secret=$(cat "$VAR/s3-event-secret")
		else
			event_secret=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
			(umask 077 && echo "$event_secret" >"$VAR/s3-event-secret")
		fi
	fi
	if [[ -z $mail_secret ]]; then
		[[ -f $VAR/mail-event-secret ]] ||
			(umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$VAR/mail-event-secret")
		mail_secret=$(cat "$VAR/mail-event-secret")
	fi
	(
		umask 077
		cat >"$CONFIG_FILE.tmp" <<EOT
# Generated by scripts/services for the "$INSTANCE" instance; edits are overwritten.
SHORTLIST_LOG_LEVEL='${SHORTLIST_LOG_LEVEL:-info}'
SHORTLIST_PUBLIC_URL='http://127.0.0.1:$SHORTLIST_HTTP_PORT'
SHORTLIST_HTTP_PORT='$SHORTLIST_HTTP_PORT'
SHORTLIST_PG_PORT='$SHORTLIST_PG_PORT'
SHORTLIST_MEMCACHED_PORT='$SHORTLIST_MEMCACHED_PORT'
SHORTLIST_S3_PORT='$SHORTLIST_S3_PORT'
SHORTLIST_SMTP_PORT='$SHORTLIST_SMTP_PORT'
SHORTLIST_MAIL_WEB_PORT='$SHORTLIST_MAIL_WEB_PORT'
SHORTLIST_DATABASE_URL='host=127.0.0.1 port=$SHORTLIST_PG_PORT dbname=shortlist user=postgres'
SHORTLIST_MEMCACHED_SERVERS='127.0.0.1:$SHORTLIST_MEMCACHED_PORT'
SHORTLIST_S3_ENDPOINT='http://127.0.0.1:$SHORTLIST_S3_PORT'
SHORTLIST_S3_REGION='us-east-1'
SHORTLIST_S3_BUCKET='shortlist'
SHORTLIST_S3_ACCESS_KEY='S3RVER'
SHORTLIST_S3_SECRET_KEY='S3RVER'
SHORTLIST_S3_PATH_STYLE='true'
SHORTLIST_S3_EVENT_SECRET='$event_secret'
SHORTLIST_API_RATE_PER_MINUTE='$api_rate'
SHORTLIST_SMTP_URL='smtp://127.0.0.1:$SHORTLIST_SMTP_PORT'
SHORTLIST_RETURN_PATH='${SHORTLIST_RETURN_PATH-bounces@shortlist.localhost}'
SHORTLIST_MAIL_EVENT_SECRET='$mail_secret'
SHORTLIST_LLM_PROVIDER='$provider'
SHORTLIST_OPENAI_BASE_URL='$base_url'
SHORTLIST_OPENAI_API_KEY='$api_key'
EOT
		mv "$CONFIG_FILE.tmp" "$CONFIG_FILE"
	)
}

# Loads the instance's config into this shell (exported), for scripts and tests.
load_config() {
	[[ -f $CONFIG_FILE ]] || write_config
	set -a
	# shellcheck disable=SC1090
	. "$CONFIG_FILE"
	set +a
	export SHORTLIST_CONFIG="$CONFIG_FILE"
	sanitizer_env
}
