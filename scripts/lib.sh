# Shared by the service scripts: the instance's folders, ports and config file.
# An instance ("run" for `make run`, "test" for `make test`, "bench" and
# "faults" for the benchmarks and the fault suite) is one set of local
# services under var/INSTANCE on its own ports, so they can run at once.

SHORTLIST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INSTANCE=${SHORTLIST_INSTANCE:-run}
case "$INSTANCE" in
run | test | bench | faults | pool) ;;
scale-[0-9]*) # the multi-host test's services (scale-N) and web hosts (scale-N-hI), each in a network namespace (scripts/scale)
	[[ $INSTANCE =~ ^scale-[0-9]{1,3}(-h[1-9])?$ ]] || {
		echo "error: '$INSTANCE' is not a multi-host test instance (scale-N or scale-N-hI)" >&2
		exit 64
	}
	;;
*)
	echo "error: SHORTLIST_INSTANCE must be run, test, bench, faults, pool or scale-N, not '$INSTANCE'" >&2
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
	scale*) echo "$3" ;; # inside network namespaces of its own: no clash with the test instance
	pool) echo "$3" ;; # tests/t0870: its own pgbouncer and lighttpd (ports given) before the test instance's services
	esac
}
: "${SHORTLIST_HTTP_PORT:=$(port_default http 8080 18080 28080 19080)}"
: "${SHORTLIST_PG_PORT:=$(port_default pg 15400 15432 25432 16432)}"
: "${SHORTLIST_MEMCACHED_PORT:=$(port_default mc 11311 21311 31311 22311)}"
: "${SHORTLIST_S3_PORT:=$(port_default s3 4569 14569 24569 15569)}"
: "${SHORTLIST_SMTP_PORT:=$(port_default smtp 1025 11025 21025 12025)}"
: "${SHORTLIST_MAIL_WEB_PORT:=$(port_default mailweb 1080 11080 21080 12080)}"
: "${SHORTLIST_LLM_PORT:=$(port_default llm 8090 18090 28090 19090)}"
: "${SHORTLIST_PGBOUNCER_PORT:=$(port_default pgbouncer 15401 15433 25433 16433)}"
: "${SHORTLIST_METRICS_PORT:=$(port_default metrics 9464 19464 29464 19564)}"
export SHORTLIST_METRICS_PORT
: "${SHORTLIST_PROMETHEUS_PORT:=$(port_default prometheus 9090 19290 29290 19390)}"
: "${SHORTLIST_ALERTMANAGER_PORT:=$(port_default alertmanager 9093 19293 29293 19393)}"
export SHORTLIST_PROMETHEUS_PORT SHORTLIST_ALERTMANAGER_PORT
export SHORTLIST_HTTP_PORT SHORTLIST_PG_PORT SHORTLIST_MEMCACHED_PORT SHORTLIST_S3_PORT SHORTLIST_SMTP_PORT \
	SHORTLIST_MAIL_WEB_PORT SHORTLIST_LLM_PORT
# memcached servers of the instance's pool, on SHORTLIST_MEMCACHED_PORT and the ports after it.
: "${SHORTLIST_MEMCACHED_COUNT:=1}"
[[ $SHORTLIST_MEMCACHED_COUNT =~ ^[1-9]$ ]] || {
	echo "error: SHORTLIST_MEMCACHED_COUNT must be 1 to 9, not '$SHORTLIST_MEMCACHED_COUNT'" >&2
	exit 64
}
export SHORTLIST_MEMCACHED_COUNT

# Listening addresses, loopback unless set: lighttpd's (SHORTLIST_BIND_ADDRESS)
# and each service's, which default to SHORTLIST_SERVICES_ADDRESS. The
# programs connect to the services at the same addresses, so a host whose
# services run elsewhere (the multi-host test's web hosts) sets them to the
# services' address. 0.0.0.0 listens everywhere.
: "${SHORTLIST_BIND_ADDRESS:=127.0.0.1}"
: "${SHORTLIST_SERVICES_ADDRESS:=127.0.0.1}"
: "${SHORTLIST_PG_ADDRESS:=$SHORTLIST_SERVICES_ADDRESS}"
: "${SHORTLIST_MEMCACHED_ADDRESS:=$SHORTLIST_SERVICES_ADDRESS}"
: "${SHORTLIST_S3_ADDRESS:=$SHORTLIST_SERVICES_ADDRESS}"
: "${SHORTLIST_SMTP_ADDRESS:=$SHORTLIST_SERVICES_ADDRESS}"
: "${SHORTLIST_LLM_ADDRESS:=$SHORTLIST_SERVICES_ADDRESS}"
export SHORTLIST_BIND_ADDRESS SHORTLIST_SERVICES_ADDRESS SHORTLIST_PG_ADDRESS SHORTLIST_MEMCACHED_ADDRESS \
	SHORTLIST_S3_ADDRESS SHORTLIST_SMTP_ADDRESS SHORTLIST_LLM_ADDRESS

# The address to connect to for a listener on ADDRESS: a wildcard means this host's loopback.
dial_address() { # ADDRESS
	case $1 in
	'' | 0.0.0.0) echo 127.0.0.1 ;;
	:: | '[::]') echo ::1 ;;
	*) echo "$1" ;;
	esac
}
export SHORTLIST_PGBOUNCER_PORT

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

