// Copyright 2026 The semble Authors.

#include "server/cache_set.h"

namespace semble::server {

Result<std::shared_ptr<SemanticCache>> CacheSet::Get(const std::string& name) {
  std::lock_guard lock(mu_);
  if (auto it = open_.find(name); it != open_.end()) return it->second;
  // Opening reads every entry's store time; under the lock, so that two first requests do not
  // open two copies whose counters and recency would diverge.
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<SemanticCache> cache, SemanticCache::Open(db_, name));
  std::shared_ptr<SemanticCache> shared = std::move(cache);
  open_[name] = shared;
  return shared;
}

Result<std::shared_ptr<SemanticCache>> CacheSet::Create(const std::string& name,
                                                        const SemanticCacheConfig& config) {
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<SemanticCache> cache,
                          SemanticCache::Create(db_, models_, name, config));
  std::shared_ptr<SemanticCache> shared = std::move(cache);
  std::lock_guard lock(mu_);
  open_[name] = shared;
  return shared;
}

Status CacheSet::Delete(const std::string& name) {
  // Only caches: this route must not delete an ordinary index by mistake.
  SEMBLE_ASSIGN_OR_RETURN(std::shared_ptr<SemanticCache> cache, Get(name));
  (void)cache;
  Forget(name);
  return db_->DeleteIndex(name);
}

void CacheSet::Forget(const std::string& name) {
  std::lock_guard lock(mu_);
  open_.erase(name);
}

}  // namespace semble::server
