#!/usr/bin/env bash
# Every route of every handler's table reaches that handler through the real
# lighttpd configuration (lighttpd/shortlist.conf): the route list exists in
# the tables and again in lighttpd's URL conditions, and a route missing from
# the second would otherwise land on another handler's 404 unnoticed.
#
# Each handler program prints its compiled table with --routes; each answer
# names the program that made it in X-Shortlist-Handler (shared/http/app.c).
# A request goes to each route with its {parameters} filled in and no
# credentials, so no route function runs for an authenticated route (401), and
# the public ones get a harmless empty body.
#
# Seen to fail: with "|rate-limit" removed from the account pool's condition
# in lighttpd/shortlist.conf (and lighttpd restarted), this test reported
# "not ok - GET /api/v1/rate-limit reaches account: answered by jobs (HTTP
# 404)" and exited 1; restoring the entry made it pass again.
. "$(dirname "$0")/lib/test-lib.sh"

programs=$(grep -l 'static const struct route routes\[\]' "$ROOT"/handlers/*.c | xargs -n 1 basename | sed 's/\.c$//')
check "route tables found in handlers/*.c" test -n "$programs"

# fill PATTERN: a concrete path for a pattern, each {name} segment made "7".
fill() { sed -E 's/\{[^}/]*\}/7/g' <<<"$1"; }

total=0
for prog in $programs; do
	if ! "$BIN/$prog" --routes >"$T_TMP/routes-$prog" 2>"$T_TMP/err" || [[ ! -s $T_TMP/routes-$prog ]]; then
		not_ok "$prog --routes prints its route table: $(head -c 300 "$T_TMP/err")"
		continue
	fi
	while read -r method pattern _; do
		total=$((total + 1))
		path=$(fill "$pattern")
		args=()
		# lighttpd refuses a POST without a length (411) before any handler runs.
		[[ $method == GET || $method == DELETE ]] || args=(-H 'Content-Type: application/json' --data-binary '')
		http "$method" "$path" "${args[@]}"
		got=$(header X-Shortlist-Handler)
		if [[ $got == "$prog" ]]; then
			ok "$method $pattern reaches $prog (HTTP $STATUS)"
		else
			not_ok "$method $pattern reaches $prog: answered by ${got:-lighttpd itself} (HTTP $STATUS): $(head -c 200 "$T_TMP/body")"
		fi
	done <"$T_TMP/routes-$prog"
done
check "routes were tried ($total)" test "$total" -gt 0

# A path no table has still gets a problem+json 404 with a request id.
http GET /api/v1/no-such-route
expect_status 404 "an unknown API path is not found"
check "the catch-all pool answers it" test "$(header X-Shortlist-Handler)" = jobs
check "it carries a request id" test -n "$(header X-Request-Id)"
