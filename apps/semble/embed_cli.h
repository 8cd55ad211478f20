// Copyright 2026 The semble Authors.
//
// `semble embed` (text to vectors with a local model) and `semble model pull|list`.

#ifndef SEMBLE_APPS_SEMBLE_EMBED_CLI_H_
#define SEMBLE_APPS_SEMBLE_EMBED_CLI_H_

#include <memory>
#include <string>
#include <vector>

#include "cli.h"
#include "semble/model_registry.h"

namespace semble::cli {

CLI::App* AddEmbedCommand(CLI::App* app, Context* ctx);
CLI::App* AddModelCommand(CLI::App* app, Context* ctx);

// The models directory for this run: $SEMBLE_MODELS_DIR, else <data dir>/models.
std::string ModelsDir(const Context& ctx);

// The options of a registry over this run's models directory, with `threads` encoder threads and
// the data directory's embedding cache unless no_cache.
ModelRegistryOptions LocalModelOptions(const Context& ctx, int threads, bool no_cache);

// The registry the command's database embeds with (DatabaseOptions::models): every core, the
// data directory's embedding cache, the default aliases. Made on first use and kept for the
// process.
ModelRegistry* LocalModels(const Context& ctx);
// Writes the embedding caches of LocalModels, if it was made (once, when the command ends).
void SaveLocalModelCaches();

}  // namespace semble::cli

#endif  // SEMBLE_APPS_SEMBLE_EMBED_CLI_H_
