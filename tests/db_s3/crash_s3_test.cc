// Copyright 2026 The semble Authors.
//
// Crash trials (crash/crash_trials.h) on radosgw: the writer is killed with SIGKILL at random
// points, and every acknowledged write must be read back from the bucket into an empty cache.

#include "crash/crash_trials.h"
#include "util/radosgw_env.h"

namespace semble::crash {
namespace {

TEST(CrashS3Test, AcknowledgedMutationsSurviveSigkillInABucket) {
  test::TempDir dir;
  DatabaseOptions options;
  options.store_url = "s3://" + test::NewRadosgwBucket() + "/crash";
  options.store_options = test::RadosgwOptions();
  options.store_gc_grace_ms = 0;
  RunCrashTrials(options, dir.path() + "/cache", dir.path());
}

}  // namespace
}  // namespace semble::crash
