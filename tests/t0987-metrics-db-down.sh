#!/usr/bin/env bash
# The metrics listener while PostgreSQL is down: it still answers 200 with
# every process's counters and the dependency gauges, and leaves out only
# the families read from the database (whole), so the instance's Prometheus
# keeps the target up, sees shortlist_dependency_up{dependency="postgresql"}
# 0 and keeps counting the requests served meanwhile; when PostgreSQL is
# back, the database's families are back too.
#
# Seen to fail: with handle_metrics() answering 503 when the database
# cannot be asked (as it did), 11 checks failed, among them "not ok - the
# metrics listener answers 200 without PostgreSQL (503)", "not ok -
# Prometheus keeps the target up (down)" and "not ok - no scrape failed
# during the outage".
. "$(dirname "$0")/lib/test-lib.sh"

command -v prometheus >/dev/null || skip_all "prometheus is not installed (scripts/bootstrap installs it)"
command -v jq >/dev/null || skip_all "jq is not installed"
curl -sf -o /dev/null "$METRICS_URL/metrics" || skip_all "the metrics listener does not answer at $METRICS_URL"

PROM_URL="http://127.0.0.1:${SHORTLIST_PROMETHEUS_PORT:?}"
TARGET="127.0.0.1:${SHORTLIST_METRICS_PORT:?}"
cleanup() {
	services start postgresql >/dev/null 2>&1
	services stop prometheus >/dev/null 2>&1
}
trap 'code=$?; cleanup; (exit $code); t_finish' EXIT

export SHORTLIST_PROMETHEUS_INTERVAL=1s
services stop prometheus >/dev/null 2>&1
rm -rf "$ROOT/var/${SHORTLIST_INSTANCE:-test}/prometheus"
check "Prometheus starts" services start prometheus

q() { # EXPR: the value of a PromQL expression now (the sum of its samples; 0 when it has none)
	curl -s --get --data-urlencode "query=$1" "$PROM_URL/api/v1/query" |
		jq -r '[.data.result[].value[1] | tonumber] | add // 0'
}
is() { test "$(q "$1")" = "$2"; }
health() { curl -s "$PROM_URL/api/v1/targets" | jq -r --arg t "$TARGET" '.data.activeTargets[] | select(.labels.instance == $t) | .health'; }
HEALTHZ='shortlist_http_requests_total{route="/healthz",method="GET",status="200"}'

for i in 1 2 3; do curl -s -o /dev/null "$BASE_URL/healthz"; done
check "Prometheus scrapes the metrics listener" eventually 30 is "up{instance=\"$TARGET\"}" 1
check "and sees PostgreSQL up" eventually 30 is 'shortlist_dependency_up{dependency="postgresql"}' 1
check "and the queue's gauges" eventually 30 test "$(q 'count(shortlist_queue_depth)')" -ge 1
sleep 2
before=$(q "$HEALTHZ")
check "the /healthz requests are counted ($before)" test "${before%.*}" -ge 3

# --- PostgreSQL stops
outage_start=$(date +%s)
services stop postgresql >/dev/null
curl -s -o "$T_TMP/m" -w '%{http_code}' "$METRICS_URL/metrics" >"$T_TMP/status"
check "the metrics listener answers 200 without PostgreSQL ($(cat "$T_TMP/status"))" test "$(cat "$T_TMP/status")" = 200
# The readiness probes reuse a result for SHORTLIST_PROBE_REUSE_MS: a scrape soon after says it.
scrape_says_down() {
	curl -s -o "$T_TMP/m" "$METRICS_URL/metrics" && grep -qx 'shortlist_dependency_up{dependency="postgresql"} 0' "$T_TMP/m"
}
check "it says PostgreSQL is down" eventually 20 scrape_says_down
check "and that the host is not ready" grep -qx 'shortlist_ready 0' "$T_TMP/m"
check "it still carries the processes' counters" grep -q '^shortlist_http_requests_total{route="/healthz"' "$T_TMP/m"
check "and their histograms" grep -q '^shortlist_http_request_duration_seconds_bucket{' "$T_TMP/m"
check "and which processes are up" grep -q '^shortlist_process_up{program="jobs"} ' "$T_TMP/m"
check "the families read from the database are left out whole" \
	bash -c "! grep -q -e '^# TYPE shortlist_queue_depth ' -e '^shortlist_queue_depth' -e '^# TYPE shortlist_tasks ' '$T_TMP/m'"
check "the exposition's other families are there" grep -q '^# TYPE shortlist_db_errors_total counter$' "$T_TMP/m"
for i in 1 2 3 4 5; do curl -s -o /dev/null "$BASE_URL/healthz"; done
# The series is there and 0 (a lost series would also sum to 0).
check "Prometheus sees PostgreSQL down" eventually 30 is 'count(shortlist_dependency_up{dependency="postgresql"} == 0)' 1
check "and the requests served meanwhile (5 more)" eventually 30 is "$HEALTHZ - $before" 5
check "Prometheus keeps the target up ($(health))" test "$(health)" = up
check "the queue's gauges are gone from the newest scrape" eventually 30 is 'count(shortlist_queue_depth) or vector(0)' 0
sleep 2
span=$(($(date +%s) - outage_start))
check "no scrape failed during the outage (${span}s)" is "min_over_time(up{instance=\"$TARGET\"}[${span}s])" 1

# --- PostgreSQL is back
services start postgresql >/dev/null
check "Prometheus sees PostgreSQL up again" eventually 60 is 'shortlist_dependency_up{dependency="postgresql"}' 1
check "and the queue's gauges again" eventually 30 test "$(q 'count(shortlist_queue_depth)')" -ge 1
check "the counters never went backwards" is "resets(shortlist_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"}[5m])" 0
