// Copyright 2026 The semble Authors.
//
// The JSON shapes of the semantic cache's routes (docs/API.md, "Semantic caches"): requests read,
// results written. Field names follow the Vectorize API's camelCase.

#ifndef SEMBLE_SRC_WIRE_CACHE_JSON_H_
#define SEMBLE_SRC_WIRE_CACHE_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/json_writer.h"
#include "semble/semantic_cache.h"
#include "semble/status.h"

namespace semble::wire {

struct CreateCacheBody {
  std::string name;
  SemanticCacheConfig config;  // fields not given keep their defaults
};
// {"name", "config": {"model", "threshold", "defaultTtlSeconds", "maxEntries", "scopeFields",
// "maxResponseBytes", "matchNumbers"}}; config is optional. Ranges are the cache's to check.
Result<CreateCacheBody> ParseCreateCache(std::string_view body);
// {"prompt", "scope"?: {field: string}, "threshold"?}
Result<CacheLookupRequest> ParseCacheLookup(std::string_view body);
// {"prompt", "response": string, "scope"?, "ttl"? (seconds), "tokens"?}
Result<CacheStoreRequest> ParseCacheStore(std::string_view body);
struct InvalidateCacheBody {
  std::vector<std::string> keys;
  std::string filter_json;  // "" unless a filter was given
};
// {"keys": [string]} or {"filter": {...}}, exactly one of them.
Result<InvalidateCacheBody> ParseCacheInvalidate(std::string_view body);

void WriteCacheDescription(const CacheDescription& d, core::JsonWriter* w);
// {"hit", "bestScore"} and, on a hit, {"key", "response", "score", "ageMs"}.
void WriteCacheLookup(const CacheLookupResult& r, core::JsonWriter* w);
void WriteCacheStats(const CacheStats& s, core::JsonWriter* w);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_CACHE_JSON_H_
