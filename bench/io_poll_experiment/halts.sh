#!/bin/bash
# Copyright 2026 The semble Authors.
#
# The io-poll experiment: wrk -c1 (/healthz, query) against each server in turn, with the cpuidle
# halts (state1) and poll-state entries (state0) of both CPUs per request, the server's CPU per
# request, and its CPU in the 2 s after traffic stops (must be 0 for a polling server).
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
DATA=$(realpath -m "${DATA:-/tmp/semble-ab}"); D=${D:-3}; ROUNDS=${ROUNDS:-3}
API=/client/v4/accounts/x/vectorize/v2/indexes
halts() { cat /sys/devices/system/cpu/cpu*/cpuidle/state1/usage | awk '{s+=$1} END {print s}'; }
polls() { cat /sys/devices/system/cpu/cpu*/cpuidle/state0/usage | awk '{s+=$1} END {print s}'; }
for r in $(seq 1 $ROUNDS); do
for spec in "$@"; do
  n=${spec%%=*}; b=${spec#*=}
  [ -d "$DATA/db-$n" ] || cp -r "$DATA/db" "$DATA/db-$n"
  start_semble "$DATA/halts-$n.err" "$b" --data "$DATA/db-$n" --models "$(semble_models_dir)" --access-log off
  SB_QUERIES=$DATA/queries.jsonl SB_EF=48 wrk -t1 -c1 -d1s -s bench/server_wrk.lua "$SERVER_URL$API/words/query" >/dev/null
  for p in /healthz $API/words/query; do
    l=$(cut -d' ' -f1 /proc/loadavg); h0=$(halts); p0=$(polls); c0=$(server_cpu)
    o=$(SB_QUERIES=$DATA/queries.jsonl SB_EF=48 wrk -t1 -c1 -d${D}s -s bench/server_wrk.lua "$SERVER_URL$p" | grep '^SB_RESULT')
    h1=$(halts); p1=$(polls); c1=$(server_cpu)
    echo "$o" | awk -v n=$n -v p=$p -v h=$((h1-h0)) -v q=$((p1-p0)) -v c0=$c0 -v c1=$c1 -v l=$l -v r=$r '{
      for (f = 2; f <= NF; f++) { split($f, kv, "="); v[kv[1]] = kv[2] }
      printf "%s %-10s %-45s rps=%.0f mean_us=%.1f halts/req=%.2f polls/req=%.2f cpu_us=%.1f load=%s\n", r, n, p, v["rps"], 1e6/v["rps"], h/v["requests"], q/v["requests"], (c1-c0)/v["requests"]*1e6, l }'
  done
  c0=$(server_cpu); sleep 2; c1=$(server_cpu)
  echo "$r $n idle 2 s after traffic: server CPU $(awk -v a=$c0 -v b=$c1 'BEGIN{print b-a}') s"
  stop_semble
done
done
