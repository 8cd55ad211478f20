// Copyright 2026 The semble Authors.
//
// A semantic cache's settings: their ranges, and the JSON form kept in the index configuration
// (IndexConfig::cache_json), which must read back exactly what was written.

#ifndef SEMBLE_SRC_CACHE_CACHE_CONFIG_H_
#define SEMBLE_SRC_CACHE_CACHE_CONFIG_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "semble/semantic_cache.h"
#include "semble/status.h"

namespace semble::cache {

// Longest prompt a cache takes, in bytes. Prompts are embedded (the model reads at most its token
// limit) and stored whole with their entry, so that the number guard can compare them.
constexpr uint64_t kMaxPromptBytes = 16 * 1024;
constexpr uint64_t kMaxResponseBytes = 256 * 1024;
constexpr uint64_t kMaxEntries = 10'000'000;
constexpr size_t kMaxScopeFields = 8;
constexpr size_t kMaxScopeValueBytes = 256;

// InvalidArgument naming the first setting outside its range (SemanticCacheConfig's comments).
Status ValidateCacheConfig(const SemanticCacheConfig& config);

// Canonical JSON of a valid config; model is stored as given (the caller resolves aliases first).
std::string CacheConfigToJson(const SemanticCacheConfig& config);
// The config of a CacheConfigToJson text; Corruption when it does not parse or is out of range.
Result<SemanticCacheConfig> CacheConfigFromJson(std::string_view json);

// The metadata limit of a cache's index: room for the largest prompt and response with their
// entry's other fields.
uint64_t CacheMetadataBytes(const SemanticCacheConfig& config);

}  // namespace semble::cache

#endif  // SEMBLE_SRC_CACHE_CACHE_CONFIG_H_
