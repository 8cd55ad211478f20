#!/usr/bin/env bash
# Runs the SIGKILL crash test with many trials (default 1000; ctest runs 50).
#   tests/crash/run_crash_trials.sh [TRIALS] [BUILD_DIR]
# Replay a failing run with SEMBLE_CRASH_SEED=<seed printed in the failure>.
set -euo pipefail
trials=${1:-1000}
build=${2:-build}
cd "$(dirname "$0")/../.."
cmake --build "$build" --target crash_test
SEMBLE_CRASH_TRIALS=$trials "$build/crash_test" --gtest_brief=1
