# Sourced by scripts/services and tests: renders the Prometheus and
# Alertmanager configurations of infra/ for local addresses.
: "${SHORTLIST_ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
declare -F die >/dev/null || die() {
	echo "error: $*" >&2
	exit 1
}

# render_template IN OUT NAME=VALUE...: replaces each @NAME@ of IN.
render_template() {
	local in=$1 out=$2 pair args=()
	shift 2
	for pair in "$@"; do
		# Values are addresses, paths and durations: no '|' in them.
		[[ ${pair#*=} == *'|'* ]] && die "render_template: '|' in ${pair%%=*}"
		args+=(-e "s|@${pair%%=*}@|${pair#*=}|g")
	done
	sed "${args[@]}" "$in" >"$out.tmp" && mv "$out.tmp" "$out"
	if grep -q '@[A-Z_]*@' "$out"; then
		die "render_template: $out still has placeholders: $(grep -o '@[A-Z_]*@' "$out" | sort -u | tr '\n' ' ')"
	fi
}

# render_prometheus_config OUT TARGETS_FILE ALERTMANAGER TARGET...: a
# configuration scraping each TARGET (host:port of a metrics listener) and
# alerting ALERTMANAGER (host:port). SHORTLIST_PROMETHEUS_INTERVAL (15s)
# sets both the scrape and the evaluation interval.
render_prometheus_config() {
	local out=$1 targets=$2 am=$3 t list=""
	shift 3
	for t in "$@"; do
		list+="${list:+, }\"$t\""
	done
	printf '[{"targets": [%s], "labels": {"deployment": "%s"}}]\n' "$list" "${INSTANCE:-local}" >"$targets.tmp"
	mv "$targets.tmp" "$targets"
	local interval=${SHORTLIST_PROMETHEUS_INTERVAL:-15s}
	render_template "$SHORTLIST_ROOT/infra/prometheus/prometheus.yml.in" "$out" \
		SCRAPE_INTERVAL="$interval" EVALUATION_INTERVAL="$interval" SCRAPE_TIMEOUT="$interval" \
		DEPLOYMENT="${INSTANCE:-local}" RULES_DIR="${SHORTLIST_PROMETHEUS_RULES:-$SHORTLIST_ROOT/infra/prometheus/rules}" \
		ALERTMANAGER="\"$am\"" TARGETS_FILE="\"$targets\""
}

# render_alertmanager_config OUT SMTP_HOST:PORT TO: every alert by email to
# TO through that relay. SHORTLIST_ALERT_GROUP_WAIT (30s) and
# SHORTLIST_ALERT_GROUP_INTERVAL (5m) set how soon a new and a changed group is sent.
render_alertmanager_config() {
	render_template "$SHORTLIST_ROOT/infra/alertmanager/alertmanager.yml.in" "$1" \
		SMTP_SMARTHOST="$2" SMTP_FROM="${SHORTLIST_ALERT_FROM:-alerts@shortlist.invalid}" SMTP_REQUIRE_TLS=false \
		GROUP_WAIT="${SHORTLIST_ALERT_GROUP_WAIT:-30s}" GROUP_INTERVAL="${SHORTLIST_ALERT_GROUP_INTERVAL:-5m}" \
		OPERATORS_EMAIL="$3"
}
