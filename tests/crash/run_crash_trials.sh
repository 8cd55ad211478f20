#!/usr/bin/env bash
# Runs the SIGKILL crash tests with many trials (default 1000; ctest runs 50): on a local directory
# and on a file:// object store (crash_test), then on a real radosgw (db_s3_test, through ctest,
# which starts and stops radosgw as the s3 fixture).
#   tests/crash/run_crash_trials.sh [TRIALS] [BUILD_DIR]
# Replay a failing run with SEMBLE_CRASH_SEED=<seed printed in the failure>.
set -euo pipefail
trials=${1:-1000}
build=${2:-build}
cd "$(dirname "$0")/../.."
cmake --build "$build" --target crash_test db_s3_test
SEMBLE_CRASH_TRIALS=$trials "$build/crash_test" --gtest_brief=1
SEMBLE_CRASH_TRIALS=$trials ctest --test-dir "$build" -L s3 -R "CrashS3|radosgw_" --timeout 3600 \
  --output-on-failure
