// Copyright 2026 The semble Authors.
//
// The embedding models a process offers, shared by everything in it that turns text into vectors:
// a database's indexes bound to a model (DatabaseOptions::models), the server's embedding
// endpoints and the CLI. One registry per process means one copy of each model's weights and one
// embedding cache, whoever asks.
//
// Models are the ones installed in a models directory (semble/model_store.h), by id, plus aliases
// (e.g. "@cf/baai/bge-small-en-v1.5" -> "all-MiniLM-L6-v2-q4") so that clients written for
// Workers AI run unchanged. An alias names other weights than the model it imitates; vectors from
// an alias are only comparable with vectors of the model it points to here.
//
// Embedders are loaded on first use, one per (model, pooling, normalisation), and kept for the
// registry's life. Thread-safe.

#ifndef SEMBLE_INCLUDE_SEMBLE_MODEL_REGISTRY_H_
#define SEMBLE_INCLUDE_SEMBLE_MODEL_REGISTRY_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "semble/embedder.h"
#include "semble/env.h"
#include "semble/status.h"

namespace semble {

struct ModelRegistryOptions {
  // Where models are installed (DefaultModelsDir(data_dir) is the usual choice).
  std::string models_dir;
  // Copied for every embedder (threads, in-memory cache entries); pooling and normalize are set per
  // embedder and cache_file per cache_dir below.
  EmbedderOptions embedder;
  // When not empty, each embedder keeps its cache in
  // <cache_dir>/embeddings-<model>-<pooling>[-raw].bin (read at load, written by SaveCaches), so
  // repeated texts are free across runs. One file per way of making vectors: a cache never answers
  // with another kind.
  std::string cache_dir;
  Env* env = nullptr;  // nullptr: Env::Default()
};

// What every front end accepts as texts to embed, so that they agree: at least one text, none
// empty (Workers AI's and OpenAI's rule; whitespace is a text). InvalidArgument names the first
// empty one by its position.
Status CheckTexts(const std::vector<std::string>& texts);

// Names users type for the default model, resolved to it by every registry: the upstream names
// of all-MiniLM-L6-v2 (the weights it quantises) and Workers AI's small English model, whose shape
// (384 dimensions, cosine) it shares — the weights differ, so vectors are only comparable with
// this server's own.
inline constexpr const char* kDefaultModelAliases[] = {
    "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2", "Xenova/all-MiniLM-L6-v2",
    "@cf/baai/bge-small-en-v1.5"};

class ModelRegistry {
 public:
  explicit ModelRegistry(ModelRegistryOptions options);
  ~ModelRegistry();
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  // Adds an alias. The target need not be installed yet; Canonical reports it when used. Aliases
  // are set up before the registry is shared between threads; they are read without a lock.
  void AddAlias(std::string alias, std::string model_id);

  // The installed model ids (usable ones only, their files checked against pinned digests),
  // sorted. Read once, on first use (checking digests costs a read of the weights, which a
  // process that never asks should not pay): a model installed later is seen after a restart.
  const std::vector<std::string>& Installed() const;
  const std::map<std::string, std::string>& aliases() const { return aliases_; }
  const std::string& models_dir() const { return options_.models_dir; }

  // A model id or alias to the installed model id. NotFound (reason kModelNotFound) lists what
  // is installed.
  Result<std::string> Canonical(std::string_view name) const;

  // The embedder for a model (an installed id, an alias, or a model directory path) with this
  // pooling and normalisation, loading it on first use. The pointer lives as long as the registry.
  // Errors carry reason kModelNotFound when the model is not there.
  Result<Embedder*> Get(const std::string& model, Pooling pooling, bool normalize = true);

  // Embeds texts with a model (as Get) and pooling; one vector per text, in order. Refuses empty
  // texts (CheckTexts).
  Result<std::vector<std::vector<float>>> Embed(const std::string& model, Pooling pooling,
                                                const std::vector<std::string>& texts);

  // Summed over every loaded embedder.
  EmbeddingCacheStats CacheStats() const;

  // Writes every loaded embedder's cache file (with cache_dir). Failing to save is reported but
  // loses nothing: the cache is an optimisation.
  Status SaveCaches();

 private:
  ModelRegistryOptions options_;
  std::map<std::string, std::string> aliases_;
  mutable std::once_flag installed_once_;
  mutable std::vector<std::string> installed_;
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, Pooling, bool>, std::unique_ptr<Embedder>> loaded_;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_MODEL_REGISTRY_H_
