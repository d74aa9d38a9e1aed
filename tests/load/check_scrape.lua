-- wrk script for tests/load/scrape_load.py: checks every /metrics answer while wrk measures.
-- Every node of a generated snapshot carries the same CPU request (its generation, in
-- millicores), and the cluster total is that times the node count. A body that breaks either
-- rule mixes two polls: a torn scrape.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  nodes = tonumber(args[1])
  checked, bad_status, torn, first_gen, last_gen, changes = 0, 0, 0, nil, nil, 0
end

local node_pattern = 'kube_commitment_node_cpu_requests_cores{node="[^"]*"} ([^\n]+)'
local cluster_pattern = '\nkube_commitment_cluster_cpu_requests_cores ([^\n]+)'

function response(status, headers, body)
  checked = checked + 1
  if status ~= 200 then
    bad_status = bad_status + 1
    return
  end
  local value, count, consistent = nil, 0, true
  for v in string.gmatch(body, node_pattern) do
    local number = tonumber(v)
    if value == nil then value = number end
    if number ~= value then consistent = false end
    count = count + 1
  end
  local cluster = tonumber(string.match(body, cluster_pattern) or "")
  if count ~= nodes or value == nil or cluster == nil or
     math.abs(cluster - value * nodes) > 1e-6 * math.max(1, cluster) then
    consistent = false
  end
  if not consistent then
    torn = torn + 1
    return
  end
  if first_gen == nil then first_gen = value end
  if last_gen ~= nil and value ~= last_gen then changes = changes + 1 end
  last_gen = value
end

function done(summary, latency, requests)
  local checked_all, bad_all, torn_all, changes_all = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    checked_all = checked_all + thread:get("checked")
    bad_all = bad_all + thread:get("bad_status")
    torn_all = torn_all + thread:get("torn")
    changes_all = changes_all + thread:get("changes")
  end
  io.write(string.format("CHECK checked=%d bad_status=%d torn=%d generation_changes=%d\n",
                         checked_all, bad_all, torn_all, changes_all))
  io.write(string.format("LATENCY_US p50=%d p90=%d p99=%d max=%d\n",
                         latency:percentile(50), latency:percentile(90),
                         latency:percentile(99), latency.max))
end
