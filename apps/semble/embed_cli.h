// Copyright 2026 The semble Authors.
//
// `semble embed` (text to vectors with a local model) and `semble model pull|list`.

#ifndef SEMBLE_APPS_SEMBLE_EMBED_CLI_H_
#define SEMBLE_APPS_SEMBLE_EMBED_CLI_H_

#include "cli.h"

namespace semble::cli {

CLI::App* AddEmbedCommand(CLI::App* app, Context* ctx);
CLI::App* AddModelCommand(CLI::App* app, Context* ctx);

// The models directory for this run: $SEMBLE_MODELS_DIR, else <data dir>/models.
std::string ModelsDir(const Context& ctx);

}  // namespace semble::cli

#endif  // SEMBLE_APPS_SEMBLE_EMBED_CLI_H_
