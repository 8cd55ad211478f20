#!/usr/bin/env bash
# Acknowledged write throughput of a cluster by shard count: 3 nodes on this machine, an index of
# 1 shard and one of 3 (hnsw, 4 dims), 6 clients posting batches of 100 records through all nodes
# for 15 s each (tests/cluster_e2e' DISABLED_WriteThroughputByShardCount). etcd (3 members) and
# radosgw are started once, on loopback, and stopped at the end.
#   bench/run_cluster_shards.sh [RUNS]     # default 3; prints each run and the medians
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
build=$root/build
[ -x "$build/cluster_server_test" ] || { echo "build cluster_server_test first (scripts/setup)" >&2; exit 1; }
work=$(mktemp -d /tmp/semble-shards.XXXXXX)
trap '"$root/tests/services/radosgw.sh" stop "$work/radosgw"; "$root/tests/services/etcd.sh" stop "$work/etcd"; rm -rf "$work"' EXIT
"$root/tests/services/etcd.sh" start "$work/etcd"
"$root/tests/services/radosgw.sh" start "$work/radosgw"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$work/rates"
for r in $(seq "$runs"); do
  out=$(SEMBLE_S3_ENV=$work/radosgw/env SEMBLE_ETCD_ENV=$work/etcd/env SEMBLE_BINARY=$build/semble \
        "$build/cluster_server_test" --gtest_also_run_disabled_tests \
        --gtest_filter=ClusterServerTest.DISABLED_WriteThroughputByShardCount 2>&1) ||
    { echo "run $r FAILED:"; echo "$out" | tail -30; exit 1; }
  grep -o "shards [0-9]*: [0-9]* acknowledged vectors/s.*" <<<"$out" | sed "s/^/run $r: /" | tee -a "$work/rates"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
for s in 1 3; do
  grep "shards $s:" "$work/rates" | awk '{print $4}' | sort -n |
    awk -v s="$s" '{v[NR]=$1} END {printf "shards %s: median %d acknowledged vectors/s over %d runs\n", s, v[int((NR+1)/2)], NR}'
done
