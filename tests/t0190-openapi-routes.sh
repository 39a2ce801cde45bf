#!/usr/bin/env bash
# The API reference names every route the handlers serve: each entry of the
# route tables in handlers/*.c appears in docs/openapi.yaml with its method,
# and every operation the reference documents is served by some handler.
# Needs no services, only the built handler programs (they print their
# route tables with --routes).
. "$(dirname "$0")/lib/test-lib.sh"

SPEC="$ROOT/docs/openapi.yaml"
SPEC_JSON="$T_TMP/openapi.json"
[[ -f $SPEC ]] || skip_all "docs/openapi.yaml is missing"
command -v jq >/dev/null || skip_all "jq is not installed"

# yaml_to_json IN OUT: PyYAML (Debian's python first), else js-yaml under
# node, else the bundler of the installed redocly CLI; 1 when none works.
yaml_to_json() {
	local in=$1 out=$2 py
	for py in /usr/bin/python3 python3; do
		command -v "$py" >/dev/null || continue
		"$py" -c 'import json, sys, yaml
with open(sys.argv[1]) as f:
    doc = yaml.safe_load(f)
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, default=str)' "$in" "$out" 2>/dev/null && return 0
	done
	if command -v node >/dev/null; then
		(cd "$ROOT" && node -e 'const fs = require("fs");
const yaml = require(require.resolve("js-yaml", { paths: [process.cwd(), process.cwd() + "/node_modules/@redocly/cli"] }));
fs.writeFileSync(process.argv[2], JSON.stringify(yaml.load(fs.readFileSync(process.argv[1], "utf8"))));' \
			"$in" "$out" 2>/dev/null) && return 0
		if [[ -x $ROOT/node_modules/.bin/redocly ]]; then
			"$ROOT/node_modules/.bin/redocly" bundle "$in" --ext json -o "$out" >/dev/null 2>&1 && [[ -s $out ]] &&
				return 0
		fi
	fi
	return 1
}

yaml_to_json "$SPEC" "$SPEC_JSON" || skip_all "cannot read YAML: no python3 with PyYAML, js-yaml or redocly CLI"
has_paths() { jq -e '.paths | type == "object"' "$SPEC_JSON" >/dev/null; }
check "the reference converts to a JSON object with paths" has_paths

# Prints "FILE METHOD PATTERN" for each entry of each `static const struct
# route routes[]` table in the given handler sources.
routes_of() {
	local f
	for f in "$@"; do
		awk '/static const struct route routes\[\][[:space:]]*=/ { on = 1 } on { print } on && /^};/ { on = 0 }' "$f" |
			tr '\n\t' '  ' | grep -oE '\{[[:space:]]*"[A-Z]+"[[:space:]]*,[[:space:]]*"[^"]*"' |
			sed -E 's/^\{[[:space:]]*"([A-Z]+)"[[:space:]]*,[[:space:]]*"([^"]*)"$/\1 \2/' |
			while read -r method pattern; do
				printf '%s %s %s\n' "${f#"$ROOT"/}" "$method" "$pattern"
			done
	done
}

# The reference's operations as "METHOD PATH", parameter names blanked.
operations_of() { # JSONFILE
	jq -r '.paths | to_entries[] | .key as $p | .value | keys[]
		| select(test("^(get|put|post|delete|patch|head|options|trace)$"))
		| "\(ascii_upcase) \($p)"' "$1" | sed -E 's/\{[^}/]*\}/{}/g' | sort -u
}

# Parameter names may differ between a table and the reference; the shape may not.
blank_params() { sed -E 's/\{[^}/]*\}/{}/g'; }

