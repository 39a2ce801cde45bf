#!/usr/bin/env bash
# The FastCGI process pools are sized per route group from configuration
# (SHORTLIST_PROCS_<GROUP>, scripts/lighttpd-pools), with defaults derived
# from the cores: a second lighttpd (the "pool" instance, on the test
# instance's services) started with sizes of its own runs exactly that many
# processes of each pool, every one of them at start; the defaults follow the
# cores; a bad value or a misspelt group is refused with a message naming
# it, before anything is written or started.
. "$(dirname "$0")/lib/test-lib.sh"

HTTP=${SHORTLIST_T0955_HTTP_PORT:-26310}
METRICS=${SHORTLIST_T0955_METRICS_PORT:-26311}
for p in "$HTTP" "$METRICS"; do
	(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && skip_all "port $p is taken (set SHORTLIST_T0955_HTTP_PORT / _METRICS_PORT)"
done
# Nothing of the caller's own pool settings may leak in.
for v in $(compgen -v SHORTLIST_PROCS_) SHORTLIST_CORES; do unset "$v"; done
ENVS=(SHORTLIST_INSTANCE=pool SHORTLIST_HTTP_PORT="$HTTP" SHORTLIST_METRICS_PORT="$METRICS")
pool_services() { env "${ENVS[@]}" "$@" "$ROOT/scripts/services" "$ACTION" lighttpd; }
stop_pool() { ACTION=stop pool_services >/dev/null 2>&1; }
trap 'rc=$?; stop_pool; (exit $rc); t_finish' EXIT
trap 'exit 1' TERM INT
CONF="$ROOT/var/pool/lighttpd.conf"

# Counts the processes of program NAME that the pool instance's lighttpd runs.
procs_of() { # NAME
	local wrapper server
	wrapper=$(cat "$ROOT/var/pool/pid/lighttpd.pid" 2>/dev/null) || { echo 0; return; }
	server=$(pgrep -P "$wrapper" -x lighttpd | head -n 1)
	[[ -n $server ]] || { echo 0; return; }
	ps -o args= --ppid "$server" | awk -v p="$BIN/$1" '$1 == p { n++ } END { print n + 0 }'
}

# --- the defaults follow the cores
out=$(SHORTLIST_CORES=3 "$ROOT/scripts/lighttpd-pools")
check "3 cores: six processes for the jobs pool" grep -qx 'var.procs_jobs = 6' <<<"$out"
check "3 cores: six for candidates and storage" \
	bash -c 'grep -qx "var.procs_candidates = 6" <<<"$1" && grep -qx "var.procs_storage = 6" <<<"$1"' - "$out"
check "3 cores: three for sign-in and emails" \
	bash -c 'grep -qx "var.procs_account = 3" <<<"$1" && grep -qx "var.procs_emails = 3" <<<"$1"' - "$out"
check "3 cores: thirty-six for uploads, two for health" \
	bash -c 'grep -qx "var.procs_upload = 36" <<<"$1" && grep -qx "var.procs_health = 2" <<<"$1"' - "$out"
out=$(SHORTLIST_CORES=1 SHORTLIST_PROCS_JOBS=9 "$ROOT/scripts/lighttpd-pools")
check "a setting wins over the cores for its pool only" \
	bash -c 'grep -qx "var.procs_jobs = 9" <<<"$1" && grep -qx "var.procs_candidates = 2" <<<"$1"' - "$out"
out=$(SHORTLIST_CORES=3 SHORTLIST_PROCS_JOBS=0 "$ROOT/scripts/lighttpd-pools")
check "0 is the default derived from the cores" grep -qx 'var.procs_jobs = 6' <<<"$out"
cores=$(nproc)
check "without SHORTLIST_CORES the host's $cores cores decide" \
	grep -qx "var.procs_jobs = $((2 * cores))" <<<"$("$ROOT/scripts/lighttpd-pools")"

# --- the multi-host cluster: every host gets the caller's sizes, one host its own on top
cluster_pools() { # I
	(. "$ROOT/tests/scale/cluster.sh" && export SHORTLIST_PROCS_JOBS=3 SHORTLIST_H2_PROCS_JOBS=5 SHORTLIST_H2_PROCS_UPLOAD=2 &&
		host_pool_env "$1" | tr '\n' ' ')
}
h1=$(cluster_pools 1) h2=$(cluster_pools 2)
check "cluster host 1 takes SHORTLIST_PROCS_JOBS alone ($h1)" test "$h1" = "SHORTLIST_PROCS_JOBS=3 "
check "cluster host 2 takes its SHORTLIST_H2_PROCS_* after it, so they win ($h2)" \
	test "$h2" = "SHORTLIST_PROCS_JOBS=3 SHORTLIST_PROCS_JOBS=5 SHORTLIST_PROCS_UPLOAD=2 "
check "env keeps the last of two settings, as the host's environment is built" \
	test "$(env -i SHORTLIST_PROCS_JOBS=3 SHORTLIST_PROCS_JOBS=5 "$ROOT/scripts/lighttpd-pools" | head -n 1)" = "var.procs_jobs = 5"

# --- sizes of one's own reach lighttpd, every process started at once
ACTION=start
if ! pool_services SHORTLIST_PROCS_JOBS=3 SHORTLIST_PROCS_CANDIDATES=5 SHORTLIST_PROCS_UPLOAD=2 >"$T_TMP/start.log" 2>&1; then
	not_ok "lighttpd did not start with pool sizes of its own: $(tail -n 5 "$T_TMP/start.log")"
	exit 1
fi
ok "lighttpd started with SHORTLIST_PROCS_JOBS=3, _CANDIDATES=5, _UPLOAD=2"
check "its configuration says so" grep -qx 'var.procs_jobs = 3' "$CONF"
five_candidates() { [[ $(procs_of candidates) == 5 ]]; }
eventually 10 five_candidates
check "lighttpd runs 3 jobs processes (counted: $(procs_of jobs))" test "$(procs_of jobs)" = 3
check "5 candidates processes (counted: $(procs_of candidates))" test "$(procs_of candidates)" = 5
check "2 upload processes (counted: $(procs_of upload))" test "$(procs_of upload)" = 2
check "the account pool keeps its default of one per core (counted: $(procs_of account))" \
	test "$(procs_of account)" = "$cores"
check "the storage pool keeps two per core (counted: $(procs_of storage))" test "$(procs_of storage)" = "$((2 * cores))"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP/api/v1/jobs")
check "the jobs pool answers (an unsigned list: $code)" test "$code" = 401
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HTTP/readyz")
check "the health pool answers /readyz ($code)" test "$code" = 200
# Twenty reads at once queue for the three processes: none is refused, none grows the pool.
for _ in $(seq 20); do
	curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$HTTP/api/v1/jobs" >>"$T_TMP/burst" &
done
wait
check "twenty reads at once on three processes are all answered (401s: $(grep -c '^401$' "$T_TMP/burst"))" \
	test "$(grep -c '^401$' "$T_TMP/burst")" = 20
check "the jobs pool is still 3 processes after the burst" test "$(procs_of jobs)" = 3
good=$(sha256sum "$CONF")
stop_pool

# --- bad values are refused, by name, before anything is written or started
refused() { # EXPECTED-TEXT VAR=VALUE...
	local want=$1
	shift
	if pool_services "$@" >"$T_TMP/bad.log" 2>&1; then
		not_ok "$* was accepted"
		stop_pool
		return
	fi
	check "$* is refused: $(grep -m 1 error "$T_TMP/bad.log")" grep -qF "$want" "$T_TMP/bad.log"
	check "$*: no lighttpd runs (processes: $(procs_of jobs))" test "$(procs_of jobs)" = 0
	check "$*: the last good lighttpd.conf is left as it was" test "$(sha256sum "$CONF")" = "$good"
}
refused "SHORTLIST_PROCS_JOBS must be a whole number of processes from 1 to 256 (0: derived from the cores), not '08'" SHORTLIST_PROCS_JOBS=08
refused "SHORTLIST_PROCS_ACCOUNT must be a whole number of processes from 1 to 256 (0: derived from the cores), not 'two'" SHORTLIST_PROCS_ACCOUNT=two
refused "SHORTLIST_PROCS_CANDIDATES must be a whole number of processes from 1 to 256 (0: derived from the cores), not '300'" SHORTLIST_PROCS_CANDIDATES=300
refused "SHORTLIST_PROCS_UPLOAD must be a whole number of processes from 1 to 1024 (0: derived from the cores), not '-4'" SHORTLIST_PROCS_UPLOAD=-4
refused "SHORTLIST_PROCS_JOSB names no process pool" SHORTLIST_PROCS_JOSB=4
refused "SHORTLIST_CORES must be a whole number of cores" SHORTLIST_CORES=0
check "the refusal says which setting to fix" grep -q "process pools are misconfigured" "$T_TMP/bad.log"
