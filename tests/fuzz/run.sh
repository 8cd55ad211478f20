#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan, in build-fuzz/) and fuzzes each for
# MINUTES minutes, one target at a time, starting from its seed corpus. Prints the executions and
# crashes per target; a crashing input is saved as build-fuzz/crashes/<target>/crash-<sha1> (add it
# to tests/fuzz/corpus/<target>/ once fixed: the ctest replay then keeps it fixed).
#   tests/fuzz/run.sh 5                 # every target, 5 minutes each
#   tests/fuzz/run.sh 1 filter wal      # two targets
# New inputs the fuzzer finds go to build-fuzz/corpus/<target>/ (not to the tree: the seeds stay
# small and hand-picked). One fuzzing process at a time, so the machine stays usable.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:?usage: tests/fuzz/run.sh MINUTES [TARGET...]}
shift
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in tests/fuzz/*_fuzz.cc; do
    n=$(basename "$f" _fuzz.cc)
    targets+=("$n")
  done
fi

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSEMBLE_FUZZ=ON -DSEMBLE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j "${BUILD_JOBS:-2}" --target "${targets[@]/%/_fuzz}"

summary=()
for t in "${targets[@]}"; do
  work="$build/corpus/$t"
  crashes="$build/crashes/$t"
  mkdir -p "$work" "$crashes"
  log="$build/fuzz-$t.log"
  echo "fuzz: $t for $minutes min (log: $log)"
  # -max_len 64 KiB: room for a whole NDJSON batch or a small model file, and still fast.
  # -rss_limit_mb bounds memory: an allocation sized by a length field in the input fails the run.
  # -timeout: an input that takes over 10 s is a hang.
  set +e
  "$build/${t}_fuzz" "$work" "tests/fuzz/corpus/$t" \
    -max_total_time=$((minutes * 60)) -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -timeout=10 \
    -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s+=$2} END {print s+0}')
  found=$(find "$crashes" -type f | wc -l)
  summary+=("$(printf '%-14s %12s executions  %3s crashes  (exit %s)' "$t" "$execs" "$found" "$rc")")
done
echo
printf '%s\n' "${summary[@]}"
