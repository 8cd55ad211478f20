// Copyright 2026 The semble Authors.
//
// Reads the env file tests/services/radosgw.sh writes (AWS_ENDPOINT_URL=..., one a line) into the
// options of an S3 store. Shared by the s3 tests (radosgw_env.h) and bench/store_bench.cc, so it
// reports errors as a Status instead of through a test framework.

#ifndef SEMBLE_TESTS_UTIL_AWS_ENV_FILE_H_
#define SEMBLE_TESTS_UTIL_AWS_ENV_FILE_H_

#include <fstream>
#include <string>

#include "semble/object_store.h"

namespace semble::test {

inline Result<ObjectStoreOptions> ReadAwsEnvFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path + " (did radosgw start?)");
  ObjectStoreOptions o;
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
  if (o.endpoint.empty()) return Status::InvalidArgument(path + " names no AWS_ENDPOINT_URL");
  return o;
}

}  // namespace semble::test

#endif  // SEMBLE_TESTS_UTIL_AWS_ENV_FILE_H_
