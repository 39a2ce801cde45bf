#!/usr/bin/env bash
# The deployment files validate: the systemd units of infra/systemd with
# `systemd-analyze verify` on a temporary root laid out as an installed host
# (the built programs under /opt/shortlist), the lighttpd file they start
# with `lighttpd -tt`, and every Kubernetes manifest of infra/kubernetes
# against the API's schemas (tests/tools/validate-k8s.mjs, npm
# kubernetes-models); broken copies of each must fail.
. "$(dirname "$0")/lib/test-lib.sh"
SKIPPED=()

# --- systemd
UNITS=(shortlist.target shortlist-migrate.service shortlist-web.service shortlist-drainer.service
	shortlist-drainer-once.service shortlist-drainer-once.timer)
if ! command -v systemd-analyze >/dev/null; then
	SKIPPED+=("systemd-analyze is not installed (scripts/bootstrap installs Debian's systemd)")
else
	R="$T_TMP/root"
	# systemd's own units (the targets ours name), the install layout, and the host tools the units run.
	mkdir -p "$R/usr/lib/systemd" "$R/etc/systemd/system" "$R/etc/shortlist" "$R/opt/shortlist/bin" \
		"$R/opt/shortlist/scripts" "$R/usr/sbin" "$R/bin"
	cp -r /usr/lib/systemd/system "$R/usr/lib/systemd/"
	cp "$BIN/drainer" "$BIN/shortlistctl" "$BIN/health" "$R/opt/shortlist/bin/"
	cp "$ROOT/scripts/graceful-lighttpd" "$R/opt/shortlist/scripts/"
	for tool in lighttpd mkdir ln kill; do
		p=$(type -P "$tool")
		case $tool in lighttpd) cp "$p" "$R/usr/sbin/" ;; *) cp "$p" "$R/bin/" ;; esac
	done
	cp "$SHORTLIST_CONFIG" "$R/etc/shortlist/shortlist.env"
	cp "$ROOT/infra/systemd/lighttpd.conf" "$R/etc/shortlist/"
	for u in "${UNITS[@]}"; do cp "$ROOT/infra/systemd/$u" "$R/etc/systemd/system/"; done
	systemd-analyze verify --man=no --root="$R" "${UNITS[@]}" >"$T_TMP/verify.log" 2>&1
	rc=$?
	check "systemd-analyze verify accepts every unit, without a warning (rc $rc: $(head -c 300 "$T_TMP/verify.log"))" \
		test "$rc" = 0 -a ! -s "$T_TMP/verify.log"
	for u in "${UNITS[@]}"; do
		case $u in *.service)
			check "$u runs as the shortlist user, hardened" \
				grep -qx "User=shortlist" "$ROOT/infra/systemd/$u"
			for opt in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes; do
				grep -qx "$opt" "$ROOT/infra/systemd/$u" || not_ok "$u lacks $opt"
			done
			check "$u reads the configuration from /etc/shortlist/shortlist.env" \
				grep -qx "EnvironmentFile=/etc/shortlist/shortlist.env" "$ROOT/infra/systemd/$u"
			;;
		esac
	done
	check "the target starts the web tier and the long-running drainer" \
		grep -qx "Wants=shortlist-migrate.service shortlist-web.service shortlist-drainer.service" \
		"$ROOT/infra/systemd/shortlist.target"
	check "the web tier stops gracefully (SIGINT)" grep -qx "KillSignal=SIGINT" "$ROOT/infra/systemd/shortlist-web.service"

	# Broken copies: a program that is not installed, a directive systemd does not know.
	sed 's|/opt/shortlist/bin/drainer|/opt/shortlist/bin/no-such-drainer|' "$ROOT/infra/systemd/shortlist-drainer.service" \
		>"$R/etc/systemd/system/shortlist-drainer.service"
	systemd-analyze verify --man=no --root="$R" shortlist-drainer.service >"$T_TMP/bad1.log" 2>&1
	rc=$?
	check "a unit whose program is missing fails verification (rc $rc)" \
		bash -c "((rc=$rc, rc != 0)) && grep -q 'no-such-drainer' '$T_TMP/bad1.log'"
	sed 's|^NoNewPrivileges=yes|NoNewPrivilege=yes|' "$ROOT/infra/systemd/shortlist-web.service" \
		>"$R/etc/systemd/system/shortlist-web.service"
	systemd-analyze verify --man=no --root="$R" shortlist-web.service >"$T_TMP/bad2.log" 2>&1
	check "a misspelt directive is reported ($(grep -o 'Unknown.*' "$T_TMP/bad2.log" | head -n 1))" \
		grep -q "NoNewPrivilege" "$T_TMP/bad2.log"

	# The lighttpd file the web unit starts, over a copy of the install layout.
	L="$T_TMP/layout"
	mkdir -p "$L" "$T_TMP/state/upload-tmp" "$T_TMP/state/log" "$T_TMP/state/sock"
	ln -s "$ROOT/lighttpd" "$L/lighttpd"
	ln -s "$BIN" "$L/bin"
	ln -s "$ROOT/scripts" "$L/scripts"
	sed -e "s|/opt/shortlist|$L|g" -e "s|/var/lib/shortlist|$T_TMP/state|g" "$ROOT/infra/systemd/lighttpd.conf" >"$T_TMP/lighttpd.conf"
	check "lighttpd accepts infra/systemd/lighttpd.conf over the install layout" \
		lighttpd -tt -f "$T_TMP/lighttpd.conf"
	check "and it listens on every address, not only loopback" \
		bash -c "lighttpd -p -f '$T_TMP/lighttpd.conf' 2>/dev/null | grep -q 'server.bind *= \"0.0.0.0\"'"
