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
#include <fstream>
#include <string>

#include "semble/object_store.h"
#include "storage/object_stores.h"

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
    std::ifstream in(path);
    if (!in) ADD_FAILURE() << "cannot read " << path << " (did the radosgw fixture start?)";
    std::string line;
    while (std::getline(in, line)) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string name = line.substr(0, eq), value = line.substr(eq + 1);
      if (name == "AWS_ENDPOINT_URL") o.endpoint = value;
      if (name == "AWS_ACCESS_KEY_ID") o.access_key_id = value;
      if (name == "AWS_SECRET_ACCESS_KEY") o.secret_access_key = value;
      if (name == "AWS_REGION") o.region = value;
    }
    if (o.endpoint.empty()) ADD_FAILURE() << path << " names no AWS_ENDPOINT_URL";
    return o;
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
