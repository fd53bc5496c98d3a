-- wrk script for the catalogue benchmark: cycles through the paths in the
-- file named by BIEB_PATHS (one per line) and prints the 50th, 90th, 95th
-- and 99th latency percentiles at the end.
local paths = {}
local file = assert(io.open(os.getenv("BIEB_PATHS"), "r"))
for line in file:lines() do
  if #line > 0 then table.insert(paths, line) end
end
file:close()

local counter = 0
local thread_number = 0
local threads = {}
local split = os.getenv("BIEB_SPLIT") ~= nil

function setup(thread)
  -- With BIEB_SPLIT the second thread starts halfway through the list and
  -- each thread stops after its half: every path is asked once (first-time
  -- searches). Two threads (wrk -t2) are assumed.
  if split then
    thread:set("offset", thread_number * math.floor(#paths / 2))
  else
    thread:set("offset", thread_number * 7)
  end
  thread_number = thread_number + 1
  table.insert(threads, thread)
end

local requests = {}

function init(args)
  for i, path in ipairs(paths) do requests[i] = wrk.format("GET", path) end
end

function request()
  counter = counter + 1
  return requests[((counter + offset) % #requests) + 1]
end

if split then
  -- wrk always runs for its whole duration; the rate is taken from the
  -- threads' own start and stop (whole seconds). With BIEB_DONE each thread
  -- leaves a file BIEB_DONE.<offset> when it is done, so a script can end
  -- wrk early (SIGINT makes it print its results).
  function response(status, headers, body)
    if started == nil then started = os.time() end
    if counter >= math.floor(#paths / 2) and finished == nil then
      finished = os.time()
      local marker = os.getenv("BIEB_DONE")
      if marker then
        local file = io.open(marker .. "." .. offset, "w")
        if file then file:close() end
      end
      wrk.thread:stop()
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local seconds = summary.duration / 1e6
  if split then
    local first, last = nil, nil
    for _, thread in ipairs(threads) do
      local started, finished = thread:get("started"), thread:get("finished")
      if started and (first == nil or started < first) then first = started end
      if finished and (last == nil or finished > last) then last = finished end
    end
    if first and last and last > first then seconds = last - first end
  end
  io.write(string.format("requests %d in %.1f s (%.0f/s), errors %d; latency p50 %.1f ms, p90 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    summary.requests, seconds, summary.requests / seconds, errors,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
