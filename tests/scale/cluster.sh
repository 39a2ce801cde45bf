# The multi-host test's cluster, sourced by scripts/scale and tests/scale/ctl:
# network namespaces on this machine, one private /24 between them, and the
# instances that run in them.
#
#   root namespace   10.251.N.254  HAProxy (127.0.0.1:SHORTLIST_SCALE_HTTP_PORT), the load generator
#   NAME-svc         10.251.N.1    bridge; PostgreSQL, pgbouncer, two memcached, the S3 server, the SMTP sink, the fake LLM
#   NAME-h1..h3      10.251.N.11.. lighttpd with the handlers and a drainer of the same build
#
# N is SHORTLIST_SCALE_NET (default 77), NAME "slN"; the ports inside the
# namespaces are fixed (each namespace has its own port space). Everything is
# made by cluster_up and removed by cluster_down, which is safe to run twice
# and after a failure half-way.
# shellcheck shell=bash

SCALE_NET=${SHORTLIST_SCALE_NET:-77}
[[ $SCALE_NET =~ ^[0-9]+$ ]] && ((SCALE_NET >= 1 && SCALE_NET <= 254)) ||
	{
		echo "error: SHORTLIST_SCALE_NET must be 1..254, not '$SCALE_NET'" >&2
		exit 64
	}
SCALE_PREFIX="10.251.$SCALE_NET"
SCALE_NAME="sl$SCALE_NET"
SCALE_SVC_NS="$SCALE_NAME-svc"
SCALE_SVC_ADDR="$SCALE_PREFIX.1"
SCALE_ROOT_ADDR="$SCALE_PREFIX.254"
SCALE_HOSTS=${SHORTLIST_SCALE_HOSTS:-3}
SCALE_HTTP_PORT=${SHORTLIST_SCALE_HTTP_PORT:-29080} # HAProxy's frontend, on loopback of the root namespace
SCALE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SCALE_INSTANCE="scale-$SCALE_NET" # scripts/lib.sh's instance: var/scale-N, and var/scale-N-hI per web host
SCALE_VAR="$SCALE_ROOT/var/$SCALE_INSTANCE"

# Ports inside the namespaces.
SCALE_PG_PORT=5432
SCALE_PGB_PORT=6432
SCALE_MC_PORT=11211
SCALE_MC2_PORT=11212
SCALE_S3_PORT=4569
SCALE_SMTP_PORT=1025
SCALE_MAIL_WEB_PORT=1080
SCALE_LLM_PORT=8090
SCALE_WEB_PORT=8080

# PostgreSQL itself. Every program of the cluster sends its statements
# through pgbouncer (transaction mode, beside PostgreSQL in the services
# namespace: scale_env's SHORTLIST_PGBOUNCER*, which make scripts/lib.sh
# write SHORTLIST_DATABASE_URL for it); only each drainer's LISTEN
# connection (SHORTLIST_DATABASE_LISTEN_URL) and the scenarios' own SQL
# checks come here directly.
SCALE_DB_ADDR=$SCALE_SVC_ADDR
SCALE_DB_PORT=$SCALE_PG_PORT

host_ns() { echo "$SCALE_NAME-h$1"; }
host_addr() { echo "$SCALE_PREFIX.$((10 + $1))"; }
host_var() { echo "$SCALE_VAR-h$1"; }

scale_log() { printf '# %s\n' "$*" >&2; }