fi

# --- Kubernetes
MODULES="$ROOT/node_modules"
if [[ ! -d $MODULES/kubernetes-models || ! -d $MODULES/yaml ]]; then
	# Not installed by scripts/bootstrap yet: install the pinned versions for this run.
	want() { jq -r ".devDependencies[\"$1\"]" "$ROOT/package.json"; }
	MODULES="$T_TMP/npm/node_modules"
	mkdir -p "$T_TMP/npm"
	timeout 300 npm install --prefix "$T_TMP/npm" --no-audit --no-fund --no-save --loglevel=error \
		"kubernetes-models@$(want kubernetes-models)" "yaml@$(want yaml)" >"$T_TMP/npm.log" 2>&1 ||
		MODULES=""
fi
if [[ -z $MODULES ]]; then
	SKIPPED+=("the npm packages kubernetes-models and yaml could not be installed: $(tail -n 1 "$T_TMP/npm.log")")
else
	export SHORTLIST_K8S_NODE_MODULES="$MODULES"
	VALIDATE=(node "$ROOT/tests/tools/validate-k8s.mjs")
	"${VALIDATE[@]}" "$ROOT/infra/kubernetes" >"$T_TMP/k8s.log" 2>&1
	rc=$?
	check "every manifest of infra/kubernetes is valid ($(grep -c '^ok' "$T_TMP/k8s.log") objects; rc $rc)" \
		test "$rc" = 0
	grep '^invalid' "$T_TMP/k8s.log" | sed 's/^/# /'
	for want in "Deployment shortlist-web" "Deployment shortlist-drainer" "CronJob shortlist-drainer" \
		"HorizontalPodAutoscaler shortlist-web" "HorizontalPodAutoscaler shortlist-drainer" \
		"PodDisruptionBudget shortlist-web" "ConfigMap shortlist-config" "Secret shortlist-secrets" \
		"Service shortlist-web" "Job shortlist-migrate"; do
		grep -q ": $want\$" "$T_TMP/k8s.log" || not_ok "no $want among the manifests"
	done
	# as_json FILE: the manifest as JSON, for jq.
	as_json() {
		node -e 'const Y = require(process.argv[1] + "/yaml"); console.log(JSON.stringify(Y.parse(require("fs").readFileSync(process.argv[2], "utf8"))))' \
			"$MODULES" "$1"
	}
	K="$ROOT/infra/kubernetes"
	web=$(as_json "$K/web-deployment.yaml")
	c='.spec.template.spec.containers[0]'
	check "web: ready on /readyz, alive on /healthz" \
		test "$(jq -r "$c.readinessProbe.httpGet.path + \" \" + $c.livenessProbe.httpGet.path" <<<"$web")" = "/readyz /healthz"
	check "web: preStop waits past the load balancer's checks, then stops lighttpd gracefully" \
		bash -c "jq -r '$c.lifecycle.preStop.exec.command | join(\" \")' <<<'$web' | grep -q 'sleep [0-9]*; kill -INT 1'"
	check "web: the grace period covers the preStop sleep and the graceful stop" \
		test "$(jq -r '.spec.template.spec.terminationGracePeriodSeconds' <<<"$web")" -ge 45
	check "web: resources requested, configuration from the ConfigMap and the Secret" \
		test "$(jq -r "[$c.resources.requests.cpu != null, ($c.envFrom | map(keys[0]) | sort | join(\",\"))] | join(\" \")" <<<"$web")" = "true configMapRef,secretRef"
	check "web HPA scales on CPU" \
		test "$(as_json "$K/web-hpa.yaml" | jq -r '.spec.metrics[0].resource.name')" = cpu
	check "drainer HPA scales on shortlist_queue_depth" \
		test "$(as_json "$K/drainer-hpa.yaml" | jq -r '.spec.metrics[0] | (.external // .pods).metric.name')" = shortlist_queue_depth
	check "the CronJob drains once per run and never runs twice at once" \
		test "$(as_json "$K/drainer-cronjob.yaml" | jq -r '[.spec.concurrencyPolicy, (.spec.jobTemplate.spec.template.spec.containers[0].command | index("--once") != null)] | join(" ")')" = "Forbid true"

	# Broken manifests: each must be refused, saying where.
	B="$T_TMP/bad"
	mkdir -p "$B"
	cat >"$B/port.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad-port}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: web, image: x, ports: [{containerPort: http}]}]
EOF
	cat >"$B/selector.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: no-selector}
spec:
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: web, image: x}]
EOF
	cat >"$B/probe.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad-probe}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers: [{name: web, image: x, readinessProbe: {httpGet: {path: /readyz}}}]
