-- wrk script of scripts/bench-users: one route of the recruiters' mix, with
-- a think time before every request (delay()), the API key and the job,
-- page, candidate or batch drawn at random for each request from the data
-- file that bench-users wrote:
--   K key job batch      an API key, a job of its organisation, a batch of it
--   C job cursor         a page of the job's shortlist after the first
--   R job resume_id      a candidate of the job
--   wrk ... -s scripts/bench-users.lua URL -- ROUTE DATA-FILE THINK-MS
-- ROUTE is jobs, shortlist, candidate, status or upload (3 small text
-- resumes, different on every request). The think time is uniform between
-- half and one and a half THINK-MS. When the run ends, one line:
--   BENCH route=R requests=N seconds=S rps=X p50_ms=A p99_ms=B ok=C n429=D other=E errors=F
-- ok counts 2xx and 3xx answers, n429 the rate limits' refusals, other every
-- other status; errors counts connect, read, write and timeout errors.
local threads = {}
local counter = 1

function setup(thread)
	thread:set("id", counter)
	counter = counter + 1
	table.insert(threads, thread)
end

local think, keys, cursors, resumes
-- Globals, so that done() can read each thread's route and counts (thread:get).
route, ok, n429, other = nil, 0, 0, 0
local seq = 0
local boundary = "----shortlist-bench-users"

function init(args)
	route = args[1] or "jobs"
	think = tonumber(args[3] or "1000")
	keys, cursors, resumes = {}, {}, {}
	for line in io.lines(args[2]) do
		local kind, a, b, c = line:match("^(%u) (%S+) (%S+) ?(%S*)$")
		if kind == "K" then
			table.insert(keys, { key = a, job = b, batch = c })
		elseif kind == "C" then
			cursors[a] = cursors[a] or {}
			table.insert(cursors[a], b)
		elseif kind == "R" then
			resumes[a] = resumes[a] or {}
			table.insert(resumes[a], b)
		end
	end
	math.randomseed(os.time() * 1000 + id)
end

function delay()
	return math.floor(think * (0.5 + math.random()))
end

local function pick(list)
	return list[math.random(#list)]
end

function request()
	local k = pick(keys)
	local headers = { ["Authorization"] = "Bearer " .. k.key }
	if route == "jobs" then
		return wrk.format("GET", "/api/v1/jobs?limit=20", headers)
	elseif route == "shortlist" then
		local pages = cursors[k.job] or {}
		local n = math.random(#pages + 1)
		local path = "/api/v1/jobs/" .. k.job .. "/candidates?limit=20"
		if n <= #pages then
			path = path .. "&cursor=" .. pages[n]
		end
		return wrk.format("GET", path, headers)
	elseif route == "candidate" then
		return wrk.format("GET", "/api/v1/candidates/" .. pick(resumes[k.job]), headers)
	elseif route == "status" then
		return wrk.format("GET", "/api/v1/process/status/" .. k.batch, headers)
	end
	-- upload: a small batch of three text resumes, new bytes every time
	seq = seq + 1
	local parts = {}
	for f = 1, 3 do
		parts[#parts + 1] = "--" .. boundary .. "\r\n" ..
			"Content-Disposition: form-data; name=\"files\"; filename=\"resume-" .. f .. ".txt\"\r\n" ..
			"Content-Type: text/plain\r\n\r\n" ..
			string.format("Candidate %d-%d-%d-%d\nBackend engineer, %d years of C, PostgreSQL and Linux.\n",
				id, seq, f, math.random(1e9), 1 + math.random(15)) .. "\r\n"
	end
	local body = table.concat(parts) .. "--" .. boundary .. "--\r\n"
	headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
	return wrk.format("POST", "/api/v1/jobs/" .. k.job .. "/resumes", headers, body)
end

function response(status, headers, body)
	if status == 429 then
		n429 = n429 + 1
	elseif status >= 200 and status < 400 then
		ok = ok + 1
	else
		other = other + 1
	end
end

function done(summary, latency, requests)
	local t_ok, t_429, t_other = 0, 0, 0
	for _, t in ipairs(threads) do
		t_ok = t_ok + t:get("ok")
		t_429 = t_429 + t:get("n429")
		t_other = t_other + t:get("other")
	end
	local e = summary.errors
	local seconds = summary.duration / 1e6
	io.write(string.format("BENCH route=%s requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f ok=%d n429=%d other=%d errors=%d\n",
		threads[1]:get("route"), summary.requests, seconds, summary.requests / seconds, latency:percentile(50) / 1000,
		latency:percentile(99) / 1000, t_ok, t_429, t_other, e.connect + e.read + e.write + e.timeout))
end
