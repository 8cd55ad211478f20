// Copyright 2026 The semble Authors.

#include "server/model_registry.h"

#include "semble/model_store.h"

namespace semble::server {

ModelRegistry::ModelRegistry(Env* env, std::string models_dir, EmbedderOptions base)
    : env_(env), models_dir_(std::move(models_dir)), base_(std::move(base)) {
  auto models = ListModels(env_, models_dir_);
  if (!models.ok()) return;
  for (const InstalledModel& m : *models) {
    if (m.problem.empty()) installed_.push_back(m.id);
  }
}

void ModelRegistry::AddAlias(std::string alias, std::string model_id) {
  aliases_[std::move(alias)] = std::move(model_id);
}

Result<std::string> ModelRegistry::Canonical(std::string_view name) const {
  std::string id(name);
  if (auto it = aliases_.find(id); it != aliases_.end()) id = it->second;
  const std::vector<std::string>& installed = installed_;
  for (const std::string& m : installed) {
    if (m == id) return id;
  }
  std::string list;
  for (const std::string& m : installed) list += (list.empty() ? "" : ", ") + m;
  for (const auto& [alias, target] : aliases_) {
    list += (list.empty() ? "" : ", ") + alias + " (alias of " + target + ")";
  }
  return Status::NotFound("model \"" + std::string(name) + "\" is not installed" +
                          (id != name ? " (it is an alias of \"" + id + "\")" : "") +
                          "; available: " + (list.empty() ? "none" : list));
}

Result<Embedder*> ModelRegistry::Get(const std::string& model_id, Pooling pooling) {
  std::lock_guard lock(mu_);
  auto key = std::make_pair(model_id, pooling);
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second.get();
  SEMBLE_ASSIGN_OR_RETURN(std::string dir, ResolveModel(env_, models_dir_, model_id));
  EmbedderOptions options = base_;
  options.pooling = pooling;
  SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<Embedder> e, Embedder::Open(dir, options));
  Embedder* raw = e.get();
  loaded_.emplace(std::move(key), std::move(e));
  return raw;
}

EmbeddingCacheStats ModelRegistry::CacheStats() const {
  std::lock_guard lock(mu_);
  EmbeddingCacheStats total;
  for (const auto& [key, e] : loaded_) {
    const EmbeddingCacheStats s = e->cache_stats();
    total.hits += s.hits;
    total.misses += s.misses;
    total.entries += s.entries;
  }
  return total;
}

}  // namespace semble::server
