// Copyright 2026 The semble Authors.
//
// Crash trials (crash_trials.h) on a local directory and on a file:// object store.

#include "crash/crash_trials.h"
#include "semble/object_store.h"

namespace semble::crash {
namespace {

TEST(CrashTest, AcknowledgedMutationsSurviveSigkill) {
  test::TempDir dir;
  RunCrashTrials(DatabaseOptions(), dir.path(), "");
}

TEST(CrashTest, AcknowledgedMutationsSurviveSigkillInAnObjectStore) {
  test::TempDir dir;
  DatabaseOptions options;
  options.store_url = "file://" + dir.path() + "/bucket";
  options.store_gc_grace_ms = 0;  // collect garbage under fire too
  RunCrashTrials(options, dir.path() + "/cache", dir.path());
}

}  // namespace
}  // namespace semble::crash
