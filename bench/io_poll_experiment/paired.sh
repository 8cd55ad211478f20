#!/bin/bash
# Copyright 2026 The semble Authors.
#
# The io-poll experiment (bench/RESULTS.md, "Polling I/O threads"): paired short runs. Every
# server is up at once, each on its own copy of DATA/db (made by bench/run_server_ab.sh), and each
# round runs every row (wrk D s: /healthz -c1, query -c1, -t2 -c2, -t2 -c16) against every server
# in a rotated order, so variants are compared under the same load; one line per row and server
# (req/s, mean µs = conns / req/s, server CPU µs per request, 1-min load) -> OUT.
#   ROUNDS=6 D=3 DATA=/tmp/semble-ab bench/io_poll_experiment/paired.sh main=/abs/semble B=/abs/wrapper
#   python3 bench/io_poll_experiment/summarize.py OUT main   # medians, per-round ratios to main
# A server named hp-* is measured with the guest's halt-polling on: guest_halt_poll_ns = 200000
# for its rows only, 0 right after each row and on exit (this machine's setting is 0). Needs root
# then, and changes a machine-wide setting for the length of those rows.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
DATA=$(realpath -m "${DATA:-/tmp/semble-ab}")
ROUNDS=${ROUNDS:-8}; D=${D:-3}
OUT=${OUT:-$DATA/paired-$(date -u +%H%M%S).txt}
API=/client/v4/accounts/x/vectorize/v2/indexes
names=(); pids=(); urls=()
HALT_POLL=/sys/module/haltpoll/parameters/guest_halt_poll_ns
halt_poll=0  # set when a server is named hp-*
halt_poll_off() { [ "$halt_poll" = 0 ] || echo 0 > "$HALT_POLL"; }
cleanup() {
  halt_poll_off
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
for spec in "$@"; do case ${spec%%=*} in hp-*) halt_poll=1;; esac; done
for spec in "$@"; do
  n=${spec%%=*}; b=${spec#*=}
  rm -rf "$DATA/db-$n"; cp -r "$DATA/db" "$DATA/db-$n"
  start_semble "$DATA/paired-$n.err" "$b" --data "$DATA/db-$n" --models "$(semble_models_dir)" --access-log off
  names+=("$n"); pids+=("$SERVER_PID"); urls+=("$SERVER_URL")
  SB_QUERIES=$DATA/queries.jsonl SB_EF=48 wrk -t2 -c2 -d2s -s bench/server_wrk.lua "$SERVER_URL$API/words/query" >/dev/null
done
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$1/stat"; }
k=${#names[@]}
echo "start $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)" >>"$OUT"
for r in $(seq 1 "$ROUNDS"); do
  for row in healthz-c1 query-c1 query-c2 query-c16; do
    case $row in healthz-c1) t=1 c=1 p=/healthz;; query-c1) t=1 c=1 p=$API/words/query;;
      query-c2) t=2 c=2 p=$API/words/query;; query-c16) t=2 c=16 p=$API/words/query;; esac
    for j in $(seq 0 $((k - 1))); do
      i=$(( (j + r) % k ))
      case ${names[$i]} in hp-*) echo 200000 > "$HALT_POLL";; esac
      l=$(cut -d' ' -f1 /proc/loadavg); c0=$(cpu "${pids[$i]}")
      o=$(SB_QUERIES=$DATA/queries.jsonl SB_EF=48 wrk -t$t -c$c -d${D}s -s bench/server_wrk.lua "${urls[$i]}$p" | grep '^SB_RESULT')
      c1=$(cpu "${pids[$i]}")
      halt_poll_off
      echo "$o" | awk -v n="${names[$i]}" -v row=$row -v r=$r -v l=$l -v c0=$c0 -v c1=$c1 -v c=$c '{
        for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
        printf "%s %s %s rps=%.0f mean_us=%.2f cpu_us=%.2f load=%s\n", r, row, n, v["rps"], c / v["rps"] * 1e6, (c1 - c0) / v["requests"] * 1e6, l }' >>"$OUT"
    done
  done
done
echo "end $(date -u +%T) load $(cut -d' ' -f1 /proc/loadavg)" >>"$OUT"
echo "$OUT"