# The environment every instance of the cluster runs with, built from nothing
# so that nothing of the caller's instance (make test's ports, addresses,
# secrets) leaks in: sets SCALE_ENV to an `env -i ...` command to run a
# program with. Usage: scale_env INSTANCE [VAR=VALUE...]
scale_env() {
	local instance=$1 event_secret="" mail_secret=""
	shift
	[[ -f $SCALE_VAR/s3-event-secret ]] && event_secret=$(cat "$SCALE_VAR/s3-event-secret")
	[[ -f $SCALE_VAR/mail-event-secret ]] && mail_secret=$(cat "$SCALE_VAR/mail-event-secret")
	SCALE_ENV=(env -i "PATH=$PATH" "HOME=${HOME:-/root}" "LANG=C.UTF-8" \
		"SHORTLIST_INSTANCE=$instance" "SHORTLIST_BUILD=${SHORTLIST_BUILD:-build}" \
		"SHORTLIST_SCALE_NET=$SCALE_NET" "SHORTLIST_SCALE_HOSTS=$SCALE_HOSTS" "SHORTLIST_SCALE_HTTP_PORT=$SCALE_HTTP_PORT" \
		"SHORTLIST_SERVICES_ADDRESS=$SCALE_SVC_ADDR" \
		"SHORTLIST_PG_ADDRESS=$SCALE_DB_ADDR" "SHORTLIST_PG_PORT=$SCALE_DB_PORT" \
		"SHORTLIST_PG_MAX_CONNECTIONS=400" \
		"SHORTLIST_PGBOUNCER=1" "SHORTLIST_PGBOUNCER_ADDRESS=$SCALE_SVC_ADDR" "SHORTLIST_PGBOUNCER_PORT=$SCALE_PGB_PORT" \
		"SHORTLIST_MEMCACHED_PORT=$SCALE_MC_PORT" \
		"SHORTLIST_MEMCACHED_MORE_SERVERS=$SCALE_SVC_ADDR:$SCALE_MC2_PORT" \
		"SHORTLIST_S3_PORT=$SCALE_S3_PORT" "SHORTLIST_SMTP_PORT=$SCALE_SMTP_PORT" \
		"SHORTLIST_MAIL_WEB_PORT=$SCALE_MAIL_WEB_PORT" "SHORTLIST_LLM_PORT=$SCALE_LLM_PORT" \
		"SHORTLIST_HTTP_PORT=$SCALE_WEB_PORT" "SHORTLIST_BIND_ADDRESS=$SCALE_SVC_ADDR" \
		"SHORTLIST_LLM_PROVIDER=openai" "SHORTLIST_OPENAI_API_KEY=sk-scale" \
		"SHORTLIST_FAKE_LLM_ARGS=--latency-median-ms=20" \
		"SHORTLIST_API_RATE_PER_MINUTE=100000000" \
		${event_secret:+"SHORTLIST_S3_EVENT_SECRET=$event_secret"} \
		${mail_secret:+"SHORTLIST_MAIL_EVENT_SECRET=$mail_secret"} \
		"$@")
}

in_svc() { ip netns exec "$SCALE_SVC_NS" "$@"; }

# Runs scripts/services of the services instance inside its namespace.
svc_services() { # start|stop SERVICE...
	scale_env "$SCALE_INSTANCE"
	in_svc "${SCALE_ENV[@]}" "$SCALE_ROOT/scripts/services" "$@"
}

# Runs a command with the services instance's configuration loaded (from the
# root namespace, which reaches the services over the private link).
with_scale_config() { # COMMAND...
	scale_env "$SCALE_INSTANCE"
	"${SCALE_ENV[@]}" bash -c '. "$0/scripts/lib.sh" && load_config && exec "$@"' "$SCALE_ROOT" "$@"
}

# Web host I's process pools (scripts/lighttpd-pools), one VAR=VALUE a line:
# the caller's SHORTLIST_CORES and SHORTLIST_PROCS_<GROUP>, then for this host
# alone SHORTLIST_H<I>_PROCS_<GROUP> as SHORTLIST_PROCS_<GROUP> (the later wins).
host_pool_env() { # I
	local v
	for v in $(compgen -v SHORTLIST_PROCS_) SHORTLIST_CORES; do
		if [[ -n ${!v-} ]]; then echo "$v=${!v}"; fi
	done
	for v in $(compgen -v "SHORTLIST_H$1_PROCS_"); do echo "SHORTLIST_${v#SHORTLIST_H"$1"_}=${!v}"; done
}

# Runs scripts/services of web host I inside its namespace: lighttpd listens
# on the host's address, every service is reached at the services namespace.
host_services() { # I start|stop SERVICE...
	local i=$1 pools
	shift
	mapfile -t pools < <(host_pool_env "$i")
	scale_env "$SCALE_INSTANCE-h$i" "SHORTLIST_BIND_ADDRESS=$(host_addr "$i")" SHORTLIST_START_DRAINER=1 "${pools[@]}"
	ip netns exec "$(host_ns "$i")" "${SCALE_ENV[@]}" "$SCALE_ROOT/scripts/services" "$@"
}

host_start() { host_services "$1" start lighttpd drainer; }
host_stop() { host_services "$1" stop lighttpd drainer; }

# The pid of web host I's lighttpd itself (the child of its graceful wrapper).
host_lighttpd_pid() { # I
	local wrapper
	wrapper=$(cat "$(host_var "$1")/pid/lighttpd.pid" 2>/dev/null) || return 1
	pgrep -P "$wrapper" -x lighttpd | head -n 1
}

