#!/usr/bin/env bash
# Alert rules: promtool checks the rules and the Prometheus configuration,
# the rules' unit tests pass, every alert in the rules has a test that names
# it (and fires it), and the tests can fail: with one alert's threshold
# moved past what its test feeds in, `promtool test rules` reports it.
. "$(dirname "$0")/lib/test-lib.sh"

PROM="$ROOT/infra/prometheus"
command -v promtool >/dev/null || skip_all "promtool is not installed (scripts/bootstrap installs prometheus)"

check "the rules parse" promtool check rules "$PROM/rules/shortlist.yml"
check "the rules' unit tests pass" promtool test rules "$PROM/tests/shortlist.test.yml"

alerts=$(sed -n 's/^ *- alert: *//p' "$PROM/rules/shortlist.yml" | sort -u)
tested=$(sed -n 's/^ *alertname: *//p' "$PROM/tests/shortlist.test.yml" | sort -u)
check "there are alerts" test -n "$alerts"
for a in $alerts; do
	# A test that expects the alert to fire names it and lists expected labels.
	fired=$(awk -v a="$a" '$1 == "alertname:" { cur = $2 } $1 == "-" && $2 == "exp_labels:" && cur == a { n++ } END { print n + 0 }' \
		"$PROM/tests/shortlist.test.yml")
	check "$a has a test that fires it" test "$fired" -gt 0
done
check "no test names an alert the rules lack" test -z "$(comm -13 <(echo "$alerts") <(echo "$tested"))"

# The tests notice a changed rule: move the error ratio's threshold to 50%.
mkdir -p "$T_TMP/mutant/rules" "$T_TMP/mutant/tests"
sed 's/> 0\.05$/> 0.5/' "$PROM/rules/shortlist.yml" >"$T_TMP/mutant/rules/shortlist.yml"
cp "$PROM/tests/shortlist.test.yml" "$T_TMP/mutant/tests/"
check "the mutant differs from the rules" bash -c "! cmp -s '$PROM/rules/shortlist.yml' '$T_TMP/mutant/rules/shortlist.yml'"
check "the tests fail on the changed rule" bash -c "! promtool test rules '$T_TMP/mutant/tests/shortlist.test.yml' >'$T_TMP/mutant.out' 2>&1"
check "the failure names the alert" grep -q ShortlistErrorRatioHigh "$T_TMP/mutant.out"

. "$ROOT/scripts/monitoring-lib.sh"
# The configuration template renders to something Prometheus accepts.
conf="$T_TMP/prometheus.yml"
render_prometheus_config "$conf" "$T_TMP/targets.json" 127.0.0.1:9 127.0.0.1:9
check "the rendered configuration is valid" promtool check config "$conf"
check "it scrapes the targets it was given" grep -q '"127.0.0.1:9"' "$T_TMP/targets.json"
render_alertmanager_config "$T_TMP/alertmanager.yml" 127.0.0.1:25 ops@example.com
if command -v amtool >/dev/null; then
	check "the rendered Alertmanager configuration is valid" amtool check-config "$T_TMP/alertmanager.yml"
fi

