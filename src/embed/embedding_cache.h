// Copyright 2026 The semble Authors.
//
// Text -> vector cache keyed by a 128-bit content hash (XXH3) of model id, pooling, normalisation
// and text. Bounded LRU in memory; persisted as one file whose XXH64 trailer is checked on load,
// so a damaged file is dropped (the cache starts empty) and can never return a wrong vector.

#ifndef SEMBLE_SRC_EMBED_EMBEDDING_CACHE_H_
#define SEMBLE_SRC_EMBED_EMBEDDING_CACHE_H_

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "semble/embedder.h"
#include "semble/env.h"

namespace semble::embed {

struct CacheKey {
  uint64_t lo = 0, hi = 0;
  bool operator==(const CacheKey& o) const { return lo == o.lo && hi == o.hi; }
};

class EmbeddingCache {
 public:
  EmbeddingCache(size_t capacity, size_t dims) : capacity_(capacity), dims_(dims) {}

  static CacheKey Key(std::string_view model_id, Pooling pooling, bool normalize,
                      std::string_view text);

  // Copies the vector into *out and counts a hit; counts a miss otherwise.
  bool Lookup(const CacheKey& key, std::vector<float>* out);
  void Insert(const CacheKey& key, const std::vector<float>& v);
  EmbeddingCacheStats stats() const;

  // Load replaces the contents with the file's when it is intact; a missing file is OK, a damaged
  // one is reported as Corruption and leaves the cache empty (callers ignore it and rebuild).
  Status Load(Env* env, const std::string& path);
  Status Save(Env* env, const std::string& path) const;

 private:
  struct KeyHash {
    size_t operator()(const CacheKey& k) const { return static_cast<size_t>(k.lo); }
  };
  struct Entry {
    CacheKey key;
    std::vector<float> v;
  };
  void InsertLocked(const CacheKey& key, std::vector<float> v);

  const size_t capacity_, dims_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<CacheKey, std::list<Entry>::iterator, KeyHash> index_;
  uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace semble::embed

#endif  // SEMBLE_SRC_EMBED_EMBEDDING_CACHE_H_
