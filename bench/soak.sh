#!/usr/bin/env bash
# Copyright 2026 The semble Authors.
#
# Soak test (issue 10): `semble serve` on loopback under a steady mixed load (90% queries, 10%
# single-record upserts churning a fixed set of ids) for MINUTES, measured in windows of WINDOW
# seconds: throughput, p50/p99 latency, errors, the server's resident memory (VmRSS) and the
# index size. Bounded: it stops itself, and stops exactly the server it started.
#
#   bench/soak.sh                        # 10 minutes, 30 s windows, 16 connections
#   MINUTES=60 CONNS=32 bench/soak.sh    # longer, more connections
#
# Prints a Markdown table on stdout (progress on stderr). Needs: wrk, curl, a built build/semble.
# Fails (exit 1) if any request errored or got a non-2xx answer, or if the server did not stop
# cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/semble}
MINUTES=${MINUTES:-10}
WINDOW=${WINDOW:-30}
CONNS=${CONNS:-16}
DIMS=${DIMS:-64}
IDS=${IDS:-20000}
WORK=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

"$BIN" serve --data "$WORK/data" --port 0 --models "$WORK/no-models" --access-log off \
  2> "$WORK/server.log" &
server_pid=$!
for _ in $(seq 200); do
  grep -q "listening on" "$WORK/server.log" && break
  sleep 0.05
done
url=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$WORK/server.log")
[ -n "$url" ] || { cat "$WORK/server.log" >&2; exit 1; }
api_path=/client/v4/accounts/soak/vectorize/v2/indexes/soak
curl -sf "$url/client/v4/accounts/soak/vectorize/v2/indexes" \
  -d "{\"name\":\"soak\",\"config\":{\"dimensions\":$DIMS,\"metric\":\"cosine\"}}" > /dev/null
echo "soak: loading $IDS vectors of $DIMS dims" >&2
awk -v n="$IDS" -v d="$DIMS" 'BEGIN { srand(1); for (i = 0; i < n; i++) {
  printf "{\"id\":\"v%d\",\"values\":[", i
  for (j = 0; j < d; j++) printf "%s%.4f", (j ? "," : ""), rand() * 2 - 1
  printf "],\"metadata\":{\"n\":%d}}\n", i } }' > "$WORK/load.ndjson"
split -l 1000 "$WORK/load.ndjson" "$WORK/batch-"
for f in "$WORK"/batch-*; do
  curl -sf "$url$api_path/upsert" -H 'content-type: application/x-ndjson' --data-binary @"$f" > /dev/null
done

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status"; }
echo "| minute | requests/s | p50 (ms) | p99 (ms) | errors | non-2xx | server RSS (MiB) | vectors |"
echo "|---|---|---|---|---|---|---|---|"
windows=$(( MINUTES * 60 / WINDOW ))
failures=0
for w in $(seq "$windows"); do
  out=$(SOAK_DIMS=$DIMS SOAK_IDS=$IDS SOAK_API=$api_path \
        wrk -t2 -c"$CONNS" -d"${WINDOW}s" --latency -s bench/soak_wrk.lua "$url" | grep SOAK_RESULT)
  val() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<< "$out"; }
  count=$(curl -sf "$url$api_path/info" | sed -n 's/.*"vectorCount":\([0-9]*\).*/\1/p')
  printf "| %.1f | %s | %.2f | %.2f | %s | %s | %s | %s |\n" "$(echo "$w * $WINDOW / 60" | bc -l)" \
    "$(val rps)" "$(echo "$(val p50_us) / 1000" | bc -l)" "$(echo "$(val p99_us) / 1000" | bc -l)" \
    "$(val errors)" "$(val non2xx)" "$(rss_mb)" "$count"
  failures=$(( failures + $(val errors) + $(val non2xx) ))
done
kill -TERM "$server_pid"
wait "$server_pid" && status=0 || status=$?
server_pid=""
echo "soak: server exited with $status; $failures failed requests" >&2
[ "$status" -eq 0 ] && [ "$failures" -eq 0 ]