# Kills what is left in namespace NS (processes this cluster started there).
ns_kill_all() { # NS
	local pid
	for pid in $(ip netns pids "$1" 2>/dev/null); do
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# The second memcached, outside scripts/services (which runs one per instance).
memcached2_start() {
	mkdir -p "$SCALE_VAR/pid" "$SCALE_VAR/log"
	kill -0 "$(cat "$SCALE_VAR/pid/memcached2.pid" 2>/dev/null)" 2>/dev/null && return 0
	in_svc setsid memcached -u nobody -l "$SCALE_SVC_ADDR" -p "$SCALE_MC2_PORT" -m 64 -c 4096 \
		>>"$SCALE_VAR/log/memcached2.log" 2>&1 </dev/null &
	echo $! >"$SCALE_VAR/pid/memcached2.pid"
	local i
	for ((i = 0; i < 50; i++)); do
		in_svc bash -c "exec 3<>/dev/tcp/$SCALE_SVC_ADDR/$SCALE_MC2_PORT" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "error: the second memcached did not start" >&2
	return 1
}

memcached2_stop() {
	local pid
	pid=$(cat "$SCALE_VAR/pid/memcached2.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$SCALE_VAR/pid/memcached2.pid"
}

# pgbouncer stopped (SIGTERM: its immediate shutdown, every client
# connection cut) and started again, as a crash or an upgrade would.
pgbouncer_restart() {
	svc_services stop pgbouncer >/dev/null || return 1
	svc_services start pgbouncer >/dev/null
}

# HAProxy's configuration: kept in this one function so that it can be
# replaced by the production template (infra/haproxy/) later. Health checks
# on /readyz every second (a host answering 503, or not at all, is drained
# after two), least connections, and a request whose connection to a host was
# refused is sent to another (redispatch); nothing is retried once it reached
# a host, since an upload is not safe to send twice. Server connections are
# not kept alive, so a host that stops gracefully never sees a request on a
# connection it is closing.
haproxy_config() {
	local i
	cat <<EOT
# Generated by tests/scale/cluster.sh for the multi-host test.
global
	maxconn 4096
	pidfile $SCALE_VAR/haproxy.pid
	stats socket $SCALE_VAR/haproxy.sock mode 600 level admin
	log stderr format short local0 notice

defaults
	mode http
	log global
	option httplog
	option dontlognull
	option http-server-close
	option redispatch
	retries 3
	timeout connect 2s
	timeout client 60s
	timeout server 60s
	timeout http-request 10s
	timeout queue 30s
	# Without it a check's timeout is its interval (1 s), shorter than the
	# hosts' readiness budget (SHORTLIST_PROBE_BUDGET_MS, 2.5 s): a shared S3
	# answering slowly under load timed out every host's check at once.
	timeout check 3s

frontend web
	bind 127.0.0.1:$SCALE_HTTP_PORT
	# Every host unready at once is a shared dependency down: serve from
	# the live hosts rather than drain them all (infra/haproxy/haproxy.cfg.in).
	use_backend hosts_all if { nbsrv(hosts) eq 0 }
	default_backend hosts

backend hosts
	balance leastconn
	option httpchk GET /readyz
	http-check expect status 200
	default-server check inter 1s fall 2 rise 2
EOT
	for ((i = 1; i <= SCALE_HOSTS; i++)); do
		printf '\tserver h%d %s:%d\n' "$i" "$(host_addr "$i")" "$SCALE_WEB_PORT"
	done
	printf '\nbackend hosts_all\n\tbalance leastconn\n\toption httpchk GET /healthz\n\thttp-check expect status 200\n\tdefault-server check inter 1s fall 2 rise 2\n'
	for ((i = 1; i <= SCALE_HOSTS; i++)); do
		printf '\tserver h%d %s:%d\n' "$i" "$(host_addr "$i")" "$SCALE_WEB_PORT"
	done
}

haproxy_start() {
	haproxy_config >"$SCALE_VAR/haproxy.cfg"
	haproxy -c -q -f "$SCALE_VAR/haproxy.cfg" || return 1
	haproxy -D -f "$SCALE_VAR/haproxy.cfg" 2>>"$SCALE_VAR/log/haproxy.log"
}

haproxy_stop() {
	local pid
	pid=$(cat "$SCALE_VAR/haproxy.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	rm -f "$SCALE_VAR/haproxy.pid"
}

# Fails when the private range, a namespace or a link name is already in use.
net_check_free() {
	local n
	if ip -o -4 addr show | grep -q "inet $SCALE_PREFIX\."; then
		echo "error: $SCALE_PREFIX.0/24 is already on an interface here; set SHORTLIST_SCALE_NET" >&2
		return 1
	fi
	if ip -4 route show | grep -q "^$SCALE_PREFIX\."; then
		echo "error: there is already a route to $SCALE_PREFIX.0/24 here; set SHORTLIST_SCALE_NET" >&2
		return 1
	fi
	for n in $(ip netns list | cut -d' ' -f1); do
		if [[ $n == "$SCALE_NAME-"* ]]; then
			echo "error: network namespace $n exists (another run, or a killed one: scripts/scale clean)" >&2
			return 1
		fi
	done
	if ip link show "$SCALE_NAME-root" >/dev/null 2>&1; then
		echo "error: link $SCALE_NAME-root exists (scripts/scale clean)" >&2
		return 1
	fi
}

# Makes the namespaces and the one private link between them: a bridge in
# the services namespace, a veth pair from it to each web host and one to
# the root namespace.
net_up() {
	local i ns
	net_check_free || return 1
	ip netns add "$SCALE_SVC_NS" || return 1
	in_svc ip link set lo up
	in_svc ip link add br0 type bridge
	in_svc ip addr add "$SCALE_SVC_ADDR/24" dev br0
	in_svc ip link set br0 up
	ip link add "$SCALE_NAME-root" type veth peer name "$SCALE_NAME-rp" || return 1
	ip link set "$SCALE_NAME-rp" netns "$SCALE_SVC_NS"
	in_svc ip link set "$SCALE_NAME-rp" master br0 up
	ip addr add "$SCALE_ROOT_ADDR/24" dev "$SCALE_NAME-root"
	ip link set "$SCALE_NAME-root" up
	for ((i = 1; i <= SCALE_HOSTS; i++)); do
		ns=$(host_ns "$i")
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up
		ip link add "$SCALE_NAME-h$i" type veth peer name "$SCALE_NAME-h${i}p" || return 1
		ip link set "$SCALE_NAME-h${i}p" netns "$SCALE_SVC_NS"
		in_svc ip link set "$SCALE_NAME-h${i}p" master br0 up
		ip link set "$SCALE_NAME-h$i" netns "$ns"
		ip -n "$ns" link set "$SCALE_NAME-h$i" name eth0
		ip -n "$ns" addr add "$(host_addr "$i")/24" dev eth0
		ip -n "$ns" link set eth0 up
	done
}

# Removes every namespace and link of this cluster (the processes in them first).
net_down() {
	local n
	for n in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		if [[ $n == "$SCALE_NAME-"* ]]; then
			ns_kill_all "$n"
			ip netns del "$n" 2>/dev/null || true
		fi
	done
	ip link del "$SCALE_NAME-root" 2>/dev/null || true
}

# Starts the whole cluster: network, services, migrations, web hosts, HAProxy.
cluster_up() {
	local i
	mkdir -p "$SCALE_VAR/log" "$SCALE_VAR/pid"
	scale_log "network: $SCALE_PREFIX.0/24, namespaces $SCALE_SVC_NS and $(host_ns 1)..$(host_ns "$SCALE_HOSTS")"
	net_up || return 1
	scale_log "services in $SCALE_SVC_NS at $SCALE_SVC_ADDR"
	svc_services start postgresql pgbouncer memcached s3 smtp llm || return 1
	memcached2_start || return 1
	with_scale_config "$SCALE_ROOT/${SHORTLIST_BUILD:-build}/bin/shortlistctl" migrate >"$SCALE_VAR/log/migrate.log" 2>&1 ||
		{
			echo "error: migrations failed (see $SCALE_VAR/log/migrate.log)" >&2
			return 1
		}
	for ((i = 1; i <= SCALE_HOSTS; i++)); do
		scale_log "web host $i in $(host_ns "$i") at $(host_addr "$i"):$SCALE_WEB_PORT"
		host_start "$i" || return 1
	done
	scale_log "HAProxy on 127.0.0.1:$SCALE_HTTP_PORT"
	haproxy_start || return 1
}

# Stops everything cluster_up started and removes the network, even when it
# only got half-way. The data folders stay in var/ for a look afterwards.
cluster_down() {
	local i
	haproxy_stop
	for ((i = 1; i <= SCALE_HOSTS; i++)); do
		[[ -d $(host_var "$i") ]] && host_stop "$i" >/dev/null 2>&1
	done
	memcached2_stop
	[[ -d $SCALE_VAR ]] && svc_services stop >/dev/null 2>&1
	net_down
}
