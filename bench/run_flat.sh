#!/bin/sh
# Copyright 2026 The semble Authors.
#
# Configures a Release bench build in build-bench/ and runs flat_bench single-threaded.
#   FAISS_ROOT=/path/to/faiss bench/run_flat.sh [flat_bench flags...]
# FAISS_ROOT: a FAISS install prefix or built source tree (see bench/RESULTS.md for how the AVX2
# build was made); unset = the system's FAISS (Debian libfaiss-dev, generic, no AVX).
# BUILD_DIR overrides build-bench (to keep a Debian-FAISS and a self-built-FAISS build side by side).
set -eu
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build-bench}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEMBLE_BUILD_BENCH=ON \
  -DSEMBLE_BUILD_TESTS=OFF -DFAISS_ROOT="${FAISS_ROOT:-}" >&2
cmake --build "$BUILD_DIR" --target flat_bench -j2 >&2
echo "load before: $(cat /proc/loadavg)" >&2
cd "$BUILD_DIR"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ./bench/flat_bench "$@"
