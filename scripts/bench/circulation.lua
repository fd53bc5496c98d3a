-- wrk script for the circulation benchmark: each thread lends copies from
-- its own slice of BIEB_ITEMS ("barcode branch-slug" per line) to members
-- from BIEB_CARDS, and takes each copy in again LAG requests later (so the
-- checkout finished long before), alternating checkouts and returns.
-- Prints throughput, errors and the 50th/90th/99th latency percentiles.
local items, cards = {}, {}
for line in io.lines(os.getenv("BIEB_ITEMS")) do
  local barcode, branch = line:match("^(%S+)%s+(%S+)$")
  if barcode then table.insert(items, {barcode, branch}) end
end
for line in io.lines(os.getenv("BIEB_CARDS")) do
  if #line > 0 then table.insert(cards, line) end
end
local token = os.getenv("BIEB_TOKEN")
local threads_total = tonumber(os.getenv("BIEB_THREADS") or "2")
local lag = 200

local thread_number = 0
function setup(thread)
  thread:set("index", thread_number)
  thread_number = thread_number + 1
end

local n, co, ci = 0, 0, 0
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}

-- BIEB_PART (0 or 1) picks half of the copies, so a warm-up run and the
-- measured run never meet copies the other left on loan.
local part = tonumber(os.getenv("BIEB_PART") or "0")

function init(args)
  slice = math.floor(#items / (threads_total * 2))
  base = (part * threads_total + index) * slice
end

local function item(k)
  return items[base + (k % slice) + 1]
end

function request()
  n = n + 1
  if n <= lag or n % 2 == 1 then
    co = co + 1
    local it = item(co)
    local card = cards[((index * 7919 + co) % #cards) + 1]
    return wrk.format("POST", "/api/v1/circulation/checkout", headers,
      string.format('{"card":"%s","item":"%s","branch":"%s"}', card, it[1], it[2]))
  else
    ci = ci + 1
    local it = item(ci)
    return wrk.format("POST", "/api/v1/circulation/checkin", headers,
      string.format('{"item":"%s","branch":"%s"}', it[1], it[2]))
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("requests %d in %.1f s (%.0f/s), non-2xx or failed %d; latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), errors,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