routes_of "$ROOT"/handlers/*.c >"$T_TMP/routes"
tables=$(grep -l 'static const struct route routes\[\]' "$ROOT"/handlers/*.c | wc -l)
files_with_routes=$(cut -d' ' -f1 "$T_TMP/routes" | sort -u | wc -l)
check "route tables found in handlers/*.c" test "$tables" -gt 0
check "every route table yields routes ($files_with_routes of $tables)" test "$files_with_routes" = "$tables"
check "the extraction sees a route known to exist" grep -qx 'handlers/health.c GET /healthz' "$T_TMP/routes"

# undocumented ROUTES OPERATIONS: prints the routes missing from the operations.
undocumented() {
	local file method pattern
	while read -r file method pattern; do
		grep -qxF "$method $(blank_params <<<"$pattern")" "$2" || echo "$method $pattern ($file)"
	done <"$1"
}

operations_of "$SPEC_JSON" >"$T_TMP/operations"
while read -r file method pattern; do
	if grep -qxF "$method $(blank_params <<<"$pattern")" "$T_TMP/operations"; then
		ok "documented: $method $pattern ($file)"
	else
		not_ok "undocumented: $method $pattern ($file) is not in docs/openapi.yaml"
	fi
done <"$T_TMP/routes"

# The other way round: a documented operation nothing serves is stale.
awk '{ print $2 " " $3 }' "$T_TMP/routes" | blank_params | sort -u >"$T_TMP/served"
while read -r method path; do
	if grep -qxF "$method $path" "$T_TMP/served"; then
		ok "served: $method $path"
	else
		not_ok "documented but served by no route table: $method $path"
	fi
done <"$T_TMP/operations"

# The check itself must catch a gap: drop a documented path, then only the
# method of another documented route, from copies of the reference.
undocumented "$T_TMP/routes" "$T_TMP/operations" >"$T_TMP/missing"
grep -vxF -f <(sed -E 's/^([A-Z]+) (.*) \((.*)\)$/\3 \1 \2/' "$T_TMP/missing") "$T_TMP/routes" >"$T_TMP/documented" || true
check "some routes are documented" test -s "$T_TMP/documented"
drop() { # JSONFILE METHOD PATTERN (METHOD "" drops the whole path)
	jq --arg m "$(tr '[:upper:]' '[:lower:]' <<<"$2")" --arg p "$(blank_params <<<"$3")" '.paths |= with_entries(
		if (.key | gsub("\\{[^}/]*\\}"; "{}")) != $p then .
		elif $m == "" then empty
		else .value |= del(.[$m]) end)' "$1"
}
gap_reported() { # DESCRIPTION METHOD-TO-DROP FILE METHOD PATTERN
	local expected=1
	# Dropping a whole path leaves every documented route of that path undocumented.
	[[ -n $2 ]] || expected=$(awk '{ print $3 }' "$T_TMP/documented" | blank_params |
		grep -cxF "$(blank_params <<<"$5")")
	drop "$SPEC_JSON" "$2" "$5" >"$T_TMP/gap.json"
	operations_of "$T_TMP/gap.json" >"$T_TMP/gap-ops"
	check "$1: $4 $5 is reported" test "$(undocumented <(echo "$3 $4 $5") "$T_TMP/gap-ops" | wc -l)" = 1
	check "$1: only the routes of what was removed are reported ($expected)" \
		test "$(undocumented "$T_TMP/documented" "$T_TMP/gap-ops" | wc -l)" = "$expected"
}
if [[ -s $T_TMP/documented ]]; then
	read -r file method pattern < <(head -n 1 "$T_TMP/documented")
	gap_reported "a path removed from the reference" "" "$file" "$method" "$pattern"
	read -r file method pattern < <(tail -n 1 "$T_TMP/documented")
	gap_reported "a method removed from a path" "$method" "$file" "$method" "$pattern"
	read -r file method pattern < <(grep -m 1 ' /api/v1/jobs$' "$T_TMP/documented")
	[[ -z ${pattern:-} ]] || gap_reported "a path of two methods removed" "" "$file" "$method" "$pattern"
fi

# Statuses that follow from a route's method and flags (route_statuses() in
# shared/http/route.h: auth 401, cookie changes 403, JSON body 400/413/415,
# POST 411, stores 503, rate limits 429) are listed by its operation. Each
# handler program prints its compiled table with them (--routes).
# missing_statuses JSONFILE: prints "METHOD PATTERN STATUS" for each one absent.
missing_statuses() {
	local method pattern statuses s
	while read -r method pattern statuses; do
		[[ $statuses == - ]] && continue
		for s in ${statuses//,/ }; do
			jq -e --arg m "$(tr '[:upper:]' '[:lower:]' <<<"$method")" --arg p "$(blank_params <<<"$pattern")" \
				--arg s "$s" '[.paths | to_entries[] | select((.key | gsub("\\{[^}/]*\\}"; "{}")) == $p)
				| .value[$m].responses // {} | has($s)] | any' "$1" >/dev/null ||
				echo "$method $pattern $s"
		done
	done <"$T_TMP/route-statuses"
}
: >"$T_TMP/route-statuses"
for f in $(grep -l 'static const struct route routes\[\]' "$ROOT"/handlers/*.c); do
	prog=$(basename "$f" .c)
	if "$BIN/$prog" --routes >>"$T_TMP/route-statuses" 2>/dev/null; then
		ok "$prog --routes prints its table"
	else
		not_ok "$prog --routes prints its table (is it built?)"
	fi
done
check "the tables list statuses (POST /api/v1/jobs needs 415)" \
	grep -qE '^POST /api/v1/jobs [0-9,]*415' "$T_TMP/route-statuses"
missing_statuses "$SPEC_JSON" >"$T_TMP/missing-statuses"
while read -r method pattern statuses; do
	for s in ${statuses//,/ }; do
		[[ $s == - ]] && continue
		if grep -qxF "$method $pattern $s" "$T_TMP/missing-statuses"; then
			not_ok "$method $pattern lists $s, which its flags imply"
		else
			ok "$method $pattern lists $s"
		fi
	done
done <"$T_TMP/route-statuses"
# The check must catch a gap: drop the 415 of POST /api/v1/jobs from a copy.
jq '.paths["/api/v1/jobs"].post.responses |= del(.["415"])' "$SPEC_JSON" >"$T_TMP/no415.json"
check "a status removed from an operation is reported" \
	test "$(missing_statuses "$T_TMP/no415.json" | grep -cxF 'POST /api/v1/jobs 415')" = 1
