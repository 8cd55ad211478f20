// Copyright 2026 The semble Authors.
//
// The radosgw that ctest starts for the tests labelled s3 (tests/services/radosgw.sh, the
// "radosgw" fixture): its endpoint and user come from the file SEMBLE_S3_ENV names. Without it a
// test fails: tests that need radosgw are never skipped.

#ifndef SEMBLE_TESTS_UTIL_RADOSGW_ENV_H_
#define SEMBLE_TESTS_UTIL_RADOSGW_ENV_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "semble/object_store.h"
#include "storage/object_stores.h"
#include "util/aws_env_file.h"

namespace semble::test {

inline ObjectStoreOptions RadosgwOptions() {
  static const ObjectStoreOptions options = [] {
    ObjectStoreOptions o;
    const char* path = std::getenv("SEMBLE_S3_ENV");
    if (path == nullptr) {
      ADD_FAILURE() << "SEMBLE_S3_ENV is not set: run these tests through ctest, which starts "
                       "radosgw (tests/services/radosgw.sh) first";
      return o;
    }
    auto read = ReadAwsEnvFile(path);
    if (!read.ok()) ADD_FAILURE() << read.status().ToString();
    return read.ok() ? *read : o;
  }();
  return options;
}

// A bucket no other test (or test process: ctest runs each test in its own) uses.
inline std::string NewRadosgwBucket() {
  static std::atomic<int> counter{0};
  const std::string name = "semble-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  const Status s = storage::CreateS3Bucket(name, RadosgwOptions());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return name;
}

}  // namespace semble::test

#endif  // SEMBLE_TESTS_UTIL_RADOSGW_ENV_H_
