#!/usr/bin/env bash
# The short multi-host test (scripts/scale --short): three web hosts as
# network namespaces behind HAProxy, the services in a namespace of their
# own, a few hundred resumes uploaded while one host's lighttpd is killed
# (SIGKILL), then the invariants: only the requests in flight on that host
# failed, every file is one resume, every resume finished, nothing was done
# twice. `make scale` runs every scenario with 2,000 resumes. Needs root and
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
check "the short multi-host test ran its scenario" grep -qE '^scale: 1 scenarios' "$T_TMP/scale.out"
check "no invariant was violated and no request failed after the kill" test "$rc" = 0
check "it sent a few hundred resumes, all stored" \
	awk '/^SIGKILL/ { n = $(NF-2) } END { exit !(n >= 200) }' "$T_TMP/scale.out"
check "the cluster is gone afterwards" test -z "$(ip netns list | grep "^sl$SHORTLIST_SCALE_NET-")"
t_finish
