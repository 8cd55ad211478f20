#!/bin/bash
# Copyright 2026 The semble Authors.
#
# Hybrid search quality (issue 17), end to end: loads Cranfield and KorQuAD 1.0 dev from the
# local fetch mirrors (sha256-checked) into a cache outside the repository, runs
# text_quality_bench on each (keyword, vector, hybrid: nDCG@10, recall@10, recall@100), and
# compares semble's keyword run with the Python reference BM25 on the same terms.
#
#   bench/text/run_quality.sh [BUILD_DIR]
#
# BUILD_DIR: a Release build configured with -DSEMBLE_BUILD_BENCH=ON (default build-bench);
# the target text_quality_bench is built if missing. Environment: SEMBLE_MODEL (default
# ~/.local/share/semble/models/all-MiniLM-L6-v2-q4), SEMBLE_BENCH_CACHE (default
# ${XDG_CACHE_HOME:-~/.cache}/semble-bench/text), THREADS (embedding threads, default 2).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${1:-$root/build-bench}"
model="${SEMBLE_MODEL:-$HOME/.local/share/semble/models/all-MiniLM-L6-v2-q4}"
cache="${SEMBLE_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/semble-bench/text}"
threads="${THREADS:-2}"

if [[ ! -x "$build/bench/text_quality_bench" ]]; then
  cmake --build "$build" -j2 --target text_quality_bench
fi
python3 "$here/fetch_data.py" "$cache/data"

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for collection in cranfield korquad; do
  out="$cache/out/$collection"
  mkdir -p "$out"
  echo "== $collection"
  "$build/bench/text_quality_bench" --data "$cache/data/$collection" --model "$model" \
    --out "$out" --threads "$threads" --embed-cache "$cache/embeddings-$collection-$(basename "$model").bin" |
    tee "$out/result.txt"
  python3 "$here/reference_bm25.py" "$out" "$cache/data/$collection/qrels.tsv" |
    tee "$out/reference.json"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
