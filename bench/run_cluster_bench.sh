#!/usr/bin/env bash
# Cluster benchmarks on this machine: 3 `semble serve --cluster` nodes, etcd (3 members) and
# radosgw, all on loopback (started once here, stopped at the end).
#   bench/run_cluster_bench.sh shards [RUNS]   # acknowledged write throughput of 1 node with an
#       index of 1 shard, then 3 nodes with an index of 1 shard and one of 3 (hnsw, 4 dims), 6
#       clients posting batches of 100 records through all running nodes for 15 s each
#       (tests/cluster_e2e' DISABLED_WriteThroughputByShardCount); each run twice, the nodes
#       watching heads and polling only (--no-cluster-watch), alternately
#   bench/run_cluster_bench.sh lag [RUNS]      # how long after an acknowledged write a follower
#       has applied it, under 4 writing clients, watching heads vs polling every 250 ms
#       (DISABLED_FollowerLagUnderWriteLoad)
# RUNS defaults to 3. Prints each run's lines; the shards mode also prints the medians.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mode=${1:-}
runs=${2:-3}
case "$mode" in
  shards) test=DISABLED_WriteThroughputByShardCount; pattern="nodes [0-9]* shards [0-9]*: [0-9]* acknowledged vectors/s.*" ;;
  lag) test=DISABLED_FollowerLagUnderWriteLoad; pattern="[a-z0-9 ]*: follower lag after ack.*" ;;
  *) echo "usage: $0 shards|lag [RUNS]" >&2; exit 2 ;;
esac
build=$root/build
[ -x "$build/cluster_server_test" ] || { echo "build cluster_server_test first (scripts/setup)" >&2; exit 1; }
work=$(mktemp -d /tmp/semble-cluster-bench.XXXXXX)
trap '"$root/tests/services/radosgw.sh" stop "$work/radosgw"; "$root/tests/services/etcd.sh" stop "$work/etcd"; rm -rf "$work"' EXIT
"$root/tests/services/etcd.sh" start "$work/etcd"
"$root/tests/services/radosgw.sh" start "$work/radosgw"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$work/lines"
variants=("")
[ "$mode" = shards ] && variants=("" "--no-cluster-watch")
for r in $(seq "$runs"); do
  for v in "${variants[@]}"; do
    label=${v:-watch}
    [ "$mode" = shards ] || label=run
    out=$(SEMBLE_S3_ENV=$work/radosgw/env SEMBLE_ETCD_ENV=$work/etcd/env SEMBLE_BINARY=$build/semble \
          SEMBLE_E2E_SERVE_ARGS="$v" "$build/cluster_server_test" --gtest_also_run_disabled_tests \
          --gtest_filter="ClusterServerTest.$test" 2>&1) ||
      { echo "run $r FAILED:"; echo "$out" | tail -30; exit 1; }
    grep -o "$pattern" <<<"$out" | sed "s/^/run $r $label: /" | tee -a "$work/lines"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$mode" = shards ]; then
  for v in watch --no-cluster-watch; do
    for setup in "nodes 1 shards 1" "nodes 3 shards 1" "nodes 3 shards 3"; do
      grep " $v: $setup:" "$work/lines" | awk '{print $8}' | sort -n |
        awk -v s="$v $setup" '{v[NR]=$1} END {printf "%s: median %d acknowledged vectors/s over %d runs\n", s, v[int((NR+1)/2)], NR}'
    done
  done
fi
