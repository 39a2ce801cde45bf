#!/usr/bin/env bash
# The short multi-host test (scripts/scale --short): three web hosts as
# network namespaces behind HAProxy, the services in a namespace of their
# own, a few hundred resumes uploaded while one host's lighttpd is killed
# (SIGKILL), then half as many while pgbouncer (every host's way to
# PostgreSQL, in transaction mode) is restarted; after each the invariants:
# only the requests in flight on the killed host, or sent while pgbouncer was
# down, failed; every file is one resume, every resume finished, nothing was
# done twice; PostgreSQL never held more connections from pgbouncer than its
# pool allows. `make scale` runs every scenario with 2,000 resumes. Needs root and
# `ip netns`; skips without them. Its cluster is its own (var/scale-N*, the
# private range 10.251.N.0/24 with N = SHORTLIST_SCALE_NET, HAProxy on
# 127.0.0.1:SHORTLIST_SCALE_HTTP_PORT), not the test instance; its defaults
# (78 and 29081) differ from `make scale`'s, so both can run at once.
. "$(dirname "$0")/lib/test-lib.sh"
export SHORTLIST_SCALE_NET=${SHORTLIST_SCALE_NET:-78} SHORTLIST_SCALE_HTTP_PORT=${SHORTLIST_SCALE_HTTP_PORT:-29081}

[[ $(id -u) -eq 0 ]] || skip_all "needs root for network namespaces"
command -v ip >/dev/null && ip netns list >/dev/null 2>&1 || skip_all "'ip netns' is not available"
command -v haproxy >/dev/null || skip_all "haproxy is not installed"
tmpns="sl-t0950-$$"
ip netns add "$tmpns" 2>/dev/null || skip_all "cannot make a network namespace here"
ip netns del "$tmpns"

"$ROOT/scripts/scale" --short >"$T_TMP/scale.out" 2>&1
rc=$?
sed 's/^/# /' "$T_TMP/scale.out" | tail -n 20
check "the short multi-host test ran its two scenarios" grep -qE '^scale: 2 scenarios' "$T_TMP/scale.out"
check "no invariant was violated, no request failed after the kill or after pgbouncer was back" test "$rc" = 0
# Columns: scenario..., requests, failures, resumes, pg conns, clients, invariants, secs.
check "it sent a few hundred resumes, all stored" \
	awk '/^SIGKILL/ { n = $(NF-4) } END { exit !(n >= 200) }' "$T_TMP/scale.out"
check "the pgbouncer restart scenario ran, its resumes all stored" \
	awk '/^pgbouncer restarted/ { n = $(NF-4); ok = $(NF-1) } END { exit !(n >= 100 && ok == "ok") }' "$T_TMP/scale.out"
POOL_MAX=$(awk -F' *= *' '$1 == "max_db_connections" { print $2 }' "$ROOT/infra/pgbouncer/pgbouncer.ini")
check "PostgreSQL's connections from pgbouncer were sampled and stayed within max_db_connections ($POOL_MAX)" \
	awk -v max="$POOL_MAX" '/^(SIGKILL|pgbouncer restarted)/ { split($(NF-3), c, "[+/]"); n++; if (c[1] < 1 || c[1] > max) bad++ }
		END { exit !(n == 2 && !bad) }' "$T_TMP/scale.out"
# The hosts' configuration (their folders stay in var/ after the run).
net=$SHORTLIST_SCALE_NET
check "a web host sends its statements to pgbouncer on the services' address" \
	grep -q "^SHORTLIST_DATABASE_URL='host=10.251.$net.1 port=6432 " "$ROOT/var/scale-$net-h1/shortlist.env"
check "in transaction mode (unnamed statements)" grep -q "^SHORTLIST_DB_POOLER='transaction'" "$ROOT/var/scale-$net-h1/shortlist.env"
check "and its drainer LISTENs on PostgreSQL itself" \
	grep -q "^SHORTLIST_DATABASE_LISTEN_URL='host=10.251.$net.1 port=5432 " "$ROOT/var/scale-$net-h1/shortlist.env"
check "pgbouncer was restarted in the services namespace" \
	test "$(grep -c 'process up' "$ROOT/var/scale-$net/pgbouncer/pgbouncer.log")" -ge 2
check "the cluster is gone afterwards" test -z "$(ip netns list | grep "^sl$SHORTLIST_SCALE_NET-")"
t_finish
