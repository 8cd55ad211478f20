// Copyright 2026 The semble Authors.

#include "storage/content_hash.h"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>

namespace semble::storage {

std::string ContentHash(std::string_view data) {
  const XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64 "%016" PRIx64, static_cast<uint64_t>(h.high64),
                static_cast<uint64_t>(h.low64));
  return buf;
}

}  // namespace semble::storage
