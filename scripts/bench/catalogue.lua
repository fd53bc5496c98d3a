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

function setup(thread)
  thread:set("offset", thread_number * 7)
  thread_number = thread_number + 1
end

local requests = {}

function init(args)
  for i, path in ipairs(paths) do requests[i] = wrk.format("GET", path) end
end

function request()
  counter = counter + 1
  return requests[((counter + offset) % #requests) + 1]
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("requests %d in %.1f s (%.0f/s), errors %d; latency p50 %.1f ms, p90 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), errors,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
