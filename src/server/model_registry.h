// Copyright 2026 The semble Authors.
//
// The embedding models a server offers: the models installed in its models directory, by id, plus
// aliases (e.g. "@cf/baai/bge-small-en-v1.5" -> "all-MiniLM-L6-v2-q4") so that clients written for
// Workers AI run unchanged. An alias names other weights than the model it imitates; vectors from
// an alias are only comparable with vectors of the model it points to here.
//
// Embedders are loaded on first use, one per (model, pooling), and kept for the server's life.

#ifndef SEMBLE_SRC_SERVER_MODEL_REGISTRY_H_
#define SEMBLE_SRC_SERVER_MODEL_REGISTRY_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "semble/embedder.h"
#include "semble/env.h"
#include "semble/status.h"

namespace semble::server {

class ModelRegistry {
 public:
  // `base` is copied for every embedder (threads, cache size); its pooling is replaced per model.
  ModelRegistry(Env* env, std::string models_dir, EmbedderOptions base);

  // Adds an alias. The target need not be installed yet; Canonical reports it when used.
  void AddAlias(std::string alias, std::string model_id);

  // The installed model ids (usable ones only, their files checked against pinned digests),
  // sorted. Read once at construction: a model installed later is seen after a restart.
  const std::vector<std::string>& Installed() const { return installed_; }
  const std::map<std::string, std::string>& aliases() const { return aliases_; }

  // A model id or alias to the installed model id. NotFound lists what is installed.
  Result<std::string> Canonical(std::string_view name) const;

  // The embedder for an installed model id and pooling, loading it on first use.
  Result<Embedder*> Get(const std::string& model_id, Pooling pooling);

  // Summed over every loaded embedder.
  EmbeddingCacheStats CacheStats() const;

 private:
  Env* env_;
  std::string models_dir_;
  EmbedderOptions base_;
  std::map<std::string, std::string> aliases_;
  std::vector<std::string> installed_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, Pooling>, std::unique_ptr<Embedder>> loaded_;
};

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_MODEL_REGISTRY_H_
