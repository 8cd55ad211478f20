// Copyright 2026 The semble Authors.
//
// The etcd cluster ctest started (tests/services/etcd.sh through the `etcd` fixture), and private
// clusters for tests that kill members. A machine without etcd fails the fixture and with it these
// tests: they are never skipped.

#ifndef SEMBLE_TESTS_CLUSTER_ETCD_FIXTURE_H_
#define SEMBLE_TESTS_CLUSTER_ETCD_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "cluster/etcd_client.h"

namespace semble::cluster::testing {

// SEMBLE_ETCD_ENDPOINTS from an env file etcd.sh wrote.
inline std::vector<std::string> EndpointsFromEnvFile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  const std::string key = "SEMBLE_ETCD_ENDPOINTS=";
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      auto parsed = ParseEtcdUrl(line.substr(key.size()));
      if (parsed.ok()) return *parsed;
    }
  }
  return {};
}

// The shared cluster's endpoints; fails the test if the fixture did not run.
inline std::vector<std::string> SharedEndpoints() {
  const char* env = std::getenv("SEMBLE_ETCD_ENV");
  EXPECT_NE(env, nullptr) << "SEMBLE_ETCD_ENV is not set: run through ctest (fixture etcd)";
  if (env == nullptr) return {};
  auto endpoints = EndpointsFromEnvFile(env);
  EXPECT_FALSE(endpoints.empty()) << "no endpoints in " << env;
  return endpoints;
}

// A key prefix no other test (or earlier run) uses.
inline std::string UniquePrefix(const std::string& test) {
  std::random_device rd;
  return "/test/" + test + "/" + std::to_string(getpid()) + "-" + std::to_string(rd()) + "/";
}

// A cluster of its own, for tests that kill and revive members.
class PrivateEtcd {
 public:
  explicit PrivateEtcd(const std::string& name) {
    script_ = SEMBLE_ETCD_SCRIPT;
    dir_ = ::testing::TempDir() + "etcd-" + name + "-" + std::to_string(getpid());
    ok_ = Run("start " + dir_);
    if (ok_) endpoints_ = EndpointsFromEnvFile(dir_ + "/env");
  }
  // Stops the members it started. Their data and logs (~180 MB) are removed unless the test
  // failed, when they are what tells why.
  ~PrivateEtcd() {
    if (script_.empty()) return;
    Run("stop " + dir_);
    if (!::testing::Test::HasFailure()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }
  bool ok() const { return ok_ && !endpoints_.empty(); }
  const std::vector<std::string>& endpoints() const { return endpoints_; }
  bool Kill(int member) { return Run("kill " + dir_ + " " + std::to_string(member)); }
  bool Revive(int member) { return Run("revive " + dir_ + " " + std::to_string(member)); }

 private:
  bool Run(const std::string& args) {
    return std::system((script_ + " " + args + " >/dev/null").c_str()) == 0;
  }
  std::string script_;
  std::string dir_;
  bool ok_ = false;
  std::vector<std::string> endpoints_;
};

}  // namespace semble::cluster::testing

#endif  // SEMBLE_TESTS_CLUSTER_ETCD_FIXTURE_H_
