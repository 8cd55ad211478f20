// Copyright 2026 The semble Authors.

#include "semble/model_registry.h"

#include "semble/model_store.h"

namespace semble {
namespace {

// A missing model directory or file: the model is not (completely) installed.
Status ModelNotFoundIfMissing(const Status& s) {
  return s.code() == Status::Code::kNotFound ? s.WithReason(Status::Reason::kModelNotFound) : s;
}

}  // namespace

Status CheckTexts(const std::vector<std::string>& texts) {
  if (texts.empty()) return Status::InvalidArgument("no text to embed");
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].empty()) return Status::InvalidArgument("text " + std::to_string(i) + " is empty");
  }
  return Status::OK();
}

ModelRegistry::ModelRegistry(ModelRegistryOptions options) : options_(std::move(options)) {
  if (options_.env == nullptr) options_.env = Env::Default();
  for (const char* alias : kDefaultModelAliases) aliases_[alias] = std::string(kDefaultModelId);
}

const std::vector<std::string>& ModelRegistry::Installed() const {
  std::call_once(installed_once_, [this] {
    auto models = ListModels(options_.env, options_.models_dir);
    if (!models.ok()) return;
    for (const InstalledModel& m : *models) {
      if (m.problem.empty()) installed_.push_back(m.id);
    }
  });
  return installed_;
}

ModelRegistry::~ModelRegistry() = default;

void ModelRegistry::AddAlias(std::string alias, std::string model_id) {
  aliases_[std::move(alias)] = std::move(model_id);
}

Result<std::string> ModelRegistry::Canonical(std::string_view name) const {
  std::string id(name);
  if (auto it = aliases_.find(id); it != aliases_.end()) id = it->second;
  const std::vector<std::string>& installed = Installed();
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
                          "; available: " + (list.empty() ? "none" : list))
      .WithReason(Status::Reason::kModelNotFound);
}

Result<Embedder*> ModelRegistry::Get(const std::string& model, Pooling pooling, bool normalize) {
  std::string name = model;
  if (auto it = aliases_.find(name); it != aliases_.end()) name = it->second;
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(name, pooling, normalize);
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second.get();
  auto dir = ResolveModel(options_.env, options_.models_dir, name);
  if (!dir.ok()) return ModelNotFoundIfMissing(dir.status());
  EmbedderOptions options = options_.embedder;
  options.pooling = pooling;
  options.normalize = normalize;
  options.env = options_.env;
  if (!options_.cache_dir.empty() && options_.env->CreateDir(options_.cache_dir).ok()) {
    if (options.cache_entries == 0) options.cache_entries = 100000;
    const size_t slash = dir->rfind('/');
    const std::string id = slash == std::string::npos ? *dir : dir->substr(slash + 1);
    options.cache_file = options_.cache_dir + "/embeddings-" + id + "-" +
                         std::string(PoolingName(pooling)) + (normalize ? "" : "-raw") + ".bin";
  }
  auto e = Embedder::Open(*dir, options);
  if (!e.ok()) {
    // A file missing from the model's directory: the model is not (completely) installed.
    return ModelNotFoundIfMissing(e.status());
  }
  Embedder* raw = e->get();
  loaded_.emplace(std::move(key), std::move(e).value());
  return raw;
}

Result<std::vector<std::vector<float>>> ModelRegistry::Embed(const std::string& model,
                                                             Pooling pooling,
                                                             const std::vector<std::string>& texts) {
  SEMBLE_RETURN_IF_ERROR(CheckTexts(texts));
  SEMBLE_ASSIGN_OR_RETURN(Embedder * embedder, Get(model, pooling));
  return embedder->Embed(texts);
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

Status ModelRegistry::SaveCaches() {
  std::lock_guard lock(mu_);
  Status first;
  for (auto& [key, e] : loaded_) {
    Status s = e->SaveCache();
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

}  // namespace semble
