#!/usr/bin/env bash
# Embedding under concurrency (issue 16): 1, 4 and 16 concurrent one-text callers next to the
# batch-32 rate, semble and onnxruntime-node alternately, ROUNDS rounds, on the first COUNT unique
# STS-B dev sentences.
#   bench/run_embed_concurrency.sh [BUILD_DIR] [COUNT] [ROUNDS]
# semble: one Embedder with threads = 2 (the server's default on this machine) and its default
# lanes (one per core), callers are threads; batch 32 also on one thread, the per-core goal.
# Over HTTP: `semble serve` with its defaults but --embed-cache 0 (the texts repeat from round to
# round), callers are keep-alive connections posting one text to /v1/embeddings; the client runs on
# the same cores, and the CPU column is the server's.
# onnxruntime-node: a session per worker thread (2 workers × 1 intra-op thread), callers are async
# loops sending to the least busy worker; batch 32 with 2 callers, so both cores work.
# HTTP_CLIENTS="beast httplib" runs the HTTP callers with each client in turn (bench_http_client.h:
# one write per request, or cpp-httplib's two); SKIP_ORT=1 leaves out onnxruntime.
# Needs: the semble and embed_concurrency_bench targets built in BUILD_DIR
# (-DSEMBLE_BUILD_BENCH=ON), the default model installed (scripts/setup), tests/embed/node_modules
# (scripts/test's npm step).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
count=${2:-1000}
rounds=${3:-3}
source bench/lib.sh
models=$(semble_models_dir)
model=$models/all-MiniLM-L6-v2-q4
tmp=$(mktemp -d)
trap 'stop_semble; rm -rf "$tmp"' EXIT
start_semble "$tmp/server.log" "$build/semble" --data "$tmp/data" --models "$models" \
  --access-log off --embed-cache 0
stsb_sentences "$count" "$tmp/sentences.txt"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
  echo "# round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$build/bench/embed_concurrency_bench" "$model" --sentences "$tmp/sentences.txt" \
    --texts "$count" --runs 1 --threads 1 --callers 1 --batch 32
  "$build/bench/embed_concurrency_bench" "$model" --sentences "$tmp/sentences.txt" \
    --texts "$count" --runs 1 --threads 2 --callers 1,4,16 --batch 1
  for client in ${HTTP_CLIENTS:-beast}; do
    echo "# HTTP client: $client"
    "$build/bench/embed_concurrency_bench" "$model" --sentences "$tmp/sentences.txt" \
      --texts "$count" --runs 1 --callers 1,4,16 --batch 1 --url "$SERVER_URL" \
      --server-pid "$SERVER_PID" --http-client "$client"
  done
  [ "${SKIP_ORT:-0}" = 1 ] && continue
  node bench/embed_concurrency_ort.mjs "$model" "$tmp/sentences.txt" --workers 2 --threads 1 \
    --callers 2 --batch 32 --runs 1
  node bench/embed_concurrency_ort.mjs "$model" "$tmp/sentences.txt" --workers 2 --threads 1 \
    --callers 1,4,16 --batch 1 --runs 1
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
