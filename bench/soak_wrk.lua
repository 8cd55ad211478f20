-- Copyright 2026 The semble Authors.
--
-- wrk script for bench/soak.sh: a mixed load on one index, SOAK_DIMS-dimensional random vectors.
-- 90% of requests are top-10 queries, 10% upserts of one record (an id among SOAK_IDS, so the index
-- size stays bounded while its contents churn). Prints one machine-readable line at the end:
--   SOAK_RESULT requests=N rps=R p50_us=P p99_us=Q errors=E non2xx=X

local dims = tonumber(os.getenv("SOAK_DIMS") or "64")
local ids = tonumber(os.getenv("SOAK_IDS") or "20000")
local api = os.getenv("SOAK_API")
local headers = { ["Content-Type"] = "application/json" }

local function vector()
  local parts = {}
  for i = 1, dims do parts[i] = string.format("%.4f", math.random() * 2 - 1) end
  return "[" .. table.concat(parts, ",") .. "]"
end

function init(args)
  math.randomseed(os.time() + math.floor(math.random() * 1e6))
end

function request()
  if math.random() < 0.1 then
    local id = math.random(0, ids - 1)
    local body = '{"id":"v' .. id .. '","values":' .. vector() .. ',"metadata":{"n":' .. id .. '}}'
    return wrk.format("POST", api .. "/upsert",
                      { ["Content-Type"] = "application/x-ndjson" }, body)
  end
  return wrk.format("POST", api .. "/query", headers, '{"vector":' .. vector() .. ',"topK":10}')
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format("SOAK_RESULT requests=%d rps=%.1f p50_us=%d p99_us=%d errors=%d non2xx=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
