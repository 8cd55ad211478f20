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
models=${SEMBLE_MODELS_DIR:-${SEMBLE_DATA_DIR:-${XDG_DATA_HOME:+$XDG_DATA_HOME/semble}}}
[ -n "${SEMBLE_MODELS_DIR:-}" ] || models=${models:-$HOME/.local/share/semble}/models
model=$models/all-MiniLM-L6-v2-q4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The first COUNT unique STS-B dev sentences (field 6 and 7 of the TAB-separated file).
awk -F'\t' '{print $6; print $7}' tests/data/stsb/sts-dev.csv |
  awk -v n="$count" '!seen[$0]++ && c++ < n' >"$tmp/sentences.txt"
echo "# $(date -u +%FT%TZ) $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for batch in 1 32; do
  "$build/bench/embed_bench" "$model" "$tmp/sentences.txt" "$batch" "$runs" 1 model
  "$build/bench/embed_bench" "$model" "$tmp/sentences.txt" "$batch" "$runs" 1 fp32
  node bench/embed_bench_ort.mjs "$model" "$tmp/sentences.txt" "$batch" "$runs"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
