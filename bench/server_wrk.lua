-- Copyright 2026 The semble Authors.
--
-- wrk script for bench/run_server.sh: POSTs the query bodies of SB_QUERIES (one JSON body per
-- line) to the URL's path, cycling through them; each wrk thread starts at a different offset.
-- SB_EF (optional) adds "ef":N to every body, SB_RECALL (optional) "recall":R. Without
-- SB_QUERIES it sends plain GETs (for /healthz). At the end prints one machine-readable line:
--   SB_RESULT requests=N seconds=S rps=R mean_us=M p50_us=P p99_us=Q errors=E non2xx=X

local path = os.getenv("SB_QUERIES")
local ef = os.getenv("SB_EF")
local recall = os.getenv("SB_RECALL")
local requests = {}
local thread_count = 0

function setup(thread)
  thread:set("offset", thread_count * 337)
  thread_count = thread_count + 1
end

function init(args)
  if path == nil or path == "" then
    requests[1] = wrk.format("GET", nil, nil, nil)
    return
  end
  local headers = { ["Content-Type"] = "application/json" }
  for line in io.lines(path) do
    local body = line
    if ef ~= nil and ef ~= "" then body = body:sub(1, -2) .. ',"ef":' .. ef .. "}" end
    if recall ~= nil and recall ~= "" then body = body:sub(1, -2) .. ',"recall":' .. recall .. "}" end
    requests[#requests + 1] = wrk.format("POST", nil, headers, body)
  end
  counter = offset or 0
end

counter = 0
function request()
  counter = counter + 1
  return requests[(counter % #requests) + 1]
end

function done(summary, latency, _)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "SB_RESULT requests=%d seconds=%.3f rps=%.1f mean_us=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency.mean,
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
