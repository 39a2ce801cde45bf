#!/usr/bin/env bash
# Alerts end to end: Prometheus scrapes the test instance's metrics listener
# and evaluates the real rules (their waits shortened to seconds), and
# Alertmanager mails what fires to the SMTP sink. memcached is stopped: the
# cache's dependency alert arrives by email, naming the dependency; memcached
# comes back: the resolution arrives too. The metrics listener keeps
# answering without the cache, so no scrape alert is mailed.
. "$(dirname "$0")/lib/test-lib.sh"
. "$ROOT/scripts/monitoring-lib.sh"

command -v prometheus >/dev/null || skip_all "prometheus is not installed (scripts/bootstrap installs it)"
command -v prometheus-alertmanager >/dev/null || skip_all "prometheus-alertmanager is not installed"

MAIL="http://127.0.0.1:${SHORTLIST_MAIL_WEB_PORT:?}"
PROM_URL="http://127.0.0.1:${SHORTLIST_PROMETHEUS_PORT:?}"
METRICS="127.0.0.1:${SHORTLIST_METRICS_PORT:-$SHORTLIST_HTTP_PORT}"
OPS="ops-$$@example.com"

# The rules as shipped, each `for` cut to 2 s so the test waits seconds, not minutes.
mkdir -p "$T_TMP/rules"
sed -E 's/^( *for: ).*/\12s/' "$ROOT/infra/prometheus/rules/shortlist.yml" >"$T_TMP/rules/shortlist.yml"
check "the shortened rules are still valid" promtool check rules "$T_TMP/rules/shortlist.yml"

cleanup_monitoring() {
	services stop prometheus alertmanager >/dev/null 2>&1
	services start memcached >/dev/null 2>&1
}
trap 'cleanup_monitoring; t_finish' EXIT

export SHORTLIST_PROMETHEUS_INTERVAL=1s SHORTLIST_PROMETHEUS_RULES="$T_TMP/rules"
export SHORTLIST_ALERT_GROUP_WAIT=1s SHORTLIST_ALERT_GROUP_INTERVAL=2s SHORTLIST_OPERATORS_EMAIL="$OPS"
services stop prometheus alertmanager >/dev/null 2>&1
rm -rf "$ROOT/var/${SHORTLIST_INSTANCE:-test}/prometheus" "$ROOT/var/${SHORTLIST_INSTANCE:-test}/alertmanager"
check "Alertmanager starts" services start alertmanager
check "Prometheus starts" services start prometheus

target_up() { curl -s "$PROM_URL/api/v1/query?query=up" | jq -e --arg t "$METRICS" '.data.result[] | select(.metric.instance == $t and .value[1] == "1")' >/dev/null; }
check "Prometheus scrapes the metrics listener" eventually 30 target_up
cache_up() { # VALUE: the scraped dependency gauge of the cache
	curl -s "$PROM_URL/api/v1/query?query=shortlist_dependency_up" |
		jq -e --arg v "$1" '.data.result[] | select(.metric.dependency == "memcached" and .value[1] == $v)' >/dev/null
}
check "the cache is seen up" eventually 30 cache_up 1

mails() { curl -s "$MAIL/api/email" | jq --arg to "$OPS" '[.[] | select(any(.to[]; .address == $to))]'; }
mails_subjects() { mails | jq -r '.[].subject'; }
export -f mails mails_subjects
export MAIL OPS
subject_seen() { mails | jq -e --arg s "$1" 'any(.[]; .subject | startswith($s))' >/dev/null; }
check "no alert mail before the outage" test "$(mails | jq length)" = 0

services stop memcached >/dev/null
check "the alert fires in Prometheus" eventually 60 bash -c "curl -s '$PROM_URL/api/v1/alerts' | jq -e '.data.alerts[] | select(.labels.alertname == \"ShortlistDependencyDown\" and .labels.dependency == \"memcached\" and .state == \"firing\")' >/dev/null"
check "the alert arrives by email" eventually 60 subject_seen "[FIRING] ShortlistDependencyDown"
firing=$(mails | jq -r '[.[] | select(.subject | startswith("[FIRING] ShortlistDependencyDown"))][0].subject')
check "the email names the dependency ($firing)" grep -q ' memcached$' <<<"$firing"

services start memcached >/dev/null
check "the cache is seen up again" eventually 60 cache_up 1
check "the resolution arrives by email" eventually 60 subject_seen "[RESOLVED] ShortlistDependencyDown"
# The metrics listener kept answering without the cache: no scrape alert.
check "no scrape-failure alert was mailed" bash -c "! mails_subjects | grep -q ShortlistScrapeFailing"
