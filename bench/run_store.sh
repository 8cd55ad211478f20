#!/usr/bin/env bash
# Issue 12 benchmark: a semble database whose durable home is an S3 bucket (Ceph radosgw on
# loopback, started here and stopped on exit) vs the same database in a local directory.
#
#   bench/run_store.sh [BUILD_DIR]      # default build-bench; ~12 minutes on 2 cores
#
# Environment knobs (defaults in brackets):
#   RUNS [3]              runs per configuration (medians are reported)
#   SECONDS_PER_RUN [2]   measured seconds per write run (after 0.5 s of warm-up)
#   DELAYS [30]           extra ms per Put for the "real S3" tables (e.g. "10 30 100")
#   VECTORS [100000]      vectors in the cold-start database
#   INDEX_TYPES ["hnsw flat"]  index types of the loopback write tables ("flat" isolates the
#                         storage path from the HNSW graph builder's CPU use)
#   DELAY_INDEX_TYPES ["flat"]  index types of the delayed-Put tables ("hnsw flat" adds ~3 min)
#   SKIP_WRITES / SKIP_DELAY / SKIP_COLD  set to 1 to leave a part out
#   QUERY [0]             1: one more thread queries during each loopback write run (its p50/p99
#                         are printed; it takes CPU from the writers)
#   THREADS ["1,4,16"] / WINDOWS_MS ["0,2,10"] / SHAPES ["100,1"]  the loopback write matrix
#
# Prints everything to stdout and keeps it in BUILD_DIR/store_bench-<date>.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-bench}
case "$build" in /*) ;; *) build=$root/$build ;; esac
RUNS=${RUNS:-3}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
DELAYS=${DELAYS:-30}
VECTORS=${VECTORS:-100000}

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSEMBLE_BUILD_BENCH=ON \
    -DSEMBLE_BUILD_TESTS=OFF -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
fi
ninja -C "$build" -j2 store_bench >/dev/null
bench=$build/bench/store_bench

work=$(mktemp -d /tmp/semble-store-bench.XXXXXX)
rgw=$work/rgw
log=$build/store_bench-$(date -u +%Y%m%dT%H%M%SZ).log

cleanup() {
  # Exactly the daemons this script's start recorded (radosgw.sh stop reads $rgw/pids).
  "$root/tests/services/radosgw.sh" stop "$rgw" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

exec > >(tee "$log") 2>&1

echo "# store_bench $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD)"
echo "load before radosgw: $(uptime)"
"$root/tests/services/radosgw.sh" start "$rgw"
env_file=$rgw/env
bucket=semble-bench-$$

run() {  # a part, with the load average before and after
  echo
  echo "## $1"
  echo "load before: $(uptime)"
  shift
  local t0=$SECONDS
  "$@"
  echo "load after:  $(uptime)   ($((SECONDS - t0)) s)"
}

if [ "${SKIP_COLD:-0}" != 1 ]; then
  run "cold start: load $VECTORS x 384 into the bucket" \
    "$bench" load --env "$env_file" --bucket "$bucket" --prefix cold --cache "$work/cache-load" \
    --vectors "$VECTORS"
  run "cold start: open on an empty cache" \
    "$bench" open --env "$env_file" --bucket "$bucket" --prefix cold --cache "$work/cache-open" \
    --answers "$work/cache-load.answers" --runs "$RUNS" --warm 0
  run "warm start: open on the cache the last open left" \
    "$bench" open --env "$env_file" --bucket "$bucket" --prefix cold --cache "$work/cache-open" \
    --answers "$work/cache-load.answers" --runs "$RUNS" --warm 1
fi

if [ "${SKIP_WRITES:-0}" != 1 ]; then
  for type in ${INDEX_TYPES:-hnsw flat}; do
    run "writes ($type): radosgw on loopback vs a local directory" \
      "$bench" writes --env "$env_file" --bucket "$bucket" --work "$work/writes" --runs "$RUNS" \
      --seconds "$SECONDS_PER_RUN" --local 1 --index-type "$type" --query "${QUERY:-0}" \
      --threads "${THREADS:-1,4,16}" --windows-ms "${WINDOWS_MS:-0,2,10}" --shapes "${SHAPES:-100,1}"
  done
fi

if [ "${SKIP_DELAY:-0}" != 1 ]; then
  for d in $DELAYS; do
    for type in ${DELAY_INDEX_TYPES:-flat}; do
      run "writes ($type): every Put $d ms slower (as on S3 / R2)" \
        "$bench" writes --env "$env_file" --bucket "$bucket" --work "$work/writes" \
        --runs "$RUNS" --seconds "$SECONDS_PER_RUN" --local 0 --delay-ms "$d" --index-type "$type"
    done
  done
fi
echo
echo "log: $log"