# Waits until something listens on 127.0.0.1:PORT, or ADDRESS:PORT (or fails
# after SECONDS, or as soon as process PID, when given, has exited).
wait_port() { # [ADDRESS:]PORT SECONDS NAME [PID]
	local host=127.0.0.1 port=$1 limit=$(($2 * 10)) i
	[[ $port == *:* ]] && host=$(dial_address "${port%:*}") port=${port##*:}
	for ((i = 0; i < limit; i++)); do
		if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
			return 0
		fi
		if [[ -n ${4:-} ]] && ! kill -0 "$4" 2>/dev/null; then
			echo "error: $3 exited before listening on $host:$port (see $LOGS)" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "error: $3 did not start listening on $host:$port (see $LOGS)" >&2
	return 1
}

port_busy() { # [ADDRESS:]PORT
	local host=127.0.0.1 port=$1
	[[ $port == *:* ]] && host=$(dial_address "${port%:*}") port=${port##*:}
	(exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

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

# The instance's memcached pool as SHORTLIST_MEMCACHED_SERVERS lists it.
memcached_servers_list() { # HOST
	local i list=""
	for ((i = 0; i < SHORTLIST_MEMCACHED_COUNT; i++)); do
		list+="${list:+,}$1:$((SHORTLIST_MEMCACHED_PORT + i))"
	done
	echo "$list"
}

# Writes the instance's config file: every program reads it (SHORTLIST_CONFIG).
write_config() {
	mkdir -p "$VAR"
	local provider=${SHORTLIST_LLM_PROVIDER-}
	local base_url=${SHORTLIST_OPENAI_BASE_URL:-http://$(dial_address "$SHORTLIST_LLM_ADDRESS"):$SHORTLIST_LLM_PORT/v1}
	local api_key=${SHORTLIST_OPENAI_API_KEY-}
	local pg mc s3 smtp
	pg=$(dial_address "$SHORTLIST_PG_ADDRESS") mc=$(dial_address "$SHORTLIST_MEMCACHED_ADDRESS")
	s3=$(dial_address "$SHORTLIST_S3_ADDRESS") smtp=$(dial_address "$SHORTLIST_SMTP_ADDRESS")
	local event_secret=${SHORTLIST_S3_EVENT_SECRET:-}
	local mail_secret=${SHORTLIST_MAIL_EVENT_SECRET:-}
	local pgbouncer=false db_port=$SHORTLIST_PG_PORT db_host=$pg
	if [[ ${SHORTLIST_PGBOUNCER:-0} =~ ^(1|true|yes|on)$ ]]; then
		pgbouncer=true db_port=$SHORTLIST_PGBOUNCER_PORT db_host=127.0.0.1
	fi
	# The benchmarks count every request (the limiter's cost is measured) but never refuse one.
	local api_rate=1200
	[[ $INSTANCE == bench ]] && api_rate=100000000
	api_rate=${SHORTLIST_API_RATE_PER_MINUTE:-$api_rate}
	# The same for the per-address limits: the bench instance's floods come from one address.
	local ip_limits=() ip_name ip_value
	for ip_name in SIGNIN UNAUTH READYZ METRICS; do
		ip_name=SHORTLIST_IP_${ip_name}_PER_MINUTE
		ip_value=${!ip_name-}
		[[ -z $ip_value && $INSTANCE == bench ]] && ip_value=100000000
		[[ -n $ip_value ]] && ip_limits+=("$ip_name='$ip_value'")
	done
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
SHORTLIST_PGBOUNCER='$pgbouncer'
SHORTLIST_METRICS_PORT='$SHORTLIST_METRICS_PORT'
SHORTLIST_METRICS_FILE='$VAR/run/metrics'
SHORTLIST_DATABASE_URL='host=$db_host port=$db_port dbname=shortlist user=postgres'
SHORTLIST_MEMCACHED_SERVERS='$(memcached_servers_list "$mc")${SHORTLIST_MEMCACHED_MORE_SERVERS:+,$SHORTLIST_MEMCACHED_MORE_SERVERS}'
SHORTLIST_S3_ENDPOINT='http://$s3:$SHORTLIST_S3_PORT'
SHORTLIST_S3_REGION='us-east-1'
SHORTLIST_S3_BUCKET='shortlist'
SHORTLIST_S3_ACCESS_KEY='S3RVER'
SHORTLIST_S3_SECRET_KEY='S3RVER'
SHORTLIST_S3_PATH_STYLE='true'
SHORTLIST_S3_EVENT_SECRET='$event_secret'
SHORTLIST_API_RATE_PER_MINUTE='$api_rate'
SHORTLIST_SMTP_URL='smtp://$smtp:$SHORTLIST_SMTP_PORT'
SHORTLIST_RETURN_PATH='${SHORTLIST_RETURN_PATH-bounces@shortlist.localhost}'
SHORTLIST_MAIL_EVENT_SECRET='$mail_secret'
SHORTLIST_LLM_PROVIDER='$provider'
SHORTLIST_OPENAI_BASE_URL='$base_url'
SHORTLIST_OPENAI_API_KEY='$api_key'
EOT
		((${#ip_limits[@]})) && printf '%s\n' "${ip_limits[@]}" >>"$CONFIG_FILE.tmp"
		# SHORTLIST_PGBOUNCER=1: statements through pgbouncer (scripts/services starts it), LISTEN straight to PostgreSQL.
		if [[ $pgbouncer == true ]]; then
			printf '%s\n' "SHORTLIST_PGBOUNCER_PORT='$SHORTLIST_PGBOUNCER_PORT'" "SHORTLIST_DB_POOLER='transaction'" \
				"SHORTLIST_DATABASE_LISTEN_URL='host=$pg port=$SHORTLIST_PG_PORT dbname=shortlist user=postgres'"
		else
			printf '%s\n' "SHORTLIST_DB_POOLER=''" "SHORTLIST_DATABASE_LISTEN_URL=''"
		fi >>"$CONFIG_FILE.tmp"
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
