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


# --- the Grafana dashboard: every expression parses (promtool checks it as a
# recording rule) and names only series the service exports.
DASH="$ROOT/infra/grafana/shortlist-operations.json"
check "the dashboard is JSON with panels" jq -e '.panels | length > 0' "$DASH"
jq -r '.panels[].targets[].expr' "$DASH" >"$T_TMP/exprs"
check "every panel has a query" test "$(jq '[.panels[] | select((.targets | length) == 0)] | length' "$DASH")" = 0
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	n=0
	while IFS= read -r e; do
		n=$((n + 1))
		echo "      - record: dashboard:expr_$n"
		echo "        expr: $(jq -Rn --arg e "$e" '$e')"
	done <"$T_TMP/exprs"
} >"$T_TMP/dashboard-rules.yml"
check "every dashboard expression parses" promtool check rules "$T_TMP/dashboard-rules.yml"

# The names the service exports: the TYPE lines of a scrape of the metrics
# listener (a histogram's series are NAME_bucket, NAME_sum and NAME_count).
METRICS_URL="http://127.0.0.1:${SHORTLIST_METRICS_PORT:-$SHORTLIST_HTTP_PORT}/metrics"
if curl -sf "$METRICS_URL" -o "$T_TMP/scrape"; then
	awk '$1 == "#" && $2 == "TYPE" { print $3; if ($4 == "histogram") { print $3 "_bucket"; print $3 "_sum"; print $3 "_count" } }' \
		"$T_TMP/scrape" | sort -u >"$T_TMP/exported"
	echo up >>"$T_TMP/exported"
	grep -oE '\b(shortlist_[a-z0-9_]+|up)\b' "$T_TMP/exprs" "$PROM/rules/shortlist.yml" -h | sort -u >"$T_TMP/used"
	missing=$(comm -23 "$T_TMP/used" <(sort -u "$T_TMP/exported") | tr '\n' ' ')
	check "the dashboard and the rules name only exported series (missing: ${missing:-none})" test -z "$missing"
else
	not_ok "the metrics listener answers at $METRICS_URL"
fi
