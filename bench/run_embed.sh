#!/usr/bin/env bash
# Embedding throughput: semble vs onnxruntime-node, 1 thread each, batch 1 and 32, same run.
#   bench/run_embed.sh [BUILD_DIR] [SENTENCES] [RUNS]
# Needs: the embed_bench target built in BUILD_DIR (-DSEMBLE_BUILD_BENCH=ON), the default model
# installed (scripts/setup), tests/embed/node_modules (.ci/run's npm step).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench}
count=${2:-500}
runs=${3:-3}
source bench/lib.sh
model=$(semble_models_dir)/all-MiniLM-L6-v2-q4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
stsb_sentences "$count" "$tmp/sentences.txt"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for batch in 1 32; do
  "$build/bench/embed_bench" "$model" "$tmp/sentences.txt" "$batch" "$runs" 1 model
  "$build/bench/embed_bench" "$model" "$tmp/sentences.txt" "$batch" "$runs" 1 fp32
  node bench/embed_bench_ort.mjs "$model" "$tmp/sentences.txt" "$batch" "$runs"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