EOF
	cat >"$B/hpa.yaml" <<'EOF'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: no-target}
spec: {maxReplicas: 3}
EOF
	printf 'apiVersion: v1\nkind: Service\nmetadata: {name: typo}\nspecs: {ports: [{port: 80}]}\n' >"$B/typo.yaml"
	printf 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: kind}\n' >"$B/kind.yaml"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n' >"$B/syntax.yaml"
	expect_invalid() { # FILE WHAT EXPECTED-TEXT
		local out rc
		out=$("${VALIDATE[@]}" "$B/$1" 2>&1)
		rc=$?
		if ((rc == 1)) && grep -qF -- "$3" <<<"$out"; then
			ok "$2 is refused ($(cut -c1-160 <<<"$out"))"
		else
			not_ok "$2: expected exit 1 and '$3', got $rc: $out"
		fi
	}
	expect_invalid port.yaml "a port given as a name where a number belongs" "containerPort must be integer"
	expect_invalid selector.yaml "a Deployment without its selector" "required property selector"
	expect_invalid probe.yaml "a probe without its port" "required property port"
	expect_invalid hpa.yaml "an autoscaler without its target" "required property scaleTargetRef"
	expect_invalid typo.yaml "a misspelt top-level field" "unknown top-level field specs"
	expect_invalid kind.yaml "a kind the API does not have" "unknown apiVersion/kind"
	expect_invalid syntax.yaml "a YAML syntax error" "YAML:"
	"${VALIDATE[@]}" "$ROOT/infra/kubernetes" "$B/port.yaml" >/dev/null 2>&1
	check "one bad file among good ones fails the run" test $? = 1
fi

for s in "${SKIPPED[@]}"; do echo "# skip: $s"; done
((${#SKIPPED[@]} == 2)) && skip_all "${SKIPPED[0]}; ${SKIPPED[1]}"
exit 0
