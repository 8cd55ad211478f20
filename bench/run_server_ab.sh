#!/usr/bin/env bash
# Copyright 2026 The semble Authors.
#
# A/B of the HTTP query path of two `semble` binaries on one database, interleaved: each round
# runs Index::Query in process (server_bench, 1 and 2 threads), then each binary in turn (the order
# alternates between rounds) serving the same index, and prints the medians per binary. For
# changes to the server's overhead on a shared, noisy machine, where only interleaved rounds are
# comparable; bench/run_server.sh is the full benchmark (real embeddings, ingest, recall).
#
#   bench/run_server_ab.sh BIN_A BIN_B
#   ROUNDS=5 DURATION=8 EF=48 DATA=/tmp/ab SB=build/bench/server_bench bench/run_server_ab.sh A B
#
# DATA holds `server_bench prepare` output (e.g. of bench/server_synthetic_data.js: 20,000 docs,
# 1,000 queries); DATA/db is created by BIN_A on the first run (index "words", hnsw default) and
# reused. Per binary and round: wrk GET /healthz -c1, query -c1, -t2 -c2, -t2 -c16 (DURATION s
# each, after a WARMUP s -c2 warm-up), with the server's CPU time per request (/proc/PID/stat) and
# the 1-minute load average at the start of each row. Overhead = HTTP mean at -c1 - in-process mean
# on 1 thread of the same round.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(realpath "$1")
B=$(realpath "$2")
DATA=$(realpath -m "${DATA:-/tmp/semble-ab}")
SB=$(realpath "${SB:-build/bench/server_bench}")
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-2}
EF=${EF:-48}
PASSES=${PASSES:-5}
source bench/lib.sh
MODELS=$(semble_models_dir)
API=/client/v4/accounts/x/vectorize/v2/indexes
OUT=${OUT:-$DATA/ab-$(date -u +%H%M%S).txt}
log() { echo "[$(date -u +%T)] $*" >&2; }
load() { cut -d' ' -f1 /proc/loadavg; }

PID=
stop_server() {
  stop_semble
  PID=
}
trap stop_server EXIT
# start_server BINARY: BINARY serve on DATA/db (bench/lib.sh: a free port, then /healthz polled).
start_server() {
  start_semble "$DATA/server.err" "$1" --data "$DATA/db" --models "$MODELS" --access-log off
  PID=$SERVER_PID
  URL=$SERVER_URL
}

if [ ! -d "$DATA/db" ]; then
  start_server "$A"
  log "creating and loading index words"
  curl -sf -X POST "$URL$API" -H 'Content-Type: application/json' \
    -d '{"name":"words","config":{"dimensions":384,"metric":"cosine"}}' >/dev/null
  for f in "$DATA"/ndjson/batch_*.ndjson; do
    curl -sf -o /dev/null -H 'Content-Type: application/x-ndjson' --data-binary "@$f" \
      "$URL$API/words/insert"
  done
  until curl -s "$URL$API/words/info" | grep -q '"unindexedVectors":0'; do sleep 0.5; done
  stop_server
fi

# label bin threads conns path [env...]: one wrk row -> OUT
wrk_row() {
  local label=$1 bin=$2 threads=$3 conns=$4 path=$5 l0 c0 out
  shift 5
  l0=$(load)
  c0=$(server_cpu)
  out=$(env "$@" wrk -t"$threads" -c"$conns" -d"$DURATION"s -s bench/server_wrk.lua "$URL$path")
  # mean_us: connections / req/s (closed loop, exact; wrk's own mean is corrected for coordinated
  # omission, which on a loaded machine counts every scheduler stall).
  echo "$out" | awk -v label="$label" -v bin="$bin" -v l="$l0" -v c0="$c0" -v c1="$(server_cpu)" \
    -v c="$conns" '/^SB_RESULT / { sub(/^SB_RESULT /, ""); sub(/mean_us=[^ ]* /, "");
      split($1, r, "="); split($3, q, "=");
      printf "%s|%s|%s mean_us=%.2f cpu_us=%.2f load=%s\n", bin, label, $0, c / q[2] * 1e6,
        (c1 - c0) / r[2] * 1e6, l }' >>"$OUT"
}
Q=(SB_QUERIES="$DATA/queries.jsonl" SB_EF="$EF")

