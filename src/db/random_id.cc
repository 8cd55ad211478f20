// Copyright 2026 The semble Authors.

#include "db/random_id.h"

#include <cinttypes>
#include <cstdio>
#include <mutex>
#include <random>

namespace semble::db {

std::string RandomHex64(uint64_t* value) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  uint64_t v;
  {
    std::lock_guard lock(mu);
    v = rng();
  }
  if (value != nullptr) *value = v;
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

}  // namespace semble::db
