#!/usr/bin/env bash
# No LLM call can run inside a web request: every program lighttpd spawns
# (all but the drainer and shortlistctl) is linked without the LLM client,
# so none of its functions is in the binary. The drainer has them, which
# shows the check looks at the right names.
. "$(dirname "$0")/lib/test-lib.sh"
command -v nm >/dev/null || skip_all "nm is not installed"

# The LLM client: the synchronous calls, the engine and the provider's protocol, and the drainer's
# side of a job's criteria (criteria_prepare; the web handlers only request them, score/criteria.h).
# (The prompt builder is not among them: the cost estimate of the jobs and
# candidates handlers sizes the prompt with it, and building text calls no one.)
CLIENT='^(llm_json_call|llm_json_call_once|llm_json_enabled|criteria_prepare|llm_engine_new|llm_engine_run|llm_submit|llm_openai_parse_reply)$'
defined() { nm --defined-only "$1" | awk '{print $3}' | grep -E "$CLIENT" | sort -u; }

check "the drainer has the LLM client (the names are right)" test "$(defined "$BIN/drainer" | wc -l)" -ge 8
check "the drainer uses libcurl's multi interface (the engine's transport)" bash -c "nm -D --undefined-only '$BIN/drainer' | grep -q curl_multi_perform"
web=0
for bin in "$BIN"/*; do
	name=$(basename "$bin")
	[[ $name == drainer || $name == shortlistctl ]] && continue
	web=$((web + 1))
	found=$(defined "$bin" | tr '\n' ' ')
	check "$name links no LLM client${found:+ (has: $found)}" test -z "$found"
	check "$name has no libcurl multi interface (the engine's transport)" bash -c "! nm -D --undefined-only '$bin' | grep -q curl_multi_perform"
done
check "every handler was looked at" test "$web" -ge 6
# Every program lighttpd spawns is one of those looked at.
spawned=$(grep -ho '"bin-path".*"/bin/[a-z_]*"' "$ROOT"/lighttpd/*.conf | sed 's|.*/bin/\([a-z_]*\)"$|\1|' | sort -u)
check "the lighttpd configuration names the programs it spawns" test -n "$spawned"
for name in $spawned; do
	check "lighttpd spawns $name, built and not the drainer or shortlistctl" \
		test -x "$BIN/$name" -a "$name" != drainer -a "$name" != shortlistctl
done
