-- wrk script for the benchmarks (wrk -s scripts/bench-wrk.lua ...): when the
-- run ends, one line that a script can read, the latencies in milliseconds:
--   BENCH requests=N seconds=S rps=R p50_ms=A p99_ms=B non2xx=C errors=D
-- non2xx counts answers outside 2xx and 3xx; errors counts connect, read,
-- write and timeout errors (a request that timed out has no latency).
done = function(summary, latency, requests)
	local e = summary.errors
	local seconds = summary.duration / 1e6
	local rps = 0
	if seconds > 0 then
		rps = summary.requests / seconds
	end
	io.write(string.format("BENCH requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d errors=%d\n",
		summary.requests, seconds, rps, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
		e.status, e.connect + e.read + e.write + e.timeout))
end
