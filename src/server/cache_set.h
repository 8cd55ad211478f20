// Copyright 2026 The semble Authors.
//
// The server's semantic caches, each opened once and shared by every request (a cache keeps its
// recency order and counters in memory). Thread-safe.

#ifndef SEMBLE_SRC_SERVER_CACHE_SET_H_
#define SEMBLE_SRC_SERVER_CACHE_SET_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/semantic_cache.h"

namespace semble::server {

class CacheSet {
 public:
  CacheSet(Database* db, ModelRegistry* models) : db_(db), models_(models) {}

  // The open cache `name`, opening it on first use.
  Result<std::shared_ptr<SemanticCache>> Get(const std::string& name);
  Result<std::shared_ptr<SemanticCache>> Create(const std::string& name,
                                                const SemanticCacheConfig& config);
  // Deletes the cache's index. NotFound when `name` is not a cache.
  Status Delete(const std::string& name);
  // Drops the open handle of `name` (its index was deleted or replaced behind the set's back).
  void Forget(const std::string& name);
  Result<std::vector<CacheDescription>> List() { return SemanticCache::List(db_); }

 private:
  Database* db_;
  ModelRegistry* models_;
  std::mutex mu_;  // guards open_
  std::map<std::string, std::shared_ptr<SemanticCache>> open_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_CACHE_SET_H_
