// Copyright 2026 The semble Authors.

#include "storage/content_hash.h"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>

namespace semble::storage {
namespace {

std::string Hex(const XXH128_hash_t& h) {
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64 "%016" PRIx64, static_cast<uint64_t>(h.high64),
                static_cast<uint64_t>(h.low64));
  return buf;
}

}  // namespace

std::string ContentHash(std::string_view data) {
  return Hex(XXH3_128bits(data.data(), data.size()));
}

struct ContentHasher::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

ContentHasher::ContentHasher() : state_(std::make_unique<State>()) {
  XXH3_128bits_reset(state_->xxh);
}

ContentHasher::~ContentHasher() = default;

void ContentHasher::Update(std::string_view piece) {
  XXH3_128bits_update(state_->xxh, piece.data(), piece.size());
}

std::string ContentHasher::Finish() const { return Hex(XXH3_128bits_digest(state_->xxh)); }

}  // namespace semble::storage