log "results -> $OUT (A=$A, B=$B)"
for round in $(seq 1 "$ROUNDS"); do
  log "round $round: in process (load $(load))"
  "$SB" inprocess "$DATA" --db "$DATA/db" --index words --ef "$EF" --runs 1 --passes "$PASSES" |
    sed -n "s/^SB_INPROC threads=\([0-9]\) \(.*\)/inproc|\1|\2 load=$(load)/p" >>"$OUT"
  if [ $((round % 2)) = 1 ]; then order="A B"; else order="B A"; fi
  for which in $order; do
    if [ "$which" = A ]; then bin=$A; else bin=$B; fi
    start_server "$bin"
    log "round $round: $which, pid $PID (load $(load))"
    env "${Q[@]}" wrk -t2 -c2 -d"$WARMUP"s -s bench/server_wrk.lua "$URL$API/words/query" >/dev/null
    wrk_row healthz-c1 "$which" 1 1 /healthz
    wrk_row query-c1 "$which" 1 1 "$API/words/query" "${Q[@]}"
    wrk_row query-c2 "$which" 2 2 "$API/words/query" "${Q[@]}"
    wrk_row query-c16 "$which" 2 16 "$API/words/query" "${Q[@]}"
    stop_server
  done
done

# Medians per binary and row; overhead per round = query-c1 mean - in-process 1-thread mean.
node -e '
  const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n");
  const kv = s => Object.fromEntries(s.trim().split(/\s+/).map(p => p.split("=")).map(([k, v]) => [k, +v]));
  const med = a => { const s = [...a].sort((x, y) => x - y); const n = s.length;
    return n ? (n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) : NaN; };
  const rows = {}, inproc = {1: [], 2: []}, over = {A: [], B: []}, overCpu = {A: [], B: []};
  let lastIn = null;
  for (const l of lines) {
    const [a, b, rest] = l.split("|");
    const v = kv(rest);
    if (a === "inproc") { inproc[b].push(v); if (b === "1") lastIn = v; continue; }
    (rows[b] ??= {A: [], B: []})[a].push(v);
    if (b === "query-c1" && lastIn) {
      over[a].push(v.mean_us - lastIn.mean_us);
      overCpu[a].push(v.cpu_us - lastIn.cpu_us);
    }
  }
  const f = (x, d = 1) => Number.isFinite(x) ? x.toFixed(d) : "-";
  console.log("| row | A req/s | B req/s | A mean µs | B mean µs | A server CPU µs/req | B server CPU µs/req | load (A; B) |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [t, s] of Object.entries(inproc)) {
    console.log(`| in process, ${t} thread(s) | ${f(med(s.map(x => x.qps)), 0)} | | ${f(med(s.map(x => x.mean_us)))} | | ${f(med(s.map(x => x.cpu_us)))} | | ${s.map(x => x.load).join(", ")} |`);
  }
  for (const [r, s] of Object.entries(rows)) {
    const m = (w, k) => med(s[w].map(x => x[k]));
    console.log(`| ${r} | ${f(m("A", "rps"), 0)} | ${f(m("B", "rps"), 0)} | ${f(m("A", "mean_us"))} | ${f(m("B", "mean_us"))} | ${f(m("A", "cpu_us"))} | ${f(m("B", "cpu_us"))} | ${s.A.map(x => x.load).join(", ")}; ${s.B.map(x => x.load).join(", ")} |`);
  }
  console.log(`| overhead at -c1 (HTTP mean - in-process mean, per round) | ${f(med(over.A))} | ${f(med(over.B))} | | | ${f(med(overCpu.A))} | ${f(med(overCpu.B))} | A: ${over.A.map(x => f(x, 0)).join(", ")}; B: ${over.B.map(x => f(x, 0)).join(", ")} |`);
' "$OUT"
