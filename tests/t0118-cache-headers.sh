#!/usr/bin/env bash
# What a browser, a proxy or a CDN may keep. API answers carry personal data
# and say "Cache-Control: no-store" unless their route chose otherwise
# (shared/http/resp.h, resp_cache_default), on every route of every handler
# and on problem answers too; the web app's entry page is revalidated on every
# load (no-cache, with an ETag, so a repeat visit costs a 304); its scripts,
# styles and icon have content-hashed names (scripts/build-web) and are
# "public, max-age=31536000, immutable"; a missing hashed file is a 404 that
# nothing may keep.
#
# Seen to fail: before resp_cache_default, "GET /api/v1/jobs (200)" and
# "GET /api/v1/emails (200)" had no Cache-Control at all, and neither had the
# 401 answers of most routes; before scripts/build-web, index.html named
# app.css and js/app.js, which had no Cache-Control.
. "$(dirname "$0")/lib/test-lib.sh"

KEY=$(new_org "cache-$$")
AUTH=(-H "Authorization: Bearer $KEY")

expect_no_store() { # DESCRIPTION
	check "$1: Cache-Control is no-store" test "$(header Cache-Control)" = no-store
}

http GET /api/v1/jobs "${AUTH[@]}"
expect_status 200 "GET /api/v1/jobs"
expect_no_store "GET /api/v1/jobs"
http GET /api/v1/emails "${AUTH[@]}"
expect_status 200 "GET /api/v1/emails"
expect_no_store "GET /api/v1/emails"
http GET /api/v1/jobs/999999999 "${AUTH[@]}"
expect_status 404 "an unknown job"
expect_no_store "a problem answer"
http GET /api/v1/jobs/999999999
expect_status 401 "no credentials"
expect_no_store "a 401"
http GET /healthz
expect_no_store "GET /healthz"

# Every route of every handler (as in t0195), without credentials.
fill() { sed -E 's/\{[^}/]*\}/7/g' <<<"$1"; }
programs=$(grep -l 'static const struct route routes\[\]' "$ROOT"/handlers/*.c | xargs -n 1 basename | sed 's/\.c$//')
total=0 stored=()
for prog in $programs; do
	"$BIN/$prog" --routes >"$T_TMP/routes" 2>/dev/null || continue
	while read -r method pattern _; do
		args=()
		[[ $method == GET || $method == DELETE ]] || args=(-H 'Content-Type: application/json' --data-binary '')
		http "$method" "$(fill "$pattern")" "${args[@]}"
		total=$((total + 1))
		[[ $(header Cache-Control) == no-store ]] || stored+=("$method $pattern ($STATUS: '$(header Cache-Control)')")
	done <"$T_TMP/routes"
done
check "routes found" test "$total" -gt 20
check "all $total routes answer no-store" test "${#stored[@]}" -eq 0
((${#stored[@]})) && printf '#   %s\n' "${stored[@]}"

# The entry page: revalidated every time, with an ETag that answers 304.
http GET /
expect_status 200 "the web app's entry page"
check "the entry page is no-cache" test "$(header Cache-Control)" = no-cache
etag=$(header ETag)
check "the entry page has an ETag" test -n "$etag"
http GET / -H "If-None-Match: $etag"
expect_status 304 "a repeat visit with the ETag"

# Every script, style and icon the page names is under a content-hashed name, cached for a year.
http GET /
mapfile -t assets < <(grep -oE '(href|src)="[^"#]+"' "$T_TMP/body" | sed -E 's/^[a-z]+="//; s/"$//')
check "the entry page names its files" test "${#assets[@]}" -ge 3
for a in "${assets[@]}"; do
	if [[ ! $a =~ ^/assets/[0-9a-f]{16}/ ]]; then
		not_ok "$a has a content-hashed name"
		continue
	fi
	http GET "$a"
	if [[ $STATUS == 200 && $(header Cache-Control) == "public, max-age=31536000, immutable" ]]; then
		ok "$a is immutable for a year"
	else
		not_ok "$a: HTTP $STATUS, Cache-Control '$(header Cache-Control)'"
	fi
done
# Modules the entry script imports are under the same hashed folder.
app=$(printf '%s\n' "${assets[@]}" | grep -m1 '/js/app\.js$')
http GET "${app%/app.js}/job/upload.js"
expect_status 200 "an imported module, relative to the hashed folder"
check "an imported module is immutable" test "$(header Cache-Control)" = "public, max-age=31536000, immutable"

# A name that is not (or no longer) there must not be kept by anyone.
http GET /assets/0123456789abcdef/js/app.js
expect_status 404 "another version's file"
check "its 404 is not immutable" bash -c '! grep -qi immutable "$1"' _ "$T_TMP/headers"
