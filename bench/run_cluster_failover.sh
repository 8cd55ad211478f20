#!/usr/bin/env bash
# Failover of a semble cluster, measured: how long after a kill -9 of the node that writes an index
# writes resume on another node, over many kills, with 4 clients writing through 3 nodes.
#   bench/run_cluster_failover.sh [TRIALS] [LEASE_TTL]     # defaults 20 and 5 (semble's default)
# Each trial is tests/cluster_e2e' KillingTheWriterLosesNoAcknowledgedWrite (3 fresh nodes, one
# index, SIGKILL of its writer after 2 s of writes; it also checks that no acknowledged write was
# lost). etcd (3 members) and radosgw are started once, on loopback, and stopped at the end.
# Prints each trial's resume time and the distribution (min, median, p90, max), in milliseconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
trials=${1:-20}
ttl=${2:-5}
build=$root/build
[ -x "$build/cluster_server_test" ] || { echo "build cluster_server_test first (scripts/setup)" >&2; exit 1; }
work=$(mktemp -d /tmp/semble-failover.XXXXXX)
trap '"$root/tests/services/radosgw.sh" stop "$work/radosgw"; "$root/tests/services/etcd.sh" stop "$work/etcd"; rm -rf "$work"' EXIT
"$root/tests/services/etcd.sh" start "$work/etcd"
"$root/tests/services/radosgw.sh" start "$work/radosgw"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$work/resumed"
for t in $(seq "$trials"); do
  out=$(SEMBLE_S3_ENV=$work/radosgw/env SEMBLE_ETCD_ENV=$work/etcd/env SEMBLE_BINARY=$build/semble \
        SEMBLE_E2E_LEASE_TTL=$ttl \
        "$build/cluster_server_test" --gtest_filter=ClusterServerTest.KillingTheWriterLosesNoAcknowledgedWrite 2>&1) ||
    { echo "trial $t FAILED:"; echo "$out" | tail -30; exit 1; }
  line=$(grep -o "writes resumed [0-9]* ms after the kill; [0-9]* writes acknowledged" <<<"$out")
  echo "trial $t: $line"
  grep -o "resumed [0-9]*" <<<"$line" | cut -d' ' -f2 >> "$work/resumed"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
sort -n "$work/resumed" | awk -v ttl="$ttl" '{v[NR]=$1} END {
  printf "lease %s s, %d kills: resume after kill (ms) min %d, median %d, p90 %d, max %d\n",
    ttl, NR, v[1], v[int((NR+1)/2)], v[int(NR*0.9+0.999)], v[NR] }'
